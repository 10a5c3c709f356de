//! The broadening check: one CodeBuild project that decides every `when: Broadening`
//! approval of the pipeline. Each check action names its approval and the change sets
//! to read; the script reads each through the deploy role of its environment (the role
//! the change set was prepared with, which may `cloudformation:DescribeChangeSet`),
//! applies [`crate::broadening`]'s rule, and either approves the waiting approval with
//! a summary that says why, or lists every reason and leaves the approval to a person.
//! Beside the approval of a stage whose stacks hold data, it also reads what the
//! data-loss check found: a change that loses data leaves the approval to a person too.

use crate::broadening::bash_function;
use crate::cfn::resources::code_build;
use crate::cfn::{Handle, Statement, Template, TemplateError, Value};
use crate::plan::{BroadeningCheck, BROADENING_CHECK_ACTION, CHANGE_SET, DATA_LOSS_VARIABLE};
use crate::spec::Program;

use super::builder::{codebuild_role, deploy_roles, BuildSpec, Builder, ProjectSpec};

/// The project's name suffix, and its logical ids' stem.
const SUFFIX: &str = "BroadeningCheck";

/// How often, and how many seconds apart, the script looks for the approval's token: the
/// approval starts beside the check, and has its token once it waits.
const TOKEN_ATTEMPTS: u32 = 60;
const TOKEN_POLL_SECONDS: u32 = 5;

/// The action's variables: the pipeline stage and the approval it decides, and the change
/// sets to read, one `region,stack,deploy-role` entry each (none of the three holds a
/// comma or a space).
pub(in crate::synth::pipeline) fn action_variables(
    check: &BroadeningCheck,
    qualifier: &str,
) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    for (target, stacks) in &check.change_sets {
        let role = target.environment(qualifier).deploy_role_arn();
        for stack in stacks {
            entries.push(format!("{},{stack},{role}", target.region));
        }
    }
    let mut variables = vec![
        ("STAGE".to_owned(), check.owner.clone()),
        ("APPROVAL".to_owned(), check.approval.clone()),
        ("CHANGE_SETS".to_owned(), entries.join(" ")),
    ];
    variables.extend(
        check
            .data_loss
            .clone()
            .map(|found| (DATA_LOSS_VARIABLE.to_owned(), found)),
    );
    variables
}

/// The project, with a role that may read the pipeline's state, approve exactly the
/// approvals the checks decide, and assume exactly the deploy roles of their change sets.
pub(super) fn broadening_check_project(
    t: &mut Template,
    builder: &Builder<'_>,
    program: &Program,
    checks: &[&BroadeningCheck],
) -> Result<Handle<code_build::Project>, TemplateError> {
    let p = &program.pipeline;
    let pipeline_arn = format!(
        "arn:${{AWS::Partition}}:codepipeline:${{AWS::Region}}:${{AWS::AccountId}}:{}",
        p.name
    );
    let approvals = checks
        .iter()
        .map(|c| Value::sub(format!("{pipeline_arn}/{}/{}", c.owner, c.approval)));
    let roles = deploy_roles(
        checks
            .iter()
            .flat_map(|c| &c.change_sets)
            .map(|(target, _)| target),
        &p.qualifier,
    );
    let mut statements = builder.role_statements(SUFFIX, false);
    statements.push(
        Statement::allow(["codepipeline:GetPipelineState"]).on([Value::sub(pipeline_arn.clone())]),
    );
    statements.push(Statement::allow(["codepipeline:PutApprovalResult"]).on(approvals));
    statements.push(Statement::allow(["sts:AssumeRole"]).on(roles));
    let role = codebuild_role(
        t,
        &format!("{SUFFIX}Role"),
        "Reads the change sets of the approvals only needed when they broaden, and approves those that do not".into(),
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
                "Approves the approvals of the {} pipeline that are only needed when a change set broadens, when none does",
                p.name
            ),
            environment: builder.own_environment(vec![
                ("PIPELINE", p.name.clone()),
                ("CHANGE_SET", CHANGE_SET.to_owned()),
            ]),
            spec: BuildSpec::new(None, vec![script(checks.iter().any(|c| c.data_loss.is_some()))]),
            timeout_minutes: 15,
            cache: false,
        },
    )
}

