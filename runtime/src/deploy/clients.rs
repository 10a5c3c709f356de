//! AWS configuration and clients.
//!
//! The configuration is the SDK's standard chain (`--profile`/`AWS_PROFILE`, `--region`/
//! `AWS_REGION`, `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`, environment
//! credentials, SSO, `credential_process`, web identity, container and instance roles).
//! Every stack names its account and region, so clients are made per environment; like the
//! CDK CLI, `deploy` works in an environment through its bootstrap roles (the deploy role
//! for CloudFormation, the file-publishing role for uploads), and falls back to the current
//! credentials when it cannot assume them and they are for that account.
//!
//! Every request of these clients is counted by [`CallStats`] (`--stats`). Whether an
//! [`Environment`] is bootstrapped is checked in its own module (`deploy::bootstrapped`),
//! which reads the bootstrap stack.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::Region;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use tokio::sync::OnceCell;

use super::error::{aws_reason, Error, Result};
use super::settings as check;
use crate::bootstrap_stack::Environment as BootstrapNames;

/// Where the AWS settings come from, besides the environment.
#[derive(Clone, Debug, Default)]
pub struct AwsSettings {
    /// `--profile`: the shared config profile (else `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// `--region`: the default region (else `AWS_REGION`, else the profile's). Stacks name
    /// their own region; this one is used for calls that are not about a stack.
    pub region: Option<String>,
}

impl AwsSettings {
    /// The profile named by `--profile` or `AWS_PROFILE`, and which of them named it
    /// (`None`: the default profile, which need not exist).
    fn named_profile(&self) -> Option<(String, &'static str)> {
        match &self.profile {
            Some(profile) => Some((profile.clone(), "--profile")),
            None => std::env::var("AWS_PROFILE")
                .ok()
                .filter(|p| !p.is_empty())
                .map(|p| (p, "AWS_PROFILE")),
        }
    }

    /// Where the default region comes from, for messages.
    fn region_source(&self) -> &'static str {
        let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        if self.region.is_some() {
            "--region"
        } else if set("AWS_REGION") {
            "AWS_REGION"
        } else if set("AWS_DEFAULT_REGION") {
            "AWS_DEFAULT_REGION"
        } else {
            "the region of the AWS profile"
        }
    }
}

/// Counts the requests sent to AWS, per operation (retries included): the `--stats` line
/// and the benchmark's call count.
#[derive(Clone, Debug, Default)]
pub struct CallStats {
    calls: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl CallStats {
    /// Requests sent, in total.
    pub fn total(&self) -> u64 {
        self.calls.lock().expect("stats lock").values().sum()
    }

    /// Requests sent per `Service.Operation`, sorted.
    pub fn by_operation(&self) -> Vec<(String, u64)> {
        self.calls
            .lock()
            .expect("stats lock")
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// `aws calls: N (Service.Operation n, ...)`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .by_operation()
            .into_iter()
            .map(|(op, n)| format!("{op} {n}"))
            .collect();
        format!("aws calls: {} ({})", self.total(), parts.join(", "))
    }
}

impl Intercept for CallStats {
    fn name(&self) -> &'static str {
        "pipewright::CallStats"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let key = match cfg.load::<Metadata>() {
            Some(m) => format!("{}.{}", m.service(), m.name()),
            None => "unknown".to_owned(),
        };
        *self
            .calls
            .lock()
            .expect("stats lock")
            .entry(key)
            .or_default() += 1;
        Ok(())
    }
}

/// The retry policy of every client: the SDK's standard mode (throttling and transient
/// errors are retried with exponential backoff and jitter), with more attempts than its
/// default 3, because a deployment polls CloudFormation for minutes and a throttled poll
/// must not fail it (the CDK CLI does the same; the polls also outlast a throttled
/// answer). Short first delays: an unreachable endpoint fails within seconds.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(250))
        .with_max_backoff(Duration::from_secs(10))
}

/// The HTTP client: hyper over rustls with ring (HTTP endpoints, such as a local moto
/// server, work too).
pub(crate) fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// The AWS configuration of a command: the standard chain, and the request counter.
#[derive(Clone, Debug)]
pub struct Aws {
    base: SdkConfig,
    stats: CallStats,
}

