//! winlaps' DCE/RPC and auth layer against a server it did not write: a Samba 4.22 AD DC
//! (scripts/samba-dc). The DC is found through WINLAPS_SAMBA_ENV (the fixture's env file);
//! without it each test says why in one line and passes, except under CI=true, where a
//! missing DC fails.

use std::time::Duration;

use laps_client::{
    lookup_port, AuthProtocol, ClientContext, ConnectOptions, Credentials, ErrorDetail, GkdiClient,
    RpcConnection, Timeouts,
};
use laps_rpc::client::ClientConfig;
use laps_rpc::gkdi::GKDI_INTERFACE;
use laps_rpc::ndr::TransferSyntax;
use laps_rpc::pdu::SyntaxId;

mod common;
use common::{dc, Dc};

/// The DCE management interface `afa8bd80-7d8a-11c9-bef4-08002b102989` v1.0, which Samba
/// serves on its endpoints; `inq_if_ids` (opnum 0) takes no arguments.
const MGMT: &str = "afa8bd80-7d8a-11c9-bef4-08002b102989";
/// LSARPC `12345778-1234-abcd-ef00-0123456789ab` v0.0, registered at Samba's endpoint mapper.
const LSARPC: &str = "12345778-1234-abcd-ef00-0123456789ab";

fn syntax(uuid: &str, version: u16) -> SyntaxId {
    SyntaxId::new(uuid.parse().unwrap(), version, 0)
}

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        io: Duration::from_secs(10),
        exchange: Duration::from_secs(20),
    }
}

fn ndr_config() -> ClientConfig {
    ClientConfig {
        transfer_syntaxes: vec![TransferSyntax::Ndr],
        ..ClientConfig::default()
    }
}

#[test]
fn samba_epm_lookup_finds_lsarpc() {
    let Some(dc) = dc() else { return };
    let port = lookup_port(dc.host(), 135, syntax(LSARPC, 0), &ndr_config(), timeouts()).unwrap();
    assert!(port > 0);
}

#[test]
fn samba_epm_has_no_gkdi_endpoint() {
    let Some(dc) = dc() else { return };
    let err = lookup_port(
        dc.host(),
        135,
        GKDI_INTERFACE,
        &ClientConfig::default(),
        timeouts(),
    )
    .unwrap_err();
    assert_eq!(err.detail(), ErrorDetail::NoGkdiEndpoint, "{err}");
}

#[test]
fn samba_get_key_gives_the_no_gkdi_endpoint_error() {
    let Some(dc) = dc() else { return };
    let opts = ConnectOptions {
        protocol: AuthProtocol::Ntlm,
        auth: dc.auth_options(),
        timeouts: timeouts(),
        ..ConnectOptions::default()
    };
    let err = GkdiClient::connect(dc.host(), &dc.helpdesk(false), &opts).unwrap_err();
    assert_eq!(err.detail(), ErrorDetail::NoGkdiEndpoint, "{err}");
    assert!(
        err.to_string()
            .contains("b9785960-524f-11df-8b6d-83dcded72085"),
        "{err}"
    );
}

/// Binds to the management interface on LSARPC's endpoint, authenticated and sealed
/// (PKT_PRIVACY), and calls `inq_if_ids`: a sealed request and a sealed response that must
/// unseal and carry status 0.
fn sealed_mgmt_call(dc: &Dc, protocol: AuthProtocol, header_signing: bool) {
    let config = ClientConfig {
        header_signing,
        ..ndr_config()
    };
    let port = lookup_port(dc.host(), 135, syntax(LSARPC, 0), &config, timeouts()).unwrap();
    let creds = dc.helpdesk(protocol != AuthProtocol::Ntlm);
    let ctx = ClientContext::new(protocol, &creds, dc.host(), &dc.auth_options()).unwrap();
    let mut conn = RpcConnection::connect(
        dc.host(),
        port,
        syntax(MGMT, 1),
        Some(Box::new(ctx)),
        &config,
        timeouts(),
    )
    .unwrap_or_else(|e| panic!("{protocol:?} bind: {e}"));
    assert_eq!(conn.header_signing(), header_signing);
    for _ in 0..2 {
        let stub = conn
            .call(0, &[])
            .unwrap_or_else(|e| panic!("{protocol:?} inq_if_ids: {e}"));
        assert!(stub.len() >= 8, "response stub of {} bytes", stub.len());
        assert_eq!(&stub[stub.len() - 4..], &[0, 0, 0, 0], "inq_if_ids status");
    }
}

#[test]
fn samba_sealed_call_with_ntlm() {
    let Some(dc) = dc() else { return };
    sealed_mgmt_call(&dc, AuthProtocol::Ntlm, true);
    sealed_mgmt_call(&dc, AuthProtocol::Ntlm, false);
}

#[test]
fn samba_sealed_call_with_kerberos() {
    let Some(dc) = dc() else { return };
    sealed_mgmt_call(&dc, AuthProtocol::Kerberos, false);
    sealed_mgmt_call(&dc, AuthProtocol::Kerberos, true);
}

#[test]
fn samba_sealed_call_with_negotiate() {
    let Some(dc) = dc() else { return };
    sealed_mgmt_call(&dc, AuthProtocol::Negotiate, false);
    sealed_mgmt_call(&dc, AuthProtocol::Negotiate, true);
}

#[test]
fn samba_rejects_a_wrong_password() {
    let Some(dc) = dc() else { return };
    for protocol in [AuthProtocol::Ntlm, AuthProtocol::Kerberos] {
        let port =
            lookup_port(dc.host(), 135, syntax(LSARPC, 0), &ndr_config(), timeouts()).unwrap();
        let upn = protocol == AuthProtocol::Kerberos;
        let good = dc.helpdesk(upn);
        let creds = Credentials::new(good.user(), "not-the-password".into()).unwrap();
        let result = ClientContext::new(protocol, &creds, dc.host(), &dc.auth_options())
            .map_err(|e| e.detail())
            .and_then(|ctx| {
                RpcConnection::connect(
                    dc.host(),
                    port,
                    syntax(MGMT, 1),
                    Some(Box::new(ctx)),
                    &ndr_config(),
                    timeouts(),
                )
                .and_then(|mut c| c.call(0, &[]))
                .map_err(|e| e.detail())
            });
        let kind = result.unwrap_err();
        assert_eq!(kind, ErrorDetail::AuthFailed, "{protocol:?}");
    }
}
