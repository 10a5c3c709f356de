//! The application a `pipeline!` program evaluates to: every stack's synthesized
//! template, in deployment order, and the assets they need.
//!
//! The macro builds this value at compile time (with [`synth::synthesize`](crate::synth::synthesize))
//! and writes it into the program as literals, so running the program does no synthesis:
//! `synth` writes the templates it already holds.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::spec::{Architecture, Stack};

/// Text that is a literal in the compiled program, or owned when built at run time.
pub type Text = Cow<'static, str>;

/// A synthesized application.
///
/// The value of a `pipeline!` program, with every template already synthesized (the
/// macro of `pipewright-macros` writes it into the program as literals):
///
/// ```
/// use pipewright_macros::pipeline;
///
/// let app: pipewright::App = pipeline! {
///     pipeline Delivery {
///         account: "111111111111",
///         region: "us-east-1",
///         source: {
///             repo: "acme/shop",
///             branch: "main",
///             connection: "arn:aws:codestar-connections:us-east-1:111111111111:connection/0f1e2d3c",
///         },
///         synth: { commands: ["cargo run --bin deploy -- synth"] },
///     }
///     stack Shop {
///         lambda Orders { package: "service" }
///     }
///     stage Prod {
///         account: "111111111111",
///         region: "us-east-1",
///     }
/// };
/// assert_eq!(app.pipeline, "Delivery");
/// let prod = app.stack("Prod-Shop").unwrap();
/// let template: serde_json::Value = serde_json::from_str(&prod.template).unwrap();
/// assert_eq!(template["Resources"]["OrdersFunction"]["Type"], "AWS::Lambda::Function");
/// // The stage's stack deploys the bundle of the `service` package.
/// assert_eq!(prod.assets, [app.assets[0].id.clone()]);
/// assert_eq!(app.assets[0].package, "service");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct App {
    /// Name of the pipeline stack.
    pub pipeline: Text,
    /// Every stack, in deployment order: the pipeline stack first.
    pub stacks: Vec<StackArtifact>,
    /// The Lambda bundles the stacks deploy.
    pub assets: Vec<Asset>,
    /// The bootstrap qualifier of the target environments.
    pub qualifier: Text,
    /// The workspace the assets are built from (absolute, where the program was compiled).
    pub workspace_root: Text,
    /// The Cargo package the program was compiled in: its [`ENGINE_BINARY`] runs the
    /// commands that talk to AWS.
    pub package: Text,
}

/// What a stack is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StackRole {
    /// The pipeline stack.
    Pipeline,
    /// A stack of a stage.
    Stage {
        /// The stage's name.
        stage: Text,
        /// The `stack` block it instantiates.
        stack: Text,
    },
    /// A stack the pipeline needs in another region (its cross-region artifact bucket).
    Support,
}

/// A resource type that a stack's `resource` blocks declare as holding data, beyond the
/// tables, buckets and queues pipewright knows: the data-loss rules apply to its resources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatefulType {
    /// The registry type, e.g. `AWS::Cognito::UserPool`.
    pub type_name: Text,
    /// Its properties whose change replaces a resource (the schema's
    /// `createOnlyProperties`, top-level names).
    pub replaced_by: Vec<Text>,
}

impl StatefulType {
    /// The types of the stacks' `resource` blocks that hold data, each once (the union of
    /// the create-only properties where two blocks share a type): what `deploy`, `destroy`
    /// and the pipeline's data-loss check add to pipewright's own stateful types.
    pub fn declared_by<'a>(stacks: impl IntoIterator<Item = &'a Stack>) -> Vec<StatefulType> {
        let mut types: Vec<StatefulType> = Vec::new();
        for resource in stacks.into_iter().flat_map(|s| &s.resources) {
            if !resource.stateful {
                continue;
            }
            let at = match types.iter().position(|t| t.type_name == resource.type_name) {
                Some(at) => at,
                None => {
                    types.push(StatefulType {
                        type_name: resource.type_name.clone().into(),
                        replaced_by: Vec::new(),
                    });
                    types.len() - 1
                }
            };
            for property in &resource.create_only {
                if !types[at].replaced_by.iter().any(|p| p == property) {
                    types[at].replaced_by.push(property.clone().into());
                }
            }
        }
        types
    }
}

