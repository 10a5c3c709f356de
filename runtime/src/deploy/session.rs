//! A command's session: where environments come from (the AWS configuration, or clients
//! given by a test), the environments already opened, and the console.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::clients::{Aws, CallStats, Environment};
use super::console::Console;
use super::error::{Error, Result};

enum Source {
    Aws(Box<Aws>),
    Given,
}

/// The environments a command works in, opened once each, and its console.
pub struct Session {
    source: Source,
    environments: tokio::sync::Mutex<BTreeMap<(String, String), Arc<Environment>>>,
    /// Where results and progress go.
    pub console: Console,
}

impl Session {
    /// A session on the AWS configuration.
    pub fn new(aws: Aws, console: Console) -> Session {
        Session {
            source: Source::Aws(Box::new(aws)),
            environments: tokio::sync::Mutex::new(BTreeMap::new()),
            console,
        }
    }

    /// A session over given environments (tests: clients of `aws-smithy-mocks`).
    pub fn with_environments(environments: Vec<Environment>, console: Console) -> Session {
        let map = environments
            .into_iter()
            .map(|e| ((e.account.clone(), e.region.clone()), Arc::new(e)))
            .collect();
        Session {
            source: Source::Given,
            environments: tokio::sync::Mutex::new(map),
            console,
        }
    }

    /// The request counter, when talking to AWS.
    pub fn stats(&self) -> Option<&CallStats> {
        match &self.source {
            Source::Aws(aws) => Some(aws.stats()),
            Source::Given => None,
        }
    }

    /// An environment, through its bootstrap deploy role (see
    /// [`Aws::environment`]).
    pub async fn environment(
        &self,
        account: &str,
        region: &str,
        qualifier: &str,
    ) -> Result<Arc<Environment>> {
        let mut environments = self.environments.lock().await;
        let key = (account.to_owned(), region.to_owned());
        if let Some(env) = environments.get(&key) {
            return Ok(env.clone());
        }
        let Source::Aws(aws) = &self.source else {
            return Err(Error::msg(format!(
                "aws://{account}/{region}: no clients for this environment"
            )));
        };
        let console = self.console.clone();
        let env = Arc::new(
            aws.environment(account, region, qualifier, &|note| console.note(&note))
                .await?,
        );
        environments.insert(key, env.clone());
        Ok(env)
    }

    /// An environment with the current credentials, which must be for its account (what
    /// `bootstrap` works with: the roles do not exist yet).
    pub async fn caller_environment(
        &self,
        account: &str,
        region: &str,
        qualifier: &str,
    ) -> Result<Arc<Environment>> {
        match &self.source {
            Source::Aws(aws) => Ok(Arc::new(
                aws.environment_as_caller(account, region, qualifier)
                    .await?,
            )),
            Source::Given => self.environment(account, region, qualifier).await,
        }
    }

    /// The account of the current credentials.
    pub async fn caller_account(&self, region: &str) -> Result<String> {
        match &self.source {
            Source::Aws(aws) => aws.caller_account(region).await,
            Source::Given => Err(Error::msg("no AWS configuration in this session")),
        }
    }
}
