//! laps-policy's modules import each other without a loop, and the layering is
//! catalog ← settings ← effective ← {resolve, explain, post_auth, rotation}.
//!
//! The graph is read from the source: every `crate::module` path (and every
//! `crate::{Name, ..}` import, mapped through the re-exports of `lib.rs`) outside
//! comments and `#[cfg(test)]` blocks is an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn src() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
}

/// Code lines of a file: comments and everything from the first `#[cfg(test)]` on removed.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The first identifier of each item of a `{a, b::c, d::{e, f}}` group (top level only).
fn group_heads(group: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            item.push(c);
        }
    }
    out.push(item);
    out.iter()
        .filter_map(|i| {
            let head: String = i.trim().chars().take_while(|&c| is_ident(c)).collect();
            (!head.is_empty()).then_some(head)
        })
        .collect()
}

/// The identifier or `{...}` group after each `crate::` (or after `pub use ` in lib.rs).
fn paths_after(text: &str, marker: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(marker) {
        let before_ok = i == 0 || !rest[..i].ends_with(is_ident);
        rest = &rest[i + marker.len()..];
        if !before_ok {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            out.push((String::new(), group_heads(&group[..end])));
        } else {
            let head: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            let tail = &rest[head.len()..];
            let names = match tail.strip_prefix("::{") {
                Some(g) => group_heads(&g[..g.find('}').unwrap_or(g.len())]),
                None => {
                    let t = tail.strip_prefix("::").unwrap_or("");
                    vec![t.chars().take_while(|&c| is_ident(c)).collect()]
                }
            };
            out.push((head, names));
        }
    }
    out
}

/// Top-level modules and, for each re-exported name, its module.
fn modules_and_exports() -> (BTreeSet<String>, BTreeMap<String, String>) {
    let lib = code(&fs::read_to_string(src().join("lib.rs")).unwrap());
    let modules: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_owned)
        })
        .collect();
    let mut exports = BTreeMap::new();
    for (module, names) in paths_after(&lib, "pub use ") {
        for n in names {
            exports.insert(n, module.clone());
        }
    }
    (modules, exports)
}

fn module_sources(module: &str) -> Vec<String> {
    let file = src().join(format!("{module}.rs"));
    let dir = src().join(module);
    let mut out = Vec::new();
    if file.exists() {
        out.push(fs::read_to_string(&file).unwrap());
    }
    if dir.is_dir() {
        for e in fs::read_dir(&dir).unwrap() {
            out.push(fs::read_to_string(e.unwrap().path()).unwrap());
        }
    }
    assert!(!out.is_empty(), "no source for module {module}");
    out
}

fn graph() -> Graph {
    let (modules, exports) = modules_and_exports();
    let mut g = Graph::new();
    for m in &modules {
        let deps = g.entry(m.clone()).or_default();
        for text in module_sources(m) {
            for (head, names) in paths_after(&code(&text), "crate::") {
                let targets: Vec<String> = if modules.contains(&head) {
                    vec![head]
                } else {
                    // `crate::{A, b::C}` or `crate::A`: a re-exported name or a module.
                    let names = if head.is_empty() { names } else { vec![head] };
                    names
                        .into_iter()
                        .filter_map(|n| {
                            if modules.contains(&n) {
                                Some(n)
                            } else {
                                exports.get(&n).cloned()
                            }
                        })
                        .collect()
                };
                for t in targets {
                    if &t != m {
                        deps.insert(t);
                    }
                }
            }
        }
    }
    g
}

fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(
        g: &Graph,
        m: &str,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.to_owned());
        for d in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(g, d, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|m| visit(g, m, &mut Vec::new(), &mut done))
}

fn reaches(g: &Graph, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(m) = todo.pop() {
        if m == to {
            return true;
        }
        if seen.insert(m.clone()) {
            todo.extend(g.get(&m).into_iter().flatten().cloned());
        }
    }
    false
}

#[test]
fn policy_modules_have_no_import_loop() {
    let g = graph();
    assert!(g.len() > 10, "too few modules found: {g:?}");
    assert!(
        g["effective"].contains("catalog"),
        "the parser finds no edges: {g:?}"
    );
    if let Some(cycle) = find_cycle(&g) {
        panic!("module import loop: {}\n{g:#?}", cycle.join(" -> "));
    }
}

#[test]
fn policy_layers_point_one_way() {
    let g = graph();
    for (upper, lower) in [
        ("settings", "catalog"),
        ("effective", "settings"),
        ("resolve", "effective"),
        ("explain", "effective"),
        ("post_auth", "effective"),
        ("rotation", "effective"),
    ] {
        assert!(reaches(&g, upper, lower), "{upper} should use {lower}");
        assert!(!reaches(&g, lower, upper), "{lower} must not use {upper}");
    }
    for leaf in ["resolve", "explain", "post_auth", "rotation"] {
        for other in ["resolve", "explain", "post_auth", "rotation"] {
            if leaf != other {
                assert!(!reaches(&g, leaf, other), "{leaf} must not use {other}");
            }
        }
    }
}

#[test]
fn the_parser_reads_groups_and_reexports() {
    let heads = group_heads("a, b::{c, d}, e as f, self");
    assert_eq!(heads, ["a", "b", "e", "self"]);
    let p = paths_after("use crate::{x::Y, Z};\nlet v = crate::w::f();", "crate::");
    assert_eq!(p[0], (String::new(), vec!["x".to_owned(), "Z".to_owned()]));
    assert_eq!(p[1], ("w".to_owned(), vec!["f".to_owned()]));
    let (_, exports) = modules_and_exports();
    assert_eq!(
        exports.get("EffectivePolicy").map(String::as_str),
        Some("effective")
    );
}