impl Aws {
    /// Loads the standard configuration, after checking what it is made of (see
    /// [`super::settings`]): an endpoint variable that is not a URL, a profile that does
    /// not exist or a region that is not one is an error. Empty environment variables
    /// should be unset first ([`super::settings::unset_empty_variables`], before any
    /// thread starts).
    pub async fn load(settings: &AwsSettings, stats: CallStats) -> Result<Aws> {
        check::check_endpoint_variables()?;
        if let Some((profile, source)) = settings.named_profile() {
            check::check_profile(&profile, source).await?;
        }
        if let Some(region) = &settings.region {
            check::check_region(region, "--region")?;
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .retry_config(retry_config());
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let base = loader.load().await;
        if let Some(region) = base.region() {
            check::check_region(region.as_ref(), settings.region_source())?;
        }
        if let Some(url) = base.endpoint_url() {
            check::check_endpoint(url)?;
        }
        Ok(Aws { base, stats })
    }

    /// A configuration given whole (`deploy rehearse`: an emulator's endpoint and
    /// credentials of one of its accounts).
    pub fn from_config(base: SdkConfig, stats: CallStats) -> Aws {
        Aws { base, stats }
    }

    /// The request counter.
    pub fn stats(&self) -> &CallStats {
        &self.stats
    }

    fn config(&self, region: &str, credentials: Option<SharedCredentialsProvider>) -> SdkConfig {
        let mut builder = self
            .base
            .to_builder()
            .region(Region::new(region.to_owned()));
        if let Some(credentials) = credentials {
            builder = builder.credentials_provider(credentials);
        }
        builder.build()
    }

    fn clients(&self, config: &SdkConfig) -> Clients {
        Clients::from_config(config, &self.stats)
    }

    /// The account of the current credentials (STS `GetCallerIdentity`).
    pub async fn caller_account(&self, region: &str) -> Result<String> {
        let sts = self.clients(&self.config(region, None)).sts;
        let identity = sts.get_caller_identity().send().await.map_err(|e| {
            Error::aws(
                "cannot tell which AWS account the current credentials are for",
                &e,
            )
        })?;
        identity
            .account()
            .map(str::to_owned)
            .ok_or_else(|| Error::msg("STS GetCallerIdentity returned no account"))
    }

    /// Clients that work in an environment with the current credentials, which must be for
    /// that account (`bootstrap` creates the roles, so it cannot assume them).
    pub async fn environment_as_caller(
        &self,
        account: &str,
        region: &str,
        qualifier: &str,
    ) -> Result<Environment> {
        let caller = self.caller_account(region).await?;
        if caller != account {
            return Err(Error::msg(format!(
                "aws://{account}/{region}: the current credentials are for account {caller}; use a profile of account {account} (--profile)"
            )));
        }
        let clients = self.clients(&self.config(region, None));
        Ok(Environment::new(account, region, qualifier, clients))
    }

    /// Clients that work in an environment through its bootstrap deploy role; the current
    /// credentials when the role cannot be assumed and they are for that account. Uploads
    /// go through the file-publishing role, assumed when the first upload happens.
    pub async fn environment(
        &self,
        account: &str,
        region: &str,
        qualifier: &str,
        notes: &dyn Fn(String),
    ) -> Result<Environment> {
        let names = BootstrapNames {
            qualifier,
            account,
            region,
        };
        let deploy_role = names.deploy_role_arn();
        match self.assume(region, &deploy_role).await {
            Ok(credentials) => {
                let clients = self.clients(&self.config(region, Some(credentials)));
                let mut env = Environment::new(account, region, qualifier, clients);
                env.execution_role = Some(names.cfn_exec_role_arn());
                env.publishing_role = Some((self.clone(), names.file_publishing_role_arn()));
                Ok(env)
            }
            Err(reason) if reason.starts_with(UNREACHABLE) => Err(Error::msg(format!(
                "aws://{account}/{region}: cannot reach AWS: {}",
                &reason[UNREACHABLE.len()..]
            ))),
            Err(reason) => {
                let caller = self.caller_account(region).await.map_err(|e| {
                    Error::msg(format!(
                        "aws://{account}/{region}: cannot assume {deploy_role} ({reason}), and {e}"
                    ))
                })?;
                if caller != account {
                    return Err(Error::msg(format!(
                        "aws://{account}/{region}: cannot assume {deploy_role} ({reason}) and the current credentials are for account {caller}: bootstrap the environment with `--trust {caller}`, or use a profile of account {account}"
                    )));
                }
                notes(format!(
                    "aws://{account}/{region}: cannot assume {deploy_role} ({reason}); deploying with the current credentials"
                ));
                let clients = self.clients(&self.config(region, None));
                Ok(Environment::new(account, region, qualifier, clients))
            }
        }
    }

    /// Assumes a role: credentials that refresh themselves (a deployment can outlast the
    /// one-hour session), checked now so that a role that cannot be assumed is known
    /// before anything else is done.
    async fn assume(
        &self,
        region: &str,
        role_arn: &str,
    ) -> std::result::Result<SharedCredentialsProvider, String> {
        let session = format!(
            "pipewright-{}",
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default()
        );
        let sts = self.clients(&self.config(region, None)).sts;
        let assumed = sts
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(&session)
            .send()
            .await
            .map_err(|e| {
                let unreachable = match &e {
                    SdkError::TimeoutError(_) => true,
                    SdkError::DispatchFailure(d) => d.is_io() || d.is_timeout(),
                    _ => false,
                };
                if unreachable {
                    format!("{UNREACHABLE}{}", aws_reason(&e))
                } else {
                    aws_reason(&e)
                }
            })?;
        let c = assumed
            .credentials()
            .ok_or_else(|| "STS AssumeRole returned no credentials".to_owned())?;
        let first = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            SystemTime::try_from(*c.expiration()).ok(),
            "pipewright-assume-role",
        );
        let refresh = aws_config::sts::AssumeRoleProvider::builder(role_arn)
            .session_name(session)
            .configure(&self.config(region, None))
            .build()
            .await;
        Ok(SharedCredentialsProvider::new(AssumedRole {
            first: Mutex::new(Some(first)),
            refresh,
        }))
    }
}

