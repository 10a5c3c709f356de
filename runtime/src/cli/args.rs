//! The command line's arguments: the commands and their options, as clap parses them.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "deploy",
    about = "Synthesize and deploy this pipewright program",
    long_about = "Synthesize and deploy this pipewright program.\n\nAWS settings come from the standard \
                  AWS configuration: profiles, AWS_REGION, AWS_ENDPOINT_URL and the credentials chain."
)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command that talks to AWS.
#[derive(Debug, Args)]
pub struct Global {
    /// The AWS profile of the shared config and credentials files (default: AWS_PROFILE,
    /// else `default`). A named profile must exist.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The default AWS region (default: AWS_REGION, else the profile's), such as
    /// `us-west-2`. Stacks deploy to the regions the program names.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// How to show CloudFormation's progress: a live bar per stack, one line per event,
    /// or bars on a terminal and events elsewhere (CI logs).
    #[arg(long, global = true, value_enum, default_value_t = ProgressArg::Auto, env = "PIPEWRIGHT_PROGRESS")]
    pub progress: ProgressArg,
    /// Print the number of AWS requests made (retries included; not the credential
    /// chain's own), per operation, on stderr at the end.
    /// `PIPEWRIGHT_STATS` takes what clap's boolish parser does (`1`, `true`, `yes`, `on`,
    /// `0`, `false`, `no`, `off`); empty is unset.
    #[arg(long, global = true, env = "PIPEWRIGHT_STATS", action = ArgAction::SetTrue, value_parser = boolish)]
    pub stats: bool,
}

/// `--progress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// Bars on a terminal (unless `CI` is set), events otherwise.
    Auto,
    /// A live bar per stack.
    Bar,
    /// One line per CloudFormation event.
    Events,
}

/// `--require-approval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ApprovalArg {
    /// Never ask.
    Never,
    /// Ask before changes that add or change permissions (IAM, resource policies), replace
    /// a resource or remove one.
    Broadening,
    /// Ask before every change set.
    AnyChange,
}

/// Which stacks: names, stage names, patterns.
#[derive(Debug, Args)]
pub struct Stacks {
    /// Stack names, stage names (all of the stage's stacks) or patterns with `*` and `?`.
    #[arg(value_name = "STACK")]
    pub stacks: Vec<String>,
    /// Every stack of the program.
    #[arg(long, conflicts_with = "stacks")]
    pub all: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every stack name, in deployment order (the pipeline stack first).
    List,
    /// Write every template and the cloud assembly manifests (no AWS access).
    Synth {
        /// The assembly directory.
        #[arg(long, short, default_value = "cdk.out")]
        out: PathBuf,
    },
    /// Build every Lambda zip into the assembly directory as `asset.<id>.zip` (what the
    /// pipeline's asset actions publish). Needs cargo-lambda and zig; no AWS access.
    Assets {
        /// The assembly directory.
        #[arg(long, short, default_value = "cdk.out")]
        out: PathBuf,
    },
    /// Create or update the bootstrap stack (assets bucket, deploy roles, version
    /// parameter) of environments, the same as `cdk bootstrap`. Idempotent.
    Bootstrap(BootstrapArgs),
    /// Show what would change against the deployed stacks; with no STACK, every stack of
    /// the program, and the stacks deployed for this pipeline that it no longer has.
    Diff {
        /// Which stacks.
        #[command(flatten)]
        stacks: Stacks,
        /// Exit with status 1 when there are differences.
        #[arg(long)]
        fail: bool,
    },
    /// Publish the assets and deploy stacks through change sets (no STACK: the pipeline
    /// stack), with the stacks they depend on.
    Deploy {
        /// Which stacks.
        #[command(flatten)]
        stacks: Stacks,
        /// Ask before executing changes: `broadening` (IAM and resource policies,
        /// replacements, removals; the default, as the AWS CDK CLI's), `any-change`,
        /// `never`. Without a terminal, a change that needs approval is refused.
        #[arg(long, value_enum, num_args = 0..=1, default_value_t = ApprovalArg::Broadening, default_missing_value = "broadening")]
        require_approval: ApprovalArg,
        /// Go through a change set even when the deployed template is the same.
        #[arg(long)]
        force: bool,
        /// Let the change sets replace or delete this table, bucket or queue (its logical
        /// id, as the refusal names it: `OrdersTable` for `table Orders`), losing its
        /// data. Without it, such a change set is refused, on a terminal too. Repeatable.
        #[arg(long, value_name = "NAME")]
        allow_replace: Vec<String>,
        /// For a development stage: when only functions' code or environment differ from
        /// the deployed stack, update them directly (new code, a published version, the
        /// `Current` alias moved to it) instead of running a change set; the stack then
        /// differs from its template until the next deploy without --hotswap. Any other
        /// change is deployed through a change set. Refused for a protected stage or one
        /// behind an approval.
        #[arg(long, conflicts_with = "all")]
        hotswap: bool,
    },
    /// Run the pipeline end to end on this machine, as CodePipeline would after a push of
    /// the working tree, against an AWS emulator (moto's server, started and stopped here,
    /// or --endpoint). Exit status 3: stopped at a manual approval without a terminal.
    Rehearse(RehearseArgs),
    /// Delete stacks, in the reverse of the deployment order (no STACK: the pipeline stack).
    Destroy {
        /// Which stacks.
        #[command(flatten)]
        stacks: Stacks,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        force: bool,
    },
}

