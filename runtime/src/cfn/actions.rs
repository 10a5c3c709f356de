//! The configurations of CodePipeline actions, typed: the registry schema leaves an
//! action's `Configuration` free-form, because its keys depend on the action's provider.
//! One struct per provider pipewright declares, with the keys it sets (see the AWS
//! CodePipeline User Guide, "Action structure reference").

use serde::Serialize;

use super::value::Value;

/// The `Configuration` of an action (`ActionDeclaration`), by provider.
///
/// ```
/// use pipewright::cfn::actions::CodeBuild;
/// use pipewright::cfn::{ActionConfiguration, Value};
/// use serde_json::json;
///
/// let build: ActionConfiguration = CodeBuild::new(Value::sub("${Synth}")).into();
/// assert_eq!(
///     serde_json::to_value(&build).unwrap(),
///     json!({"ProjectName": {"Fn::Sub": "${Synth}"}})
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ActionConfiguration {
    /// A `Source` action of provider `CodeStarSourceConnection`.
    SourceConnection(SourceConnection),
    /// A `Build` (or `Test`) action of provider `CodeBuild`.
    CodeBuild(CodeBuild),
    /// A `Deploy` action of provider `CloudFormation`.
    CloudFormation(CloudFormation),
    /// An `Approval` action of provider `Manual`.
    ManualApproval(ManualApproval),
}

/// A repository read through a CodeStar/CodeConnections connection.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceConnection {
    /// The connection's ARN.
    pub connection_arn: Value<String>,
    /// `owner/name`.
    pub full_repository_id: Value<String>,
    /// The branch.
    pub branch_name: Value<String>,
    /// `"false"`: no execution when the branch changes (only when started); unset, the
    /// default, `"true"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detect_changes: Option<Value<String>>,
}

/// A CodeBuild project run by the pipeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeBuild {
    /// The project's name.
    pub project_name: Value<String>,
    /// Variables of this run, as the JSON list CodePipeline takes (`[{"name": ...,
    /// "value": ..., "type": "PLAINTEXT"}]`), in one string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_variables: Option<Value<String>>,
}

impl CodeBuild {
    /// Runs the project, with no variables of its own.
    pub fn new(project_name: impl Into<Value<String>>) -> Self {
        CodeBuild {
            project_name: project_name.into(),
            environment_variables: None,
        }
    }
}

/// What a CloudFormation action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActionMode {
    /// Creates (or replaces) a change set.
    ChangeSetReplace,
    /// Executes a change set.
    ChangeSetExecute,
    /// Creates or updates the stack directly.
    CreateUpdate,
    /// Deletes the stack.
    DeleteOnly,
    /// Creates or updates the stack, replacing it when it is in a failed state.
    ReplaceOnFailure,
}

/// A CloudFormation action: a change set created or executed, or a stack changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CloudFormation {
    /// What the action does.
    pub action_mode: ActionMode,
    /// The stack.
    pub stack_name: Value<String>,
    /// The change set, in the change-set modes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_set_name: Option<Value<String>>,
    /// The template, `Artifact::path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_path: Option<Value<String>>,
    /// The template configuration (parameters, tags), `Artifact::path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_configuration: Option<Value<String>>,
    /// The capabilities acknowledged, comma-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Value<String>>,
    /// The role CloudFormation runs as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<Value<String>>,
}

impl CloudFormation {
    /// An action of this mode on this stack, every optional key unset.
    pub fn new(action_mode: ActionMode, stack_name: impl Into<Value<String>>) -> Self {
        CloudFormation {
            action_mode,
            stack_name: stack_name.into(),
            change_set_name: None,
            template_path: None,
            template_configuration: None,
            capabilities: None,
            role_arn: None,
        }
    }
}

/// A manual approval.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManualApproval {
    /// What the approver reads (at most 500 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    /// A link the approver follows to review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_entity_link: Option<String>,
    /// An SNS topic told when the approval waits.
    #[serde(rename = "NotificationArn", skip_serializing_if = "Option::is_none")]
    pub notification_arn: Option<Value<String>>,
}

impl From<SourceConnection> for ActionConfiguration {
    fn from(c: SourceConnection) -> Self {
        ActionConfiguration::SourceConnection(c)
    }
}

impl From<CodeBuild> for ActionConfiguration {
    fn from(c: CodeBuild) -> Self {
        ActionConfiguration::CodeBuild(c)
    }
}

impl From<CloudFormation> for ActionConfiguration {
    fn from(c: CloudFormation) -> Self {
        ActionConfiguration::CloudFormation(c)
    }
}

impl From<ManualApproval> for ActionConfiguration {
    fn from(c: ManualApproval) -> Self {
        ActionConfiguration::ManualApproval(c)
    }
}
