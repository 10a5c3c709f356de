//! Writes the seed corpus of the fuzz targets: the body of every `pipeline! { ... }`
//! invocation in the project's programs (the reference program, the examples, the
//! language suite's pass and fail cases, the rehearsal programs), one file each.
//!
//! With them, a libFuzzer dictionary of every distinct token of those programs (words,
//! literals, punctuation): `OUT_DIR.dict`.
//!
//! Usage: `pipewright-fuzz-seed REPO_ROOT OUT_DIR`

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The programs, relative to the repository root: files, or directories of `.rs` files.
const PROGRAMS: &[&str] = &[
    "pipeline.rs",
    "examples",
    "tests/ui/pass",
    "tests/ui/fail",
    "tests/rehearse",
];

/// The text between the braces of each `pipeline! { ... }` in `source`, at any depth.
fn bodies(source: &str, stream: TokenStream, out: &mut Vec<String>) {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        let TokenTree::Group(g) = tree else { continue };
        let invoked = i >= 2
            && matches!(&trees[i - 2], TokenTree::Ident(id) if id == "pipeline")
            && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '!');
        if invoked && g.delimiter() == Delimiter::Brace {
            let (start, end) = (
                g.span_open().byte_range().end,
                g.span_close().byte_range().start,
            );
            out.push(source[start..end].trim().to_owned());
        } else {
            bodies(source, g.stream(), out);
        }
    }
}

/// Every leaf token of `stream`, as written.
fn words(stream: TokenStream, out: &mut BTreeSet<String>) {
    for tree in stream {
        match tree {
            TokenTree::Group(g) => words(g.stream(), out),
            other => {
                out.insert(other.to_string());
            }
        }
    }
}

/// One dictionary entry: quoted, with `\\`, `\"` and non-printable bytes escaped.
fn dict_entry(word: &str) -> String {
    let mut s = String::from("\"");
    for b in word.bytes() {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02X}")),
        }
    }
    s.push('"');
    s
}

fn programs(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in PROGRAMS {
        let path = root.join(entry);
        if path.is_dir() {
            let mut dir: Vec<PathBuf> = fs::read_dir(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "rs"))
                .collect();
            dir.sort();
            files.extend(dir);
        } else {
            files.push(path);
        }
    }
    files
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, out] = &args[..] else {
        eprintln!("usage: pipewright-fuzz-seed REPO_ROOT OUT_DIR");
        std::process::exit(2);
    };
    let (root, out) = (Path::new(root), Path::new(out));
    fs::create_dir_all(out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    let mut written = 0;
    let mut dictionary = BTreeSet::new();
    for file in programs(root) {
        let source =
            fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let stream: TokenStream = source
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut found = Vec::new();
        bodies(&source, stream, &mut found);
        let name = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace(['/', '.'], "-");
        for (i, body) in found.iter().enumerate() {
            words(body.parse().expect("a group's body lexes"), &mut dictionary);
            fs::write(out.join(format!("{name}-{i}")), body).unwrap();
            written += 1;
        }
    }
    if written == 0 {
        eprintln!("no `pipeline!` invocation found under {}", root.display());
        std::process::exit(1);
    }
    // libFuzzer ignores entries longer than 64 bytes.
    let entries: Vec<String> = dictionary
        .iter()
        .filter(|w| w.len() <= 64)
        .map(|w| dict_entry(w))
        .collect();
    let dict = out.with_extension("dict");
    fs::write(&dict, entries.join("\n") + "\n").unwrap();
    println!(
        "{written} programs written to {}, {} words to {}",
        out.display(),
        entries.len(),
        dict.display()
    );
}
