//! SyncML for the LAPS CSP, as Intune sends it: `Add`, `Replace` and
//! `Delete` of `./Device/Vendor/MSFT/LAPS/Policies/*` (formats `int`, `bool`,
//! `chr`, with or without an `Atomic` wrapper), plus `Exec` of
//! `Actions/ResetPassword` and `Get` of `Actions/ResetPasswordStatus`.
//!
//! Every command is judged as the device's LAPS CSP would judge it (the node's access type,
//! format and allowed values in the CSP reference) and carries the OMA DM status the device
//! would return; only commands with status 200 change the registry. See [`CommandStatus`].

use crate::catalog::{self, csp_policy_node, Allowed, Family, ValueKind, CSP_POLICIES};
use crate::root::Root;
use crate::snapshot::{RegOp, Snapshot};
use crate::text::decode;
use crate::value::RegValue;
use crate::Error;
use std::fmt::Write;

/// A SyncML command verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncMlVerb {
    /// Create a node.
    Add,
    /// Set a node.
    Replace,
    /// Remove a node (back to "not configured").
    Delete,
    /// Run an action.
    Exec,
    /// Read a node.
    Get,
}

impl SyncMlVerb {
    const ALL: [(SyncMlVerb, &'static str); 5] = [
        (SyncMlVerb::Add, "Add"),
        (SyncMlVerb::Replace, "Replace"),
        (SyncMlVerb::Delete, "Delete"),
        (SyncMlVerb::Exec, "Exec"),
        (SyncMlVerb::Get, "Get"),
    ];

    /// The element name.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(v, _)| *v == self)
            .map_or("Add", |(_, n)| n)
    }
}

/// What a `LocURI` addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CspNode {
    /// `./Device/Vendor/MSFT/LAPS/Policies/<name>` (a node of the CSP, or a name the CSP
    /// does not have, such as the GPO-only `ADBackupDSRMPassword`: status 404).
    Policy(String),
    /// The `Policies` interior node itself.
    Policies,
    /// `./Device/Vendor/MSFT/LAPS/Actions/ResetPassword`.
    ResetPassword,
    /// `./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus`.
    ResetPasswordStatus,
    /// The CSP's root, `./Device/Vendor/MSFT/LAPS`.
    CspRoot,
    /// The `Actions` interior node.
    Actions,
    /// A path under `./Device/Vendor/MSFT/LAPS/` that the CSP does not have, such as
    /// `Actions/Rotate` (status 404); holds the path below `LAPS/`.
    Unknown(String),
    /// Anything else (not LAPS): ignored, no status.
    Other,
}

impl CspNode {
    /// The commands the node accepts (its "Access Type" in the LAPS CSP reference), or `None`
    /// when the CSP has no such node. `Policies`, `Actions` and the root are `Get` only; every
    /// policy node is `Add, Delete, Get, Replace`; `ResetPassword` is `Exec` and
    /// `ResetPasswordStatus` `Get`. The root's access type is not in the reference's tables;
    /// `Get`, as for its two interior children, is assumed.
    pub fn access(&self) -> Option<&'static [SyncMlVerb]> {
        use SyncMlVerb as V;
        match self {
            CspNode::Policy(name) => catalog::find(Family::WindowsLaps, name)
                .filter(|s| s.csp_node.is_some() && s.name.eq_ignore_ascii_case(name))
                .map(|_| &[V::Add, V::Delete, V::Get, V::Replace][..]),
            CspNode::Policies | CspNode::CspRoot | CspNode::Actions => Some(&[V::Get]),
            CspNode::ResetPassword => Some(&[V::Exec]),
            CspNode::ResetPasswordStatus => Some(&[V::Get]),
            CspNode::Unknown(_) | CspNode::Other => None,
        }
    }
}

