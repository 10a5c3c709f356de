//! The language without the compiler: the reference program lowers to the expected
//! model, mistakes are all reported, and no input makes the macro panic.

use std::path::{Path, PathBuf};

use pipewright::spec::{Architecture, ComputeType, DeploymentConfig, Duration};
use pipewright_macros_core::{
    lower, syntax, synthesize, synthesize_in, workspace::Workspace, Context,
};
use proc_macro2::{TokenStream, TokenTree};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The body of `pipeline! { ... }` in the reference program `pipeline.rs`.
fn reference_program() -> TokenStream {
    let source = std::fs::read_to_string(repo_root().join("pipeline.rs")).unwrap();
    let start = source.find("pipeline! {").unwrap() + "pipeline! ".len();
    let end = source.rfind("};").unwrap() + 1;
    let group: TokenStream = source[start..end].parse().unwrap();
    match group.into_iter().next() {
        Some(TokenTree::Group(g)) => g.stream(),
        other => panic!("expected the macro's braces, found {other:?}"),
    }
}

fn context() -> Context {
    Context {
        manifest_dir: Some(repo_root()),
        bin_name: Some("deploy".into()),
        package_name: Some("backend-pipeline".into()),
    }
}

#[test]
fn reference_program_lowers_to_the_model() {
    let ws = Workspace::load(&repo_root()).unwrap();
    let parsed: syntax::Program = syn::parse2(reference_program()).unwrap();
    let lowered = lower::lower(&parsed, Ok(&ws)).unwrap_or_else(|e| panic!("{e}"));
    let p = lowered.program;

    assert_eq!(p.pipeline.name, "BackendPipeline");
    assert_eq!(
        p.pipeline.source.repo,
        "ColeMurray/serverless-express-lambda-cdk"
    );
    assert_eq!(p.pipeline.synth.output, "cdk.out");
    assert!(p.pipeline.self_mutation);
    assert!(!p.pipeline.cross_account_keys);
    assert_eq!(p.pipeline.codebuild.compute, ComputeType::Medium);
    assert!(p.pipeline.codebuild.privileged);
    assert_eq!(
        p.pipeline.codebuild.policy[0].actions,
        ["secretsmanager:GetSecretValue"]
    );
    assert_eq!(p.pipeline.qualifier, "hnb659fds");

    let stack = &p.stacks[0];
    let lambda = &stack.lambdas[0];
    assert_eq!(lambda.package, "service");
    assert_eq!(lambda.bin, "service", "the package's only binary");
    assert_eq!(lambda.memory, 2048);
    assert_eq!(lambda.timeout, Duration::from_secs(60));
    assert_eq!(lambda.architecture, Architecture::X86_64);
    assert_eq!(
        lambda.deployment,
        DeploymentConfig::Linear10PercentEvery1Minute
    );
    assert_eq!(lambda.alarm.period, Duration::from_secs(60));
    let api = &stack.apis[0];
    assert_eq!(api.handler, "BackendServer");
    assert_eq!(api.cors.as_ref().unwrap().origins, ["*"]);

    let stages: Vec<_> = p
        .stages
        .iter()
        .map(|s| {
            (
                &*s.name,
                s.approval.as_ref().map(|a| a.name.as_str()),
                s.stacks.clone(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        [
            ("PreProdBackend", None, vec!["BackendStack".to_owned()]),
            (
                "ProdBackend",
                Some("Promote to Prod"),
                vec!["BackendStack".to_owned()]
            ),
        ]
    );
    assert_eq!(
        p.stages[1].environment,
        [("STAGE".to_owned(), "prod".to_owned())]
    );
    assert_eq!(p.packages.len(), 1);
    assert!(lowered
        .tracked
        .iter()
        .any(|f| f.ends_with("service/Cargo.toml")));
}

#[test]
fn expansion_synthesizes_every_stack() {
    let (app, _) = synthesize(reference_program(), &context()).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = app.stacks.iter().map(|s| &*s.name).collect();
    assert_eq!(
        names,
        [
            "BackendPipeline",
            "PreProdBackend-BackendStack",
            "ProdBackend-BackendStack"
        ]
    );
    assert_eq!(app.assets.len(), 1);
}

#[test]
fn every_mistake_is_reported_in_one_pass() {
    let input: TokenStream = r#"
        pipeline P {
            account: "1",
            region: "nowhere",
            source: { repo: "x", branch: "", connection: "arn:aws:s3:::b" },
            synth: { commands: [] },
        }
        stack S { lambda L { package: "nope", memory: 1, timeout: 0s, deployment: Fast } }
        stage T { account: "111111111111", region: "us-east-1", stacks: [Nope] }
    "#
    .parse()
    .unwrap();
    let error = synthesize(input, &context()).unwrap_err();
    let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
    for expected in [
        "12 digits",
        "not an AWS region",
        "owner/name",
        "branch is empty",
        "connection ARN",
        "`commands` is empty",
        "package `nope`",
        "memory must be between",
        "timeout must be between",
        "unknown deployment config `Fast`",
        "no stack `Nope`",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected:?} not in {messages:#?}"
        );
    }
}

/// A small deterministic generator: the same mutations on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

fn flatten(stream: TokenStream, out: &mut Vec<String>) {
    for tree in stream {
        match tree {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push(open.into());
                flatten(g.stream(), out);
                out.push(close.into());
            }
            other => out.push(other.to_string()),
        }
    }
}

#[test]
fn no_input_makes_the_macro_panic() {
    let mut tokens = Vec::new();
    flatten(reference_program(), &mut tokens);
    let vocabulary = [
        "-",
        "1",
        "0",
        "99999999999999999999999",
        "1.5",
        "\"\"",
        "\"*\"",
        "60ms",
        "true",
        ":",
        ",",
        "pipeline",
        "stack",
        "stage",
        "lambda",
        "api",
        "table",
        "queue",
        "bucket",
        "topic",
        "link",
        "events",
        "{",
        "}",
        "[",
        "]",
        "#",
        "///",
        "r#type",
        "'a",
        "==",
    ];
    let mut rng = XorShift(0x9e3779b97f4a7c15);
    let ctx = context();
    // The workspace read once: reading it (its manifests and lock file) is most of the
    // cost of an expansion, and the same for every mutation.
    let workspace = Workspace::load(ctx.manifest_dir.as_ref().unwrap());
    let mut parsed = 0;
    for _ in 0..3000 {
        let mut mutated = tokens.clone();
        for _ in 0..1 + rng.next(4) {
            let at = rng.next(mutated.len());
            match rng.next(3) {
                0 => {
                    mutated.remove(at);
                }
                1 => mutated.insert(at, vocabulary[rng.next(vocabulary.len())].to_owned()),
                _ => mutated[at] = vocabulary[rng.next(vocabulary.len())].to_owned(),
            }
        }
        // Unbalanced delimiters are rejected by the Rust lexer before any macro runs.
        if let Ok(stream) = mutated.join(" ").parse::<TokenStream>() {
            parsed += 1;
            let _ = synthesize_in(stream, &ctx, workspace.clone());
        }
    }
    assert!(
        parsed > 1000,
        "only {parsed} mutations were valid token streams"
    );
}

#[test]
fn waves_approvals_notifications_triggers_and_protection_lower_to_the_model() {
    use pipewright::spec::{ApprovalWhen, NotifyTarget, PipelineEvent};

    let source = std::fs::read_to_string(repo_root().join("examples/waves.rs")).unwrap();
    let start = source.find("pipeline! {").unwrap() + "pipeline! ".len();
    let end = source.rfind("};").unwrap() + 1;
    let group: TokenStream = source[start..end].parse().unwrap();
    let Some(TokenTree::Group(body)) = group.into_iter().next() else {
        panic!("the macro's braces")
    };
    let ws = Workspace::load(&repo_root()).unwrap();
    let parsed: syntax::Program = syn::parse2(body.stream()).unwrap();
    let p = lower::lower(&parsed, Ok(&ws))
        .unwrap_or_else(|e| panic!("{e}"))
        .program;

    let trigger = &p.pipeline.source.trigger;
    assert_eq!(trigger.paths, ["service/**", "pipeline.rs", "Cargo.lock"]);
    assert_eq!(trigger.ignore_paths, ["**/*.md"]);
    assert_eq!(trigger.tags, ["release-*"]);
    assert!(trigger.on_push);
    let notifications = p.pipeline.notifications.as_ref().unwrap();
    assert_eq!(
        notifications.target,
        NotifyTarget::Emails(vec!["oncall@example.com".into()])
    );
    assert_eq!(
        notifications.events,
        [PipelineEvent::Failed, PipelineEvent::ApprovalNeeded]
    );

    // Stages in deployment order, each with the wave it is in.
    let stages: Vec<(&str, Option<&str>, bool)> = p
        .stages
        .iter()
        .map(|s| (s.name.as_str(), s.wave.as_deref(), s.protect))
        .collect();
    assert_eq!(
        stages,
        [
            ("Beta", None, false),
            ("StagingUs", Some("Staging"), false),
            ("StagingEu", Some("Staging"), false),
            ("ProdUs", Some("Production"), true),
            ("ProdEu", Some("Production"), true),
        ]
    );
    let beta = &p.stages[0];
    assert_eq!(beta.pre, ["./scripts/check-change-freeze.sh beta"]);
    let beta_approval = beta.approval.as_ref().unwrap();
    assert_eq!(
        beta_approval.notify,
        Some(NotifyTarget::Topic(
            "arn:aws:sns:us-east-1:111111111111:shop-releases".into()
        ))
    );
    assert_eq!(beta_approval.when, ApprovalWhen::Always);
    let production = p.wave("Production").unwrap();
    let approval = production.approval.as_ref().unwrap();
    assert_eq!(approval.name, "Promote to Prod");
    assert!(approval
        .comment
        .as_deref()
        .unwrap()
        .starts_with("Check the staging"));
    assert_eq!(
        approval.notify,
        Some(NotifyTarget::Emails(
            vec!["release-team@example.com".into()]
        ))
    );
    assert_eq!(approval.when, ApprovalWhen::Broadening);
    assert_eq!(production.pre, ["./scripts/check-change-freeze.sh prod"]);
    assert!(p.wave("Staging").unwrap().approval.is_none());
    let names: Vec<&str> = p.deployments().iter().map(|d| d.name()).collect();
    assert_eq!(names, ["Beta", "Staging", "Production"]);
}
