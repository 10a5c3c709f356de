//! What a function's code declares it uses (`links!` of `pipewright-links`) against what its
//! `lambda` block links: a declared block must exist in the stack, be of the declared kind
//! and be linked with at least the declared access. A link nobody declares is fine (the code
//! may use the SDK directly); a package without declarations is not checked.
//!
//! Every mismatch is reported at the lambda, and cites the declaration's file and line:
//! the program is where links are granted, so that is where a missing one is added.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pipewright::spec::{Access, Link, MemberKind, Stack};
use proc_macro2::Span;

use super::context::{Cx, FieldSpan};
use super::packages::WorkspaceResult;
use super::wiring::either;
use crate::diagnostics::did_you_mean_or;
use crate::workspace::{Declaration, DeclaredLinks};

/// The kinds a declaration names, as `links!` spells them.
const DECLARABLE: &[(&str, MemberKind)] = &[
    ("Table", MemberKind::Table),
    ("Queue", MemberKind::Queue),
    ("Bucket", MemberKind::Bucket),
    ("Topic", MemberKind::Topic),
    ("Resource", MemberKind::Resource),
];

/// The access a `Resource` declaration names: whatever actions the `link` lists.
const RESOURCE_ACCESS: &str = "Actions";

impl Cx {
    /// Checks what each lambda's function declares against the lambda's links; the files
    /// read, for rebuild tracking. Lambdas whose package or binary is unknown were reported
    /// already and are left out.
    pub(super) fn declared_links(
        &mut self,
        stacks: &[(Stack, Vec<(String, FieldSpan)>)],
        workspace: WorkspaceResult<'_>,
    ) -> Vec<PathBuf> {
        let Ok(ws) = workspace else {
            return Vec::new();
        };
        // Several lambdas may run one binary: its sources are read once.
        let mut read: BTreeMap<(String, String), DeclaredLinks> = BTreeMap::new();
        for (stack, spans) in stacks {
            let blocks = stack.members();
            for lambda in &stack.lambdas {
                let Some((_, span)) = spans.iter().find(|(n, _)| *n == lambda.name) else {
                    continue;
                };
                let Some(package) = ws.package(&lambda.package) else {
                    continue;
                };
                if !package.bins.contains(&lambda.bin) {
                    continue;
                }
                let key = (lambda.package.clone(), lambda.bin.clone());
                let declared = read
                    .entry(key)
                    .or_insert_with(|| package.declared_links(&lambda.bin));
                let function = Function {
                    lambda: &lambda.name,
                    package: &lambda.package,
                    bin: &lambda.bin,
                    stack: &stack.name,
                };
                let found = mismatches(&function, &lambda.links, &blocks, &declared.declarations);
                for mismatch in found {
                    self.diag.error(site(span, &mismatch.at), mismatch.message);
                }
            }
        }
        read.into_values().flat_map(|d| d.files).collect()
    }
}

/// Where a mismatch is reported.
fn site(span: &FieldSpan, at: &At) -> Span {
    let lambda = span.link.unwrap_or(span.name);
    let entry = |block: &str| span.links.iter().find(|l| l.target == block);
    match at {
        At::Lambda => lambda,
        At::LinkName(block) => entry(block).map_or(lambda, |l| l.name),
        At::LinkAccess(block) => entry(block).map_or(lambda, |l| l.access),
    }
}

/// The function a lambda runs, as messages name it.
pub(super) struct Function<'a> {
    pub(super) lambda: &'a str,
    pub(super) package: &'a str,
    pub(super) bin: &'a str,
    pub(super) stack: &'a str,
}

/// Where a mismatch belongs: the lambda (its `link` field, or its name), or the entry that
/// links a block (its name, or its access).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum At {
    Lambda,
    LinkName(String),
    LinkAccess(String),
}

/// A declaration the lambda does not satisfy, and why.
#[derive(Debug)]
pub(super) struct Mismatch {
    pub(super) at: At,
    pub(super) message: String,
}

