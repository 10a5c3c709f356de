//! `deploy rehearse`: the program's pipeline, run end to end on this machine against an AWS
//! emulator, before anything is pushed.
//!
//! The pipeline stack (and its support stacks) is deployed to the emulator first, every
//! environment bootstrapped; then the pipeline CloudFormation created there is read back
//! ([`definition`]) and run stage by stage, the actions of one run order in parallel, as
//! CodePipeline runs it after a push of the working tree ([`source`]): CodeBuild actions
//! run their buildspecs here ([`codebuild`], [`buildspec`]), CloudFormation actions run
//! their change sets on the emulator ([`cloudformation`]), manual approvals wait for a
//! decision or are granted or asked ([`approval`]). The run keeps the execution's state
//! ([`state`]), which the builds read and act on through the rehearsal's own CodePipeline
//! endpoint ([`codepipeline`]). When the self-mutation changes the pipeline, the run
//! starts over on the new pipeline, once, as CodePipeline does. What is real and what is
//! emulated is described in `docs/rehearse.md`.

pub mod approval;
pub mod buildspec;
pub mod cloudformation;
pub mod codebuild;
pub mod codepipeline;
pub mod context;
pub mod definition;
pub mod emulator;
pub mod files;
pub mod ids;
pub mod machine;
pub mod report;
pub mod source;
pub mod state;
pub mod variables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::future::join_all;

use context::{ActionResult, Context, Dirs, Stop};
pub use context::{Approvals, Children};
use definition::{Kind, Pipeline};
use emulator::{Accounts, Emulator};
use report::{Report, Row};
use state::{PipelineState, Status};

use crate::app::{App, StackArtifact, StackRole};
use crate::deploy::assets::AssetBuilder;
use crate::deploy::bootstrap::BootstrapOptions;
use crate::deploy::clients::{Aws, CallStats, Environment};
use crate::deploy::console::Console;
use crate::deploy::error::{Error, Result};
use crate::deploy::session::Session;
use crate::deploy::stack::{self, DeployOptions};

/// What the command line asks of a rehearsal.
#[derive(Clone, Debug, Default)]
pub struct RehearseOptions {
    /// The approvals granted in advance.
    pub approvals: Approvals,
    /// An emulator already running (default: start `moto_server`).
    pub endpoint: Option<String>,
    /// Leave the emulator running at the end.
    pub keep: bool,
    /// Variables every build gets over its own (`--build-env NAME=VALUE`).
    pub build_env: Vec<(String, String)>,
}

/// How many times a run starts over because the pipeline changed itself.
const MAX_RESTARTS: usize = 1;

/// Rehearses the program's pipeline; the processes it starts are recorded in `children`
/// (for the caller to stop them on Ctrl-C).
pub async fn run(
    app: &App,
    options: &RehearseOptions,
    console: &Console,
    children: &Children,
) -> Result<()> {
    let root = rehearse_dir(app);
    std::fs::create_dir_all(root.join("logs"))
        .map_err(|e| Error::new(format!("cannot create {}", root.display()), e))?;
    // The builds' paths (their sources, Cargo's home) are in their fingerprints: through a
    // link or not, the same directory keeps the same paths, and its caches stay warm.
    let dirs = Dirs {
        root: root.canonicalize().unwrap_or(root),
    };
    let _lock = lock(&dirs.root)?;
    let source_root = files::git_root(&workspace(app)).map_err(Error::msg)?;
    let pipeline_stack = app
        .stacks
        .iter()
        .find(|s| s.role == StackRole::Pipeline)
        .ok_or_else(|| Error::msg("the program has no pipeline stack"))?;

    let mut emulator = match &options.endpoint {
        Some(endpoint) => Emulator::external(endpoint),
        None => tokio::task::block_in_place(|| Emulator::start(&dirs.root))?,
    };
    console.note(&format!(
        "rehearsing {} against the AWS emulator at {}",
        app.pipeline, emulator.endpoint
    ));
    if let Some(note) = unimplemented_note(app, &emulator) {
        console.note(&note);
    }
    let accounts = Accounts::new(&emulator.endpoint, &pipeline_stack.region).await;
    let result = rehearse(
        app,
        options,
        console,
        children,
        &dirs,
        &source_root,
        &accounts,
        pipeline_stack,
    )
    .await;
    if options.keep {
        if let Some(pid) = emulator.keep() {
            console.note(&format!(
                "the emulator goes on at {} (pid {pid}): `deploy rehearse --endpoint {}` runs on it again",
                emulator.endpoint, emulator.endpoint
            ));
        }
    }
    result
}