/// The result of one command, as the device's `Status` element would carry it: an OMA DM
/// status code (OMA-TS-DM_RepPro, "SyncML response status codes" in Microsoft's OMA DM
/// protocol support article) and why.
///
/// | code | when |
/// |---|---|
/// | 200 OK | the command ran |
/// | 400 Bad Request | `Data` that does not parse as the node's format (`-3` for an `int`), or a value outside the node's allowed values (UNCERTAIN: the reference lists the allowed values but not the device's answer; rejecting the command, so the old value stays, is the reading chosen) |
/// | 404 Not Found | a node the CSP does not have (`Policies/ADBackupDSRMPassword`) |
/// | 405 Command Not Allowed | a verb outside the node's access type (`Delete` of `Policies`) |
/// | 415 Unsupported Media Type or Format | a `Format` other than the node's (`chr` on an `int` node) |
/// | 215 Not Executed / 216 Atomic Roll Back OK | commands of an `Atomic` after / before the one that failed |
///
/// ```
/// use laps_policy::{CommandStatus, SyncMl};
/// let m = SyncMl::parse_str(r#"<SyncML><SyncBody><Delete><CmdID>1</CmdID><Item><Target>
///   <LocURI>./Device/Vendor/MSFT/LAPS/Policies</LocURI></Target></Item></Delete></SyncBody></SyncML>"#)?;
/// assert_eq!(m.commands[0].status.as_ref().map(|s| s.code), Some(CommandStatus::COMMAND_NOT_ALLOWED));
/// assert!(m.ops().is_empty());
/// # Ok::<(), laps_policy::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CommandStatus {
    /// The OMA DM status code.
    pub code: u16,
    /// Why, in words (empty for 200).
    pub reason: String,
}

impl CommandStatus {
    /// 200: the command ran.
    pub const OK: u16 = 200;
    /// 215: not executed, because an earlier command of the same `Atomic` failed.
    pub const NOT_EXECUTED: u16 = 215;
    /// 216: rolled back, because a later command of the same `Atomic` failed.
    pub const ATOMIC_ROLLED_BACK: u16 = 216;
    /// 400: malformed data or a value the node does not allow.
    pub const BAD_REQUEST: u16 = 400;
    /// 404: the CSP has no such node.
    pub const NOT_FOUND: u16 = 404;
    /// 405: the node's access type does not include the verb.
    pub const COMMAND_NOT_ALLOWED: u16 = 405;
    /// 415: the `Format` is not the node's.
    pub const UNSUPPORTED_FORMAT: u16 = 415;

    fn new(code: u16, reason: impl Into<String>) -> Self {
        CommandStatus {
            code,
            reason: reason.into(),
        }
    }

    fn ok() -> Self {
        Self::new(Self::OK, "")
    }

    /// True for 200 (the command changed what it addresses).
    pub fn is_ok(&self) -> bool {
        self.code == Self::OK
    }

    /// The code's name (`OK`, `Not Found`, ...).
    pub fn name(&self) -> &'static str {
        match self.code {
            Self::OK => "OK",
            Self::NOT_EXECUTED => "Not Executed",
            Self::ATOMIC_ROLLED_BACK => "Atomic Roll Back OK",
            Self::BAD_REQUEST => "Bad Request",
            Self::NOT_FOUND => "Not Found",
            Self::COMMAND_NOT_ALLOWED => "Command Not Allowed",
            Self::UNSUPPORTED_FORMAT => "Unsupported Media Type or Format",
            _ => "Status",
        }
    }
}

/// `404 Not Found: ...`.
impl std::fmt::Display for CommandStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.name())?;
        if !self.reason.is_empty() {
            write!(f, ": {}", self.reason)?;
        }
        Ok(())
    }
}

/// The format the CSP declares for a policy node.
fn node_format(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Dword => "int",
        ValueKind::Bool => "bool",
        _ => "chr",
    }
}

/// A policy node's allowed values, as the CSP reference lists them (numbers only: the text
/// nodes list none).
fn check_allowed(name: &str, value: &RegValue) -> Result<(), String> {
    match catalog::find(Family::WindowsLaps, name) {
        Some(info) => check_allowed_for(info, value),
        None => Ok(()),
    }
}

fn check_allowed_for(info: &catalog::SettingInfo, value: &RegValue) -> Result<(), String> {
    let allowed = info.allowed_in(crate::Root::Csp);
    match (value, allowed) {
        (RegValue::Dword(v), Allowed::Range { .. } | Allowed::OneOf(_) | Allowed::Bool)
            if !allowed.allows_number(*v) =>
        {
            Err(format!(
                "{} {v} is not one of the node's allowed values ({allowed})",
                info.name
            ))
        }
        _ => Ok(()),
    }
}

