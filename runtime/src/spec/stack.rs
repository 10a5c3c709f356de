//! The `stack` block and what it holds: lambdas (with their alarm and deployment config)
//! and REST APIs.

use super::values::{Architecture, Duration};

/// A `stack` block: deployed once per stage that includes it, as `STAGE-STACK`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack {
    /// Block name.
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// Its lambdas.
    pub lambdas: Vec<Lambda>,
    /// Its REST APIs.
    pub apis: Vec<Api>,
}

impl Stack {
    /// The lambda of this name.
    pub fn lambda(&self, name: &str) -> Option<&Lambda> {
        self.lambdas.iter().find(|l| l.name == name)
    }

    /// The names of its outputs, in the order its template declares them: per lambda
    /// `<Lambda>FunctionName` and `<Lambda>AliasArn`, per api `<Api>Url`. A stage's verify
    /// step sees each as an environment variable.
    pub fn output_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for l in &self.lambdas {
            names.push(format!("{}FunctionName", l.name));
            names.push(format!("{}AliasArn", l.name));
        }
        for api in &self.apis {
            names.push(format!("{}Url", api.name));
        }
        names
    }
}

/// A `lambda` block: function, error alarm, `Current` alias and CodeDeploy canary.
#[derive(Clone, Debug, PartialEq)]
pub struct Lambda {
    /// Block name.
    pub name: String,
    /// The Cargo package of the binary.
    pub package: String,
    /// The binary in that package.
    pub bin: String,
    /// The function's description.
    pub description: Option<String>,
    /// Memory in MB, 128..=10240.
    pub memory: u32,
    /// Timeout, 1s..=900s.
    pub timeout: Duration,
    /// CPU architecture.
    pub architecture: Architecture,
    /// Environment variables (a stage's win over these).
    pub environment: Vec<(String, String)>,
    /// The rollback alarm on the function's errors.
    pub alarm: Alarm,
    /// How CodeDeploy shifts traffic to a new version.
    pub deployment: DeploymentConfig,
}

/// The error alarm that rolls a deployment back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alarm {
    /// Errors per period that trip it.
    pub threshold: u32,
    /// Periods in a row.
    pub evaluation_periods: u32,
    /// Length of a period.
    pub period: Duration,
}

impl Default for Alarm {
    fn default() -> Self {
        Alarm {
            threshold: 1,
            evaluation_periods: 1,
            period: Duration::from_secs(60),
        }
    }
}

/// An `api` block: a REST API proxying every path and method to a lambda's alias.
#[derive(Clone, Debug, PartialEq)]
pub struct Api {
    /// Block name.
    pub name: String,
    /// The lambda (same stack) that handles every request.
    pub handler: String,
    /// The API's description.
    pub description: Option<String>,
    /// Media types API Gateway passes through as binary.
    pub binary_media_types: Vec<String>,
    /// CORS preflight answered by API Gateway.
    pub cors: Option<Cors>,
    /// The API Gateway stage name (the first path segment of the URL).
    pub stage_name: String,
}

/// CORS preflight settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Cors {
    /// Allowed origins, or `*`.
    pub origins: Vec<String>,
    /// Allowed methods, or `*`.
    pub methods: Vec<String>,
    /// Allowed request headers; `None` for API Gateway's usual set.
    pub headers: Option<Vec<String>>,
}

named_enum! {
    /// CodeDeploy's predefined configs for Lambda traffic shifting.
    DeploymentConfig {
        /// All traffic at once.
        AllAtOnce = "CodeDeployDefault.LambdaAllAtOnce",
        /// 10%, then the rest after 5 minutes.
        Canary10Percent5Minutes = "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        /// 10%, then the rest after 10 minutes.
        Canary10Percent10Minutes = "CodeDeployDefault.LambdaCanary10Percent10Minutes",
        /// 10%, then the rest after 15 minutes.
        Canary10Percent15Minutes = "CodeDeployDefault.LambdaCanary10Percent15Minutes",
        /// 10%, then the rest after 30 minutes.
        Canary10Percent30Minutes = "CodeDeployDefault.LambdaCanary10Percent30Minutes",
        /// 10% more every minute.
        Linear10PercentEvery1Minute = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        /// 10% more every 2 minutes.
        Linear10PercentEvery2Minutes = "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
        /// 10% more every 3 minutes.
        Linear10PercentEvery3Minutes = "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
        /// 10% more every 10 minutes.
        Linear10PercentEvery10Minutes = "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    }
}
