//! The `stack` block and what it holds: lambdas (with their alarm and deployment config),
//! REST APIs, and the stateful blocks ([`super::state`]) the lambdas link to.

use super::state::{Bucket, Queue, Resource, Table, Topic};
use super::values::{Architecture, Duration};
use super::wiring::{Event, Link, MemberKind};

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
    /// Its DynamoDB tables.
    pub tables: Vec<Table>,
    /// Its SQS queues.
    pub queues: Vec<Queue>,
    /// Its S3 buckets.
    pub buckets: Vec<Bucket>,
    /// Its SNS topics.
    pub topics: Vec<Topic>,
    /// Its resources of other registry types (`resource` blocks).
    pub resources: Vec<Resource>,
}

impl Stack {
    /// Whether it holds data that a replacement or a deletion loses: a table, a queue or
    /// a bucket (the blocks of [`crate::broadening::data_loss::STATEFUL_TYPES`]).
    pub fn holds_data(&self) -> bool {
        !self.tables.is_empty()
            || !self.queues.is_empty()
            || !self.buckets.is_empty()
            || self.resources.iter().any(|r| r.stateful)
    }

    /// The `resource` block of this name.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// The registry types of its `resource` blocks, each once, sorted: what an emulator
    /// has to support to deploy the stack beyond the first-class blocks.
    pub fn resource_types(&self) -> Vec<&str> {
        let mut types: Vec<&str> = self
            .resources
            .iter()
            .map(|r| r.type_name.as_str())
            .collect();
        types.sort_unstable();
        types.dedup();
        types
    }

    /// The lambda of this name.
    pub fn lambda(&self, name: &str) -> Option<&Lambda> {
        self.lambdas.iter().find(|l| l.name == name)
    }

    /// The table of this name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The queue of this name.
    pub fn queue(&self, name: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.name == name)
    }

    /// The bucket of this name.
    pub fn bucket(&self, name: &str) -> Option<&Bucket> {
        self.buckets.iter().find(|b| b.name == name)
    }

    /// The topic of this name.
    pub fn topic(&self, name: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.name == name)
    }

    /// Every named block, with its kind: lambdas, apis, tables, queues, buckets, topics,
    /// resources.
    pub fn members(&self) -> Vec<(&str, MemberKind)> {
        let lambdas = self.lambdas.iter().map(|b| (&b.name, MemberKind::Lambda));
        let apis = self.apis.iter().map(|b| (&b.name, MemberKind::Api));
        let tables = self.tables.iter().map(|b| (&b.name, MemberKind::Table));
        let queues = self.queues.iter().map(|b| (&b.name, MemberKind::Queue));
        let buckets = self.buckets.iter().map(|b| (&b.name, MemberKind::Bucket));
        let topics = self.topics.iter().map(|b| (&b.name, MemberKind::Topic));
        let resources = self
            .resources
            .iter()
            .map(|b| (&b.name, MemberKind::Resource));
        let all = lambdas
            .chain(apis)
            .chain(tables)
            .chain(queues)
            .chain(buckets)
            .chain(topics)
            .chain(resources);
        all.map(|(name, kind)| (name.as_str(), kind)).collect()
    }

    /// The kind of the block of this name.
    pub fn kind_of(&self, name: &str) -> Option<MemberKind> {
        self.members()
            .into_iter()
            .find_map(|(n, kind)| (n == name).then_some(kind))
    }

    /// The names of its outputs, in the order its template declares them: per lambda
    /// `<Lambda>FunctionName` and `<Lambda>AliasArn`, per api `<Api>Url`, per table
    /// `<Table>TableName`, per queue `<Queue>QueueUrl` (and `<Queue>DeadLetterQueueUrl`),
    /// per bucket `<Bucket>BucketName`, per topic `<Topic>TopicArn`, per resource
    /// `<Resource>Ref`. A stage's verify
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
        for t in &self.tables {
            names.push(format!("{}TableName", t.name));
        }
        for q in &self.queues {
            names.push(format!("{}QueueUrl", q.name));
            if q.dead_letter.is_some() {
                names.push(format!("{}DeadLetterQueueUrl", q.name));
            }
        }
        for b in &self.buckets {
            names.push(format!("{}BucketName", b.name));
        }
        for t in &self.topics {
            names.push(format!("{}TopicArn", t.name));
        }
        for r in &self.resources {
            names.push(format!("{}Ref", r.name));
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
    /// The blocks of the stack it may use, and how.
    pub links: Vec<Link>,
    /// What starts it besides an API.
    pub events: Vec<Event>,
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