/// Judges one command as the device's LAPS CSP would: the node, its access type, the format
/// and the value. Returns the typed value (when the data parsed) and the status (`None` for
/// targets outside the LAPS CSP).
fn judge(
    verb: SyncMlVerb,
    node: &CspNode,
    format: Option<&str>,
    data: Option<&str>,
) -> (Option<RegValue>, Option<CommandStatus>) {
    if *node == CspNode::Other {
        return (None, None);
    }
    let Some(access) = node.access() else {
        let what = match node {
            CspNode::Policy(name) if catalog::find(Family::WindowsLaps, name).is_some() => {
                format!("the LAPS CSP has no {name} node (it is a Group Policy setting only)")
            }
            CspNode::Policy(name) => format!("the LAPS CSP has no Policies/{name} node"),
            CspNode::Unknown(path) => format!("the LAPS CSP has no {path} node"),
            _ => "the LAPS CSP has no such node".into(),
        };
        return (
            None,
            Some(CommandStatus::new(CommandStatus::NOT_FOUND, what)),
        );
    };
    if !access.contains(&verb) {
        let allowed: Vec<&str> = access.iter().map(|v| v.as_str()).collect();
        return (
            None,
            Some(CommandStatus::new(
                CommandStatus::COMMAND_NOT_ALLOWED,
                format!(
                    "{} is not allowed on this node (access type: {})",
                    verb.as_str(),
                    allowed.join(", ")
                ),
            )),
        );
    }
    let CspNode::Policy(name) = node else {
        return (None, Some(CommandStatus::ok()));
    };
    if !matches!(verb, SyncMlVerb::Add | SyncMlVerb::Replace) {
        return (None, Some(CommandStatus::ok()));
    }
    // `access()` found the node in the catalogue.
    let Some(info) = catalog::find(Family::WindowsLaps, name) else {
        return (None, Some(CommandStatus::ok()));
    };
    let expected = node_format(info.kind);
    let format = match format {
        None | Some("") => expected,
        Some(f) => f,
    };
    if format != expected {
        return (
            None,
            Some(CommandStatus::new(
                CommandStatus::UNSUPPORTED_FORMAT,
                format!("Format {format:?} on a node whose format is {expected}"),
            )),
        );
    }
    let data = data.unwrap_or_default();
    let bad = |what: &str| {
        Some(CommandStatus::new(
            CommandStatus::BAD_REQUEST,
            format!("Data {data:?} {what}"),
        ))
    };
    let value = match format {
        "int" => match data.trim().parse::<u32>() {
            Ok(v) => RegValue::Dword(v),
            Err(_) => return (None, bad("is not an unsigned 32-bit decimal")),
        },
        // Bool casing is UNCERTAIN in the spec: accept any case, and 1/0.
        "bool" => match data.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => RegValue::Dword(1),
            "false" | "0" => RegValue::Dword(0),
            _ => return (None, bad("is not True or False")),
        },
        _ => RegValue::Sz(data.to_owned()),
    };
    match check_allowed_for(info, &value) {
        Ok(()) => (Some(value), Some(CommandStatus::ok())),
        Err(why) => (
            Some(value),
            Some(CommandStatus::new(CommandStatus::BAD_REQUEST, why)),
        ),
    }
}

/// XML 1.0's `Char` production (Rust strings hold no surrogates).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn classify(uri: &str) -> CspNode {
    let uri = uri.trim();
    if let Some(name) = csp_policy_node(uri) {
        return if name.is_empty() {
            CspNode::Policies
        } else {
            CspNode::Policy(name.to_owned())
        };
    }
    let base = uri.trim_end_matches('/');
    if base.eq_ignore_ascii_case(CSP_POLICIES.trim_end_matches('/'))
        || base.eq_ignore_ascii_case("./Vendor/MSFT/LAPS/Policies")
    {
        return CspNode::Policies;
    }
    let Some(rest) = base
        .strip_prefix("./Device/Vendor/MSFT/LAPS")
        .or_else(|| base.strip_prefix("./Vendor/MSFT/LAPS"))
    else {
        return CspNode::Other;
    };
    match rest {
        "" => CspNode::CspRoot,
        "/Actions" => CspNode::Actions,
        "/Actions/ResetPassword" => CspNode::ResetPassword,
        "/Actions/ResetPasswordStatus" => CspNode::ResetPasswordStatus,
        // `.../LAPS/Other`, `.../LAPS/Actions/Rotate`: paths the CSP lacks;
        // `./Device/Vendor/MSFT/LAPSX` is another CSP.
        _ => match rest.strip_prefix('/') {
            Some(path) => CspNode::Unknown(path.to_owned()),
            None => CspNode::Other,
        },
    }
}

/// One command on one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncMlCommand {
    /// The verb.
    pub verb: SyncMlVerb,
    /// `CmdID`, if present.
    pub cmd_id: Option<String>,
    /// The `LocURI`.
    pub target: String,
    /// What the `LocURI` addresses.
    pub node: CspNode,
    /// The typed value of an Add/Replace (`int` → DWORD, `bool` → DWORD 0/1, `chr` → SZ),
    /// when its data parsed in the node's format.
    pub value: Option<RegValue>,
    /// `Meta/Format` as sent (lower-cased), if any.
    pub format: Option<String>,
    /// `Data` as sent, if any (`None` for commands built in memory: see `value`).
    pub data: Option<String>,
    /// Index (0-based, document order) of the enclosing `Atomic`, if any.
    pub atomic: Option<u32>,
    /// What the device's LAPS CSP answers ([`CommandStatus`]); `None` for targets outside the
    /// LAPS CSP, which another CSP handles. Only status 200 changes the registry.
    pub status: Option<CommandStatus>,
    /// 1-based line of the command (0 for commands built in memory).
    pub line: u32,
}

