//! What every change set of the pipeline sets: the capabilities it acknowledges, and the
//! stack tags of its template configuration (the pipeline's tag).

/// The capabilities every change set acknowledges (named IAM roles, macros).
pub const CAPABILITIES: &str = "CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND";

/// The stack tag naming the pipeline a stack belongs to. `deploy` sets it, and so does
/// the pipeline (through each change set's template configuration): `diff` and `deploy`
/// find the deployed stacks a program no longer has by it.
pub const PIPELINE_TAG: &str = "pipewright:pipeline";

/// The template configuration file of a stack in the assembly: the stack tags its
/// change sets set.
pub fn template_configuration_file(stack: &str) -> String {
    format!("{stack}.template-configuration.json")
}

/// The contents of every stack's template configuration: the pipeline's tag.
pub fn template_configuration(pipeline: &str) -> String {
    /// A template configuration file of CodePipeline's CloudFormation actions.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct TemplateConfiguration<'a> {
        tags: std::collections::BTreeMap<&'a str, &'a str>,
    }
    let configuration = TemplateConfiguration {
        tags: [(PIPELINE_TAG, pipeline)].into(),
    };
    serde_json::to_string_pretty(&configuration).expect("configurations serialize to JSON")
}