/// Every declaration of `declared` that the lambda's links (`linked`) or the stack's blocks
/// do not satisfy.
pub(super) fn mismatches(
    function: &Function<'_>,
    linked: &[Link],
    blocks: &[(&str, MemberKind)],
    declared: &[Declaration],
) -> Vec<Mismatch> {
    declared
        .iter()
        .filter_map(|d| mismatch(function, linked, blocks, d))
        .collect()
}

fn mismatch(
    function: &Function<'_>,
    linked: &[Link],
    blocks: &[(&str, MemberKind)],
    declared: &Declaration,
) -> Option<Mismatch> {
    // A kind or access `links!` does not know does not compile in the function: its own
    // build says so.
    let kind = declared_kind(&declared.kind)?;
    // `Actions` is the access of a resource only: named for another kind, it is reported.
    if declared.access != RESOURCE_ACCESS {
        Access::from_name(&declared.access)?;
    }
    let (lambda, block) = (function.lambda, declared.block.as_str());
    let declares = format!(
        "function `{lambda}` (package `{}`, bin `{}`) declares",
        function.package, function.bin
    );
    let written = format!(
        "`{}({block}, {})` in {}",
        declared.kind,
        declared.access,
        declared.location()
    );
    let link = linked.iter().find(|l| l.target == block);
    let at_entry = |at: fn(String) -> At| link.map_or(At::Lambda, |l| at(l.target.clone()));
    let Some(&(_, actual)) = blocks.iter().find(|(name, _)| *name == block) else {
        let linkable: Vec<&str> = blocks
            .iter()
            .filter(|(_, k)| declared_name(*k).is_some())
            .map(|(name, _)| *name)
            .collect();
        let hint = did_you_mean_or(block, &linkable, String::new);
        let message = format!(
            "{declares} {written}, but stack `{}` has no block `{block}`{hint}",
            function.stack
        );
        return Some(Mismatch {
            at: At::Lambda,
            message,
        });
    };
    if actual != kind {
        let fix = match declared_name(actual) {
            Some(name) => format!("declare it `{name}({block}, ...)`"),
            None => "a function is linked to a table, queue, bucket, topic or resource".to_owned(),
        };
        let message = format!(
            "{declares} {written}, but `{block}` is a {}: {fix}",
            actual.keyword()
        );
        return Some(Mismatch {
            at: at_entry(At::LinkName),
            message,
        });
    }
    if kind == MemberKind::Resource {
        return resource_mismatch(&declares, &written, function, link, declared);
    }
    let levels = kind.access_levels();
    if !levels.contains(&declared.access.as_str()) {
        let message = format!(
            "{declares} {written}, but a {} takes {}",
            kind.keyword(),
            either(levels)
        );
        return Some(Mismatch {
            at: At::Lambda,
            message,
        });
    }
    let Some(link) = link else {
        let access = &declared.access;
        let fix = match linked {
            [] => format!("add `link: {{ {block}: {access} }}`"),
            _ => format!("add `{block}: {access}` to its `link`"),
        };
        let message = format!(
            "{declares} {} `{block}` in {}, but lambda `{lambda}` does not link it: {fix}",
            kind.keyword(),
            declared.location()
        );
        return Some(Mismatch {
            at: At::Lambda,
            message,
        });
    };
    let access = Access::from_name(&declared.access)?;
    if includes(&link.access, &access) {
        return None;
    }
    let granted = access_name(&link.access);
    let message = format!(
        "{declares} {written}, but lambda `{lambda}` links {} `{block}` with `{granted}` only: link it with `{}`",
        kind.keyword(),
        covering(kind, &link.access, &access)
    );
    Some(Mismatch {
        at: At::LinkAccess(block.to_owned()),
        message,
    })
}