impl SyncMlCommand {
    /// True when the LAPS CSP ran the command (status 200).
    pub fn succeeded(&self) -> bool {
        self.status.as_ref().is_some_and(CommandStatus::is_ok)
    }
}

/// A parsed SyncML message, commands in document order (`Atomic` and
/// `Sequence` wrappers flattened).
///
/// ```
/// use laps_policy::{RegValue, SyncMl};
/// let doc = SyncMl::parse(br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
///   <Replace><CmdID>1</CmdID><Item>
///     <Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/ADPasswordEncryptionEnabled</LocURI></Target>
///     <Meta><Format xmlns="syncml:metinf">bool</Format></Meta><Data>True</Data>
///   </Item></Replace><Final/></SyncBody></SyncML>"#)?;
/// assert_eq!(doc.commands[0].value, Some(RegValue::Dword(1)));
/// # Ok::<(), laps_policy::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncMl {
    /// The commands.
    pub commands: Vec<SyncMlCommand>,
}

/// Parses a SyncML message (UTF-8, or UTF-16 with a byte-order mark). See [`SyncMl::parse`].
pub fn parse_syncml(bytes: &[u8]) -> Result<SyncMl, Error> {
    SyncMl::parse(bytes)
}

fn eq(node: &roxmltree::Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().name().eq_ignore_ascii_case(name)
}

fn child<'a, 'i>(node: &roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| eq(c, name))
}

fn text_of(node: &roxmltree::Node<'_, '_>) -> String {
    node.children()
        .filter(roxmltree::Node::is_text)
        .filter_map(|n| n.text())
        .collect()
}

/// `Meta/Format` text, lower-cased.
fn format_of(node: &roxmltree::Node<'_, '_>) -> Option<String> {
    child(node, "Meta")
        .and_then(|m| child(&m, "Format"))
        .map(|f| text_of(&f).trim().to_ascii_lowercase())
}

/// Deepest element nesting accepted. roxmltree 0.20 recurses once per level
/// while parsing (RazrFalcon/roxmltree#154) and so does [`Ctx::walk`], so
/// deeper input is refused before it is parsed; real SyncML nests ~8 levels.
const MAX_DEPTH: usize = 64;

/// Refuses text whose element nesting exceeds [`MAX_DEPTH`], at the element
/// that does. One linear scan that skips comments, CDATA, processing
/// instructions, declarations and quoted attribute values, so it opens exactly
/// the elements an XML parser would.
fn check_depth(text: &str) -> Result<(), Error> {
    let b = text.as_bytes();
    let skip_to = |from: usize, end: &str| {
        text[from..]
            .find(end)
            .map_or(b.len(), |p| from + p + end.len())
    };
    let (mut i, mut depth) = (0, 0usize);
    while let Some(p) = text[i..].find('<') {
        let at = i + p;
        let rest = &text[at..];
        i = if rest.starts_with("<!--") {
            skip_to(at, "-->")
        } else if rest.starts_with("<![CDATA[") {
            skip_to(at, "]]>")
        } else if rest.starts_with("<?") {
            skip_to(at, "?>")
        } else if rest.starts_with("<!") {
            skip_to(at, ">")
        } else if rest.starts_with("</") {
            depth = depth.saturating_sub(1);
            skip_to(at, ">")
        } else {
            // A start tag: its `>` is the first one outside a quoted attribute value.
            let (mut j, mut quote) = (at + 1, None);
            while j < b.len() && (quote.is_some() || b[j] != b'>') {
                match (quote, b[j]) {
                    (Some(q), c) if c == q => quote = None,
                    (None, c @ (b'"' | b'\'')) => quote = Some(c),
                    _ => {}
                }
                j += 1;
            }
            if b.get(j - 1) != Some(&b'/') {
                depth += 1;
                if depth > MAX_DEPTH {
                    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
                    return Err(Error::SyncMl {
                        line: u32::try_from(text[..at].matches('\n').count() + 1)
                            .unwrap_or(u32::MAX),
                        column: u32::try_from(text[line_start..at].chars().count() + 1)
                            .unwrap_or(u32::MAX),
                        reason: format!("elements nested deeper than {MAX_DEPTH}"),
                    });
                }
            }
            (j + 1).min(b.len())
        };
    }
    Ok(())
}

