//! Where a package's code is: the root file of each binary and of its library, as Cargo
//! finds them, and the module tree under a root, followed through its file modules.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use pipewright::cargo_manifest::{normalize, Toml};
use syn::ext::IdentExt as _;
use syn::{Attribute, Item, LitStr};

use super::invocations::scan;

/// The root source files of a package's crates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrateRoots {
    /// The library's root (`[lib] path`, or `src/lib.rs`), if the package has one.
    pub lib: Option<PathBuf>,
    /// Each binary's name and root file, in the order of [`super::LocalPackage::bins`].
    pub bins: Vec<(String, PathBuf)>,
}

impl CrateRoots {
    /// The root file of binary `name`.
    pub fn bin(&self, name: &str) -> Option<&Path> {
        self.bins
            .iter()
            .find(|(bin, _)| bin == name)
            .map(|(_, root)| root.as_path())
    }
}

/// A package's crate roots: `[[bin]]` targets (their `path`, or where Cargo infers it) plus,
/// unless `autobins = false`, `src/main.rs` and `src/bin/*`; `[lib] path` or `src/lib.rs`.
/// A binary's root may not exist (Cargo reports that).
pub(super) fn crate_roots(dir: &Path, package_name: &str, manifest: &Toml) -> CrateRoots {
    let mut bins: Vec<(String, PathBuf)> = Vec::new();
    let mut add = |name: String, root: PathBuf| {
        if !bins.iter().any(|(n, _)| *n == name) {
            bins.push((name, root));
        }
    };
    let declared = manifest.get("bin").and_then(|b| b.as_array());
    for bin in declared.into_iter().flatten() {
        let Some(name) = bin.get("name").and_then(|n| n.as_str()) else {
            continue;
        };
        let root = match bin.get("path").and_then(|p| p.as_str()) {
            Some(path) => dir.join(path),
            None => inferred_bin_root(dir, package_name, name),
        };
        add(name.to_owned(), root);
    }
    let package = manifest.get("package");
    let auto = |key: &str| {
        package
            .and_then(|p| p.get(key))
            .and_then(|a| a.as_bool())
            .unwrap_or(true)
    };
    if auto("autobins") {
        let main = dir.join("src/main.rs");
        if main.is_file() {
            add(package_name.to_owned(), main);
        }
        for (name, root) in discovered_bins(&dir.join("src/bin")) {
            add(name, root);
        }
    }
    let lib_path = manifest
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str());
    let lib = match lib_path {
        Some(path) => Some(dir.join(path)),
        None => Some(dir.join("src/lib.rs")).filter(|p| auto("autolib") && p.is_file()),
    };
    CrateRoots { lib, bins }
}

/// Where Cargo looks for a `[[bin]]` without a `path`.
fn inferred_bin_root(dir: &Path, package_name: &str, name: &str) -> PathBuf {
    let candidates = [
        dir.join("src/bin").join(format!("{name}.rs")),
        dir.join("src/bin").join(name).join("main.rs"),
    ];
    let main = dir.join("src/main.rs");
    if name == package_name && main.is_file() {
        return main;
    }
    let found = candidates.iter().find(|c| c.is_file());
    found.unwrap_or(&candidates[0]).clone()
}

/// `src/bin/NAME.rs` and `src/bin/NAME/main.rs`, sorted by name.
fn discovered_bins(bin_dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(bin_dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "rs") {
                let name = path.file_stem()?.to_string_lossy().into_owned();
                Some((name, path))
            } else if path.join("main.rs").is_file() {
                let name = path.file_name()?.to_string_lossy().into_owned();
                Some((name, path.join("main.rs")))
            } else {
                None
            }
        })
        .collect();
    found.sort();
    found
}

/// A source file of a module tree, read and parsed.
pub(super) struct SourceFile {
    /// Its path.
    pub(super) path: PathBuf,
    /// Its text.
    pub(super) text: String,
    /// Its syntax tree.
    pub(super) syntax: syn::File,
}

