//! The verification trailer ([MS-RPCE] 2.2.2.13): a signature and commands appended to the
//! stub data of a request (4-byte aligned, before the auth padding) so that the server can
//! check, under the request's signature, which interface, transfer syntax and header the
//! client meant.

use crate::error::{Error, Result};
use crate::pdu::{Cursor, SyntaxId, DATA_REP};

/// `SEC_VT_SIGNATURE`.
pub const SIGNATURE: [u8; 8] = [0x8a, 0xe3, 0x13, 0x71, 0x02, 0xf4, 0x36, 0x71];
/// Command flag: last command.
pub const COMMAND_END: u16 = 0x4000;
/// Command flag: the receiver must understand the command.
pub const MUST_PROCESS: u16 = 0x8000;
const CMD_BITMASK_1: u16 = 1;
const CMD_PCONTEXT: u16 = 2;
const CMD_HEADER2: u16 = 3;

/// One verification command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `SEC_VT_COMMAND_BITMASK_1`: bit 0x1 = the client supports header signing.
    Bitmask1(u32),
    /// `SEC_VT_COMMAND_PCONTEXT`: the interface and transfer syntax of the call.
    PContext {
        /// Interface.
        interface: SyntaxId,
        /// Transfer syntax.
        transfer_syntax: SyntaxId,
    },
    /// `SEC_VT_COMMAND_HEADER2`: a copy of the request header fields.
    Header2 {
        /// `PTYPE` (0, request).
        packet_type: u8,
        /// Call id.
        call_id: u32,
        /// Presentation context id.
        context_id: u16,
        /// Opnum.
        opnum: u16,
    },
    /// A command this crate does not know (type without flags, body).
    Unknown(u16, Vec<u8>),
}

/// A verification trailer: a list of commands (the last carries [`COMMAND_END`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationTrailer {
    /// The commands, in order.
    pub commands: Vec<Command>,
}

impl VerificationTrailer {
    /// Serializes the trailer (signature and commands; `COMMAND_END` set on the last).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        let n = self.commands.len();
        for (i, c) in self.commands.iter().enumerate() {
            let end = if i + 1 == n { COMMAND_END } else { 0 };
            let (kind, body) = match c {
                Command::Bitmask1(b) => (CMD_BITMASK_1, b.to_le_bytes().to_vec()),
                Command::PContext {
                    interface,
                    transfer_syntax,
                } => {
                    let mut b = Vec::with_capacity(40);
                    b.extend_from_slice(interface.uuid.as_bytes_le());
                    b.extend_from_slice(&interface.version.to_le_bytes());
                    b.extend_from_slice(&interface.minor.to_le_bytes());
                    b.extend_from_slice(transfer_syntax.uuid.as_bytes_le());
                    b.extend_from_slice(&transfer_syntax.version.to_le_bytes());
                    b.extend_from_slice(&transfer_syntax.minor.to_le_bytes());
                    (CMD_PCONTEXT, b)
                }
                Command::Header2 {
                    packet_type,
                    call_id,
                    context_id,
                    opnum,
                } => {
                    let mut b = vec![*packet_type, 0, 0, 0];
                    b.extend_from_slice(&DATA_REP);
                    b.extend_from_slice(&call_id.to_le_bytes());
                    b.extend_from_slice(&context_id.to_le_bytes());
                    b.extend_from_slice(&opnum.to_le_bytes());
                    (CMD_HEADER2 | MUST_PROCESS, b)
                }
                Command::Unknown(k, b) => (*k, b.clone()),
            };
            out.extend_from_slice(&(kind | end).to_le_bytes());
            out.extend_from_slice(&(body.len() as u16).to_le_bytes());
            out.extend_from_slice(&body);
        }
        out
    }

    /// Parses a trailer starting at the signature; bytes after the `COMMAND_END` command are
    /// ignored.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        if buf.len() < SIGNATURE.len() || buf[..8] != SIGNATURE {
            return Err(Error::Malformed {
                structure: "verification trailer",
                offset: 0,
                reason: "missing SEC_VT signature",
            });
        }
        let mut c = Cursor::new(buf, 8, "verification trailer");
        let mut commands = Vec::new();
        loop {
            let at = c.pos();
            let raw = c.u16()?;
            let len = c.u16()? as usize;
            let body = c.take(len)?;
            let kind = raw & 0x3fff;
            let malformed = |reason| Error::Malformed {
                structure: "verification trailer",
                offset: at,
                reason,
            };
            let cmd = match kind {
                CMD_BITMASK_1 => {
                    let b: [u8; 4] = body
                        .try_into()
                        .map_err(|_| malformed("bitmask command is not 4 bytes"))?;
                    Command::Bitmask1(u32::from_le_bytes(b))
                }
                CMD_PCONTEXT => {
                    if body.len() != 40 {
                        return Err(malformed("pcontext command is not 40 bytes"));
                    }
                    let mut bc = Cursor::new(body, 0, "pcontext command");
                    let i = (bc.guid()?, bc.u16()?, bc.u16()?);
                    let t = (bc.guid()?, bc.u16()?, bc.u16()?);
                    Command::PContext {
                        interface: SyntaxId::new(i.0, i.1, i.2),
                        transfer_syntax: SyntaxId::new(t.0, t.1, t.2),
                    }
                }
                CMD_HEADER2 => {
                    if body.len() != 16 {
                        return Err(malformed("header2 command is not 16 bytes"));
                    }
                    let mut bc = Cursor::new(body, 0, "header2 command");
                    let packet_type = bc.u8()?;
                    bc.take(7)?;
                    Command::Header2 {
                        packet_type,
                        call_id: bc.u32()?,
                        context_id: bc.u16()?,
                        opnum: bc.u16()?,
                    }
                }
                _ => {
                    if raw & MUST_PROCESS != 0 {
                        return Err(malformed("unknown command marked must-process"));
                    }
                    Command::Unknown(kind, body.to_vec())
                }
            };
            commands.push(cmd);
            if raw & COMMAND_END != 0 {
                break;
            }
        }
        Ok(VerificationTrailer { commands })
    }

    /// Finds a trailer in the stub bytes left after the call's parameters (`rest`, which starts
    /// 4-byte aligned or at the end of the parameters): `None` when there is none.
    pub fn find(rest: &[u8]) -> Option<&[u8]> {
        (0..rest.len())
            .find(|&i| rest[i..].starts_with(&SIGNATURE))
            .map(|i| &rest[i..])
    }
}
