//! The expansion of `pipeline! { ... }`: parse, check, synthesize, and write the
//! synthesized application into the program as literals.

use std::path::PathBuf;

use pipewright::app::{App, Asset, StackArtifact, StackRole, Text};
use pipewright::spec::Architecture;
use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::lower::{lower, Lowered};
use crate::syntax;
use crate::workspace::Workspace;

/// Where the program is compiled: the package's manifest directory, as Cargo tells the
/// macro through `CARGO_MANIFEST_DIR`.
pub struct Context {
    /// The compiled package's directory.
    pub manifest_dir: Option<PathBuf>,
    /// The binary being compiled (`CARGO_BIN_NAME`): the program's command line, which
    /// the pipeline runs to package the Lambda bundles.
    pub bin_name: Option<String>,
    /// The compiled package's name (`CARGO_PKG_NAME`): the package whose engine binary
    /// runs the AWS commands.
    pub package_name: Option<String>,
}

impl Context {
    /// The context Cargo gives a proc macro.
    pub fn from_env() -> Self {
        Context {
            manifest_dir: std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
            bin_name: std::env::var("CARGO_BIN_NAME").ok(),
            package_name: std::env::var("CARGO_PKG_NAME").ok(),
        }
    }
}

/// Expands a `pipeline!` invocation: the `App` value, or `compile_error!`s at the
/// offending tokens.
pub fn expand(input: TokenStream, context: &Context) -> TokenStream {
    match synthesize(input, context) {
        Ok((app, tracked)) => emit(&app, &tracked),
        Err(e) => {
            // One `compile_error!` per error, as statements of a block: in expression
            // position several invocations in a row would not parse. The block
            // diverges so that no type error follows from the missing value.
            let errors = e.to_compile_error();
            quote!({ #errors ::core::unreachable!() })
        }
    }
}

/// Parses, checks and synthesizes; the same path as [`expand`] without the code
/// generation, for tests and benchmarks.
pub fn synthesize(
    input: TokenStream,
    context: &Context,
) -> Result<(App, Vec<PathBuf>), syn::Error> {
    let workspace = match &context.manifest_dir {
        Some(dir) => Workspace::load(dir),
        None => {
            Err("CARGO_MANIFEST_DIR is not set: the macro must be expanded by Cargo".to_owned())
        }
    };
    synthesize_in(input, context, workspace)
}

/// [`synthesize`] in a workspace already read (`Err`: why it could not be), for callers
/// that expand many programs of one workspace (the language tests).
pub fn synthesize_in(
    input: TokenStream,
    context: &Context,
    workspace: Result<Workspace, String>,
) -> Result<(App, Vec<PathBuf>), syn::Error> {
    let program: syntax::Program = syn::parse2(input)?;
    let workspace = workspace.map(|ws| Workspace {
        program_bin: context.bin_name.clone(),
        ..ws
    });
    let workspace_ref = workspace.as_ref().map_err(String::as_str);
    let Lowered {
        mut program,
        spans,
        tracked,
    } = lower(&program, workspace_ref)?;
    if let Some(package) = &context.package_name {
        program.package = package.clone();
    }
    program.select_package = workspace
        .as_ref()
        .is_ok_and(Workspace::root_is_another_package);
    if let Some(bin) = &context.bin_name {
        program.binary = bin.clone();
        if let Some(dir) = &context.manifest_dir {
            program.binary_kind = binary_kind(dir, bin);
        }
    }
    // The program's own workspace (a program without a lambda in a member package too: its
    // rehearsal works in that workspace's target directory), else its first lambda's.
    let root = workspace
        .as_ref()
        .ok()
        .and_then(|ws| {
            let program_package = ws.packages.iter().find(|p| ws.is_program(p));
            program_package
                .or_else(|| program.packages.first().and_then(|p| ws.package(&p.name)))
                .map(|p| p.workspace_root.clone())
        })
        .or_else(|| context.manifest_dir.clone())
        .unwrap_or_default();
    let app =
        pipewright::synth::synthesize(&program, &root.to_string_lossy()).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let span = e
                        .site
                        .as_ref()
                        .map_or_else(Span::call_site, |site| spans.get(site));
                    syn::Error::new(span, format!("cannot synthesize: {}", e.message))
                })
                .reduce(|mut a, b| {
                    a.combine(b);
                    a
                })
                .expect("synthesis reports at least one error when it fails")
        })?;
    Ok((app, tracked))
}

