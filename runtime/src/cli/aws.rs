//! The commands that talk to AWS (the `aws` feature): an async runtime, the AWS
//! configuration, Ctrl-C.

use std::process::ExitCode;
use std::time::Duration;

use super::args::{ApprovalArg, Command, Global, ProgressArg, RehearseArgs};
use crate::app::App;
use crate::deploy::assets::AssetBuilder;
use crate::deploy::bootstrap::BootstrapOptions;
use crate::deploy::changes::Approval;
use crate::deploy::{
    Aws, AwsSettings, CallStats, Console, DeployOptions, Error, Progress, Session,
};

/// The async runtime of a command that talks to AWS, and its console.
fn runtime_and_console(global: &Global) -> Result<(tokio::runtime::Runtime, Console), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::msg(format!("cannot start the async runtime: {e}")))?;
    let console = Console::new(match global.progress {
        ProgressArg::Auto => Progress::Auto,
        ProgressArg::Bar => Progress::Bar,
        ProgressArg::Events => Progress::Events,
    });
    Ok((runtime, console))
}

/// `rehearse`, on an async runtime; Ctrl-C stops every build it started and the emulator.
pub(super) fn run_rehearsal(
    app: &App,
    global: &Global,
    args: &RehearseArgs,
) -> Result<ExitCode, Error> {
    let (runtime, console) = runtime_and_console(global)?;
    let options = crate::rehearse::RehearseOptions {
        approvals: crate::rehearse::Approvals {
            names: args.approve.clone(),
            all: args.approve_all,
        },
        endpoint: args.endpoint.clone(),
        keep: args.keep,
        build_env: args.build_env.clone(),
    };
    let children = crate::rehearse::Children::default();
    let result = runtime.block_on(async {
        tokio::select! {
            result = crate::rehearse::run(app, &options, &console, &children) => result,
            _ = tokio::signal::ctrl_c() => {
                children.stop_all();
                Err(Error::Interrupted("interrupted: every build stopped, the emulator stopped".to_owned()))
            }
        }
    });
    console.clear();
    runtime.shutdown_timeout(Duration::from_millis(200));
    result.map(|()| ExitCode::SUCCESS)
}

/// The commands that talk to AWS, on an async runtime.
pub(super) fn run_aws(app: &App, global: &Global, command: Command) -> Result<ExitCode, Error> {
    // Before the runtime's threads start: an empty variable is an unset one.
    crate::deploy::settings::unset_empty_variables();
    let (runtime, console) = runtime_and_console(global)?;
    let stats = CallStats::default();
    let settings = AwsSettings {
        profile: global.profile.clone(),
        region: global.region.clone(),
    };
    let result = runtime.block_on(async {
        let aws = Aws::load(&settings, stats.clone()).await?;
        let session = Session::new(aws, console.clone());
        tokio::select! {
            result = execute(app, &session, command) => result,
            _ = tokio::signal::ctrl_c() => {
                let in_flight = console.in_flight();
                Err(Error::Interrupted(if in_flight.is_empty() {
                    "interrupted".to_owned()
                } else {
                    format!(
                        "interrupted: CloudFormation goes on with {}; the next run waits for {}",
                        in_flight.join(", "),
                        if in_flight.len() == 1 { "it" } else { "them" }
                    )
                }))
            }
        }
    });
    console.clear();
    if global.stats {
        eprintln!("{}", stats.summary());
    }
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}

async fn execute(app: &App, session: &Session, command: Command) -> Result<ExitCode, Error> {
    let deploy_options = DeployOptions::default();
    match command {
        Command::List | Command::Synth { .. } | Command::Assets { .. } | Command::Rehearse(_) => {
            unreachable!("offline commands and the rehearsal run on their own")
        }
        Command::Bootstrap(args) => {
            let environments = if args.environments.is_empty() {
                let mut envs: Vec<(String, String)> = Vec::new();
                for stack in &app.stacks {
                    let env = (stack.account.to_string(), stack.region.to_string());
                    if !envs.contains(&env) {
                        envs.push(env);
                    }
                }
                envs
            } else {
                args.environments
                    .iter()
                    .map(|e| parse_environment(e))
                    .collect::<Result<_, _>>()?
            };
            let options = BootstrapOptions {
                qualifier: args.qualifier.unwrap_or_else(|| app.qualifier.to_string()),
                toolkit_stack_name: Some(args.toolkit_stack_name),
                trust: args.trust,
                trust_for_lookup: args.trust_for_lookup,
                untrust: args.untrust,
                execution_policies: args.cloudformation_execution_policies,
                kms_key_id: args.bootstrap_kms_key_id,
                customer_key: args.bootstrap_customer_key,
                public_access_block: args.public_access_block_configuration,
                force: args.force,
            };
            crate::deploy::bootstrap::run(session, &environments, &options, &deploy_options)
                .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { stacks, fail } => {
            let summary =
                crate::deploy::diff::run(session, app, &stacks.stacks, stacks.all).await?;
            Ok(if fail && summary.has_differences() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Deploy {
            stacks,
            require_approval,
            force,
            allow_replace,
            hotswap,
        } => {
            let options = DeployOptions {
                approval: match require_approval {
                    ApprovalArg::Never => Approval::Never,
                    ApprovalArg::Broadening => Approval::Broadening,
                    ApprovalArg::AnyChange => Approval::AnyChange,
                },
                force,
                allow_replace,
                ..deploy_options
            };
            let builder = AssetBuilder::for_app(app);
            if hotswap {
                crate::deploy::hotswap::run(session, app, &builder, &stacks.stacks, &options)
                    .await?;
                return Ok(ExitCode::SUCCESS);
            }
            crate::deploy::deployment::run(
                session,
                app,
                &builder,
                &stacks.stacks,
                stacks.all,
                &options,
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Destroy { stacks, force } => {
            crate::deploy::destroy::run(
                session,
                app,
                &stacks.stacks,
                stacks.all,
                force,
                &deploy_options,
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `aws://ACCOUNT/REGION` (or `ACCOUNT/REGION`).
fn parse_environment(text: &str) -> Result<(String, String), Error> {
    let rest = text.strip_prefix("aws://").unwrap_or(text);
    match rest.split_once('/') {
        Some((account, region))
            if account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && !region.is_empty()
                && !region.contains('/') =>
        {
            Ok((account.to_owned(), region.to_owned()))
        }
        _ => Err(Error::msg(format!(
            "`{text}` is not an environment: expected aws://ACCOUNT/REGION (a 12-digit account)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_parse() {
        assert_eq!(
            parse_environment("aws://111111111111/us-west-2").unwrap(),
            ("111111111111".to_owned(), "us-west-2".to_owned())
        );
        assert!(parse_environment("aws://1111/us-west-2").is_err());
        assert!(parse_environment("us-west-2").is_err());
    }

    #[test]
    fn the_library_default_never_asks() {
        // `deploy rehearse` deploys with the library's default: no question.
        assert_eq!(DeployOptions::default().approval, Approval::Never);
    }
}