struct Ctx<'a, 'i> {
    doc: &'a roxmltree::Document<'i>,
    /// Line numbering cursor: commands come in document order, so counting
    /// newlines from the previous command keeps this linear.
    cursor: std::cell::Cell<(usize, u32)>,
}

impl Ctx<'_, '_> {
    fn error(&self, node: &roxmltree::Node<'_, '_>, reason: String) -> Error {
        let pos = self.doc.text_pos_at(node.range().start);
        Error::SyncMl {
            line: pos.row,
            column: pos.col,
            reason,
        }
    }

    /// 1-based line of byte offset `pos` (error paths use `text_pos_at`).
    fn line_at(&self, pos: usize) -> u32 {
        let (mut at, mut line) = self.cursor.get();
        if pos < at {
            (at, line) = (0, 1);
        }
        let text = self.doc.input_text();
        let newlines = text
            .get(at..pos)
            .map_or(0, |s| s.bytes().filter(|&b| b == b'\n').count());
        line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.cursor.set((pos, line));
        line
    }

    fn walk(
        &self,
        parent: &roxmltree::Node<'_, '_>,
        atomic: Option<u32>,
        atomics: &mut u32,
        out: &mut Vec<SyncMlCommand>,
    ) -> Result<(), Error> {
        for n in parent.children().filter(roxmltree::Node::is_element) {
            let name = n.tag_name().name();
            if name.eq_ignore_ascii_case("Sequence") {
                self.walk(&n, atomic, atomics, out)?;
                continue;
            }
            if name.eq_ignore_ascii_case("Atomic") {
                // An Atomic inside another (which OMA DM does not allow) joins the outer one.
                let group = match atomic {
                    Some(g) => g,
                    None => {
                        *atomics = atomics.saturating_add(1);
                        *atomics - 1
                    }
                };
                let start = out.len();
                self.walk(&n, Some(group), atomics, out)?;
                if atomic.is_none() {
                    settle_atomic(&mut out[start..]);
                }
                continue;
            }
            let Some(verb) = SyncMlVerb::ALL
                .iter()
                .find(|(_, s)| s.eq_ignore_ascii_case(name))
                .map(|(v, _)| *v)
            else {
                continue; // Final, Status, Results, Alert, ...
            };
            self.command(verb, &n, atomic, out)?;
        }
        Ok(())
    }

    fn command(
        &self,
        verb: SyncMlVerb,
        cmd: &roxmltree::Node<'_, '_>,
        atomic: Option<u32>,
        out: &mut Vec<SyncMlCommand>,
    ) -> Result<(), Error> {
        let cmd_id = child(cmd, "CmdID").map(|c| text_of(&c).trim().to_owned());
        let cmd_format = format_of(cmd);
        let line = self.line_at(cmd.range().start);
        let mut any = false;
        for item in cmd.children().filter(|c| eq(c, "Item")) {
            any = true;
            let target = child(&item, "Target")
                .and_then(|t| child(&t, "LocURI"))
                .map(|l| text_of(&l).trim().to_owned())
                .ok_or_else(|| {
                    self.error(
                        &item,
                        format!("{} item has no Target/LocURI", verb.as_str()),
                    )
                })?;
            let node = classify(&target);
            let format = format_of(&item).or_else(|| cmd_format.clone());
            let data = child(&item, "Data").map(|d| text_of(&d));
            let (value, status) = judge(verb, &node, format.as_deref(), data.as_deref());
            out.push(SyncMlCommand {
                verb,
                cmd_id: cmd_id.clone(),
                target,
                node,
                value,
                format,
                data,
                atomic,
                status,
                line,
            });
        }
        if any {
            Ok(())
        } else {
            Err(self.error(cmd, format!("{} command has no Item", verb.as_str())))
        }
    }
}

/// An `Atomic` is all or nothing: when one of its LAPS commands fails, the commands before it
/// are rolled back (216) and those after it are not executed (215).
fn settle_atomic(commands: &mut [SyncMlCommand]) {
    let Some(failed) = commands
        .iter()
        .position(|c| c.status.as_ref().is_some_and(|s| !s.is_ok()))
    else {
        return;
    };
    let which = commands[failed].cmd_id.clone().map_or_else(
        || format!("command {}", failed + 1),
        |id| format!("command {id}"),
    );
    for (i, c) in commands.iter_mut().enumerate() {
        if let Some(status) = c.status.as_mut().filter(|s| s.is_ok()) {
            *status = if i < failed {
                CommandStatus::new(
                    CommandStatus::ATOMIC_ROLLED_BACK,
                    format!("rolled back: {which} of the same Atomic failed"),
                )
            } else {
                CommandStatus::new(
                    CommandStatus::NOT_EXECUTED,
                    format!("not executed: {which} of the same Atomic failed"),
                )
            };
        }
    }
}

