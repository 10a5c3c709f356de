//! The links a function's code declares (`links! { ... }` of `pipewright-links`), found in
//! the sources of its binary and of its package's library.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use syn::visit::{self, Visit};

use super::invocations::scan;
use super::sources::{is_cfg_test, module_tree, SourceFile};
use super::LocalPackage;
use crate::syntax::{is_links_macro, LinksDeclaration};

/// The name the declaration macro is invoked by.
const LINKS_MACRO: &str = "links";

/// One declared link, as written: `KIND(BLOCK, ACCESS)` and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    /// `Table`, `Queue`, `Bucket` or `Topic` (or whatever else was written).
    pub kind: String,
    /// The block of the stack.
    pub block: String,
    /// The access the code needs.
    pub access: String,
    /// The file, relative to the package's directory (`src/bin/api.rs`).
    pub file: String,
    /// The line of the `links!` invocation, when the scan of the text found it.
    pub line: Option<usize>,
}

impl Declaration {
    /// `src/bin/api.rs:12`.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

/// What a binary's code declares, and the files read to know it.
#[derive(Debug, Default)]
pub struct DeclaredLinks {
    /// Every declared link of the binary's crate and of the package's library, in the
    /// order of their files (the binary's first).
    pub declarations: Vec<Declaration>,
    /// Every file read, for rebuild tracking: an edited declaration is checked again.
    pub files: Vec<PathBuf>,
}

impl LocalPackage {
    /// The links binary `bin` declares: in its own module tree and in the library's (which
    /// every binary of the package can use). Nothing is read unless the package's Lambda
    /// build compiles `pipewright-links`.
    pub fn declared_links(&self, bin: &str) -> DeclaredLinks {
        let mut declared = DeclaredLinks::default();
        if !self.links_in_lambda_build {
            return declared;
        }
        let roots = self
            .roots
            .bin(bin)
            .into_iter()
            .chain(self.roots.lib.as_deref());
        for root in roots {
            for file in module_tree(root, LINKS_MACRO, &mut declared.files) {
                let relative = relative_path(&file.path, &self.dir);
                declared
                    .declarations
                    .extend(declarations_in(&file, &relative));
            }
        }
        declared
    }
}

/// The declarations of one parsed file; an invocation whose body does not parse is left
/// out (the function's own build reports it).
fn declarations_in(file: &SourceFile, relative: &str) -> Vec<Declaration> {
    let mut visitor = LinksInvocations::default();
    visitor.visit_file(&file.syntax);
    let mut lines = scan(&file.text, LINKS_MACRO)
        .invocations
        .into_iter()
        .map(|i| (i.line, normalized(i.body)))
        .collect::<Vec<_>>();
    let mut found = Vec::new();
    for tokens in visitor.bodies {
        let text = tokens.to_string();
        // The first unclaimed invocation of the text with the same tokens: the scan also
        // finds invocations the syntax tree does not expand (inside another macro's body).
        let line = lines
            .iter()
            .position(|(_, body)| body.as_deref() == Some(text.as_str()))
            .map(|i| lines.remove(i).0);
        let Ok(declaration) = syn::parse2::<LinksDeclaration>(tokens) else {
            continue;
        };
        found.extend(declaration.fields.iter().map(|link| Declaration {
            kind: link.kind.to_string(),
            block: link.block.to_string(),
            access: link.access.to_string(),
            file: relative.to_owned(),
            line,
        }));
    }
    found
}

/// A body's tokens as the syntax tree prints them, to compare the scan with it.
fn normalized(body: &str) -> Option<String> {
    body.parse::<TokenStream>().ok().map(|t| t.to_string())
}

/// The bodies of the `links!` invocations of a file, in the order written: items, statements
/// and expressions, in functions and inline modules, test code left out.
#[derive(Default)]
struct LinksInvocations {
    bodies: Vec<TokenStream>,
}

impl<'ast> Visit<'ast> for LinksInvocations {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if is_links_macro(&mac.path) {
            self.bodies.push(mac.tokens.clone());
        }
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if !is_cfg_test(&module.attrs) {
            visit::visit_item_mod(self, module);
        }
    }

    fn visit_item_fn(&mut self, function: &'ast syn::ItemFn) {
        let is_test = function.attrs.iter().any(|a| a.path().is_ident("test"));
        if !is_test && !is_cfg_test(&function.attrs) {
            visit::visit_item_fn(self, function);
        }
    }
}