/// The options of `rehearse`.
#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// Grant a manual approval: its name (as written in the program), its action's name,
    /// or its stage's. Repeatable.
    #[arg(long, value_name = "NAME")]
    pub approve: Vec<String>,
    /// Grant every manual approval.
    #[arg(long)]
    pub approve_all: bool,
    /// An AWS emulator already running (default: start moto_server on a free loopback
    /// port). The pipeline stack found there is run as it is.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Leave the emulator running at the end.
    #[arg(long)]
    pub keep: bool,
    /// A variable every build of the rehearsal gets, over the pipeline's own (as a CodeBuild
    /// StartBuild override would): the builds see none of this machine's Cargo, rustc or AWS
    /// settings otherwise. Repeatable.
    #[arg(long, value_name = "NAME=VALUE", value_parser = build_variable)]
    pub build_env: Vec<(String, String)>,
}

/// A `--build-env` value: `NAME=VALUE`, NAME a shell variable name.
fn build_variable(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))?;
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not a variable name (letters, digits and _)"
        ));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// The options of `bootstrap` (the names of `cdk bootstrap`'s).
#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// Environments as aws://ACCOUNT/REGION (default: every environment of the program).
    #[arg(value_name = "ENVIRONMENT")]
    pub environments: Vec<String>,
    /// The qualifier of the bootstrap resources (default: the program's, `hnb659fds`).
    #[arg(long)]
    pub qualifier: Option<String>,
    /// The name of the bootstrap stack.
    #[arg(long, default_value = crate::bootstrap_stack::TOOLKIT_STACK_NAME)]
    pub toolkit_stack_name: String,
    /// An account trusted to publish assets and deploy here (the pipeline's account);
    /// added to the ones already trusted. Repeatable.
    #[arg(long, value_name = "ACCOUNT")]
    pub trust: Vec<String>,
    /// An account trusted to look values up here. Repeatable.
    #[arg(long, value_name = "ACCOUNT")]
    pub trust_for_lookup: Vec<String>,
    /// An account to trust no more. Repeatable.
    #[arg(long, value_name = "ACCOUNT")]
    pub untrust: Vec<String>,
    /// Managed policy ARNs for the role CloudFormation deploys with (default:
    /// AdministratorAccess). Repeatable.
    #[arg(long, value_name = "ARN")]
    pub cloudformation_execution_policies: Vec<String>,
    /// A KMS key (id or ARN) to encrypt the assets bucket with.
    #[arg(long, value_name = "KEY", conflicts_with = "bootstrap_customer_key")]
    pub bootstrap_kms_key_id: Option<String>,
    /// Create a customer-managed KMS key for the assets bucket (default for a new stack:
    /// the AWS-managed S3 key).
    #[arg(long)]
    pub bootstrap_customer_key: bool,
    /// Block public access to the assets bucket.
    #[arg(long, value_name = "BOOL")]
    pub public_access_block_configuration: Option<bool>,
    /// Update a bootstrap stack of another variant, or of a newer version.
    #[arg(long)]
    pub force: bool,
}