/// One line naming the types of the program's `resource` blocks (the types pipewright's
/// own blocks do not make) that the emulator does not implement: the rehearsal deploys
/// their stacks, but creates no such resource.
fn unimplemented_note(app: &App, emulator: &Emulator) -> Option<String> {
    let mut types: Vec<String> = Vec::new();
    for stack in &app.stacks {
        let template: serde_json::Value = serde_json::from_str(&stack.template).ok()?;
        let resources = template["Resources"].as_object().into_iter().flatten();
        for resource in resources.filter_map(|(_, r)| r["Type"].as_str()) {
            if !crate::cfn::resources::TYPE_NAMES.contains(&resource)
                && !types.iter().any(|t| t == resource)
            {
                types.push(resource.to_owned());
            }
        }
    }
    if types.is_empty() {
        return None;
    }
    let missing = emulator.unimplemented_types(&types)?;
    (!missing.is_empty()).then(|| {
        format!(
            "the emulator does not implement {}: the rehearsal deploys their stacks but creates no such resource (references to one are placeholders)",
            missing.join(", ")
        )
    })
}

#[allow(clippy::too_many_arguments)]
async fn rehearse(
    app: &App,
    options: &RehearseOptions,
    console: &Console,
    children: &Children,
    dirs: &Dirs,
    source_root: &Path,
    accounts: &Accounts,
    pipeline_stack: &StackArtifact,
) -> Result<()> {
    let started = Instant::now();
    // The set-up's own tables and events are not the rehearsal's story: one line each.
    let quiet = Console::capturing(Vec::new());
    let environments = bootstrap(app, accounts, &quiet).await?;
    console.note(&format!(
        "bootstrapped {environments} environment(s) on the emulator"
    ));
    let admin = accounts.admin(&pipeline_stack.account).await?;
    let admin_env = accounts.environment(&pipeline_stack.account, &pipeline_stack.region, &admin);
    if stack::describe(&admin_env, &pipeline_stack.name)
        .await?
        .is_none()
    {
        deploy_pipeline(app, accounts, &quiet, pipeline_stack).await?;
        console.note(&format!(
            "deployed {} and its support stacks",
            pipeline_stack.name
        ));
    } else {
        console.note(&format!(
            "{} is on the emulator already: running the pipeline it has (its self-mutation brings it up to date)",
            pipeline_stack.name
        ));
    }
    let state = Arc::new(PipelineState::default());
    let codepipeline = codepipeline::Endpoint::start(state.clone()).await?;
    let report = Report::default();
    let mut restarts = 0;
    loop {
        let pipeline = load_pipeline(accounts, &admin, &admin_env, pipeline_stack).await?;
        let ctx = Context {
            accounts: accounts.clone(),
            account: pipeline_stack.account.to_string(),
            pipeline_stack: pipeline_stack.name.to_string(),
            admin: admin.clone(),
            dirs: dirs.clone(),
            source_root: source_root.to_owned(),
            commit: files::head_commit(source_root),
            execution_id: context::uuid(&pipeline.name),
            console: console.clone(),
            children: children.clone(),
            approvals: options.approvals.clone(),
            artifacts: Mutex::new(BTreeMap::new()),
            variables: Mutex::new(Default::default()),
            mutated: Default::default(),
            state: state.clone(),
            codepipeline: codepipeline.url.clone(),
            build_env: options.build_env.clone(),
            pipeline,
        };
        state.begin(&ctx.pipeline, &ctx.execution_id);
        console.note(&format!(
            "execution {} of {} (version {})",
            ctx.execution_id, ctx.pipeline.name, ctx.pipeline.version
        ));
        match execute(&ctx, &report).await {
            Execution::Restart if restarts < MAX_RESTARTS => {
                restarts += 1;
                console.note(&format!(
                    "{} changed itself: starting over on the new pipeline, as CodePipeline does",
                    ctx.pipeline.name
                ));
            }
            Execution::Restart => {
                report.print(console, &ctx.variables.lock().expect("variables lock"));
                return Err(Error::msg(format!(
                    "{} changed itself again after a restart: its synthesized template differs from run to run",
                    ctx.pipeline.name
                )));
            }
            end => {
                report.print(console, &ctx.variables.lock().expect("variables lock"));
                console.note(&format!(
                    "rehearsal took {:.1}s",
                    started.elapsed().as_secs_f64()
                ));
                return end.into_result();
            }
        }
    }
}

