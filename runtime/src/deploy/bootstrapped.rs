//! Whether an environment is bootstrapped: its bootstrap version (the SSM parameter the
//! templates' `CheckBootstrapVersion` rule reads), its bootstrap stack, its asset bucket.

use super::clients::Environment;
use super::error::{Error, Result};
use super::stack;

impl Environment {
    /// The bootstrap version of the environment: the SSM parameter that the templates'
    /// `CheckBootstrapVersion` rule reads (`None`: there is none).
    pub async fn bootstrap_version(&self) -> Result<Option<u32>> {
        let parameter = self.names().version_parameter();
        let output = self
            .clients
            .ssm
            .get_parameter()
            .name(&parameter)
            .send()
            .await;
        let value = match output {
            Ok(o) => o
                .parameter()
                .and_then(|p| p.value())
                .unwrap_or_default()
                .to_owned(),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) =>
            {
                return Ok(None);
            }
            Err(e) => {
                return Err(Error::aws(
                    format!(
                        "{}: cannot read the bootstrap version {parameter}",
                        self.url()
                    ),
                    &e,
                ))
            }
        };
        value.trim().parse().map(Some).map_err(|_| {
            Error::msg(format!(
                "{}: the bootstrap version parameter {parameter} holds `{value}`, not a number",
                self.url()
            ))
        })
    }

    /// Whether the default bootstrap stack exists (best effort: `false` when it cannot be
    /// read).
    async fn has_bootstrap_stack(&self) -> bool {
        stack::describe(self, crate::bootstrap_stack::TOOLKIT_STACK_NAME)
            .await
            .is_ok_and(|stack| stack.is_some())
    }

    /// The error of an environment whose asset bucket is gone.
    pub fn missing_bucket(&self) -> Error {
        Error::msg(format!(
            "{}: the assets bucket {} does not exist (deleted outside CloudFormation?): run `cargo run --bin deploy -- bootstrap` to repair it",
            self.url(),
            self.names().assets_bucket()
        ))
    }

    /// Checks that the environment is bootstrapped with a version the stacks accept;
    /// returns the version.
    pub async fn check_bootstrap(&self) -> Result<u32> {
        let run_bootstrap = format!(
            "run `cargo run --bin deploy -- bootstrap` (or `cdk bootstrap {}`)",
            self.url()
        );
        let Some(version) = self.bootstrap_version().await? else {
            let parameter = self.names().version_parameter();
            if self.has_bootstrap_stack().await {
                return Err(Error::msg(format!(
                    "{}: the bootstrap version parameter {parameter} is missing (deleted outside CloudFormation; the bootstrap stack {} is there): {run_bootstrap} to repair it",
                    self.url(),
                    crate::bootstrap_stack::TOOLKIT_STACK_NAME
                )));
            }
            return Err(Error::msg(format!(
                "{} is not bootstrapped (no SSM parameter {parameter}): {run_bootstrap}",
                self.url(),
            )));
        };
        if version < crate::bootstrap_stack::REQUIRED_VERSION {
            return Err(Error::msg(format!(
                "{}: bootstrap version {version} is older than the required {}: {run_bootstrap}",
                self.url(),
                crate::bootstrap_stack::REQUIRED_VERSION
            )));
        }
        Ok(version)
    }
}
