//! SyncML for the LAPS CSP, as Intune sends it: `Add`, `Replace` and
//! `Delete` of `./Device/Vendor/MSFT/LAPS/Policies/*` (formats `int`, `bool`,
//! `chr`, with or without an `Atomic` wrapper), plus `Exec` of
//! `Actions/ResetPassword` and `Get` of `Actions/ResetPasswordStatus`.

use crate::catalog::{self, csp_policy_node, Family, ValueKind, CSP_POLICIES};
use crate::snapshot::{RegOp, Root, Snapshot};
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
    /// `./Device/Vendor/MSFT/LAPS/Policies/<name>`.
    Policy(String),
    /// The `Policies` interior node itself.
    Policies,
    /// `./Device/Vendor/MSFT/LAPS/Actions/ResetPassword`.
    ResetPassword,
    /// `./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus`.
    ResetPasswordStatus,
    /// Anything else (not LAPS): ignored.
    Other,
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
    let action = base
        .strip_prefix("./Device/Vendor/MSFT/LAPS/Actions/")
        .or_else(|| base.strip_prefix("./Vendor/MSFT/LAPS/Actions/"));
    match action {
        Some("ResetPassword") => CspNode::ResetPassword,
        Some("ResetPasswordStatus") => CspNode::ResetPasswordStatus,
        _ => CspNode::Other,
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
    /// The typed value of an Add/Replace (`int` → DWORD, `bool` → DWORD 0/1, `chr` → SZ).
    pub value: Option<RegValue>,
    /// 1-based line of the command (0 for commands built in memory).
    pub line: u32,
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
        out: &mut Vec<SyncMlCommand>,
    ) -> Result<(), Error> {
        for n in parent.children().filter(roxmltree::Node::is_element) {
            let name = n.tag_name().name();
            if name.eq_ignore_ascii_case("Atomic") || name.eq_ignore_ascii_case("Sequence") {
                self.walk(&n, out)?;
                continue;
            }
            let Some(verb) = SyncMlVerb::ALL
                .iter()
                .find(|(_, s)| s.eq_ignore_ascii_case(name))
                .map(|(v, _)| *v)
            else {
                continue; // Final, Status, Results, Alert, ...
            };
            self.command(verb, &n, out)?;
        }
        Ok(())
    }

    fn command(
        &self,
        verb: SyncMlVerb,
        cmd: &roxmltree::Node<'_, '_>,
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
            let value = match (verb, &node) {
                (SyncMlVerb::Add | SyncMlVerb::Replace, CspNode::Policy(name)) => {
                    let format = format_of(&item).or_else(|| cmd_format.clone());
                    let data = child(&item, "Data").map(|d| text_of(&d));
                    Some(self.value(&item, name, format.as_deref(), data)?)
                }
                _ => None,
            };
            out.push(SyncMlCommand {
                verb,
                cmd_id: cmd_id.clone(),
                target,
                node,
                value,
                line,
            });
        }
        if any {
            Ok(())
        } else {
            Err(self.error(cmd, format!("{} command has no Item", verb.as_str())))
        }
    }

    /// Converts `Data` by `Format`; without a format, the catalogue's type
    /// for the node (chr for unknown nodes).
    fn value(
        &self,
        item: &roxmltree::Node<'_, '_>,
        name: &str,
        format: Option<&str>,
        data: Option<String>,
    ) -> Result<RegValue, Error> {
        let inferred = match catalog::find(Family::WindowsLaps, name).map(|s| s.kind) {
            Some(ValueKind::Dword) => "int",
            Some(ValueKind::Bool) => "bool",
            _ => "chr",
        };
        let format = format.unwrap_or(inferred);
        let data = data.unwrap_or_default();
        let bad = |what: &str| self.error(item, format!("{name}: {what} (Data {data:?})"));
        match format {
            "int" => data
                .trim()
                .parse::<u32>()
                .map(RegValue::Dword)
                .map_err(|_| bad("int data is not an unsigned 32-bit decimal")),
            // Bool casing is UNCERTAIN in the spec: accept any case, and 1/0.
            "bool" => match data.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(RegValue::Dword(1)),
                "false" | "0" => Ok(RegValue::Dword(0)),
                _ => Err(bad("bool data is not True or False")),
            },
            "chr" | "" => Ok(RegValue::Sz(data)),
            other => Err(bad(&format!("unsupported Format {other:?}"))),
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
        ctx.walk(&body, &mut commands)?;
        Ok(SyncMl { commands })
    }

    /// The registry operations on the CSP root (`Delete` of the `Policies`
    /// node clears it). Actions and non-LAPS nodes change no value.
    pub fn ops(&self) -> Vec<RegOp> {
        let key = || Root::Csp.key_path().to_owned();
        self.commands
            .iter()
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
                (SyncMlVerb::Delete, CspNode::Policies, _) => {
                    Some(RegOp::DeleteAllValues { key: key() })
                }
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
        self.commands
            .iter()
            .any(|c| c.verb == SyncMlVerb::Exec && c.node == CspNode::ResetPassword)
    }

    fn push(&mut self, verb: SyncMlVerb, target: String, value: Option<RegValue>) -> &mut Self {
        let node = classify(&target);
        self.commands.push(SyncMlCommand {
            verb,
            cmd_id: None,
            target,
            node,
            value,
            line: 0,
        });
        self
    }

    /// Appends a `Replace` of a LAPS policy node.
    ///
    /// The value must be one the CSP carries and XML can hold, so that [`to_xml`](Self::to_xml)
    /// writes what [`parse_str`](Self::parse_str) reads back: a DWORD, or a string without
    /// control characters other than tab, LF and CR; anything else is
    /// `Error::UnwritableValue`.
    ///
    /// ```
    /// use laps_policy::{Error, RegValue, SyncMl};
    /// let mut m = SyncMl::new();
    /// m.replace("BackupDirectory", RegValue::Dword(2))?
    ///     .replace("PasswordComplexity", RegValue::Dword(6))?;
    /// assert!(matches!(
    ///     m.replace("PasswordAgeDays", RegValue::Qword(30)),
    ///     Err(Error::UnwritableValue { .. })
    /// ));
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
        let reason = match &value {
            RegValue::Dword(_) => None,
            RegValue::Sz(text) if text.chars().all(is_xml_char) => None,
            RegValue::Sz(_) => {
                Some("XML 1.0 cannot carry control characters other than tab, LF and CR")
            }
            _ => Some("the LAPS CSP carries only int (DWORD), bool and chr (REG_SZ) values"),
        };
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
    pub fn to_xml(&self) -> String {
        let mut x = String::from("<SyncML xmlns=\"SYNCML:SYNCML1.2\">\n  <SyncBody>\n");
        for (i, c) in self.commands.iter().enumerate() {
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
        let e = SyncMl::parse_str(
            "<SyncML><SyncBody>\n<Add><CmdID>1</CmdID>\n  <Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target><Data>-3</Data></Item></Add></SyncBody></SyncML>",
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::SyncMl {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{e:?}"
        );
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
    }
}
