//! Test-only security contexts: a deterministic toy "GSS mechanism" (HMAC-SHA256 keystream
//! and MAC over a shared key) that exercises every path of the auth contract: token legs
//! (NTLM-style 3 legs with auth3, Kerberos-style 2 legs, SPNEGO-style 4 legs via
//! alter_context), sealing, signing, header signing and sequence numbers.
//!
//! It is NOT a real security mechanism; real NTLM/Kerberos contexts come from laps-client
//! (the `sspi` crate).
#![allow(dead_code, unreachable_pub)]

use core::ops::Range;
use hmac::{Hmac, Mac};
use laps_rpc::auth::{AcceptorFactory, AuthError, AuthStep, AuthType, SecurityContext};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

type H = Hmac<Sha256>;

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <H as Mac>::new_from_slice(key).unwrap();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// A toy context. `user`/`secret` on the client; the server looks secrets up in `accounts`.
pub struct ToyContext {
    pub kind: AuthType,
    server: bool,
    user: String,
    secret: Vec<u8>,
    accounts: Vec<(String, Vec<u8>)>,
    leg: u32,
    complete: bool,
    session: Option<[u8; 32]>,
    client_name: Option<String>,
    send_seq: u32,
    recv_seq: u32,
    /// Test hook: corrupt every produced signature.
    pub corrupt: Arc<Mutex<bool>>,
}

impl ToyContext {
    pub fn client(kind: AuthType, user: &str, secret: &str) -> Self {
        ToyContext {
            kind,
            server: false,
            user: user.into(),
            secret: secret.as_bytes().to_vec(),
            accounts: vec![],
            leg: 0,
            complete: false,
            session: None,
            client_name: None,
            send_seq: 0,
            recv_seq: 0,
            corrupt: Arc::new(Mutex::new(false)),
        }
    }

    pub fn server(kind: AuthType, accounts: Vec<(String, Vec<u8>)>) -> Self {
        ToyContext {
            kind,
            server: true,
            user: String::new(),
            secret: vec![],
            accounts,
            leg: 0,
            complete: false,
            session: None,
            client_name: None,
            send_seq: 0,
            recv_seq: 0,
            corrupt: Arc::new(Mutex::new(false)),
        }
    }

    fn key(&self) -> Result<&[u8; 32], AuthError> {
        self.session.as_ref().ok_or(AuthError::NotEstablished)
    }

    /// NTLM covers the whole PDU always; the Kerberos-like kinds only with header signing.
    fn covers_header(&self, header_signing: bool) -> bool {
        header_signing || self.kind == AuthType::Ntlm
    }

    fn dir(&self, sending: bool) -> u8 {
        (sending ^ self.server) as u8
    }

    fn signature(
        &self,
        seq: u32,
        dir: u8,
        pdu: &[u8],
        data: Range<usize>,
        hs: bool,
    ) -> Result<Vec<u8>, AuthError> {
        let key = self.key()?;
        let d = [dir];
        let s = seq.to_le_bytes();
        let t = if self.covers_header(hs) {
            mac(key, &[b"sig", &d, &s, pdu])
        } else {
            mac(key, &[b"sig", &d, &s, &pdu[data]])
        };
        Ok(t[..16].to_vec())
    }

    fn keystream_xor(&self, seq: u32, dir: u8, buf: &mut [u8]) -> Result<(), AuthError> {
        let key = *self.key()?;
        for (i, chunk) in buf.chunks_mut(32).enumerate() {
            let ks = mac(
                &key,
                &[
                    b"enc",
                    &[dir],
                    &seq.to_le_bytes(),
                    &(i as u32).to_le_bytes(),
                ],
            );
            for (b, k) in chunk.iter_mut().zip(ks.iter()) {
                *b ^= k;
            }
        }
        Ok(())
    }
}

impl SecurityContext for ToyContext {
    fn auth_type(&self) -> AuthType {
        self.kind
    }

