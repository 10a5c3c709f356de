//! Checks a parsed program against every rule of the language and lowers it to a
//! [`spec::Program`](pipewright::spec::Program). Every error is recorded with the span of
//! the offending token and checking goes on, so one compile reports every mistake.
//!
//! One file per concern: the checking context (`context.rs`) and where blocks were
//! written (`spans.rs`); the reader of a block's fields (`fields.rs`, `collections.rs`)
//! and of an approval (`approval.rs`); then one file per construct: the pipeline
//! (`pipeline.rs`), stacks and their lambdas and APIs (`stack.rs`), their tables, queues,
//! buckets and topics (`state.rs`), their resources of any registry type (`resource.rs`), the links and events of lambdas (`wiring.rs`), stages
//! and waves (`stages.rs`), the workspace packages the lambdas are built from (`packages.rs`),
//! and what their functions' code declares it uses (`declared_links.rs`).

mod approval;
mod collections;
mod context;
mod declared_links;
mod events;
mod fields;
mod packages;
mod pipeline;
mod resource;
mod schema_check;
mod spans;
mod stack;
mod stages;
mod state;
mod wiring;

use pipewright::plan;
use pipewright::spec::{Program, Stack, Stage, Wave};
use proc_macro2::Span;

use crate::diagnostics::{closest, suggestion, Diagnostics};
use crate::syntax::{self, Item, StageBlock, WaveBlock, WaveMember};
use context::{Cx, FieldSpan};

pub use packages::WorkspaceResult;
pub use spans::Spans;

/// A checked program, and where its blocks were written (to report synthesis errors).
pub struct Lowered {
    /// The program.
    pub program: Program,
    /// Where each block was written.
    pub spans: Spans,
    /// Files whose content the expansion depends on (manifests, lambda sources).
    pub tracked: Vec<std::path::PathBuf>,
}

/// Checks and lowers a parsed program.
pub fn lower(
    input: &syntax::Program,
    workspace: WorkspaceResult<'_>,
) -> Result<Lowered, syn::Error> {
    let mut cx = Cx {
        diag: Diagnostics::new(),
        spans: Spans::default(),
    };
    for e in &input.errors {
        cx.diag.push(e.clone());
    }

    let mut pipelines = Vec::new();
    let mut stack_blocks = Vec::new();
    // Every stage in deployment order, with the wave it is written in.
    let mut stage_blocks: Vec<(Option<&WaveBlock>, &StageBlock)> = Vec::new();
    let mut wave_blocks = Vec::new();
    // A misspelt keyword is reported once, as misspelt, not again as a missing block.
    let mut misspelt: Vec<&str> = Vec::new();
    for item in &input.items {
        match item {
            Item::Pipeline(p) => pipelines.push(p),
            Item::Stack(s) => stack_blocks.push(s),
            Item::Stage(s) => stage_blocks.push((None, s)),
            Item::Wave(w) => {
                wave_blocks.push(w);
                stage_blocks.extend(w.members.iter().filter_map(|m| match m {
                    WaveMember::Stage(s) => Some((Some(w), s)),
                    _ => None,
                }));
            }
            Item::Unknown(u) => {
                let keyword = u.keyword.to_string();
                misspelt.extend(closest(
                    &keyword,
                    syntax::TOP_LEVEL_KEYWORDS.iter().copied(),
                ));
                cx.diag.error(
                    u.keyword.span(),
                    format!(
                        "unknown block `{keyword}`{}",
                        suggestion(&keyword, syntax::TOP_LEVEL_KEYWORDS)
                    ),
                )
            }
        }
    }

    if pipelines.is_empty() && !misspelt.contains(&"pipeline") {
        cx.diag.error(
            Span::call_site(),
            "missing the `pipeline NAME { ... }` block: a program has exactly one",
        );
    }
    for extra in pipelines.iter().skip(1) {
        cx.diag.error(
            extra.keyword.span,
            "more than one `pipeline` block: a program has exactly one",
        );
    }
    if stack_blocks.is_empty() && !misspelt.contains(&"stack") {
        cx.diag.error(
            Span::call_site(),
            "no `stack NAME { ... }` block: a program deploys at least one stack",
        );
    }
    if stage_blocks.is_empty() && wave_blocks.is_empty() && !misspelt.contains(&"stage") {
        cx.diag.error(
            Span::call_site(),
            "no `stage NAME { ... }` block: a program deploys to at least one stage",
        );
    }

    let pipeline = pipelines.first().map(|p| cx.pipeline(p));
    cx.unique_names("stack", stack_blocks.iter().map(|s| &s.name));
    cx.unique_names("stage", stage_blocks.iter().map(|(_, s)| &s.name));
    cx.wave_names(&wave_blocks, &stage_blocks);
    let mut stacks: Vec<(Stack, Vec<(String, FieldSpan)>)> =
        stack_blocks.iter().map(|s| cx.stack(s)).collect();
    let stack_names: Vec<String> = stacks.iter().map(|(s, _)| s.name.clone()).collect();
    let stack_names: Vec<&str> = stack_names.iter().map(String::as_str).collect();
    let waves: Vec<Wave> = wave_blocks.iter().map(|w| cx.wave(w)).collect();
    let stages: Vec<Stage> = stage_blocks
        .iter()
        .map(|(wave, block)| {
            let stage = cx.stage(block, &stack_names, *wave);
            cx.verify_has_outputs(&stage, block, &stacks);
            cx.stage_link_variables(&stage, block, &stacks);
            stage
        })
        .collect();

    let (packages, mut tracked) = cx.packages(&mut stacks, workspace);
    // The package's fingerprint tracks most of them already; not a `#[path]` elsewhere.
    for file in cx.declared_links(&stacks, workspace) {
        if !tracked.contains(&file) {
            tracked.push(file);
        }
    }
    let program = pipeline.map(|pipeline| Program {
        pipeline,
        stacks: stacks.into_iter().map(|(s, _)| s).collect(),
        stages,
        waves,
        packages,
        binary: "deploy".to_owned(),
        package: String::new(),
        binary_kind: Default::default(),
        select_package: false,
    });
    // The pipeline CodePipeline would be given: its limits, at the blocks they concern.
    if let Some(Err(errors)) = program.as_ref().map(plan::plan) {
        for e in errors {
            let span = cx.spans.get(&e.site);
            cx.diag.error(span, e.message);
        }
    }

    cx.diag.finish()?;
    let Some(program) = program else {
        unreachable!("a missing pipeline block is reported as an error above")
    };
    Ok(Lowered {
        program,
        spans: cx.spans,
        tracked,
    })
}
