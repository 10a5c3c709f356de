//! The differences of a stack as text.

use std::fmt::Write;

use serde_json::Value as Json;

use super::model::{Replacement, ResourceDiff, StackDiff};

fn short(value: &Option<Json>) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 80 {
                format!("{}...", text.chars().take(77).collect::<String>())
            } else {
                text
            }
        }
    }
}

/// The diff of a stack as text (`[+]` added, `[-]` removed, `[~]` modified).
pub fn render(stack: &str, diff: &StackDiff) -> String {
    let mut out = String::new();
    let _ = write!(out, "Stack {stack}");
    if diff.new_stack {
        out.push_str(" (not deployed)");
    }
    if diff.is_empty() {
        out.push_str(": no differences");
        return out;
    }
    if !diff.resources.is_empty() {
        out.push_str("\nResources");
    }
    for resource in &diff.resources {
        match resource {
            ResourceDiff::Added {
                logical_id,
                resource_type,
            } => {
                let _ = write!(out, "\n[+] {resource_type} {logical_id}");
            }
            ResourceDiff::Removed {
                logical_id,
                resource_type,
                retained,
            } => {
                let _ = write!(
                    out,
                    "\n[-] {resource_type} {logical_id}{}",
                    if *retained {
                        " (retained: DeletionPolicy Retain)"
                    } else {
                        ""
                    }
                );
            }
            ResourceDiff::Modified {
                logical_id,
                resource_type,
                properties,
                attributes,
                replacement,
            } => {
                let marker = match replacement {
                    Replacement::Yes => " (replace)",
                    Replacement::Maybe => " (may replace)",
                    Replacement::No => "",
                };
                let _ = write!(out, "\n[~] {resource_type} {logical_id}{marker}");
                for p in properties {
                    let marker = match p.replacement {
                        Replacement::Yes => " (replaces)",
                        Replacement::Maybe => " (may replace)",
                        Replacement::No => "",
                    };
                    if p.old.is_none() && p.new.is_none() {
                        let _ = write!(
                            out,
                            "\n    [~] {}: refers to a replaced resource{marker}",
                            p.path
                        );
                    } else {
                        let _ = write!(
                            out,
                            "\n    [~] {}: {} -> {}{marker}",
                            p.path,
                            short(&p.old),
                            short(&p.new)
                        );
                    }
                }
                for a in attributes {
                    let _ = write!(out, "\n    [~] {a}");
                }
            }
        }
    }
    let mut current = "";
    for change in &diff.sections {
        if change.section != current {
            current = &change.section;
            let _ = write!(out, "\n{current}");
        }
        let _ = write!(out, "\n[{}] {}", change.kind, change.name);
    }
    out
}