/// A boolean environment variable: what clap's `BoolishValueParser` takes (`y`, `yes`, `t`,
/// `true`, `on`, `1` and their opposites, in any case), and empty for unset (false).
fn boolish(value: &str) -> Result<bool, String> {
    const TRUE: [&str; 6] = ["y", "yes", "t", "true", "on", "1"];
    const FALSE: [&str; 7] = ["", "n", "no", "f", "false", "off", "0"];
    let value = value.trim().to_ascii_lowercase();
    if TRUE.contains(&value.as_str()) {
        Ok(true)
    } else if FALSE.contains(&value.as_str()) {
        Ok(false)
    } else {
        Err(format!(
            "`{value}` is not a boolean: use 1 or 0, true or false, yes or no, on or off"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_variables_are_name_equals_value() {
        assert_eq!(
            build_variable("CARGO_PROFILE_RELEASE_OPT_LEVEL=0"),
            Ok(("CARGO_PROFILE_RELEASE_OPT_LEVEL".into(), "0".into()))
        );
        assert_eq!(build_variable("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert_eq!(
            build_variable("EMPTY="),
            Ok(("EMPTY".into(), String::new()))
        );
        assert_eq!(
            build_variable("NOVALUE"),
            Err("`NOVALUE` is not NAME=VALUE".into())
        );
        assert_eq!(
            build_variable("1X=y"),
            Err("`1X` is not a variable name (letters, digits and _)".into())
        );
        assert!(build_variable("A-B=y").is_err());
    }

    #[test]
    fn booleans_are_boolish() {
        for yes in ["1", "true", "TRUE", "yes", "on", "y", "t"] {
            assert_eq!(boolish(yes), Ok(true), "{yes}");
        }
        for no in ["", "0", "false", "No", "off", "n", "f"] {
            assert_eq!(boolish(no), Ok(false), "{no}");
        }
        assert!(boolish("maybe").unwrap_err().contains("not a boolean"));
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn require_approval_defaults_to_broadening_when_given_bare() {
        // A bare flag takes the next word as its value: it goes last, or with `=`.
        let error = Cli::try_parse_from(["deploy", "deploy", "--require-approval", "Stack"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("invalid value 'Stack'"), "{error}");
        let cli = Cli::try_parse_from(["deploy", "deploy", "Stack", "--require-approval"]).unwrap();
        let Command::Deploy {
            require_approval,
            stacks,
            ..
        } = cli.command
        else {
            panic!("deploy")
        };
        assert_eq!(require_approval, ApprovalArg::Broadening);
        assert_eq!(stacks.stacks, ["Stack"]);
        let cli = Cli::try_parse_from(["deploy", "deploy", "--all"]).unwrap();
        let Command::Deploy {
            require_approval,
            stacks,
            ..
        } = cli.command
        else {
            panic!("deploy")
        };
        assert_eq!(
            require_approval,
            ApprovalArg::Broadening,
            "the default, as the CDK's"
        );
        assert!(stacks.all);
        let cli = Cli::try_parse_from(["deploy", "deploy", "--require-approval", "never"]).unwrap();
        let Command::Deploy {
            require_approval, ..
        } = cli.command
        else {
            panic!("deploy")
        };
        assert_eq!(require_approval, ApprovalArg::Never);
    }
}
