//! The data-loss check: one CodeBuild project that reads, for every stage (or wave) whose
//! stacks hold data, its change sets once they are prepared, through the deploy role of
//! their environment, and applies [`crate::broadening::data_loss`]'s rule: where
//! CloudFormation does not say whether a change replaces, the deployed template (read
//! through that role) and the new one (in the cloud assembly, the action's input) tell.
//! It publishes what loses data in its variable, which the approval shows after its
//! comment and the broadening check reads (a loss leaves the approval to a person); a
//! stage without an approval fails there, before anything executes.

use crate::app::StatefulType;
use crate::broadening::data_loss::{bash_functions, StatefulTypes};
use crate::cfn::resources::code_build;
use crate::cfn::{Handle, Statement, Template, TemplateError};
use crate::plan::{DataLossCheck, CHANGE_SET, DATA_LOSS_FOUND, DATA_LOSS_VARIABLE};
use crate::spec::Program;

use super::builder::{codebuild_role, deploy_roles, BuildSpec, Builder, ProjectSpec};

/// The project's name suffix, and its logical ids' stem.
const SUFFIX: &str = "DataLossCheck";

/// How many characters of what loses data the variable holds (the approval shows it
/// after its comment; CodePipeline shows 500 characters of a comment).
const MAX_SUMMARY: usize = 200;

/// The file through which the check's subshell hands its finding to the build's shell,
/// which exports it.
const FINDING_FILE: &str = ".pipewright-data-loss";

/// The action's variables: the pipeline stage, the approval that waits for a person
/// (none: the check fails instead), and the change sets to read, one
/// `region,stack,deploy-role,template` entry each (none of the four holds a comma or a
/// space).
pub(in crate::synth::pipeline) fn action_variables(
    check: &DataLossCheck,
    qualifier: &str,
) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    for (target, stacks) in &check.change_sets {
        let role = target.environment(qualifier).deploy_role_arn();
        for stack in stacks {
            entries.push(format!(
                "{},{},{role},{}",
                target.region, stack.stack_name, stack.template_file
            ));
        }
    }
    let mut variables = vec![("STAGE".to_owned(), check.owner.clone())];
    variables.extend(check.approval.clone().map(|a| ("APPROVAL".to_owned(), a)));
    variables.push(("CHANGE_SETS".to_owned(), entries.join(" ")));
    variables
}

/// The project, with a role that may assume exactly the deploy roles of the change sets
/// it reads.
pub(super) fn data_loss_check_project(
    t: &mut Template,
    builder: &Builder<'_>,
    program: &Program,
    checks: &[&DataLossCheck],
) -> Result<Handle<code_build::Project>, TemplateError> {
    let p = &program.pipeline;
    let roles = deploy_roles(
        checks
            .iter()
            .flat_map(|c| &c.change_sets)
            .map(|(target, _)| target),
        &p.qualifier,
    );
    let stateful = StatefulType::declared_by(&program.stacks);
    let mut statements = builder.role_statements(SUFFIX, false);
    statements.push(Statement::allow(["sts:AssumeRole"]).on(roles));
    let role = codebuild_role(
        t,
        &format!("{SUFFIX}Role"),
        "Reads the change sets and deployed templates of the stages whose stacks hold data".into(),
        statements,
        None,
    )?;
    builder.add_project(
        t,
        &format!("{SUFFIX}Project"),
        SUFFIX,
        &role,
        ProjectSpec {
            description: format!(
                "Finds the changes that replace or delete a table, bucket or queue before the {} pipeline executes them",
                p.name
            ),
            environment: builder.own_environment(vec![("CHANGE_SET", CHANGE_SET.to_owned())]),
            spec: BuildSpec::new(None, vec![script(StatefulTypes::new(&stateful)), export()])
                .exporting(vec![DATA_LOSS_VARIABLE]),
            timeout_minutes: 15,
            cache: false,
        },
    )
}

/// The build shell's command that publishes the finding.
fn export() -> String {
    format!("export {DATA_LOSS_VARIABLE}=\"$(cat {FINDING_FILE})\"")
}

