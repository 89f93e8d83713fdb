//! The endpoint mapper (C706 appendix L, [MS-RPCE] 2.2.1.2): `ept_map` (opnum 3) and the
//! protocol towers it exchanges, for `ncacn_ip_tcp` (5 floors: interface, transfer syntax,
//! RPC connection-oriented, TCP port, IPv4 address).

use crate::error::{Error, Result};
use crate::ndr::{NdrReader, NdrWriter, TransferSyntax};
use crate::pdu::{Cursor, SyntaxId};
use laps_crypto::Guid;

/// The endpoint mapper interface `e1af8308-5d1f-11c9-91a4-08002b14a0fa` v3.0.
pub const EPM_INTERFACE: SyntaxId = SyntaxId::new(
    Guid::from_bytes_le([
        0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0,
        0xfa,
    ]),
    3,
    0,
);
/// `ept_map`'s opnum.
pub const OPNUM_EPT_MAP: u16 = 3;
/// The well-known endpoint mapper port.
pub const EPM_PORT: u16 = 135;
/// Most floors accepted in one tower.
const MAX_FLOORS: usize = 16;
/// Most towers accepted in one answer.
const MAX_TOWERS: usize = 64;

/// Floor protocol identifiers.
pub mod protocol {
    /// UUID (interface or transfer syntax) floor.
    pub const UUID: u8 = 0x0d;
    /// Connection-oriented RPC.
    pub const RPC_CO: u8 = 0x0b;
    /// TCP port.
    pub const TCP: u8 = 0x07;
    /// IPv4 address.
    pub const IP: u8 = 0x09;
}

/// One tower floor: left-hand side (protocol id and data) and right-hand side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Floor {
    /// Left-hand side; its first byte is the protocol identifier.
    pub lhs: Vec<u8>,
    /// Right-hand side.
    pub rhs: Vec<u8>,
}

impl Floor {
    /// The protocol identifier (first byte of the lhs), 0 when the lhs is empty.
    pub fn protocol(&self) -> u8 {
        self.lhs.first().copied().unwrap_or(0)
    }

    fn uuid(s: &SyntaxId) -> Self {
        let mut lhs = vec![protocol::UUID];
        lhs.extend_from_slice(s.uuid.as_bytes_le());
        lhs.extend_from_slice(&s.version.to_le_bytes());
        Floor {
            lhs,
            rhs: s.minor.to_le_bytes().to_vec(),
        }
    }

    /// The syntax id of a UUID floor.
    pub fn syntax_id(&self) -> Option<SyntaxId> {
        if self.lhs.len() != 19 || self.protocol() != protocol::UUID || self.rhs.len() != 2 {
            return None;
        }
        let mut g = [0u8; 16];
        g.copy_from_slice(&self.lhs[1..17]);
        Some(SyntaxId::new(
            Guid::from_bytes_le(g),
            u16::from_le_bytes([self.lhs[17], self.lhs[18]]),
            u16::from_le_bytes([self.rhs[0], self.rhs[1]]),
        ))
    }
}

/// A protocol tower: the floors, outermost (interface) first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tower {
    /// The floors.
    pub floors: Vec<Floor>,
}

impl Tower {
    /// The `ncacn_ip_tcp` tower for `interface` over `syntax` at `port` and IPv4 `addr`
    /// (the tower a client sends to `ept_map` has port 0 or 135 and address 0).
    pub fn tcp(interface: &SyntaxId, syntax: &SyntaxId, port: u16, addr: [u8; 4]) -> Self {
        Tower {
            floors: vec![
                Floor::uuid(interface),
                Floor::uuid(syntax),
                Floor {
                    lhs: vec![protocol::RPC_CO],
                    rhs: vec![0, 0],
                },
                Floor {
                    lhs: vec![protocol::TCP],
                    rhs: port.to_be_bytes().to_vec(),
                },
                Floor {
                    lhs: vec![protocol::IP],
                    rhs: addr.to_vec(),
                },
            ],
        }
    }