impl SyncMl {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a SyncML message from bytes (UTF-8, or UTF-16 with a BOM).
    /// Errors carry the line and column. Element names are matched
    /// case-insensitively (Microsoft's own examples write `SyncMl`).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Self::parse_str(&decode(bytes, "SyncML", false)?)
    }

    /// Parses a SyncML message from text.
    pub fn parse_str(text: &str) -> Result<Self, Error> {
        check_depth(text)?;
        let doc = roxmltree::Document::parse(text).map_err(|e| {
            let pos = e.pos();
            Error::SyncMl {
                line: pos.row,
                column: pos.col,
                reason: e.to_string(),
            }
        })?;
        let ctx = Ctx {
            doc: &doc,
            cursor: std::cell::Cell::new((0, 1)),
        };
        let root = doc.root_element();
        if !eq(&root, "SyncML") {
            return Err(ctx.error(
                &root,
                format!("root element is <{}>, not <SyncML>", root.tag_name().name()),
            ));
        }
        let body =
            child(&root, "SyncBody").ok_or_else(|| ctx.error(&root, "no <SyncBody>".into()))?;
        let mut commands = Vec::new();
        ctx.walk(&body, None, &mut 0, &mut commands)?;
        Ok(SyncMl { commands })
    }

    /// The registry operations on the CSP root of the commands the device runs (status
    /// 200): `Add`/`Replace` set a value, `Delete` of a policy node removes it. Rejected
    /// commands, actions and non-LAPS nodes change no value (`Delete` of the `Policies` node is
    /// refused: its access type is `Get` only).
    pub fn ops(&self) -> Vec<RegOp> {
        let key = || Root::Csp.key_path().to_owned();
        self.commands
            .iter()
            .filter(|c| c.succeeded())
            .filter_map(|c| match (&c.verb, &c.node, &c.value) {
                (SyncMlVerb::Add | SyncMlVerb::Replace, CspNode::Policy(name), Some(value)) => {
                    Some(RegOp::Set {
                        key: key(),
                        name: name.clone(),
                        value: value.clone(),
                    })
                }
                (SyncMlVerb::Delete, CspNode::Policy(name), _) => Some(RegOp::DeleteValue {
                    key: key(),
                    name: name.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Applies the policy commands to the CSP root of `snapshot`; returns the
    /// targets outside the LAPS CSP, which are ignored.
    pub fn apply_to(&self, snapshot: &mut Snapshot) -> Vec<String> {
        snapshot.apply_all(&self.ops());
        self.commands
            .iter()
            .filter(|c| c.node == CspNode::Other)
            .map(|c| c.target.clone())
            .collect()
    }

    /// True when the message runs `Actions/ResetPassword` (an admin-requested rotation).
    pub fn reset_password_requested(&self) -> bool {
        self.commands.iter().any(|c| {
            c.verb == SyncMlVerb::Exec && c.node == CspNode::ResetPassword && c.succeeded()
        })
    }

    /// The LAPS commands the device refuses (any status but 200), in document order.
    pub fn rejected(&self) -> impl Iterator<Item = &SyncMlCommand> {
        rejected(&self.commands)
    }

    fn push(&mut self, verb: SyncMlVerb, target: String, value: Option<RegValue>) -> &mut Self {
        let node = classify(&target);
        let (format, data) = match &value {
            Some(RegValue::Dword(d)) => {
                let format = match &node {
                    CspNode::Policy(name) => catalog::find(Family::WindowsLaps, name)
                        .map_or("int", |s| node_format(s.kind)),
                    _ => "int",
                };
                (
                    Some(format),
                    Some(match (format, d) {
                        ("bool", 1) => "True".to_owned(),
                        ("bool", 0) => "False".to_owned(),
                        _ => d.to_string(),
                    }),
                )
            }
            Some(other) => (
                Some("chr"),
                Some(other.as_str().unwrap_or_default().to_owned()),
            ),
            None => (None, None),
        };
        let (_, status) = judge(verb, &node, format, data.as_deref());
        self.commands.push(SyncMlCommand {
            verb,
            cmd_id: None,
            target,
            node,
            value,
            format: None,
            data: None,
            atomic: None,
            status,
            line: 0,
        });
        self
    }

    /// Appends a `Replace` of a LAPS policy node.
    ///
    /// The command must be one the device's CSP runs, and the value one XML can hold, so that
    /// [`to_xml`](Self::to_xml) writes what [`parse_str`](Self::parse_str) reads back and the
    /// device accepts: a node the CSP has (not the GPO-only `ADBackupDSRMPassword`), a DWORD
    /// for `int`/`bool` nodes or a string without control characters other than tab, LF and
    /// CR for `chr` nodes, within the node's allowed values; anything else is
    /// `Error::UnwritableValue`.
    ///
    /// ```
    /// use laps_policy::{Error, RegValue, SyncMl};
    /// let mut m = SyncMl::new();
    /// m.replace("BackupDirectory", RegValue::Dword(2))?
    ///     .replace("PasswordComplexity", RegValue::Dword(6))?;
    /// for (name, value) in [
    ///     ("PasswordAgeDays", RegValue::Qword(30)),
    ///     ("ADBackupDSRMPassword", RegValue::Dword(1)),
    ///     ("PasswordLength", RegValue::Sz("20".into())),
    ///     ("PostAuthenticationActions", RegValue::Dword(0)),
    /// ] {
    ///     assert!(matches!(m.replace(name, value), Err(Error::UnwritableValue { .. })));
    /// }
    /// # Ok::<(), Error>(())
    /// ```
    pub fn replace(&mut self, name: &str, value: RegValue) -> Result<&mut Self, Error> {
        self.push_value(SyncMlVerb::Replace, name, value)
    }

    /// Appends an `Add` of a LAPS policy node; the value is checked as for
    /// [`replace`](Self::replace).
    pub fn add(&mut self, name: &str, value: RegValue) -> Result<&mut Self, Error> {
        self.push_value(SyncMlVerb::Add, name, value)
    }

    fn push_value(
        &mut self,
        verb: SyncMlVerb,
        name: &str,
        value: RegValue,
    ) -> Result<&mut Self, Error> {
        let node = catalog::find(Family::WindowsLaps, name);
        let reason = match (&value, node) {
            (_, None) => Some("the LAPS CSP has no such node (404 Not Found)"),
            (_, Some(info)) if info.csp_node.is_none() => {
                Some("the LAPS CSP has no such node: it is a Group Policy setting only (404 Not Found)")
            }
            (RegValue::Dword(_) | RegValue::Sz(_), Some(info))
                if matches!(value, RegValue::Sz(_)) != (info.kind == ValueKind::Text) =>
            {
                Some("the node's format does not carry this value type: int and bool nodes take a DWORD, chr nodes a string (415)")
            }
            (RegValue::Dword(_), _) => None,
            (RegValue::Sz(text), _) if text.chars().all(is_xml_char) => None,
            (RegValue::Sz(_), _) => {
                Some("XML 1.0 cannot carry control characters other than tab, LF and CR")
            }
            _ => Some("the LAPS CSP carries only int (DWORD), bool and chr (REG_SZ) values"),
        };
        let reason = reason.or_else(|| {
            check_allowed(name, &value).err().map(|_| {
                "not one of the node's allowed values in the LAPS CSP reference (400 Bad Request)"
            })
        });
        if let Some(reason) = reason {
            return Err(Error::UnwritableValue {
                name: name.to_owned(),
                reason,
            });
        }
        Ok(self.push(verb, format!("{CSP_POLICIES}{name}"), Some(value)))
    }

    /// Appends a `Delete` of a LAPS policy node.
    pub fn delete(&mut self, name: &str) -> &mut Self {
        self.push(SyncMlVerb::Delete, format!("{CSP_POLICIES}{name}"), None)
    }

    /// Appends an `Exec` of `Actions/ResetPassword`.
    pub fn exec_reset_password(&mut self) -> &mut Self {
        self.push(
            SyncMlVerb::Exec,
            "./Device/Vendor/MSFT/LAPS/Actions/ResetPassword".into(),
            None,
        )
    }

    /// Writes the message as Intune would (one command per item, `Final` at the end).
    /// Parsed commands keep their `Format` and `Data` as sent, and the commands of one
    /// `Atomic` stay in one `Atomic`, so the result parses to the same commands and statuses.
    pub fn to_xml(&self) -> String {
        let mut x = String::from("<SyncML xmlns=\"SYNCML:SYNCML1.2\">\n  <SyncBody>\n");
        let mut open_atomic: Option<u32> = None;
        for (i, c) in self.commands.iter().enumerate() {
            if open_atomic.is_some() && open_atomic != c.atomic {
                x.push_str("    </Atomic>\n");
                open_atomic = None;
            }
            if c.atomic.is_some() && open_atomic.is_none() {
                x.push_str("    <Atomic>\n");
                open_atomic = c.atomic;
            }
            let verb = c.verb.as_str();
            let id = c.cmd_id.clone().unwrap_or_else(|| (i + 1).to_string());
            let _ = write!(
                x,
                "    <{verb}>\n      <CmdID>{}</CmdID>\n      <Item>\n        <Target>\n          <LocURI>{}</LocURI>\n        </Target>\n",
                escape(&id),
                escape(&c.target)
            );
            let meta = |x: &mut String, format: &str| {
                let _ = write!(
                    x,
                    "        <Meta>\n          <Format xmlns=\"syncml:metinf\">{format}</Format>\n          <Type>text/plain</Type>\n        </Meta>\n"
                );
            };
            match (&c.value, &c.node) {
                _ if c.format.is_some() || c.data.is_some() => {
                    if let Some(format) = &c.format {
                        meta(&mut x, &escape(format));
                    }
                    if let Some(data) = &c.data {
                        let _ = writeln!(x, "        <Data>{}</Data>", escape(data));
                    }
                }
                (Some(v), CspNode::Policy(name)) => {
                    let is_bool = catalog::find(Family::WindowsLaps, name)
                        .is_some_and(|s| s.kind == ValueKind::Bool);
                    let (format, data) = match v {
                        RegValue::Dword(d) if is_bool && *d <= 1 => (
                            "bool",
                            if *d == 1 {
                                "True".into()
                            } else {
                                "False".into()
                            },
                        ),
                        RegValue::Dword(d) => ("int", d.to_string()),
                        RegValue::Qword(q) => ("int", q.to_string()),
                        other => ("chr", other.as_str().unwrap_or_default().to_owned()),
                    };
                    meta(&mut x, format);
                    let _ = writeln!(x, "        <Data>{}</Data>", escape(&data));
                }
                _ if c.verb == SyncMlVerb::Exec => meta(&mut x, "null"),
                _ => {}
            }
            let _ = write!(x, "      </Item>\n    </{verb}>\n");
        }
        if open_atomic.is_some() {
            x.push_str("    </Atomic>\n");
        }
        x.push_str("    <Final/>\n  </SyncBody>\n</SyncML>\n");
        x
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // A raw CR would come back as LF (XML end-of-line normalization).
            '\r' => out.push_str("&#13;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The commands the device's LAPS CSP refuses (any status but 200), in order.
pub(crate) fn rejected(commands: &[SyncMlCommand]) -> impl Iterator<Item = &SyncMlCommand> {
    (commands.iter()).filter(|c| c.status.as_ref().is_some_and(|s| !s.is_ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_line_and_column() {
        let e =
            SyncMl::parse_str("<SyncML>\n<SyncBody>\n<Add></Ad></SyncBody></SyncML>").unwrap_err();
        assert!(matches!(e, Error::SyncMl { line: 3, .. }), "{e:?}");
        let e = SyncMl::parse_str("<Other/>").unwrap_err();
        assert!(matches!(
            e,
            Error::SyncMl {
                line: 1,
                column: 1,
                ..
            }
        ));
        assert!(SyncMl::parse_str(
            "<SyncML><SyncBody><Add><CmdID>1</CmdID></Add></SyncBody></SyncML>"
        )
        .is_err());
        assert!(SyncMl::parse_str(
            "<SyncML><SyncBody><Add><Item><Data>1</Data></Item></Add></SyncBody></SyncML>"
        )
        .is_err());
    }

    #[test]
    fn node_classification() {
        assert_eq!(
            classify("./Vendor/MSFT/LAPS/Policies/BackupDirectory"),
            CspNode::Policy("BackupDirectory".into())
        );
        assert_eq!(
            classify("./Device/Vendor/MSFT/LAPS/Policies"),
            CspNode::Policies
        );
        assert_eq!(
            classify("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword"),
            CspNode::ResetPassword
        );
        assert_eq!(
            classify("./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus"),
            CspNode::ResetPasswordStatus
        );
        assert_eq!(
            classify("./Device/Vendor/MSFT/Policy/Config/Foo"),
            CspNode::Other
        );
        assert_eq!(classify("./Device/Vendor/MSFT/LAPS"), CspNode::CspRoot);
        assert_eq!(classify("./Vendor/MSFT/LAPS/Actions"), CspNode::Actions);
        assert_eq!(
            classify("./Device/Vendor/MSFT/LAPS/Actions/Rotate"),
            CspNode::Unknown("Actions/Rotate".into())
        );
        assert_eq!(classify("./Device/Vendor/MSFT/LAPSX/A"), CspNode::Other);
    }
}
