//! Status codes: RPC fault statuses ([MS-RPCE] 2.2.2.11, C706 Appendix E), EPM statuses and
//! the HRESULTs GetKey returns ([MS-GKDI] 3.1.4.1, [MS-ERREF]).

/// `nca_s_op_rng_error`: the opnum is not served by the interface.
pub const NCA_S_OP_RNG_ERROR: u32 = 0x1c01_0002;
/// `nca_s_unk_if`: unknown interface (no presentation context for it).
pub const NCA_S_UNK_IF: u32 = 0x1c01_0003;
/// `nca_s_proto_error`: protocol error.
pub const NCA_S_PROTO_ERROR: u32 = 0x1c01_000b;
/// `nca_s_fault_ndr`: the stub data could not be decoded (also `RPC_X_BAD_STUB_DATA` 0x6f7).
pub const NCA_S_FAULT_NDR: u32 = 0x0000_06f7;
/// `nca_s_fault_access_denied` / `ERROR_ACCESS_DENIED` in a fault PDU.
pub const NCA_S_FAULT_ACCESS_DENIED: u32 = 0x0000_0005;
/// `nca_s_fault_sec_pkg_error`: a security package error (bad signature on a request).
pub const NCA_S_FAULT_SEC_PKG_ERROR: u32 = 0x0000_0721;
/// `EPT_S_NOT_REGISTERED`: the endpoint mapper has no endpoint for the interface.
pub const EPT_S_NOT_REGISTERED: u32 = 0x16c9_a0d6;
/// `S_OK`.
pub const S_OK: u32 = 0;
/// `E_ACCESSDENIED` (HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)).
pub const E_ACCESSDENIED: u32 = 0x8007_0005;
/// `E_INVALIDARG` (HRESULT_FROM_WIN32(ERROR_INVALID_PARAMETER)): GetKey arguments out of range,
/// including a key index in the future.
pub const E_INVALIDARG: u32 = 0x8007_0057;
/// `NTE_BAD_KEY`-style "no such root key": HRESULT_FROM_WIN32(ERROR_NOT_FOUND).
pub const E_NOT_FOUND: u32 = 0x8007_0490;
/// `NTE_NO_KEY` (0x8009000d): no usable root key exists.
pub const NTE_NO_KEY: u32 = 0x8009_000d;
/// `E_OUTOFMEMORY`.
pub const E_OUTOFMEMORY: u32 = 0x8007_000e;
/// HRESULT_FROM_WIN32(ERROR_INVALID_DATA): a malformed target security descriptor.
pub const E_INVALID_DATA: u32 = 0x8007_000d;

/// A short name for a status or HRESULT this crate knows, `"unknown"` otherwise.
///
/// ```
/// assert_eq!(laps_rpc::status::name(0x80070005), "E_ACCESSDENIED");
/// ```
pub fn name(code: u32) -> &'static str {
    match code {
        NCA_S_OP_RNG_ERROR => "nca_s_op_rng_error",
        NCA_S_UNK_IF => "nca_s_unk_if",
        NCA_S_PROTO_ERROR => "nca_s_proto_error",
        NCA_S_FAULT_NDR => "RPC_X_BAD_STUB_DATA",
        NCA_S_FAULT_ACCESS_DENIED => "ERROR_ACCESS_DENIED",
        NCA_S_FAULT_SEC_PKG_ERROR => "nca_s_fault_sec_pkg_error",
        EPT_S_NOT_REGISTERED => "EPT_S_NOT_REGISTERED",
        S_OK => "S_OK",
        E_ACCESSDENIED => "E_ACCESSDENIED",
        E_INVALIDARG => "E_INVALIDARG",
        E_NOT_FOUND => "ERROR_NOT_FOUND",
        NTE_NO_KEY => "NTE_NO_KEY",
        E_OUTOFMEMORY => "E_OUTOFMEMORY",
        E_INVALID_DATA => "ERROR_INVALID_DATA",
        _ => "unknown",
    }
}