/// The files of the module tree rooted at `root` that invoke macro `name`: the root, then
/// every file module (`mod x;`, `#[path = "..."] mod x;`) declared in it, recursively, inline
/// modules included. A file that is missing or does not parse is left out, with its modules
/// (the crate's own build reports it). Test modules (`#[cfg(test)]`) are not followed: what
/// they declare is not the function's. Every file read is in `read`.
///
/// A file that neither invokes the macro nor declares a file module is not parsed: parsing is
/// the cost (about 30 ms per 1,000 lines in the macro's debug build), a scan of its tokens
/// tells it has nothing to find.
pub(super) fn module_tree(root: &Path, name: &str, read: &mut Vec<PathBuf>) -> Vec<SourceFile> {
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    let mut pending = vec![(normalize(root), ModuleDir::Owned)];
    while let Some((path, dir)) = pending.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        read.push(path.clone());
        let found = scan(&text, name);
        if found.invocations.is_empty() && !found.file_modules {
            continue;
        }
        let Ok(syntax) = syn::parse_file(&text) else {
            continue;
        };
        let bases = Bases::of(&path, dir);
        let mut children = Vec::new();
        file_modules(&syntax.items, &bases, &mut children);
        // Depth first, in the order written.
        pending.extend(children.into_iter().rev());
        files.push(SourceFile { path, text, syntax });
    }
    files
}

/// How a file owns the directory of its child modules: a crate root, a `mod.rs` or a file
/// loaded through `#[path]` looks for them next to itself (`src/a/mod.rs`: `src/a/x.rs`); any
/// other file in a directory of its own name (`src/a.rs`: `src/a/x.rs`).
#[derive(Clone, Copy)]
enum ModuleDir {
    Owned,
    Named,
}

/// Where the modules declared in one file (or inline module) are: `children` for `mod x;`,
/// `paths` for the relative path of `#[path = "..."] mod x;`.
struct Bases {
    children: PathBuf,
    paths: PathBuf,
}

impl Bases {
    fn of(file: &Path, dir: ModuleDir) -> Bases {
        let parent = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let children = match (dir, file.file_stem()) {
            (ModuleDir::Named, Some(stem)) => parent.join(stem),
            _ => parent.clone(),
        };
        Bases {
            children,
            paths: parent,
        }
    }

    /// The bases inside inline module `name`: both under its directory (the reference's
    /// rule for `#[path]` in inline modules).
    fn inline(&self, name: &str) -> Bases {
        let dir = self.children.join(name);
        Bases {
            children: dir.clone(),
            paths: dir,
        }
    }
}

/// The file of each file module among `items` (and in their inline modules), with how it
/// owns its children's directory.
fn file_modules(items: &[Item], bases: &Bases, out: &mut Vec<(PathBuf, ModuleDir)>) {
    for item in items {
        let Item::Mod(module) = item else { continue };
        if is_cfg_test(&module.attrs) {
            continue;
        }
        let name = module.ident.unraw().to_string();
        if let Some((_, inline)) = &module.content {
            file_modules(inline, &bases.inline(&name), out);
            continue;
        }
        if let Some(path) = path_attribute(&module.attrs) {
            out.push((normalize(&bases.paths.join(path)), ModuleDir::Owned));
            continue;
        }
        let named = bases.children.join(format!("{name}.rs"));
        let owned = bases.children.join(&name).join("mod.rs");
        if !named.is_file() && owned.is_file() {
            out.push((normalize(&owned), ModuleDir::Owned));
        } else {
            out.push((normalize(&named), ModuleDir::Named));
        }
    }
}

/// The value of a `#[path = "..."]` attribute.
fn path_attribute(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| {
        let name_value = attr.meta.require_name_value().ok()?;
        if !name_value.path.is_ident("path") {
            return None;
        }
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(path),
            ..
        }) = &name_value.value
        else {
            return None;
        };
        Some(LitStr::value(path))
    })
}