    /// The tower octet string.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = (self.floors.len() as u16).to_le_bytes().to_vec();
        for f in &self.floors {
            out.extend_from_slice(&(f.lhs.len() as u16).to_le_bytes());
            out.extend_from_slice(&f.lhs);
            out.extend_from_slice(&(f.rhs.len() as u16).to_le_bytes());
            out.extend_from_slice(&f.rhs);
        }
        out
    }

    /// Parses a tower octet string.
    pub fn parse(b: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(b, 0, "tower");
        let n = c.u16()? as usize;
        if n > MAX_FLOORS {
            return Err(Error::Malformed {
                structure: "tower",
                offset: 0,
                reason: "too many floors",
            });
        }
        let mut floors = Vec::with_capacity(n);
        for _ in 0..n {
            let l = c.u16()? as usize;
            let lhs = c.take(l)?.to_vec();
            let r = c.u16()? as usize;
            let rhs = c.take(r)?.to_vec();
            floors.push(Floor { lhs, rhs });
        }
        Ok(Tower { floors })
    }

    /// The interface (first floor).
    pub fn interface(&self) -> Option<SyntaxId> {
        self.floors.first().and_then(Floor::syntax_id)
    }

    /// The transfer syntax (second floor).
    pub fn transfer_syntax(&self) -> Option<SyntaxId> {
        self.floors.get(1).and_then(Floor::syntax_id)
    }

    /// The TCP port of a TCP floor.
    pub fn tcp_port(&self) -> Option<u16> {
        self.floors
            .iter()
            .find(|f| f.lhs == [protocol::TCP] && f.rhs.len() == 2)
            .map(|f| u16::from_be_bytes([f.rhs[0], f.rhs[1]]))
    }
}

/// An `ept_lookup_handle_t` context handle (attributes and UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EntryHandle {
    /// Context handle attributes.
    pub attributes: u32,
    /// Context handle UUID (all zero: no handle).
    pub uuid: Guid,
}

/// `ept_map` request parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EptMapRequest {
    /// Object UUID (`None`: the nil UUID, sent as a non-NULL pointer to it like Windows and
    /// dpapi-ng do; a NULL pointer decodes to `None` too).
    pub object: Option<Guid>,
    /// The tower to map.
    pub tower: Tower,
    /// The lookup handle (zero for a first call).
    pub entry_handle: EntryHandle,
    /// Most towers to return.
    pub max_towers: u32,
}

fn write_tower(w: &mut NdrWriter, t: &Tower) {
    let b = t.to_bytes();
    w.size(b.len());
    w.u32(b.len() as u32);
    w.bytes(&b);
}

fn read_tower(r: &mut NdrReader<'_>) -> Result<Tower> {
    let at = r.position();
    let n = r.bounded_size(1, "twr_t")?;
    let len = r.u32()? as usize;
    if len != n {
        return Err(Error::Malformed {
            structure: "twr_t",
            offset: at,
            reason: "tower_length differs from the conformance",
        });
    }
    Tower::parse(r.bytes(len)?)
}

fn write_handle(w: &mut NdrWriter, h: &EntryHandle) {
    w.u32(h.attributes);
    w.guid(&h.uuid);
}

fn read_handle(r: &mut NdrReader<'_>) -> Result<EntryHandle> {
    Ok(EntryHandle {
        attributes: r.u32()?,
        uuid: r.guid()?,
    })
}

impl EptMapRequest {
    /// The request for the `ncacn_ip_tcp` endpoint of `interface` (transfer syntax NDR in the
    /// tower, as Windows, dpapi-ng and impacket send).
    pub fn for_interface(interface: &SyntaxId) -> Self {
        EptMapRequest {
            object: None,
            tower: Tower::tcp(
                interface,
                &TransferSyntax::Ndr.syntax_id(),
                EPM_PORT,
                [0; 4],
            ),
            entry_handle: EntryHandle::default(),
            max_towers: 4,
        }
    }

