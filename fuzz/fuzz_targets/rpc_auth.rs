#![allow(dead_code)]
//! A null security context for the RPC state-machine targets: context establishment completes
//! on the first token, "sealing" leaves the data as is and the signature is 16 bytes that must
//! be zero. It lets mutated inputs reach the NDR decoders and GetKey behind the auth layer.
//! Not a security mechanism; real NTLM/Kerberos come from laps-client.

use core::ops::Range;
use laps_rpc::auth::{AcceptorFactory, AuthError, AuthStep, AuthType, SecurityContext};

pub struct NullContext(pub AuthType);

impl SecurityContext for NullContext {
    fn auth_type(&self) -> AuthType {
        self.0
    }
    fn step(&mut self, input: &[u8]) -> Result<AuthStep, AuthError> {
        if input.first() == Some(&0xff) {
            return Err(AuthError::Rejected("fuzz".into()));
        }
        Ok(AuthStep {
            token: vec![1],
            complete: true,
        })
    }
    fn signature_len(&self) -> usize {
        16
    }
    fn seal(&mut self, _: &mut [u8], _: Range<usize>, _: bool) -> Result<Vec<u8>, AuthError> {
        Ok(vec![0; 16])
    }
    fn unseal(
        &mut self,
        _: &mut [u8],
        _: Range<usize>,
        _: bool,
        v: &[u8],
    ) -> Result<(), AuthError> {
        self.verify(&[], 0..0, false, v)
    }
    fn sign(&mut self, _: &[u8], _: Range<usize>, _: bool) -> Result<Vec<u8>, AuthError> {
        Ok(vec![0; 16])
    }
    fn verify(&mut self, _: &[u8], _: Range<usize>, _: bool, v: &[u8]) -> Result<(), AuthError> {
        if v.len() == 16 && v.iter().all(|&b| b == 0) {
            Ok(())
        } else {
            Err(AuthError::BadSignature)
        }
    }
    fn client_name(&self) -> Option<String> {
        Some("FUZZ\\user".into())
    }
}

pub struct NullAcceptors;

impl AcceptorFactory for NullAcceptors {
    fn new_context(&self, auth_type: AuthType) -> Option<Box<dyn SecurityContext>> {
        Some(Box::new(NullContext(auth_type)))
    }
}