/// Marks an assumption that failed because AWS could not be reached (connection, timeout):
/// no point asking anything else.
const UNREACHABLE: &str = "unreachable: ";

/// Credentials of an assumed role: the ones obtained when checking the role first, then
/// fresh ones from STS whenever the SDK's cache finds them expired.
#[derive(Debug)]
struct AssumedRole {
    first: Mutex<Option<Credentials>>,
    refresh: aws_config::sts::AssumeRoleProvider,
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        match self.first.lock().expect("credentials lock").take() {
            Some(credentials) => future::ProvideCredentials::ready(Ok(credentials)),
            None => self.refresh.provide_credentials(),
        }
    }
}

/// The clients of one environment.
#[derive(Clone, Debug)]
pub struct Clients {
    /// CloudFormation.
    pub cloudformation: aws_sdk_cloudformation::Client,
    /// S3.
    pub s3: aws_sdk_s3::Client,
    /// SSM (the bootstrap version parameter).
    pub ssm: aws_sdk_ssm::Client,
    /// STS.
    pub sts: aws_sdk_sts::Client,
    /// Lambda (`deploy --hotswap`).
    pub lambda: aws_sdk_lambda::Client,
}

impl Clients {
    /// Clients of one configuration, counted by `stats`. S3 uses path-style addresses
    /// when an endpoint is configured (`AWS_ENDPOINT_URL`): local S3-compatible servers
    /// do not resolve bucket subdomains.
    pub fn from_config(config: &SdkConfig, stats: &CallStats) -> Clients {
        let custom_endpoint = config.endpoint_url().is_some();
        Clients {
            cloudformation: aws_sdk_cloudformation::Client::from_conf(
                aws_sdk_cloudformation::config::Builder::from(config)
                    .interceptor(stats.clone())
                    .build(),
            ),
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(config)
                    .interceptor(stats.clone())
                    .force_path_style(custom_endpoint)
                    .build(),
            ),
            ssm: aws_sdk_ssm::Client::from_conf(
                aws_sdk_ssm::config::Builder::from(config)
                    .interceptor(stats.clone())
                    .build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(config)
                    .interceptor(stats.clone())
                    .build(),
            ),
            lambda: aws_sdk_lambda::Client::from_conf(
                aws_sdk_lambda::config::Builder::from(config)
                    .interceptor(stats.clone())
                    .build(),
            ),
        }
    }
}

/// An environment (account + region) and the clients that work in it.
#[derive(Debug)]
pub struct Environment {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The bootstrap qualifier.
    pub qualifier: String,
    /// The clients (as the deploy role when it was assumed).
    pub clients: Clients,
    /// The role CloudFormation runs as (the bootstrap's execution role), when deploying
    /// through the bootstrap roles.
    pub execution_role: Option<String>,
    publishing_role: Option<(Aws, String)>,
    publishing: OnceCell<aws_sdk_s3::Client>,
}

impl Environment {
    /// An environment whose every call goes through `clients` (tests build it from mock
    /// clients; uploads use `clients.s3` too).
    pub fn new(account: &str, region: &str, qualifier: &str, clients: Clients) -> Environment {
        Environment {
            account: account.to_owned(),
            region: region.to_owned(),
            qualifier: qualifier.to_owned(),
            clients,
            execution_role: None,
            publishing_role: None,
            publishing: OnceCell::new(),
        }
    }

    /// `aws://ACCOUNT/REGION`.
    pub fn url(&self) -> String {
        format!("aws://{}/{}", self.account, self.region)
    }

    /// The bootstrap names of this environment.
    pub fn names(&self) -> BootstrapNames<'_> {
        BootstrapNames {
            qualifier: &self.qualifier,
            account: &self.account,
            region: &self.region,
        }
    }

    /// The S3 client that uploads: as the file-publishing role when deploying through the
    /// bootstrap roles (assumed on first use), else the environment's client.
    pub async fn publishing_s3(&self, notes: &dyn Fn(String)) -> &aws_sdk_s3::Client {
        self.publishing
            .get_or_init(|| async {
                let Some((aws, role)) = &self.publishing_role else {
                    return self.clients.s3.clone();
                };
                match aws.assume(&self.region, role).await {
                    Ok(credentials) => aws.clients(&aws.config(&self.region, Some(credentials))).s3,
                    Err(reason) => {
                        notes(format!(
                            "{}: cannot assume {role} ({reason}); uploading as the deploy role",
                            self.url()
                        ));
                        self.clients.s3.clone()
                    }
                }
            })
            .await
    }
}
