//! The module graph of the library crates: every import points down the crate's list of
//! layers, and no file depends on itself through others (issue 18).
//!
//! A file depends on another when it names one of the other's items through a `crate::`,
//! `super::` or `self::` path, or through a child module or a private `use` of its own.
//! A non-private `use` at the top of a file is a re-export (the module's facade), not a
//! dependency of that file; a path through it is resolved to the file that defines the
//! item. Paths in doc comments are not dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// `pipewright`'s layers, lowest first: a module imports only from modules listed before it.
const RUNTIME_LAYERS: &[&str] = &[
    "cfn",
    "cargo_manifest",
    "fingerprint",
    "spec",
    "app",
    "bootstrap_stack",
    "broadening",
    "plan",
    "synth",
    "assembly",
    "deploy",
    "rehearse",
    "cli",
];

/// `pipewright-macros-core`'s layers, lowest first.
const MACROS_LAYERS: &[&str] = &[
    "diagnostics",
    "registry",
    "syntax",
    "lambda_build",
    "workspace",
    "lower",
    "expand",
];

#[test]
fn runtime_imports_point_down_and_form_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src");
    assert_clean(&Crate::load(&root), RUNTIME_LAYERS);
}

#[test]
fn macros_core_imports_point_down_and_form_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("macros/core/src");
    assert_clean(&Crate::load(&root), MACROS_LAYERS);
}

