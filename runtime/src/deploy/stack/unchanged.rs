//! Whether a stack is already what would be deployed: its template, parameters and tags
//! compared with the deployed ones (no change set needed then).

use std::collections::BTreeMap;

use aws_sdk_cloudformation::types::Stack;
use serde_json::Value as Json;

use super::options::{ParameterValue, StackSpec};
use super::state::{is_missing_stack, status};
use crate::deploy::clients::Environment;
use crate::deploy::error::{Error, Result};

/// Whether deploying `spec` over the deployed stack would change nothing: the same
/// template (compared as JSON), no new parameter values, the same tags, and no
/// SSM-parameter-typed parameter that a resource or an output reads (its value may have
/// changed in SSM).
pub(super) async fn unchanged(env: &Environment, spec: &StackSpec, stack: &Stack) -> Result<bool> {
    if status(stack) == "UPDATE_ROLLBACK_COMPLETE" {
        // The last update failed: go through a change set, which says what it would do.
        return Ok(false);
    }
    let ours: Json = serde_json::from_str(&spec.template)
        .map_err(|e| Error::new(&spec.name, format!("the template is not JSON: {e}")))?;
    if reads_ssm_parameters(&ours) {
        return Ok(false);
    }
    let deployed_params: BTreeMap<&str, &str> = stack
        .parameters()
        .iter()
        .map(|p| {
            (
                p.parameter_key().unwrap_or_default(),
                p.parameter_value().unwrap_or_default(),
            )
        })
        .collect();
    for (key, value) in &spec.parameters {
        if let ParameterValue::Value(v) = value {
            if deployed_params.get(key.as_str()) != Some(&v.as_str()) {
                return Ok(false);
            }
        }
    }
    let deployed_tags: BTreeMap<&str, &str> = stack
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))
        .collect();
    let our_tags: BTreeMap<&str, &str> = spec
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if deployed_tags != our_tags {
        return Ok(false);
    }
    let deployed = deployed_template(env, &spec.name).await?;
    Ok(deployed.as_ref() == Some(&ours))
}

/// The template a stack was deployed with (`GetTemplate`, original stage), parsed; `None`
/// when it is not JSON (YAML, from another tool) or there is no stack.
pub async fn deployed_template(env: &Environment, name: &str) -> Result<Option<Json>> {
    match env
        .clients
        .cloudformation
        .get_template()
        .stack_name(name)
        .template_stage(aws_sdk_cloudformation::types::TemplateStage::Original)
        .send()
        .await
    {
        Ok(o) => Ok(o
            .template_body()
            .and_then(|body| serde_json::from_str(body).ok())),
        Err(e) if is_missing_stack(&e) => Ok(None),
        Err(e) => Err(Error::aws(
            format!("{name}: cannot read the deployed template"),
            &e,
        )),
    }
}

/// Whether a template's resources, outputs or conditions read an SSM-typed parameter.
fn reads_ssm_parameters(template: &Json) -> bool {
    let ssm: Vec<&String> = template["Parameters"]
        .as_object()
        .map(|params| {
            params
                .iter()
                .filter(|(_, p)| {
                    p["Type"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("AWS::SSM::Parameter::Value"))
                })
                .map(|(name, _)| name)
                .collect()
        })
        .unwrap_or_default();
    if ssm.is_empty() {
        return false;
    }
    ["Resources", "Outputs", "Conditions"]
        .iter()
        .any(|section| {
            let text = template[*section].to_string();
            ssm.iter().any(|name| {
                text.contains(&format!("{{\"Ref\":\"{name}\"}}"))
                    || text.contains(&format!("${{{name}}}"))
            })
        })
}