/// How an execution ended.
enum Execution {
    Succeeded,
    Restart,
    Failed(String),
    Waiting(String),
}

impl Execution {
    fn into_result(self) -> Result<()> {
        match self {
            Execution::Succeeded | Execution::Restart => Ok(()),
            Execution::Failed(reason) => Err(Error::msg(reason)),
            Execution::Waiting(reason) => Err(Error::Waiting(reason)),
        }
    }
}

/// Runs every stage in order; within a stage, each run order's actions together. A
/// failure of a run order is its first failed action's, and wins over an approval that
/// waits beside it.
async fn execute(ctx: &Context, report: &Report) -> Execution {
    for stage in &ctx.pipeline.stages {
        for (_, actions) in stage.run_orders() {
            let names: Vec<&str> = actions.iter().map(|a| a.name.as_str()).collect();
            ctx.state.start(&stage.name, &names);
            let results = join_all(
                actions
                    .iter()
                    .map(|action| run_action(ctx, &stage.name, action, report)),
            )
            .await;
            let mut waiting = None;
            for (action, result) in actions.iter().zip(results) {
                match result {
                    Ok(_) => {}
                    Err(Stop::Failed(reason)) => {
                        return Execution::Failed(format!(
                            "{}/{} failed: {reason}",
                            stage.name, action.name
                        ))
                    }
                    Err(Stop::Waiting(reason)) => waiting = waiting.or(Some(reason)),
                }
            }
            if let Some(reason) = waiting {
                return Execution::Waiting(reason);
            }
        }
        if ctx.mutated.load(Ordering::SeqCst) {
            return Execution::Restart;
        }
    }
    Execution::Succeeded
}

async fn run_action(
    ctx: &Context,
    stage: &str,
    action: &definition::Action,
    report: &Report,
) -> ActionResult {
    let name = format!("{stage}/{}", action.name);
    ctx.console.note(&format!("▶ {name}"));
    let started = Instant::now();
    let task = ctx.console.task(&name);
    let result = match &action.kind {
        Kind::Source => source::run(ctx, action).await,
        Kind::CodeBuild => codebuild::run(ctx, stage, action, &task).await,
        Kind::CloudFormation => cloudformation::run(ctx, action).await,
        Kind::Approval => approval::run(ctx, stage, action).await,
        Kind::Other(kind) => Err(Stop::Failed(format!(
            "the action type {kind} is not rehearsed"
        ))),
    };
    drop(task);
    let elapsed = started.elapsed();
    // An approval that waits for a person stays in progress in the execution's state.
    let (mark, text, outcome, status) = match &result {
        Ok(summary) => ("✔", summary, "succeeded", Some(Status::Succeeded)),
        Err(Stop::Failed(reason)) => ("✘", reason, "failed", Some(Status::Failed)),
        Err(Stop::Waiting(reason)) => ("⏸", reason, "waiting", None),
    };
    if let Some(status) = status {
        ctx.state.finish(stage, &action.name, status, text);
    }
    ctx.console.note(&format!(
        "{mark} {name} ({:.1}s): {text}",
        elapsed.as_secs_f64()
    ));
    report.add(Row {
        stage: stage.to_owned(),
        action: action.name.clone(),
        result: outcome,
        seconds: elapsed.as_secs_f64(),
    });
    result
}