/// Whether the attributes hold `#[cfg(test)]`.
pub(super) fn is_cfg_test(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory of files, removed when dropped.
    struct Tree(PathBuf);

    impl Tree {
        fn new(name: &str, files: &[(&str, &str)]) -> Tree {
            let dir = std::env::temp_dir()
                .join(format!("pipewright-sources-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            for (path, text) in files {
                let path = dir.join(path);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(path, text).unwrap();
            }
            Tree(dir)
        }

        fn relative(&self, files: &[PathBuf]) -> Vec<String> {
            files
                .iter()
                .map(|f| {
                    let relative = f.strip_prefix(&self.0).unwrap();
                    relative.to_string_lossy().replace('\\', "/")
                })
                .collect()
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn follows_file_modules_as_rustc_finds_them() {
        let tree = Tree::new(
            "modules",
            &[
                (
                    "src/main.rs",
                    "mod a; mod b; mod gone; mod broken; #[cfg(test)] mod tests;\n\
                     mod inline { mod deep; #[path = \"elsewhere.rs\"] mod moved; }",
                ),
                ("src/a.rs", "mod child;"),
                ("src/a/child.rs", "links! {}"),
                ("src/b/mod.rs", "#[path = \"../shared/x.rs\"] mod x;"),
                ("src/shared/x.rs", "mod next_to_x;"),
                ("src/shared/next_to_x.rs", "links! {}"),
                ("src/broken.rs", "mod never_read; fn"),
                ("src/tests.rs", "links! {}"),
                ("src/inline/deep.rs", "links! {}"),
                ("src/inline/elsewhere.rs", "fn nothing_to_find() {}"),
            ],
        );
        let mut read = Vec::new();
        let files = module_tree(&tree.0.join("src/main.rs"), "links", &mut read);
        let paths: Vec<PathBuf> = files.into_iter().map(|f| f.path).collect();
        assert_eq!(
            tree.relative(&paths),
            [
                "src/main.rs",
                "src/a.rs",
                "src/a/child.rs",
                "src/b/mod.rs",
                "src/shared/x.rs",
                "src/shared/next_to_x.rs",
                "src/inline/deep.rs",
            ]
        );
        // Read, for tracking, but not parsed: the file that does not parse (a fix must check
        // it again) and the one with nothing to find. The missing one and the test module
        // were not read.
        let read = tree.relative(&read);
        let not_parsed: Vec<&String> = read
            .iter()
            .filter(|f| !paths.iter().any(|p| p.ends_with(f)))
            .collect();
        assert_eq!(not_parsed, ["src/broken.rs", "src/inline/elsewhere.rs"]);
        assert_eq!(read.len(), paths.len() + 2);
    }

    #[test]
    fn a_module_cycle_through_path_attributes_ends() {
        let tree = Tree::new(
            "cycle",
            &[
                ("src/lib.rs", "#[path = \"other.rs\"] mod other;"),
                ("src/other.rs", "#[path = \"lib.rs\"] mod back;"),
            ],
        );
        let files = module_tree(&tree.0.join("src/lib.rs"), "links", &mut Vec::new());
        assert_eq!(files.len(), 2);
    }

    #[test]
    fn finds_the_roots_of_binaries_and_library() {
        let tree = Tree::new(
            "roots",
            &[
                ("src/main.rs", ""),
                ("src/lib.rs", ""),
                ("src/bin/api/main.rs", ""),
                ("src/bin/worker.rs", ""),
                ("tools/cron.rs", ""),
            ],
        );
        let manifest: Toml = "[package]\nname = \"orders\"\n[[bin]]\nname = \"nightly\"\npath = \"tools/cron.rs\"\n[[bin]]\nname = \"worker\"\n"
            .parse()
            .unwrap();
        let roots = crate_roots(&tree.0, "orders", &manifest);
        let names: Vec<&str> = roots.bins.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["nightly", "worker", "orders", "api"]);
        let root = |name: &str| tree.relative(&[roots.bin(name).unwrap().to_path_buf()]);
        assert_eq!(root("nightly"), ["tools/cron.rs"]);
        assert_eq!(root("worker"), ["src/bin/worker.rs"]);
        assert_eq!(root("orders"), ["src/main.rs"]);
        assert_eq!(root("api"), ["src/bin/api/main.rs"]);
        assert_eq!(tree.relative(&[roots.lib.clone().unwrap()]), ["src/lib.rs"]);
        let no_lib: Toml = "[package]\nname = \"orders\"\nautolib = false\n"
            .parse()
            .unwrap();
        assert_eq!(crate_roots(&tree.0, "orders", &no_lib).lib, None);
    }
}