/// The check, in bash: every reason a change set broadens, or the approval approved.
/// `reads_data_loss`: a check of the pipeline is beside the approval of a stage whose
/// stacks hold data, and leaves it to a person when the data-loss check found a loss
/// (the line is left out otherwise: the pipelines of programs without data keep their
/// project).
fn script(reads_data_loss: bool) -> String {
    let data_loss = match reads_data_loss {
        true => format!(
            "case \"${{{DATA_LOSS_VARIABLE}:-none}}\" in none) ;; *) echo \"$APPROVAL waits for a person: ${DATA_LOSS_VARIABLE}\"; exit 0 ;; esac\n"
        ),
        false => String::new(),
    };
    let summary = format!(
        "No change set of $STAGE broadens permissions, replaces or removes a resource: approved by $STAGE/{BROADENING_CHECK_ACTION}"
    );
    format!(
        "( set -euo pipefail\n\
         {rule}\n\
         {data_loss}\
         found=0\n\
         for entry in $CHANGE_SETS; do\n\
         \x20 IFS=, read -r region stack role <<< \"$entry\"\n\
         \x20 credentials=\"$(aws sts assume-role --role-arn \"$role\" --role-session-name pipewright-broadening-check --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)\"\n\
         \x20 read -r key secret token <<< \"$credentials\"\n\
         \x20 changes=\"$(AWS_ACCESS_KEY_ID=\"$key\" AWS_SECRET_ACCESS_KEY=\"$secret\" AWS_SESSION_TOKEN=\"$token\" \\\n\
         \x20   aws cloudformation describe-change-set --region \"$region\" --stack-name \"$stack\" --change-set-name \"$CHANGE_SET\" \\\n\
         \x20   --query 'Changes[].ResourceChange.[Action,LogicalResourceId,ResourceType,Replacement]' --output text)\"\n\
         \x20 while IFS=$'\\t' read -r action id type replacement; do\n\
         \x20   [ -n \"$action\" ] || continue\n\
         \x20   while read -r reason; do\n\
         \x20     [ -n \"$reason\" ] || continue\n\
         \x20     echo \"broadens: $stack: $id ($type) $reason\"\n\
         \x20     found=1\n\
         \x20   done <<< \"$(broadening \"$action\" \"$type\" \"$replacement\")\"\n\
         \x20 done <<< \"$changes\"\n\
         done\n\
         if [ \"$found\" = 1 ]; then\n\
         \x20 echo \"$APPROVAL waits for a person: the change sets above broaden\"\n\
         \x20 exit 0\n\
         fi\n\
         echo \"no change set broadens permissions, replaces or removes a resource\"\n\
         token=None\n\
         for _ in $(seq {TOKEN_ATTEMPTS}); do\n\
         \x20 token=\"$(aws codepipeline get-pipeline-state --name \"$PIPELINE\" \\\n\
         \x20   --query \"stageStates[?stageName=='$STAGE'].actionStates[] | [?actionName=='$APPROVAL' && latestExecution.status=='InProgress'].latestExecution.token | [0]\" --output text)\"\n\
         \x20 [ \"$token\" = None ] || break\n\
         \x20 sleep {TOKEN_POLL_SECONDS}\n\
         done\n\
         if [ \"$token\" = None ]; then\n\
         \x20 echo \"$APPROVAL is not waiting (a person decided already?): nothing to approve\"\n\
         \x20 exit 0\n\
         fi\n\
         aws codepipeline put-approval-result --pipeline-name \"$PIPELINE\" --stage-name \"$STAGE\" --action-name \"$APPROVAL\" --token \"$token\" \\\n\
         \x20 --result \"{{\\\"status\\\":\\\"Approved\\\",\\\"summary\\\":\\\"{summary}\\\"}}\"\n\
         echo \"approved $APPROVAL\" )",
        rule = bash_function("broadening"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The script is bash that parses (`bash -n`), and it reads what the action passes.
    #[test]
    fn the_script_is_bash() {
        for reads_data_loss in [false, true] {
            script_parses(&script(reads_data_loss));
        }
        assert!(!script(false).contains(DATA_LOSS_VARIABLE));
        assert!(script(true).contains(DATA_LOSS_VARIABLE));
    }

    fn script_parses(script: &str) {
        let output = std::process::Command::new("bash")
            .args(["-n", "-c", script])
            .output()
            .expect("bash runs");
        assert!(output.status.success(), "{output:?}\n{script}");
        for variable in [
            "$STAGE",
            "$APPROVAL",
            "$CHANGE_SETS",
            "$PIPELINE",
            "$CHANGE_SET",
        ] {
            assert!(script.contains(variable), "{variable}");
        }
        assert!(script.contains(&bash_function("broadening")));
    }
}