fn text(t: &Text) -> TokenStream {
    let s: &str = t;
    quote!(::std::borrow::Cow::Borrowed(#s))
}

fn texts(items: &[Text]) -> TokenStream {
    let items = items.iter().map(text);
    quote!(::std::vec![#(#items),*])
}

fn stack(s: &StackArtifact) -> TokenStream {
    let name = text(&s.name);
    let role = match &s.role {
        StackRole::Pipeline => quote!(::pipewright::app::StackRole::Pipeline),
        StackRole::Support => quote!(::pipewright::app::StackRole::Support),
        StackRole::Stage { stage, stack } => {
            let (stage, stack) = (text(stage), text(stack));
            quote!(::pipewright::app::StackRole::Stage { stage: #stage, stack: #stack })
        }
    };
    let (account, region, template) = (text(&s.account), text(&s.region), text(&s.template));
    let (assets, depends_on, outputs) = (texts(&s.assets), texts(&s.depends_on), texts(&s.outputs));
    let protected = s.protected;
    let stateful_types = s.stateful_types.iter().map(|t| {
        let (type_name, replaced_by) = (text(&t.type_name), texts(&t.replaced_by));
        quote!(::pipewright::app::StatefulType { type_name: #type_name, replaced_by: #replaced_by })
    });
    let approval = match &s.approval {
        Some(name) => {
            let name = text(name);
            quote!(::std::option::Option::Some(#name))
        }
        None => quote!(::std::option::Option::None),
    };
    quote! {
        ::pipewright::app::StackArtifact {
            name: #name,
            role: #role,
            account: #account,
            region: #region,
            template: #template,
            assets: #assets,
            depends_on: #depends_on,
            outputs: #outputs,
            protected: #protected,
            stateful_types: ::std::vec![#(#stateful_types),*],
            approval: #approval,
        }
    }
}

fn asset(a: &Asset) -> TokenStream {
    let (id, package, bin, dir, hash) = (
        text(&a.id),
        text(&a.package),
        text(&a.bin),
        text(&a.package_dir),
        text(&a.source_hash),
    );
    let architecture = match a.architecture {
        Architecture::X86_64 => quote!(::pipewright::spec::Architecture::X86_64),
        Architecture::Arm64 => quote!(::pipewright::spec::Architecture::Arm64),
    };
    quote! {
        ::pipewright::app::Asset {
            id: #id,
            package: #package,
            bin: #bin,
            architecture: #architecture,
            package_dir: #dir,
            source_hash: #hash,
        }
    }
}

/// The `App` as an expression of literals. Every file the expansion read is
/// `include_bytes!`-ed (and discarded) so Cargo recompiles the program when a manifest
/// or a lambda's sources change: the templates hold the sources' fingerprint.
pub fn emit(app: &App, tracked: &[PathBuf]) -> TokenStream {
    let stacks = app.stacks.iter().map(stack);
    let assets = app.assets.iter().map(asset);
    let (pipeline, qualifier, root, package) = (
        text(&app.pipeline),
        text(&app.qualifier),
        text(&app.workspace_root),
        text(&app.package),
    );
    let tracked = tracked
        .iter()
        .filter(|p| p.is_absolute())
        .map(|p| p.to_string_lossy().into_owned());
    quote! {{
        #(const _: &[u8] = include_bytes!(#tracked);)*
        ::pipewright::app::App {
            pipeline: #pipeline,
            stacks: ::std::vec![#(#stacks),*],
            assets: ::std::vec![#(#assets),*],
            qualifier: #qualifier,
            workspace_root: #root,
            package: #package,
        }
    }}
}

/// Whether the target being compiled is a binary or an example of the package in `dir`:
/// Cargo names both in `CARGO_BIN_NAME`, so the manifest and Cargo's target discovery
/// (`src/main.rs`, `src/bin/`, `[[bin]]`) decide. A name that is no binary is an example.
pub fn binary_kind(dir: &std::path::Path, name: &str) -> pipewright::spec::BinaryKind {
    use pipewright::spec::BinaryKind;
    let manifest: Option<toml::Table> = std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse().ok());
    let package = manifest.as_ref().and_then(|m| m.get("package"));
    let declared_bins = manifest
        .as_ref()
        .and_then(|m| m.get("bin"))
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("name").and_then(|n| n.as_str()));
    if declared_bins.into_iter().any(|n| n == name) {
        return BinaryKind::Bin;
    }
    let autobins = package
        .and_then(|p| p.get("autobins"))
        .and_then(|a| a.as_bool())
        .unwrap_or(true);
    let package_name = package.and_then(|p| p.get("name")).and_then(|n| n.as_str());
    let discovered = (package_name == Some(name) && dir.join("src/main.rs").is_file())
        || dir.join("src/bin").join(format!("{name}.rs")).is_file()
        || dir.join("src/bin").join(name).join("main.rs").is_file();
    if autobins && discovered {
        BinaryKind::Bin
    } else {
        BinaryKind::Example
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipewright::spec::BinaryKind;

    #[test]
    fn binaries_and_examples_are_told_apart() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        assert_eq!(binary_kind(&root, "deploy"), BinaryKind::Bin);
        assert_eq!(binary_kind(&root, "cross_account"), BinaryKind::Example);
        let service = root.join("service");
        assert_eq!(binary_kind(&service, "service"), BinaryKind::Bin);
    }
}
