//! Synthesis speed: the reference program, and generated programs of 1, 10 and 100
//! stages × 1, 10 and 50 lambdas (each lambda with its api), through the pure
//! `pipewright::synth::synthesize`; 10 and 50 tables, queues and linked lambdas with
//! their queue events (issue 19); and the whole macro path (parse, check, read the
//! workspace, fingerprint the sources, synthesize) for the reference program.
//!
//! `cargo bench --bench synth`; the numbers are in the README.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pipewright::spec::Program;
use pipewright_macros_core::{lower, syntax, workspace::Workspace, Context};
use proc_macro2::TokenStream;

#[path = "../tests/programs/mod.rs"]
mod programs;

use programs::repo_root;

fn reference_body() -> TokenStream {
    programs::program_body(&repo_root().join("pipeline.rs"))
}

/// A program of one stage deploying `lambdas` lambdas, each behind its own api, ten to
/// a stack (a lambda and its api are about twenty resources; CloudFormation allows 500
/// per stack).
fn generated(lambdas: usize) -> String {
    let mut src = String::from(
        r#"pipeline Generated {
            account: "111111111111", region: "us-east-1",
            source: { repo: "acme/app", branch: "main", connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/abc" },
            synth: { commands: ["cargo run --bin deploy -- synth"] },
            cross_account_keys: true,
        }
        "#,
    );
    for stack in 0..lambdas.div_ceil(10) {
        src.push_str(&format!("stack App{stack} {{\n"));
        for l in stack * 10..lambdas.min(stack * 10 + 10) {
            src.push_str(&format!(
                "lambda Fn{l} {{ package: \"service\", memory: 512, environment: {{ INDEX: \"{l}\" }} }}\n\
                 api Api{l} {{ handler: Fn{l}, cors: {{ origins: [\"*\"], methods: [\"*\"] }} }}\n"
            ));
        }
        src.push_str("}\n");
    }
    src.push_str("stage Stage0 { account: \"111111111111\", region: \"us-east-1\" }\n");
    src
}

/// A program of one stage with `n` tables, `n` queues (each with a dead-letter queue) and
/// `n` lambdas, each linked to its table (`ReadWrite`) and queue (`Send`) and started by
/// the next one's queue, ten of each to a stack (issue 19's scale).
fn generated_state(n: usize) -> String {
    let mut src = String::from(
        r#"pipeline Stateful {
            account: "111111111111", region: "us-east-1",
            source: { repo: "acme/app", branch: "main", connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/abc" },
            synth: { commands: ["cargo run --bin deploy -- synth"] },
        }
        "#,
    );
    for stack in 0..n.div_ceil(10) {
        let members: Vec<usize> = (stack * 10..n.min(stack * 10 + 10)).collect();
        src.push_str(&format!("stack Store{stack} {{\n"));
        for &i in &members {
            let next = members[(i - stack * 10 + 1) % members.len()];
            src.push_str(&format!(
                "table Items{i} {{ partition_key: {{ name: \"id\", type: String }} }}\n\
                 queue Jobs{i} {{ visibility_timeout: 2min, dead_letter: {{ max_receives: 3 }} }}\n\
                 lambda Fn{i} {{ package: \"service\", link: {{ Items{i}: ReadWrite, Jobs{i}: Send }}, \
                 events: [{{ queue: Jobs{next} }}] }}\n"
            ));
        }
        src.push_str("}\n");
    }
    src.push_str("stage Stage0 { account: \"111111111111\", region: \"us-east-1\" }\n");
    src
}

/// The program with `stages` stages, alternating between two accounts and four regions.
/// Built on the model rather than written out: past 46 stages a program exceeds
/// CodePipeline's 50 stages, which the macro rejects, and the benchmark measures how
/// synthesis scales beyond that.
fn with_stages(mut program: Program, stages: usize) -> Program {
    let regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
    let template = program.stages[0].clone();
    program.stages = (0..stages)
        .map(|s| pipewright::spec::Stage {
            name: format!("Stage{s}"),
            account: if s % 2 == 0 {
                "111111111111"
            } else {
                "222222222222"
            }
            .to_owned(),
            region: regions[s % regions.len()].to_owned(),
            environment: vec![("STAGE".to_owned(), format!("s{s}"))],
            ..template.clone()
        })
        .collect();
    program
}

fn lowered(body: TokenStream, workspace: &Workspace) -> Program {
    let parsed: syntax::Program = syn::parse2(body).expect("the program parses");
    match lower::lower(&parsed, Ok(workspace)) {
        Ok(l) => l.program,
        Err(e) => panic!("the program is valid: {e}"),
    }
}

fn benches(c: &mut Criterion) {
    let workspace = Workspace::load(&repo_root()).unwrap();
    let root = repo_root().to_string_lossy().into_owned();

    let reference = lowered(reference_body(), &workspace);
    c.bench_function("synthesize/reference", |b| {
        b.iter(|| pipewright::synth::synthesize(black_box(&reference), &root).unwrap())
    });
    let context = Context {
        manifest_dir: Some(repo_root()),
        bin_name: Some("deploy".into()),
        package_name: Some("backend-pipeline".into()),
    };
    c.bench_function(
        "expand/reference (parse, check, fingerprint, synthesize)",
        |b| {
            b.iter(|| {
                pipewright_macros_core::synthesize(black_box(reference_body()), &context).unwrap()
            })
        },
    );

    let mut group = c.benchmark_group("synthesize/generated");
    group.sample_size(10);
    for stages in [1, 10, 100] {
        for lambdas in [1, 10, 50] {
            let program = with_stages(
                lowered(generated(lambdas).parse().unwrap(), &workspace),
                stages,
            );
            group.throughput(Throughput::Elements((stages * lambdas) as u64));
            group.bench_with_input(
                BenchmarkId::from_parameter(format!("{stages}stages_{lambdas}lambdas")),
                &program,
                // Programs past CodePipeline's limits (100 stages) synthesize in full and
                // are then refused; the work measured is the same.
                |b, p| {
                    b.iter(|| {
                        pipewright::synth::synthesize(black_box(p), &root)
                            .map(|app| app.stacks.len())
                    })
                },
            );
        }
    }
    group.finish();

    let mut group = c.benchmark_group("synthesize/state");
    group.sample_size(10);
    for n in [10, 50] {
        let program = lowered(generated_state(n).parse().unwrap(), &workspace);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}tables_{n}queues_{n}lambdas")),
            &program,
            |b, p| b.iter(|| pipewright::synth::synthesize(black_box(p), &root).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(synth, benches);
criterion_main!(synth);