/// One synthesized stack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackArtifact {
    /// The CloudFormation stack name.
    pub name: Text,
    /// What it is for.
    pub role: StackRole,
    /// Target account.
    pub account: Text,
    /// Target region.
    pub region: Text,
    /// The template, as JSON.
    pub template: Text,
    /// Ids of the assets the template references.
    pub assets: Vec<Text>,
    /// Stacks that must be deployed before this one.
    pub depends_on: Vec<Text>,
    /// Names of its outputs.
    pub outputs: Vec<Text>,
    /// Termination protection: on for the stacks of a `protect: true` stage.
    pub protected: bool,
    /// The types of its `resource` blocks that hold data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stateful_types: Vec<StatefulType>,
    /// The manual approval the pipeline waits for before its stage deploys (the stage's or
    /// its wave's), by name: `deploy --hotswap` refuses such a stage.
    #[serde(default)]
    pub approval: Option<Text>,
}

impl StackArtifact {
    /// The stage the stack belongs to, if it is a stage stack.
    pub fn stage(&self) -> Option<&str> {
        match &self.role {
            StackRole::Stage { stage, .. } => Some(stage),
            _ => None,
        }
    }

    /// The template's file name in a cloud assembly.
    pub fn template_file(&self) -> String {
        template_file(&self.name)
    }
}

/// The template file of a stack in the cloud assembly.
pub fn template_file(stack_name: &str) -> String {
    format!("{stack_name}.template.json")
}

/// The executable a Lambda `provided.*` runtime starts, and so the functions' handler: the
/// one file of a bundle's zip, whatever the binary is called (AWS Lambda's name; nothing
/// to do with the bootstrap stack of [`crate::bootstrap_stack`]).
pub const LAMBDA_EXECUTABLE: &str = "bootstrap";

/// The binary of the program's package that runs the commands that talk to AWS (`bootstrap`,
/// `diff`, `deploy`, `destroy`, `rehearse`), built with pipewright's `aws` feature. The
/// program hands it the [`App`]: the program itself does not link the AWS SDK, so the link
/// after each edit of the program stays small (see [`crate::cli`]). Its whole source:
/// `fn main() -> std::process::ExitCode { pipewright::cli::run_engine() }`.
pub const ENGINE_BINARY: &str = "pipewright-engine";

/// A Lambda bundle: one binary of one package, built for one architecture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// Content id: SHA-256 (hex) of the sources and the build recipe. The zip is
    /// uploaded as `<id>.zip`.
    pub id: Text,
    /// The Cargo package.
    pub package: Text,
    /// The binary, renamed [`LAMBDA_EXECUTABLE`] in the zip.
    pub bin: Text,
    /// The CPU architecture.
    pub architecture: Architecture,
    /// The package directory, relative to the workspace root.
    pub package_dir: Text,
    /// The source fingerprint the id was derived from.
    pub source_hash: Text,
}

impl Asset {
    /// The object key in the assets bucket.
    pub fn object_key(&self) -> String {
        format!("{}.zip", self.id)
    }
}

impl App {
    /// The stack of this name.
    pub fn stack(&self, name: &str) -> Option<&StackArtifact> {
        self.stacks.iter().find(|s| s.name == name)
    }

    /// The asset with this id.
    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.id == id)
    }

    /// The stage names, in deployment order.
    pub fn stages(&self) -> Vec<&str> {
        let mut stages: Vec<&str> = Vec::new();
        for stage in self.stacks.iter().filter_map(StackArtifact::stage) {
            if !stages.contains(&stage) {
                stages.push(stage);
            }
        }
        stages
    }
}

/// An application without stacks or assets (pipeline `Pipe`, package `pipeline`, workspace
/// `/w`), for unit tests to start from.
#[cfg(test)]
pub(crate) fn empty_app() -> App {
    App {
        pipeline: "Pipe".into(),
        stacks: Vec::new(),
        assets: Vec::new(),
        qualifier: "hnb659fds".into(),
        workspace_root: "/w".into(),
        package: "pipeline".into(),
    }
}