/// `path` relative to `dir`, with `/`; the whole path when it is elsewhere.
fn relative_path(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(text: &str) -> Vec<String> {
        let file = SourceFile {
            path: PathBuf::from("src/main.rs"),
            text: text.to_owned(),
            syntax: syn::parse_file(text).unwrap(),
        };
        declarations_in(&file, "src/main.rs")
            .into_iter()
            .map(|d| format!("{}({}, {}) at {}", d.kind, d.block, d.access, d.location()))
            .collect()
    }

    #[test]
    fn finds_declarations_in_items_and_function_bodies() {
        let text = "use pipewright_links::links;\n\
                    pipewright_links::links! {\n    pub struct Links {\n        orders: Table(Orders, ReadWrite),\n        jobs: Queue(Jobs, Send),\n    }\n}\n\
                    fn main() {\n    links! { struct Local { uploads: Bucket(Uploads, Read) } }\n}\n\
                    mod inner { ::pipewright_links::links!(struct Inner { events: Topic(Events, Publish) }); }\n";
        assert_eq!(
            declared(text),
            [
                "Table(Orders, ReadWrite) at src/main.rs:2",
                "Queue(Jobs, Send) at src/main.rs:2",
                "Bucket(Uploads, Read) at src/main.rs:9",
                "Topic(Events, Publish) at src/main.rs:11",
            ]
        );
    }

    #[test]
    fn test_code_other_macros_and_bad_bodies_declare_nothing() {
        let text = "#[cfg(test)]\nmod tests { links! { struct T { x: Table(X, Read) } } }\n\
                    #[test]\nfn t() { links! { struct T { x: Table(X, Read) } } }\n\
                    other::links! { struct O { x: Table(X, Read) } }\n\
                    links! { struct Bad { x: Table(X) } }\n\
                    // links! { struct Commented { x: Table(X, Read) } }\n\
                    links! { struct Good { y: Table(Y, Write) } }\n";
        assert_eq!(declared(text), ["Table(Y, Write) at src/main.rs:8"]);
    }

    #[test]
    fn same_declarations_twice_get_their_own_lines() {
        let text = "mod a { links! { struct L { x: Table(X, Read) } } }\n\
                    mod b { links! { struct L { x: Table(X, Read) } } }\n";
        assert_eq!(
            declared(text),
            [
                "Table(X, Read) at src/main.rs:1",
                "Table(X, Read) at src/main.rs:2"
            ]
        );
    }

    #[test]
    fn reads_the_binary_and_the_library_of_a_package_using_the_crate() {
        let dir = std::env::temp_dir().join(format!("pipewright-declared-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let files = [
            ("src/lib.rs", "pipewright_links::links! { pub struct Shared { jobs: Queue(Jobs, Send) } }"),
            ("src/bin/api/main.rs", "mod links;\nfn main() {}"),
            ("src/bin/api/links.rs", "\npipewright_links::links! { pub struct Links { orders: Table(Orders, ReadWrite) } }"),
            ("src/bin/worker.rs", "fn main() { pipewright_links::links! { struct L { orders: Table(Orders, Read) } } }"),
        ];
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let manifest: pipewright::cargo_manifest::Toml =
            "[package]\nname = \"orders\"\n[dependencies]\npipewright-links = \"0.1\"\n"
                .parse()
                .unwrap();
        let mut ws = super::super::Workspace::default();
        ws.add_package(&dir, &manifest, &dir).unwrap();
        let package = ws.package("orders").unwrap();
        let located = |bin: &str| -> Vec<String> {
            let declared = package.declared_links(bin);
            assert!(declared.files.iter().all(|f| f.starts_with(&dir)));
            declared
                .declarations
                .iter()
                .map(|d| format!("{} {}", d.block, d.location()))
                .collect()
        };
        assert_eq!(
            located("api"),
            ["Orders src/bin/api/links.rs:2", "Jobs src/lib.rs:1"]
        );
        assert_eq!(
            located("worker"),
            ["Orders src/bin/worker.rs:1", "Jobs src/lib.rs:1"]
        );
        assert_eq!(package.declared_links("api").files.len(), 3);
        // Without the crate in its build, nothing is read.
        let plain: pipewright::cargo_manifest::Toml =
            "[package]\nname = \"plain\"\n".parse().unwrap();
        let mut ws = super::super::Workspace::default();
        ws.add_package(&dir, &plain, &dir).unwrap();
        let nothing = ws.package("plain").unwrap().declared_links("api");
        assert!(nothing.declarations.is_empty() && nothing.files.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