/// A `Resource(BLOCK, Actions)` declaration: any link to the resource satisfies it (the
/// code cannot say which actions it calls).
fn resource_mismatch(
    declares: &str,
    written: &str,
    function: &Function<'_>,
    link: Option<&Link>,
    declared: &Declaration,
) -> Option<Mismatch> {
    let block = declared.block.as_str();
    let message = if declared.access != RESOURCE_ACCESS {
        format!("{declares} {written}, but a resource takes `{RESOURCE_ACCESS}`")
    } else if link.is_none() {
        format!(
            "{declares} resource `{block}` in {}, but lambda `{}` does not link it: add `{block}: [\"service:Action\", ...]` to its `link`",
            declared.location(),
            function.lambda
        )
    } else {
        return None;
    };
    Some(Mismatch {
        at: At::Lambda,
        message,
    })
}

/// The kind a declaration names (`Table`).
fn declared_kind(name: &str) -> Option<MemberKind> {
    DECLARABLE.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// How a declaration names a kind, if it can.
fn declared_name(kind: MemberKind) -> Option<&'static str> {
    DECLARABLE.iter().find(|(_, k)| *k == kind).map(|(n, _)| *n)
}

/// Whether access `granted` allows everything `needed` does: `Read` and `Write` are in
/// `ReadWrite`, `Send` and `Consume` in `SendConsume`.
fn includes(granted: &Access, needed: &Access) -> bool {
    let can = |a: &Access| [a.reads(), a.writes(), a.sends(), a.consumes()];
    let (granted_can, needed_can) = (can(granted), can(needed));
    granted == needed
        || (needed_can.contains(&true) && needed_can.iter().zip(granted_can).all(|(n, g)| !n || g))
}

/// The narrowest level of `kind` that includes both.
fn covering(kind: MemberKind, granted: &Access, needed: &Access) -> &'static str {
    let levels = kind.access_levels();
    let covers = |level: &&&str| {
        Access::from_name(level).is_some_and(|a| includes(&a, granted) && includes(&a, needed))
    };
    levels.iter().find(covers).copied().unwrap_or("")
}

