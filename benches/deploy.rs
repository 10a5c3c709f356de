//! A no-op redeploy of the reference program's stage stacks against moto: the real
//! `deploy` binary, nothing rebuilt, uploaded or executed. Measures the wall time of the
//! command and reports the number of AWS requests it makes (`--stats`).
//!
//! Needs `moto_server` and, to build the service's zip the first time, cargo-lambda and
//! zig (see tests/deploy_moto.rs). `cargo bench --bench deploy`.

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{criterion_group, criterion_main, Criterion};
use support::{deploy, Moto};

const STAGES: [&str; 2] = ["PreProdBackend", "ProdBackend"];

fn no_op_redeploy(c: &mut Criterion) {
    support::lambda_assets();
    let moto = Moto::start("bench-deploy");
    let env = moto.aws_env();
    deploy(&env, &["bootstrap"], "").success();
    let mut first = vec![
        "--progress",
        "events",
        "deploy",
        "--require-approval",
        "never",
    ];
    first.extend(STAGES);
    deploy(&env, &first, "").success();

    let mut args = vec!["--stats", "deploy"];
    args.extend(STAGES);
    let run = deploy(&env, &args, "").success();
    for operation in [
        "S3.PutObject",
        "CloudFormation.CreateChangeSet",
        "CloudFormation.ExecuteChangeSet",
    ] {
        assert_eq!(
            run.calls(operation),
            0,
            "a no-op redeploy makes no {operation}:\n{}",
            run.stderr
        );
    }
    eprintln!(
        "no-op redeploy of {}: {}",
        STAGES.join(" and "),
        run.stderr
            .lines()
            .find(|l| l.starts_with("aws calls:"))
            .unwrap_or_default()
    );

    let mut group = c.benchmark_group("deploy");
    group.sample_size(20);
    group.bench_function("no-op redeploy of the stage stacks (moto)", |b| {
        b.iter(|| {
            let run = deploy(&env, &args, "").success();
            assert_eq!(run.calls("CloudFormation.ExecuteChangeSet"), 0);
            run.total_calls()
        })
    });
    group.finish();
}

criterion_group!(benches, no_op_redeploy);
criterion_main!(benches);
