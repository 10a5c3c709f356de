//! One function's hot swap through the Lambda API: its configuration (environment and
//! description), its code, a version published from them, and its aliases moved to it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput;
use aws_sdk_lambda::types::{AliasRoutingConfiguration, LastUpdateStatus};

use super::plan::{FunctionState, Variable};
use crate::deploy::error::{Error, Result};

/// What a hot-swapped function's description ends with: it tells the next hot swap (and a
/// person in the console) that the function differs from its stack's template. It is also
/// what makes the next full deploy publish a version: CloudFormation resets the description,
/// so the function has changed since the hot swap's version (without it, Lambda would find
/// nothing new to publish and CloudFormation's version would fail with "Version already
/// exists", as after `cdk deploy --hotswap`: aws-cdk #28237).
pub const MARKER: &str = "[hot-swapped by pipewright: differs from its stack's template]";

/// Lambda's limit on a description.
const DESCRIPTION_LIMIT: usize = 256;

/// How long a function may take to apply an update.
const UPDATE_TIMEOUT: Duration = Duration::from_secs(300);

/// The deployed function as the hot swap reads it.
pub struct Live {
    /// Its description.
    pub description: String,
    /// Its environment.
    pub variables: HashMap<String, String>,
}

impl Live {
    /// Whether an earlier hot swap left it different from its template.
    pub fn hot_swapped(&self) -> bool {
        self.description.ends_with(MARKER)
    }
}

/// What a hot swap did to one function.
pub struct Swapped {
    /// The version published.
    pub version: String,
    /// The code's SHA-256 (base64), as Lambda reports it.
    pub code_sha256: String,
}

/// A function's configuration, as Lambda has it now.
async fn configuration(
    client: &aws_sdk_lambda::Client,
    name: &str,
) -> Result<GetFunctionConfigurationOutput> {
    client
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .map_err(|e| Error::aws(format!("{name}: cannot read the function"), &e))
}

/// Reads a function's description and environment.
pub async fn live(client: &aws_sdk_lambda::Client, name: &str) -> Result<Live> {
    let configuration = configuration(client, name).await?;
    Ok(Live {
        description: configuration.description().unwrap_or_default().to_owned(),
        variables: configuration
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default(),
    })
}

/// Brings the function `name` to `state`: environment and description, then code, each
/// waited for; publishes a version of exactly that code and moves every alias to it (all
/// its traffic: a weight CodeDeploy left on another version is cleared). `marked`: the
/// description carries [`MARKER`] (the function now differs from the template); without it,
/// the template's description (the function is back to its template).
pub async fn swap(
    client: &aws_sdk_lambda::Client,
    name: &str,
    state: &FunctionState,
    live: &Live,
    marked: bool,
) -> Result<Swapped> {
    let variables = variables(name, state, live)?;
    let description = description(state.description.as_deref(), marked);
    client
        .update_function_configuration()
        .function_name(name)
        .description(description)
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .set_variables(Some(variables))
                .build(),
        )
        .send()
        .await
        .map_err(|e| Error::aws(format!("{name}: cannot update the configuration"), &e))?;
    wait_until_updated(client, name).await?;
    let (bucket, key) = &state.code;
    let updated = client
        .update_function_code()
        .function_name(name)
        .s3_bucket(bucket)
        .s3_key(key)
        .send()
        .await
        .map_err(|e| {
            Error::aws(
                format!("{name}: cannot update the code to s3://{bucket}/{key}"),
                &e,
            )
        })?;
    let code_sha256 = updated.code_sha256().unwrap_or_default().to_owned();
    wait_until_updated(client, name).await?;
    // The version is refused if the code changed meanwhile (another swap at once).
    let published = client
        .publish_version()
        .function_name(name)
        .code_sha256(&code_sha256)
        .description(format!("{} hot-swapped by pipewright", state.logical_id))
        .send()
        .await
        .map_err(|e| Error::aws(format!("{name}: cannot publish a version"), &e))?;
    let version = published
        .version()
        .ok_or_else(|| Error::msg(format!("{name}: PublishVersion returned no version")))?
        .to_owned();
    for alias in &state.aliases {
        client
            .update_alias()
            .function_name(name)
            .name(alias)
            .function_version(&version)
            .routing_config(AliasRoutingConfiguration::builder().build())
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    format!("{name}: cannot point the alias {alias} at version {version}"),
                    &e,
                )
            })?;
    }
    Ok(Swapped {
        version,
        code_sha256,
    })
}

/// The environment to set: the template's values, and the deployed ones of the variables
/// CloudFormation resolved.
fn variables(name: &str, state: &FunctionState, live: &Live) -> Result<HashMap<String, String>> {
    state
        .variables
        .iter()
        .map(|(key, variable)| match variable {
            Variable::Literal(value) => Ok((key.clone(), value.clone())),
            Variable::Deployed => live
                .variables
                .get(key)
                .map(|value| (key.clone(), value.clone()))
                .ok_or_else(|| {
                    Error::msg(format!(
                        "{name}: the deployed function has no variable {key}, which its template gives it: deploy the stack without --hotswap"
                    ))
                }),
        })
        .collect()
}

/// The template's description, followed by [`MARKER`] when `marked` (the template's part
/// shortened to fit Lambda's limit).
pub fn description(template: Option<&str>, marked: bool) -> String {
    let template = template.unwrap_or_default();
    if !marked {
        return template.to_owned();
    }
    let room = DESCRIPTION_LIMIT - MARKER.len() - 1;
    let kept: String = template.chars().take(room).collect();
    if kept.is_empty() {
        MARKER.to_owned()
    } else {
        format!("{kept} {MARKER}")
    }
}

/// Waits until the function has applied its last update; fails with Lambda's reason.
async fn wait_until_updated(client: &aws_sdk_lambda::Client, name: &str) -> Result<()> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        let configuration = configuration(client, name).await?;
        match configuration.last_update_status() {
            // No status: an emulator that applies updates at once.
            None | Some(LastUpdateStatus::Successful) => return Ok(()),
            Some(LastUpdateStatus::Failed) => {
                return Err(Error::msg(format!(
                    "{name}: the update failed: {}",
                    configuration
                        .last_update_status_reason()
                        .unwrap_or("Lambda gives no reason")
                )))
            }
            Some(_) if started.elapsed() > UPDATE_TIMEOUT => {
                return Err(Error::msg(format!(
                    "{name}: the update is still in progress after {} s",
                    UPDATE_TIMEOUT.as_secs()
                )))
            }
            Some(_) => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_follows_the_templates_description_within_lambdas_limit() {
        assert_eq!(description(Some("The order API"), false), "The order API");
        assert_eq!(
            description(Some("The order API"), true),
            format!("The order API {MARKER}")
        );
        assert_eq!(description(None, true), MARKER);
        let long = "x".repeat(300);
        let marked = description(Some(&long), true);
        assert_eq!(marked.chars().count(), DESCRIPTION_LIMIT);
        assert!(marked.ends_with(MARKER));
    }
}