/// Bootstraps every environment of the program on the emulator, as its administrator
/// would: the other accounts trust the pipeline's.
async fn bootstrap(app: &App, accounts: &Accounts, console: &Console) -> Result<usize> {
    let pipeline_account = app
        .stacks
        .first()
        .map(|s| s.account.to_string())
        .unwrap_or_default();
    let mut environments: Vec<(String, String)> = Vec::new();
    for stack in &app.stacks {
        let env = (stack.account.to_string(), stack.region.to_string());
        if !environments.contains(&env) {
            environments.push(env);
        }
    }
    let count = environments.len();
    for (account, region) in environments {
        let keys = accounts.admin(&account).await?;
        let session = Session::new(
            Aws::from_config(accounts.config(&region, &keys), CallStats::default()),
            console.clone(),
        );
        let options = BootstrapOptions {
            qualifier: app.qualifier.to_string(),
            trust: if account == pipeline_account {
                Vec::new()
            } else {
                vec![pipeline_account.clone()]
            },
            ..BootstrapOptions::default()
        };
        crate::deploy::bootstrap::run(
            &session,
            &[(account, region)],
            &options,
            &DeployOptions::default(),
        )
        .await?;
    }
    Ok(count)
}

/// Deploys the pipeline stack (and its support stacks) as its administrator would with
/// `deploy deploy`.
async fn deploy_pipeline(
    app: &App,
    accounts: &Accounts,
    console: &Console,
    stack: &StackArtifact,
) -> Result<()> {
    let keys = accounts.admin(&stack.account).await?;
    let session = Session::new(
        Aws::from_config(accounts.config(&stack.region, &keys), CallStats::default()),
        console.clone(),
    );
    let options = DeployOptions {
        poll_interval: std::time::Duration::from_millis(250),
        ..DeployOptions::default()
    };
    crate::deploy::deployment::run(
        &session,
        app,
        &AssetBuilder::for_app(app),
        &[stack.name.to_string()],
        false,
        &options,
    )
    .await
    .map(|_| ())
}

/// The pipeline CloudFormation made of the pipeline stack.
async fn load_pipeline(
    accounts: &Accounts,
    admin: &emulator::Keys,
    env: &Environment,
    stack: &StackArtifact,
) -> Result<Pipeline> {
    let resources = env
        .clients
        .cloudformation
        .describe_stack_resources()
        .stack_name(stack.name.as_ref())
        .send()
        .await
        .map_err(|e| Error::aws(format!("{}: cannot list its resources", stack.name), &e))?;
    let name = resources
        .stack_resources()
        .iter()
        .find(|r| r.resource_type() == Some("AWS::CodePipeline::Pipeline"))
        .and_then(|r| r.physical_resource_id())
        .ok_or_else(|| {
            Error::msg(format!(
                "{} on the emulator has no pipeline: the emulator does not create AWS::CodePipeline::Pipeline (start it with pipewright's moto fixes)",
                stack.name
            ))
        })?
        .to_owned();
    let config = accounts.config(&stack.region, admin);
    let answer = aws_sdk_codepipeline::Client::new(&config)
        .get_pipeline()
        .name(&name)
        .send()
        .await
        .map_err(|e| Error::aws(format!("cannot read the pipeline {name}"), &e))?;
    let declaration = answer
        .pipeline()
        .ok_or_else(|| Error::msg(format!("GetPipeline {name}: no declaration")))?;
    Pipeline::from_declaration(declaration, &stack.region)
}

/// The workspace the program was compiled in (the current directory if it moved).
fn workspace(app: &App) -> PathBuf {
    let root = PathBuf::from(app.workspace_root.as_ref());
    if root.is_dir() {
        root
    } else {
        std::env::current_dir().unwrap_or(root)
    }
}

/// `target/pipewright/rehearse` of the workspace (`CARGO_TARGET_DIR` when set).
fn rehearse_dir(app: &App) -> PathBuf {
    let workspace = workspace(app);
    let target = match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("pipewright").join("rehearse")
}

/// One rehearsal at a time in a workspace: they share the build directories.
fn lock(root: &Path) -> Result<std::fs::File> {
    let path = root.join("lock");
    let file = std::fs::File::create(&path)
        .map_err(|e| Error::new(format!("cannot create {}", path.display()), e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::msg(format!(
            "another rehearsal is running in this workspace ({} is locked)",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(Error::new(format!("cannot lock {}", path.display()), e))
        }
    }
}