/// The name a program writes an access level with.
fn access_name(access: &Access) -> &'static str {
    Access::NAMES
        .iter()
        .find(|name| Access::from_name(name).as_ref() == Some(access))
        .copied()
        .unwrap_or("its actions")
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: Function<'static> = Function {
        lambda: "Api",
        package: "orders",
        bin: "api",
        stack: "Shop",
    };

    const BLOCKS: &[(&str, MemberKind)] = &[
        ("Api", MemberKind::Lambda),
        ("Orders", MemberKind::Table),
        ("Jobs", MemberKind::Queue),
        ("Events", MemberKind::Topic),
    ];

    fn declared(kind: &str, block: &str, access: &str) -> Declaration {
        Declaration {
            kind: kind.into(),
            block: block.into(),
            access: access.into(),
            file: "src/bin/api.rs".into(),
            line: Some(12),
        }
    }

    fn link(target: &str, access: &str) -> Link {
        Link {
            target: target.into(),
            access: Access::from_name(access).unwrap(),
        }
    }

    fn check(linked: &[Link], declared: Declaration) -> Option<(At, String)> {
        let found = mismatches(&API, linked, BLOCKS, &[declared]);
        assert!(found.len() <= 1);
        found.into_iter().next().map(|m| (m.at, m.message))
    }

    #[test]
    fn a_declared_block_must_be_linked() {
        let (at, message) = check(&[], declared("Table", "Orders", "ReadWrite")).unwrap();
        assert_eq!(at, At::Lambda);
        assert_eq!(
            message,
            "function `Api` (package `orders`, bin `api`) declares table `Orders` in src/bin/api.rs:12, \
             but lambda `Api` does not link it: add `link: { Orders: ReadWrite }`"
        );
        let (_, message) =
            check(&[link("Jobs", "Send")], declared("Table", "Orders", "Read")).unwrap();
        assert!(
            message.ends_with("add `Orders: Read` to its `link`"),
            "{message}"
        );
    }

    #[test]
    fn the_link_must_include_the_declared_access() {
        for (granted, needed) in [
            ("ReadWrite", "Read"),
            ("ReadWrite", "Write"),
            ("Read", "Read"),
            ("ReadWrite", "ReadWrite"),
        ] {
            assert!(check(
                &[link("Orders", granted)],
                declared("Table", "Orders", needed)
            )
            .is_none());
        }
        for (granted, needed) in [("SendConsume", "Send"), ("SendConsume", "Consume")] {
            assert!(check(&[link("Jobs", granted)], declared("Queue", "Jobs", needed)).is_none());
        }
        assert!(check(
            &[link("Events", "Publish")],
            declared("Topic", "Events", "Publish")
        )
        .is_none());

        let (at, message) = check(
            &[link("Orders", "Read")],
            declared("Table", "Orders", "ReadWrite"),
        )
        .unwrap();
        assert_eq!(at, At::LinkAccess("Orders".into()));
        assert_eq!(
            message,
            "function `Api` (package `orders`, bin `api`) declares `Table(Orders, ReadWrite)` in src/bin/api.rs:12, \
             but lambda `Api` links table `Orders` with `Read` only: link it with `ReadWrite`"
        );
        let (_, message) = check(
            &[link("Jobs", "Send")],
            declared("Queue", "Jobs", "Consume"),
        )
        .unwrap();
        assert!(
            message.ends_with("with `Send` only: link it with `SendConsume`"),
            "{message}"
        );
        let (_, message) = check(
            &[link("Orders", "Write")],
            declared("Table", "Orders", "Read"),
        )
        .unwrap();
        assert!(message.ends_with("link it with `ReadWrite`"), "{message}");
    }

    #[test]
    fn the_declared_kind_must_be_the_blocks() {
        let (at, message) = check(
            &[link("Orders", "ReadWrite")],
            declared("Queue", "Orders", "Send"),
        )
        .unwrap();
        assert_eq!(at, At::LinkName("Orders".into()));
        assert!(
            message.ends_with("declares `Queue(Orders, Send)` in src/bin/api.rs:12, but `Orders` is a table: declare it `Table(Orders, ...)`"),
            "{message}"
        );
        // Not linked: at the lambda; a lambda is no linkable block.
        let (at, message) = check(&[], declared("Table", "Api", "Read")).unwrap();
        assert_eq!(at, At::Lambda);
        assert!(
            message.ends_with(
                "but `Api` is a lambda: a function is linked to a table, queue, bucket, topic or resource"
            ),
            "{message}"
        );
        // An access the kind does not have compiles in the function: said here.
        let (_, message) = check(
            &[link("Orders", "ReadWrite")],
            declared("Table", "Orders", "Send"),
        )
        .unwrap();
        assert!(
            message.ends_with("but a table takes `Read`, `Write` or `ReadWrite`"),
            "{message}"
        );
    }

    #[test]
    fn a_declared_block_must_exist() {
        let (at, message) = check(&[], declared("Table", "Ordrs", "Read")).unwrap();
        assert_eq!(at, At::Lambda);
        assert!(
            message.ends_with("declares `Table(Ordrs, Read)` in src/bin/api.rs:12, but stack `Shop` has no block `Ordrs`; did you mean `Orders`?"),
            "{message}"
        );
        let (_, message) = check(&[], declared("Table", "Zzz", "Read")).unwrap();
        assert!(message.ends_with("has no block `Zzz`"), "{message}");
    }

    #[test]
    fn what_the_function_cannot_compile_and_undeclared_links_are_not_checked() {
        assert!(check(&[], declared("Tabel", "Orders", "Read")).is_none());
        assert!(check(&[], declared("Table", "Orders", "Reed")).is_none());
        let linked = [link("Orders", "ReadWrite"), link("Jobs", "Send")];
        assert!(mismatches(&API, &linked, BLOCKS, &[]).is_empty());
        // Every mismatch is reported, not the first.
        let all = [
            declared("Table", "Ordrs", "Read"),
            declared("Queue", "Jobs", "Consume"),
            declared("Topic", "Events", "Publish"),
        ];
        assert_eq!(mismatches(&API, &linked, BLOCKS, &all).len(), 3);
    }
}