/// The checker finds what it is there to find: an upward import, a cycle between two
/// files, a cycle through a module's `mod.rs`, and no edge where a re-export or a doc link
/// stands.
#[test]
fn checker_finds_upward_imports_and_cycles() {
    let dir = std::env::temp_dir().join(format!("pipewright-layers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = [
        ("lib.rs", "pub mod low;\npub mod high;\npub use high::Top;\n"),
        ("low/mod.rs", "mod a;\nmod b;\nmod c;\nmod d;\npub use a::A;\npub fn run() { d::d() }\n"),
        ("low/a.rs", "use super::b::B;\npub struct A(B);\n/// Not a dependency: [`crate::high`].\nfn f() {}\n"),
        ("low/b.rs", "pub struct B;\npub fn go() { let _ = super::a::A; }\n"),
        ("low/c.rs", "pub fn c() { let _ = crate::Top; }\n"),
        ("low/d.rs", "pub fn d() { super::run() }\n"),
        ("high.rs", "pub struct Top;\npub fn f() -> crate::low::A { todo!() }\npub fn g() { crate::low::run() }\n"),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let krate = Crate::load(&dir);
    let problems = problems(&krate, &["low", "high"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        problems,
        [
            "low/c.rs imports high.rs (`crate::Top`), a higher layer",
            "cycle of 2 files: low/a.rs -> low/b.rs -> low/a.rs",
            "cycle of 2 files: low/d.rs -> low/mod.rs -> low/d.rs",
        ]
    );
    // `crate::low::A` is a re-export: high.rs depends on low/a.rs (and on low/mod.rs for
    // `run`), and the doc link of low/a.rs is no edge.
    assert_eq!(
        krate.edges["high.rs"].keys().collect::<Vec<_>>(),
        ["low/a.rs", "low/mod.rs"]
    );
    assert_eq!(
        krate.edges["low/a.rs"].keys().collect::<Vec<_>>(),
        ["low/b.rs"]
    );
}

fn assert_clean(krate: &Crate, layers: &[&str]) {
    let problems = problems(krate, layers);
    assert!(
        problems.is_empty(),
        "the module graph has {} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every import that points up the layers (or into a module no layer lists) and every
/// cycle of files.
fn problems(krate: &Crate, layers: &[&str]) -> Vec<String> {
    let layer = |file: &str| {
        let top = file.split(['/', '.']).next().unwrap_or_default();
        (top != "lib").then(|| layers.iter().position(|l| *l == top).ok_or(top.to_string()))
    };
    let mut problems = Vec::new();
    for (from, edges) in &krate.edges {
        for (to, path) in edges {
            match (layer(from), layer(to)) {
                (Some(Err(top)), _) | (_, Some(Err(top))) => problems.push(format!(
                    "{from} imports {to} (`{path}`): `{top}` is in no layer"
                )),
                (Some(Ok(a)), Some(Ok(b))) if b > a => {
                    problems.push(format!("{from} imports {to} (`{path}`), a higher layer"))
                }
                _ => {}
            }
        }
    }
    for (files, cycle) in cycles(krate) {
        problems.push(format!("cycle of {files} files: {}", cycle.join(" -> ")));
    }
    problems
}

/// The files of a crate and what each imports from the others.
struct Crate {
    /// Module path (`["deploy", "stack"]`) to its file, relative to the crate's `src`.
    modules: BTreeMap<Vec<String>, String>,
    /// Per module path, the names its top-level `use` items bring in, with their full paths.
    uses: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
    /// File to file, with one path that makes the edge.
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

/// A path found in a file: the module it was written in, and its segments.
struct Reference {
    module: Vec<String>,
    segments: Vec<String>,
    /// Whether it is an import of a private `use` (a re-export is not a dependency).
    counts: bool,
}

impl Crate {
    fn load(root: &Path) -> Crate {
        let mut krate = Crate {
            modules: BTreeMap::new(),
            uses: BTreeMap::new(),
            edges: BTreeMap::new(),
        };
        let mut references = Vec::new();
        for file in rust_files(root) {
            let relative = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let module = module_path(&relative);
            let source = std::fs::read_to_string(&file).unwrap();
            let tokens = TokenStream::from_str(&source)
                .unwrap_or_else(|e| panic!("{relative} does not tokenize: {e:?}"));
            let mut found = Vec::new();
            scan(tokens, &module, true, &mut krate.uses, &mut found);
            krate.modules.insert(module, relative.clone());
            references.push((relative, found));
        }
        // Inline modules (`mod tests { .. }`) live in their file.
        for (from, found) in references {
            for reference in found.into_iter().filter(|r| r.counts) {
                let Some(target) = krate.resolve(&reference.module, &reference.segments) else {
                    continue;
                };
                let to = krate.file_of(&target);
                if to != from {
                    krate
                        .edges
                        .entry(from.clone())
                        .or_default()
                        .entry(to)
                        .or_insert_with(|| reference.segments.join("::"));
                }
            }
        }
        krate
    }

    /// The file that holds a module, inline modules included.
    fn file_of(&self, module: &[String]) -> String {
        (0..=module.len())
            .rev()
            .find_map(|n| self.modules.get(&module[..n]))
            .cloned()
            .unwrap_or_else(|| "lib.rs".into())
    }

    /// Whether a module exists: a file, or an inline module seen by its `use` items.
    fn is_module(&self, module: &[String]) -> bool {
        self.modules.contains_key(module) || self.uses.contains_key(module)
    }

    /// The module that defines what `segments` name, written in `module`; `None` for a path
    /// into another crate.
    fn resolve(&self, module: &[String], segments: &[String]) -> Option<Vec<String>> {
        let imported = self.imported(module, segments);
        let (mut at, rest) = self.start(module, &imported)?;
        let mut rest = rest.to_vec();
        for _ in 0..64 {
            let Some(first) = rest.first().cloned() else {
                return Some(at);
            };
            if first == "*" {
                return Some(at);
            }
            let child = [at.clone(), vec![first.clone()]].concat();
            if self.is_module(&child) {
                at = child;
                rest.remove(0);
            } else if let Some(target) = self.uses.get(&at).and_then(|u| u.get(&first)) {
                let target = self.imported(&at, target);
                let (next, tail) = self.start(&at, &target)?;
                rest = [tail.to_vec(), rest[1..].to_vec()].concat();
                at = next;
            } else {
                return Some(at);
            }
        }
        panic!("`{}` resolves in a loop", segments.join("::"))
    }

    /// A path whose first segment is a name the module imports (and not one of its
    /// children), written out through that import.
    fn imported(&self, module: &[String], segments: &[String]) -> Vec<String> {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        let child = [module.to_vec(), vec![first.clone()]].concat();
        match self.uses.get(module).and_then(|u| u.get(first)) {
            Some(path) if !self.is_module(&child) && path != segments => {
                [path.clone(), segments[1..].to_vec()].concat()
            }
            _ => segments.to_vec(),
        }
    }

    /// Where a path starts: the crate root, an ancestor, the module itself, or one of its
    /// children; `None` for another crate.
    fn start<'s>(
        &self,
        module: &[String],
        segments: &'s [String],
    ) -> Option<(Vec<String>, &'s [String])> {
        let mut at = module.to_vec();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => Some((Vec::new(), &rest[1..])),
            Some("self") | Some("super") => {
                while let Some(first) = rest.first() {
                    match first.as_str() {
                        "self" => {}
                        "super" => {
                            at.pop();
                        }
                        _ => break,
                    }
                    rest = &rest[1..];
                }
                Some((at, rest))
            }
            Some(first) => {
                let child = [module.to_vec(), vec![first.to_string()]].concat();
                self.is_module(&child).then_some((at, rest))
            }
            None => None,
        }
    }
}

/// The module path of a file relative to `src`: `deploy/mod.rs` and `deploy.rs` are both
/// `["deploy"]`, `lib.rs` is `[]`.
fn module_path(relative: &str) -> Vec<String> {
    let mut segments: Vec<String> = relative
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
        segments.pop();
    }
    segments
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Walks a module's tokens: its `use` items (recorded in `uses` when at the top of the
/// module), its inline modules, and every other path that starts at `crate`, `super`,
/// `self` or a name of the module's own.
fn scan(
    tokens: TokenStream,
    module: &[String],
    top: bool,
    uses: &mut BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
    found: &mut Vec<Reference>,
) {
    uses.entry(module.to_vec()).or_default();
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    let mut visibility = false;
    while i < tokens.len() {
        match &tokens[i] {
            // Attributes (doc comments included) name no dependency.
            TokenTree::Punct(p) if p.as_char() == '#' => {
                i += 1;
                if matches!(&tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
                    i += 1;
                }
                i += 1;
                continue;
            }
            TokenTree::Ident(id) if id == "pub" => {
                visibility = true;
                i += 1;
                if matches!(&tokens.get(i), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                {
                    i += 1;
                }
                continue;
            }
            TokenTree::Ident(id) if id == "use" => {
                let end = (i..tokens.len())
                    .find(|&j| matches!(&tokens[j], TokenTree::Punct(p) if p.as_char() == ';'))
                    .unwrap_or(tokens.len());
                let tree: TokenStream = tokens[i + 1..end].iter().cloned().collect();
                for (name, path) in use_tree(tree, Vec::new()) {
                    if top && name != "*" && name != "_" {
                        uses.get_mut(module).unwrap().insert(name, path.clone());
                    }
                    found.push(Reference {
                        module: module.to_vec(),
                        segments: path,
                        counts: !(top && visibility),
                    });
                }
                i = end + 1;
            }
            TokenTree::Ident(id) if id == "mod" => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    if body.delimiter() == Delimiter::Brace {
                        let inner = [module.to_vec(), vec![name.to_string()]].concat();
                        scan(body.stream(), &inner, true, uses, found);
                        i += 3;
                        visibility = false;
                        continue;
                    }
                }
                i += 2;
            }
            TokenTree::Ident(id)
                if i + 2 < tokens.len()
                    && is_path_separator(&tokens[i + 1..])
                    && !is_after_path_separator(&tokens[..i]) =>
            {
                let mut segments = vec![id.to_string()];
                let mut j = i + 1;
                while is_path_separator(&tokens[j..]) {
                    match tokens.get(j + 2) {
                        Some(TokenTree::Ident(next)) => {
                            segments.push(next.to_string());
                            j += 3;
                        }
                        _ => break,
                    }
                }
                found.push(Reference {
                    module: module.to_vec(),
                    segments,
                    counts: true,
                });
                i = j;
            }
            TokenTree::Group(g) => {
                scan_body(g.stream(), module, found);
                i += 1;
            }
            _ => i += 1,
        }
        visibility = false;
    }
}

/// A block's tokens: paths only (its `use` items are local, and count).
fn scan_body(tokens: TokenStream, module: &[String], found: &mut Vec<Reference>) {
    let mut uses = BTreeMap::new();
    scan(tokens, module, false, &mut uses, found);
}

fn is_path_separator(tokens: &[TokenTree]) -> bool {
    matches!((tokens.first(), tokens.get(1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':')
}

fn is_after_path_separator(before: &[TokenTree]) -> bool {
    before.len() >= 2 && is_path_separator(&before[before.len() - 2..])
}

/// The names a use tree brings in, each with its full path (`*` for a glob).
fn use_tree(tokens: TokenStream, prefix: Vec<String>) -> Vec<(String, Vec<String>)> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    for part in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        let mut path = prefix.clone();
        let mut name = None;
        let mut k = 0;
        while k < part.len() {
            match &part[k] {
                TokenTree::Ident(id) if id == "as" => {
                    name = part.get(k + 1).map(|t| t.to_string());
                    k += 2;
                    continue;
                }
                TokenTree::Ident(id) => path.push(id.to_string()),
                TokenTree::Punct(p) if p.as_char() == '*' => path.push("*".into()),
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                    out.extend(use_tree(g.stream(), path.clone()));
                    path.clear();
                    break;
                }
                _ => {}
            }
            k += 1;
        }
        if path.len() > prefix.len()
            || (path.len() == prefix.len() && !path.is_empty() && name.is_some())
        {
            // `use x::{self}` names `x` itself.
            if path.last().is_some_and(|s| s == "self") {
                path.pop();
            }
            let name = name.or_else(|| path.last().cloned()).unwrap_or_default();
            out.push((name, path));
        }
    }
    out
}

/// The cycles of files: per strongly connected component, the number of its files and the
/// shortest cycle through its first file.
fn cycles(krate: &Crate) -> Vec<(usize, Vec<String>)> {
    let nodes: BTreeSet<&String> = krate
        .edges
        .keys()
        .chain(krate.edges.values().flat_map(|e| e.keys()))
        .collect();
    let reach: BTreeMap<&String, BTreeSet<&String>> =
        nodes.iter().map(|n| (*n, reachable(krate, n))).collect();
    let mut cycles = Vec::new();
    let mut seen = BTreeSet::new();
    for node in &nodes {
        if seen.contains(node) || !reach[node].contains(node) {
            continue;
        }
        let component: Vec<&String> = reach[node]
            .iter()
            .filter(|m| reach[*m].contains(node))
            .copied()
            .collect();
        seen.extend(component.iter().copied());
        cycles.push((component.len(), shortest_cycle(krate, node)));
    }
    cycles
}

/// The files reachable from `start` through one edge or more.
fn reachable<'k>(krate: &'k Crate, start: &String) -> BTreeSet<&'k String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&String> = krate
        .edges
        .get(start)
        .into_iter()
        .flat_map(|e| e.keys())
        .collect();
    while let Some(node) = stack.pop() {
        if seen.insert(node) {
            stack.extend(krate.edges.get(node).into_iter().flat_map(|e| e.keys()));
        }
    }
    seen
}

/// The shortest path from `start` back to itself, breadth first (`start` is on a cycle).
fn shortest_cycle(krate: &Crate, start: &String) -> Vec<String> {
    let mut parent: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in krate.edges.get(node).into_iter().flat_map(|e| e.keys()) {
            if next == start {
                let mut path = vec![start.clone()];
                let mut at = node;
                while at != start {
                    path.insert(1, at.clone());
                    at = parent[at];
                }
                path.push(start.clone());
                return path;
            }
            if !parent.contains_key(next) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    unreachable!("{start} is on a cycle")
}