    fn step(&mut self, input: &[u8]) -> Result<AuthStep, AuthError> {
        self.leg += 1;
        let legs_total = match self.kind {
            AuthType::Ntlm => 3,
            AuthType::Kerberos => 2,
            _ => 4,
        };
        if self.server {
            // Client tokens are "<leg>:<user>:<proof>"; the proof of the last client leg is a
            // MAC of the user name under the secret.
            let text = core::str::from_utf8(input)
                .map_err(|_| AuthError::InvalidToken("not utf-8".into()))?;
            let mut it = text.splitn(3, ':');
            let (_leg, user, proof) = (it.next(), it.next().unwrap_or(""), it.next().unwrap_or(""));
            let secret = self
                .accounts
                .iter()
                .find(|(u, _)| u == user)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| AuthError::Rejected("unknown user".into()))?;
            let server_leg = self.leg * 2; // 2, 4
            let client_final = match self.kind {
                AuthType::Ntlm => self.leg == 2,
                AuthType::Kerberos => self.leg == 1,
                _ => self.leg == 2,
            };
            if client_final {
                let want = hex::encode(mac(&secret, &[b"proof", user.as_bytes()]));
                if proof != want {
                    return Err(AuthError::Rejected("bad proof".into()));
                }
                self.session = Some(mac(&secret, &[b"session", user.as_bytes()]));
                self.complete = true;
                self.client_name = Some(format!("TOY\\{user}"));
                let token = match self.kind {
                    AuthType::Ntlm => Vec::new(),
                    _ => format!("{server_leg}:final").into_bytes(),
                };
                return Ok(AuthStep {
                    token,
                    complete: true,
                });
            }
            let _ = legs_total;
            Ok(AuthStep {
                token: format!("{server_leg}:challenge").into_bytes(),
                complete: false,
            })
        } else {
            let proof = hex::encode(mac(&self.secret, &[b"proof", self.user.as_bytes()]));
            let final_leg = match self.kind {
                AuthType::Ntlm | AuthType::Spnego => self.leg == 2,
                _ => self.leg == 1,
            };
            if self.leg > 1 && input.is_empty() {
                return Err(AuthError::InvalidToken("empty server token".into()));
            }
            if self.kind == AuthType::Kerberos && self.leg == 2 {
                // mutual authentication: the server's AP-REP completes the context
                self.complete = true;
                return Ok(AuthStep {
                    token: Vec::new(),
                    complete: true,
                });
            }
            let token = format!(
                "{}:{}:{}",
                self.leg * 2 - 1,
                self.user,
                if final_leg { proof.as_str() } else { "-" }
            );
            if final_leg {
                self.session = Some(mac(&self.secret, &[b"session", self.user.as_bytes()]));
                // Kerberos completes only on the server's answer; the others now.
                self.complete = self.kind != AuthType::Kerberos;
            }
            Ok(AuthStep {
                token: token.into_bytes(),
                complete: self.complete,
            })
        }
    }

    fn signature_len(&self) -> usize {
        16
    }

    fn seal(&mut self, pdu: &mut [u8], data: Range<usize>, hs: bool) -> Result<Vec<u8>, AuthError> {
        let seq = self.send_seq;
        let dir = self.dir(true);
        let mut sig = self.signature(seq, dir, pdu, data.clone(), hs)?;
        self.keystream_xor(seq, dir, &mut pdu[data])?;
        self.send_seq += 1;
        if *self.corrupt.lock().unwrap() {
            sig[0] ^= 1;
        }
        Ok(sig)
    }

    fn unseal(
        &mut self,
        pdu: &mut [u8],
        data: Range<usize>,
        hs: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError> {
        let seq = self.recv_seq;
        let dir = self.dir(false);
        self.keystream_xor(seq, dir, &mut pdu[data.clone()])?;
        let sig = self.signature(seq, dir, pdu, data, hs)?;
        if sig != auth_value {
            return Err(AuthError::BadSignature);
        }
        self.recv_seq += 1;
        Ok(())
    }

    fn sign(&mut self, pdu: &[u8], data: Range<usize>, hs: bool) -> Result<Vec<u8>, AuthError> {
        let seq = self.send_seq;
        let mut sig = self.signature(seq, self.dir(true), pdu, data, hs)?;
        self.send_seq += 1;
        if *self.corrupt.lock().unwrap() {
            sig[0] ^= 1;
        }
        Ok(sig)
    }

    fn verify(
        &mut self,
        pdu: &[u8],
        data: Range<usize>,
        hs: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError> {
        let sig = self.signature(self.recv_seq, self.dir(false), pdu, data, hs)?;
        if sig != auth_value {
            return Err(AuthError::BadSignature);
        }
        self.recv_seq += 1;
        Ok(())
    }

    fn client_name(&self) -> Option<String> {
        if self.server && self.complete {
            self.client_name.clone()
        } else {
            None
        }
    }
}

/// Server-side factory over a fixed account list, for every auth type.
pub struct ToyAcceptors {
    pub accounts: Vec<(String, Vec<u8>)>,
    pub corrupt: Arc<Mutex<bool>>,
}

impl AcceptorFactory for ToyAcceptors {
    fn new_context(&self, auth_type: AuthType) -> Option<Box<dyn SecurityContext>> {
        let mut c = ToyContext::server(auth_type, self.accounts.clone());
        c.corrupt = self.corrupt.clone();
        Some(Box::new(c))
    }
}