/// The check, in bash: every change that loses data, written to [`FINDING_FILE`]; fails
/// when one does and there is no approval.
fn script(stateful: StatefulTypes<'_>) -> String {
    format!(
        "( set -euo pipefail\n\
         {rule}\n\
         losses=\"\"\n\
         for entry in $CHANGE_SETS; do\n\
         \x20 IFS=, read -r region stack role template <<< \"$entry\"\n\
         \x20 credentials=\"$(aws sts assume-role --role-arn \"$role\" --role-session-name pipewright-data-loss-check --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)\"\n\
         \x20 read -r key secret token <<< \"$credentials\"\n\
         \x20 deployer() {{ AWS_ACCESS_KEY_ID=\"$key\" AWS_SECRET_ACCESS_KEY=\"$secret\" AWS_SESSION_TOKEN=\"$token\" aws --region \"$region\" \"$@\"; }}\n\
         \x20 changes=\"$(deployer cloudformation describe-change-set --stack-name \"$stack\" --change-set-name \"$CHANGE_SET\" \\\n\
         \x20   --query \"Changes[].ResourceChange.[Action,LogicalResourceId,ResourceType,Replacement,join(', ', Details[?Target.Attribute=='Properties' && Target.RequiresRecreation!='Never'].Target.Name || \\`[]\\`)]\" --output text)\"\n\
         \x20 deployed=\"\"\n\
         \x20 while IFS=$'\\t' read -r action id type replacement forced; do\n\
         \x20   case \"$action\" in Modify|Remove) ;; *) continue ;; esac\n\
         \x20   is_stateful \"$type\" || continue\n\
         \x20   if [ -z \"$deployed\" ]; then\n\
         \x20     deployed=\"$(mktemp)\"\n\
         \x20     deployer cloudformation get-template --stack-name \"$stack\" --query TemplateBody --output json > \"$deployed\"\n\
         \x20   fi\n\
         \x20   policy=\"$(jq -r --arg id \"$id\" '.Resources[$id].DeletionPolicy // \"None\"' \"$deployed\")\"\n\
         \x20   if [ \"$action\" = Modify ] && [ \"$replacement\" = None ]; then\n\
         \x20     for property in $(replacing_properties \"$type\"); do\n\
         \x20       before=\"$(jq -cS --arg id \"$id\" --arg p \"$property\" '.Resources[$id].Properties[$p]' \"$deployed\")\"\n\
         \x20       after=\"$(jq -cS --arg id \"$id\" --arg p \"$property\" '.Resources[$id].Properties[$p]' \"$template\")\"\n\
         \x20       [ \"$before\" = \"$after\" ] || forced=\"${{forced:+$forced, }}$property\"\n\
         \x20     done\n\
         \x20     [ -z \"$forced\" ] || replacement=True\n\
         \x20   fi\n\
         \x20   loss=\"$(data_loss \"$action\" \"$type\" \"$replacement\" \"$policy\")\"\n\
         \x20   [ -n \"$loss\" ] || continue\n\
         \x20   cause=\"\"\n\
         \x20   case \"$action:$forced\" in\n\
         \x20     Modify:) cause=\": CloudFormation does not say which property forces it\" ;;\n\
         \x20     Modify:*,*) cause=\": $forced change\" ;;\n\
         \x20     Modify:*) cause=\": $forced changes\" ;;\n\
         \x20   esac\n\
         \x20   echo \"loses data: $stack: $id ($type) $loss$cause\"\n\
         \x20   losses=\"${{losses:+$losses; }}$stack: $id $loss$cause\"\n\
         \x20 done <<< \"$changes\"\n\
         done\n\
         if [ -z \"$losses\" ]; then\n\
         \x20 echo none > {FINDING_FILE}\n\
         \x20 echo \"no change set of $STAGE replaces or deletes a table, bucket or queue\"\n\
         \x20 exit 0\n\
         fi\n\
         [ \"${{#losses}}\" -le {MAX_SUMMARY} ] || losses=\"${{losses:0:{cut}}}...\"\n\
         echo \"{DATA_LOSS_FOUND}$losses\" > {FINDING_FILE}\n\
         if [ -z \"${{APPROVAL:-}}\" ]; then\n\
         \x20 echo \"$STAGE: the change sets above lose data, and $STAGE has no approval: nothing of it executes. Give $STAGE an approval for a person to decide, or keep the data (removal: Retain, the same key)\"\n\
         \x20 exit 1\n\
         fi\n\
         echo \"$APPROVAL waits for a person, whatever its when says: the change sets above lose data\" )",
        rule = bash_functions(stateful),
        cut = MAX_SUMMARY - 3,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The script is bash that parses (`bash -n`), and it reads what the action passes.
    #[test]
    fn the_script_is_bash() {
        let script = format!("{}\n{}", script(StatefulTypes::default()), export());
        let output = std::process::Command::new("bash")
            .args(["-n", "-c", &script])
            .output()
            .expect("bash runs");
        assert!(output.status.success(), "{output:?}\n{script}");
        for variable in ["$STAGE", "APPROVAL", "$CHANGE_SETS", "$CHANGE_SET"] {
            assert!(script.contains(variable), "{variable}");
        }
        assert!(script.contains(&bash_functions(StatefulTypes::default())));
    }

    /// A stage's directory with an `aws` that answers as CloudFormation would for a
    /// change set that modifies the table (`replacement`, `forced`: its answer) and the
    /// function, the deployed template keyed by `id`, and the new one keyed by `key`.
    fn stage_dir(name: &str, replacement: &str, forced: &str, key: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "pipewright-data-loss-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        let template = |key: &str| {
            format!(
                r#"{{"Resources": {{"OrdersTable": {{"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "Properties": {{"KeySchema": [{{"AttributeName": "{key}", "KeyType": "HASH"}}], "BillingMode": "PAY_PER_REQUEST"}}}}}}}}"#
            )
        };
        std::fs::write(dir.join("deployed.json"), template("id")).unwrap();
        std::fs::write(dir.join("Dev-Shop.template.json"), template(key)).unwrap();
        std::fs::write(
            dir.join("changes.txt"),
            format!("Modify\tOrdersTable\tAWS::DynamoDB::Table\t{replacement}\t{forced}\nModify\tFn\tAWS::Lambda::Function\tTrue\t\n"),
        )
        .unwrap();
        let aws = format!(
            "#!/bin/bash\ncase \"$*\" in\n  *assume-role*) echo 'KEY SECRET TOKEN' ;;\n  *describe-change-set*) cat {0}/changes.txt ;;\n  *get-template*) cat {0}/deployed.json ;;\n  *) exit 2 ;;\nesac\n",
            dir.display()
        );
        let stub = dir.join("bin/aws");
        std::fs::write(&stub, aws).unwrap();
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&stub)
            .status()
            .unwrap();
        dir
    }

    /// Runs the build's commands in a stage's directory, as CodeBuild does (the first that
    /// fails fails the build); its exit status, output, and the variable it exported.
    fn run_check(dir: &std::path::Path, approval: Option<&str>) -> (bool, String, String) {
        let script = format!(
            "{}\n{}\necho \"exported=${DATA_LOSS_VARIABLE}\"",
            script(StatefulTypes::default()),
            export()
        );
        let path = format!(
            "{}:{}",
            dir.join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let mut command = std::process::Command::new("bash");
        command
            .args(["-e", "-c", &script])
            .current_dir(dir)
            .env("PATH", path)
            .env("STAGE", "Dev")
            .env("CHANGE_SET", CHANGE_SET)
            .env(
                "CHANGE_SETS",
                "us-east-1,Dev-Shop,arn:aws:iam::111111111111:role/deploy,Dev-Shop.template.json",
            )
            .env_remove("APPROVAL");
        if let Some(approval) = approval {
            command.env("APPROVAL", approval);
        }
        let output = command.output().expect("bash runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let exported = stdout
            .lines()
            .find_map(|l| l.strip_prefix("exported="))
            .unwrap_or_default()
            .to_owned();
        (output.status.success(), stdout, exported)
    }

    /// The script finds what the rule finds: from the templates when CloudFormation does
    /// not say (moto), from CloudFormation's answer when it does; it fails without an
    /// approval, and publishes what is lost either way.
    #[test]
    fn the_script_finds_a_replaced_table_and_stops_a_stage_without_an_approval() {
        let expected = "loses data: Dev-Shop: OrdersTable (AWS::DynamoDB::Table) is replaced (the new one starts empty): KeySchema changes";
        let dir = stage_dir("unsaid", "None", "", "pk");
        let (succeeded, stdout, _) = run_check(&dir, None);
        assert!(!succeeded, "{stdout}");
        assert!(stdout.contains(expected), "{stdout}");
        assert!(stdout.contains("Dev has no approval"), "{stdout}");
        let (succeeded, stdout, exported) = run_check(&dir, Some("Promote"));
        assert!(succeeded, "{stdout}");
        assert_eq!(
            exported,
            "LOSES DATA: Dev-Shop: OrdersTable is replaced (the new one starts empty): KeySchema changes"
        );
        std::fs::remove_dir_all(&dir).unwrap();

        let said = stage_dir("said", "True", "KeySchema", "id");
        let (succeeded, stdout, _) = run_check(&said, None);
        assert!(!succeeded && stdout.contains(expected), "{stdout}");
        std::fs::remove_dir_all(&said).unwrap();

        let in_place = stage_dir("in-place", "False", "", "pk");
        let (succeeded, stdout, exported) = run_check(&in_place, None);
        assert!(succeeded, "CloudFormation's answer stands: {stdout}");
        assert_eq!(exported, "none");
        std::fs::remove_dir_all(&in_place).unwrap();

        let same = stage_dir("same", "None", "", "id");
        let (succeeded, stdout, exported) = run_check(&same, None);
        assert!(succeeded, "{stdout}");
        assert_eq!(exported, "none");
        std::fs::remove_dir_all(&same).unwrap();
    }
}