    /// The same request with an explicit object UUID.
    pub fn with_object(mut self, object: Guid) -> Self {
        self.object = Some(object);
        self
    }

    /// The stub data.
    pub fn encode(&self, syntax: TransferSyntax) -> Vec<u8> {
        let mut w = NdrWriter::new(syntax).referent_ids(1, 1);
        w.pointer(true);
        w.guid(&self.object.unwrap_or_default());
        w.pointer(true);
        write_tower(&mut w, &self.tower);
        write_handle(&mut w, &self.entry_handle);
        w.u32(self.max_towers);
        w.finish()
    }

    /// Parses the stub data (the responder's side).
    pub fn decode(syntax: TransferSyntax, stub: &[u8]) -> Result<Self> {
        let mut r = NdrReader::new(syntax, stub);
        // A NULL pointer and the nil UUID mean the same: no object.
        let object = if r.pointer()? {
            Some(r.guid()?).filter(|g| *g != Guid::default())
        } else {
            None
        };
        let at = r.position();
        if !r.pointer()? {
            return Err(Error::Malformed {
                structure: "ept_map request",
                offset: at,
                reason: "NULL map_tower",
            });
        }
        let tower = read_tower(&mut r)?;
        let entry_handle = read_handle(&mut r)?;
        let max_towers = r.u32()?;
        Ok(EptMapRequest {
            object,
            tower,
            entry_handle,
            max_towers,
        })
    }
}

/// `ept_map` response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EptMapResponse {
    /// The lookup handle.
    pub entry_handle: EntryHandle,
    /// The towers found.
    pub towers: Vec<Tower>,
    /// The status (0, or [`crate::status::EPT_S_NOT_REGISTERED`]).
    pub status: u32,
}

impl EptMapResponse {
    /// The stub data; `max_towers` is the conformance of the tower array (the request's).
    pub fn encode(&self, syntax: TransferSyntax, max_towers: u32) -> Vec<u8> {
        let mut w = NdrWriter::new(syntax).referent_ids(3, 1);
        write_handle(&mut w, &self.entry_handle);
        w.u32(self.towers.len() as u32);
        w.size((max_towers as usize).max(self.towers.len()));
        w.size(0);
        w.size(self.towers.len());
        for _ in &self.towers {
            w.pointer(true);
        }
        for t in &self.towers {
            write_tower(&mut w, t);
        }
        w.u32(self.status);
        w.finish()
    }

    /// Parses the stub data.
    pub fn decode(syntax: TransferSyntax, stub: &[u8]) -> Result<Self> {
        let mut r = NdrReader::new(syntax, stub);
        let entry_handle = read_handle(&mut r)?;
        let num = r.u32()? as usize;
        let at = r.position();
        let max = r.size()?;
        let offset = r.size()?;
        let actual = r.size()?;
        if offset != 0 || actual > max || actual != num as u64 || actual as usize > MAX_TOWERS {
            return Err(Error::Malformed {
                structure: "ept_map response",
                offset: at,
                reason: "inconsistent tower array counts",
            });
        }
        let mut present = Vec::with_capacity(actual as usize);
        for _ in 0..actual {
            present.push(r.pointer()?);
        }
        let mut towers = Vec::new();
        for p in present {
            if p {
                towers.push(read_tower(&mut r)?);
            }
        }
        let status = r.u32()?;
        Ok(EptMapResponse {
            entry_handle,
            towers,
            status,
        })
    }

    /// The TCP port of the first tower for `interface`; [`Error::EndpointNotFound`] when the
    /// status is not 0 or no tower names a port.
    pub fn port_for(&self, interface: &SyntaxId) -> Result<u16> {
        let not_found = || Error::EndpointNotFound {
            interface: interface.uuid.to_string(),
            status: self.status,
        };
        if self.status != 0 {
            return Err(not_found());
        }
        self.towers
            .iter()
            .filter(|t| t.interface().is_none_or(|i| i.uuid == interface.uuid))
            .find_map(Tower::tcp_port)
            .ok_or_else(not_found)
    }
}
