//! The service stack of one `stack` block in one stage: per lambda the "approved lambda"
//! (function, `Current` alias, error alarm, CodeDeploy canary that rolls back on the
//! alarm), per api a REST API proxying every path and method to its handler's alias.
//!
//! Where the AWS CDK's output for the original app is wrong, this is not: the root path
//! is proxied too (the CDK gives it a MOCK integration), the CORS preflight is answered
//! (the CDK silently drops it), the stage's environment reaches the function, the runtime
//! is `provided.al2023`, and no `DependsOn` repeats what a reference already implies.
//!
//! Logical ids derive from the block names only (`<Lambda>Function`, `<Api>Stage`...), so
//! adding a lambda or an api never renames another one's resources. The two exceptions
//! carry a hash of their own configuration on purpose, as the CDK does: a Lambda version
//! and an API Gateway deployment are immutable, and a new logical id is how
//! CloudFormation publishes a new one.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::app::Asset;
use crate::bootstrap_stack::Environment;
use crate::cfn::resources::{api_gateway, cloud_watch, code_deploy, iam, lambda, logs, ssm};
use crate::cfn::{
    Attributes, Handle, Output, PolicyDocument, RemovalPolicy, Template, TemplateError,
    UpdatePolicy, Value,
};
use crate::fingerprint::hex;
use crate::plan::Site;
use crate::spec::{Api, Cors, Lambda, Program, Stack, Stage};

use super::{require_bootstrap, SynthError};

/// Days the function's logs and the APIs' access logs are kept.
const LOG_RETENTION_DAYS: i64 = 30;

/// One JSON line per request in an API's access log.
const ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","path":"$context.path","status":"$context.status","responseLength":"$context.responseLength","latency":"$context.responseLatency","integrationLatency":"$context.integrationLatency","xrayTraceId":"$context.xrayTraceId"}"#;

/// The headers API Gateway's CORS preflight allows when `cors` names none (the AWS
/// CDK's default list).
const DEFAULT_CORS_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
];

/// Builds the template of `stack` as deployed by `stage`, and the names of its outputs.
/// `assets` holds the bundle of each of the stack's lambdas, in the same order.
pub(super) fn service_stack(
    program: &Program,
    stage: &Stage,
    stack: &Stack,
    assets: &[Asset],
) -> Result<(Template, Vec<String>), SynthError> {
    let at = |site: Site| move |e: TemplateError| SynthError::at(site.clone(), e);
    let mut t = Template::new();
    t.set_description(match &stack.doc {
        Some(doc) => format!("{doc} ({} stage; managed by pipewright)", stage.name),
        None => format!(
            "{} stack of the {} stage (managed by pipewright)",
            stack.name, stage.name
        ),
    });
    require_bootstrap(&mut t, &program.pipeline.qualifier).map_err(at(Site::stack(&stack.name)))?;
    let env = Environment {
        qualifier: &program.pipeline.qualifier,
        account: &stage.account,
        region: &stage.region,
    };

    let mut outputs = Vec::new();
    let mut aliases: BTreeMap<&str, Handle<lambda::Alias>> = BTreeMap::new();
    for (l, asset) in stack.lambdas.iter().zip(assets) {
        let alias = approved_lambda(&mut t, stage, &env, l, asset, &mut outputs)
            .map_err(at(Site::lambda(&stack.name, &l.name)))?;
        aliases.insert(&l.name, alias);
    }
    if !stack.apis.is_empty() {
        let account = api_gateway_account(&mut t).map_err(at(Site::stack(&stack.name)))?;
        for api in &stack.apis {
            let alias = aliases.get(api.handler.as_str()).ok_or_else(|| {
                SynthError::at(
                    Site::api(&stack.name, &api.name),
                    format!("no lambda `{}` in the stack", api.handler),
                )
            })?;
            rest_api(&mut t, api, alias, &account, &mut outputs)
                .map_err(at(Site::api(&stack.name, &api.name)))?;
        }
    }
    if stack.lambdas.is_empty() && stack.apis.is_empty() {
        // CloudFormation refuses a template without resources: a stack with nothing in
        // it yet gets a free marker parameter, so the pipeline deploys it like the others.
        t.add(
            "StackMarker",
            ssm::Parameter {
                description: Some(
                    format!(
                        "{} of the {} stage: no lambda or api yet (managed by pipewright)",
                        stack.name, stage.name
                    )
                    .into(),
                ),
                ..ssm::Parameter::new("String", stage.stack_name(&stack.name))
            },
        )
        .map_err(at(Site::stack(&stack.name)))?;
    }
    Ok((t, outputs))
}

/// `Metadata` that skips checkov checks, each with the reason it does not apply to what
/// the language generates: the justification travels with the template.
fn checkov_skips(skips: &[(&str, &str)]) -> crate::cfn::Metadata {
    crate::cfn::Metadata::checkov_skips(skips)
}

/// Why the log groups use CloudWatch Logs' own encryption (checkov CKV_AWS_158).
const LOGS_ENCRYPTED_BY_SERVICE: (&str, &str) = (
    "CKV_AWS_158",
    "CloudWatch Logs encrypts every log group at rest; a customer-managed key per stack would cost a key per stage and stack for no reader that the service key does not already restrict",
);

/// The lambda's environment: its own variables, overridden by the stage's.
pub fn merged_environment(lambda: &Lambda, stage: &Stage) -> Vec<(String, String)> {
    let mut vars = lambda.environment.clone();
    for (k, v) in &stage.environment {
        match vars.iter_mut().find(|(name, _)| name == k) {
            Some(existing) => existing.1 = v.clone(),
            None => vars.push((k.clone(), v.clone())),
        }
    }
    vars
}

fn managed_policy(name: &str) -> Value<String> {
    Value::sub(format!("arn:${{AWS::Partition}}:iam::aws:policy/{name}"))
}

fn short_hash(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_vec(value).expect("template values serialize to JSON");
    hex(&Sha256::digest(&json)[..4])
}

/// Function, role, log group, version, `Current` alias, error alarm, and the CodeDeploy
/// application and deployment group that shift traffic to a new version and roll back
/// when the alarm fires.
fn approved_lambda(
    t: &mut Template,
    stage: &Stage,
    env: &Environment<'_>,
    l: &Lambda,
    asset: &Asset,
    outputs: &mut Vec<String>,
) -> Result<Handle<lambda::Alias>, TemplateError> {
    let (function, version) = function_version(t, stage, env, l, asset)?;
    let (application, group) = rollback_deployment(t, l, &function)?;
    let n = &l.name;
    let alias = t.add_with(
        format!("{n}Alias"),
        lambda::Alias {
            description: Some("The version that serves traffic; CodeDeploy shifts it".into()),
            ..lambda::Alias::new(
                function.reference::<String>(),
                version.get_att(lambda::VersionAttribute::Version),
                "Current",
            )
        },
        Attributes::new().update_policy(UpdatePolicy::CodeDeployLambdaAliasUpdate {
            application_name: application.reference(),
            deployment_group_name: group.reference(),
            before_allow_traffic_hook: None,
            after_allow_traffic_hook: None,
        }),
    )?;

    t.add_output(
        format!("{n}FunctionName"),
        Output {
            description: Some(format!("Name of the {n} function")),
            value: function.reference(),
            export: None,
        },
    )?;
    t.add_output(
        format!("{n}AliasArn"),
        Output {
            description: Some(format!("ARN of the Current alias of {n}")),
            value: alias.reference(),
            export: None,
        },
    )?;
    outputs.push(format!("{n}FunctionName"));
    outputs.push(format!("{n}AliasArn"));
    Ok(alias)
}

/// The function, its execution role and log group, and the version published from it.
fn function_version(
    t: &mut Template,
    stage: &Stage,
    env: &Environment<'_>,
    l: &Lambda,
    asset: &Asset,
) -> Result<(Handle<lambda::Function>, Handle<lambda::Version>), TemplateError> {
    let n = &l.name;
    let role = t.add(
        format!("{n}Role"),
        iam::Role {
            description: Some(format!("Execution role of the {n} function").into()),
            managed_policy_arns: Some(
                vec![managed_policy("service-role/AWSLambdaBasicExecutionRole")].into(),
            ),
            ..iam::Role::new(PolicyDocument::assumed_by_service("lambda.amazonaws.com"))
        },
    )?;
    let log_group = retained_log_group(t, format!("{n}LogGroup"))?;

    let variables = merged_environment(l, stage);
    let function_props = lambda::Function {
        description: l.description.clone().map(Into::into),
        runtime: Some("provided.al2023".into()),
        handler: Some(crate::app::LAMBDA_EXECUTABLE.into()),
        architectures: Some(vec![l.architecture.aws_value().into()]),
        memory_size: Some(i64::from(l.memory).into()),
        timeout: Some((l.timeout.as_secs() as i64).into()),
        environment: (!variables.is_empty()).then(|| lambda::function::Environment {
            variables: Some(
                variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone().into()))
                    .collect(),
            ),
        }),
        logging_config: Some(lambda::function::LoggingConfig {
            log_group: Some(log_group.reference()),
            ..lambda::function::LoggingConfig::default()
        }),
        ..lambda::Function::new(
            lambda::function::Code {
                s3_bucket: Some(env.assets_bucket().into()),
                s3_key: Some(asset.object_key().into()),
                ..lambda::function::Code::default()
            },
            role.get_att(iam::RoleAttribute::Arn),
        )
    };
    // A new version is published when anything of the function changes, code included.
    let version_id = format!("{n}Version{}", short_hash(&function_props));
    let function = t.add_with(
        format!("{n}Function"),
        function_props,
        Attributes::new().metadata(checkov_skips(&[
            ("CKV_AWS_116", "Invoked synchronously by API Gateway (or directly): a dead-letter queue only receives failed asynchronous invocations"),
            ("CKV_AWS_117", "The function calls no private network resource; inside a VPC it would need NAT to reach AWS APIs and cold-start slower"),
            ("CKV_AWS_115", "Reserved concurrency takes capacity from the account's pool and throttles at a fixed number; the language has no field for it, the account limit applies"),
            ("CKV_AWS_173", "The variables are the program's stage settings, written in pipeline.rs, not secrets; Lambda encrypts them at rest with its service key"),
        ])),
    )?;
    let version = t.add(
        version_id,
        lambda::Version {
            description: Some(format!("{n} as deployed by pipewright").into()),
            ..lambda::Version::new(function.reference())
        },
    )?;
    Ok((function, version))
}

/// The CodeDeploy application and deployment group that shift traffic to a new version,
/// rolling back when the function's error alarm fires.
fn rollback_deployment(
    t: &mut Template,
    l: &Lambda,
    function: &Handle<lambda::Function>,
) -> Result<
    (
        Handle<code_deploy::Application>,
        Handle<code_deploy::DeploymentGroup>,
    ),
    TemplateError,
> {
    let n = &l.name;
    let alarm = t.add(
        format!("{n}ErrorsAlarm"),
        cloud_watch::Alarm {
            alarm_description: Some(
                format!("Errors of {n}: rolls a deployment of a new version back").into(),
            ),
            namespace: Some("AWS/Lambda".into()),
            metric_name: Some("Errors".into()),
            dimensions: Some(vec![cloud_watch::alarm::Dimension {
                name: "FunctionName".into(),
                value: function.reference(),
            }]),
            statistic: Some("Sum".into()),
            period: Some((l.alarm.period.as_secs() as i64).into()),
            threshold: Some(f64::from(l.alarm.threshold).into()),
            evaluation_periods: Some(i64::from(l.alarm.evaluation_periods).into()),
            comparison_operator: Some("GreaterThanOrEqualToThreshold".into()),
            treat_missing_data: Some("notBreaching".into()),
            ..cloud_watch::Alarm::default()
        },
    )?;

    let deploy_role = t.add(
        format!("{n}DeploymentRole"),
        iam::Role {
            description: Some(
                format!("CodeDeploy service role shifting traffic to new versions of {n}").into(),
            ),
            managed_policy_arns: Some(
                vec![managed_policy(
                    "service-role/AWSCodeDeployRoleForLambdaLimited",
                )]
                .into(),
            ),
            ..iam::Role::new(PolicyDocument::assumed_by_service(
                "codedeploy.amazonaws.com",
            ))
        },
    )?;
    let application = t.add(
        format!("{n}Application"),
        code_deploy::Application {
            compute_platform: Some("Lambda".into()),
            ..code_deploy::Application::default()
        },
    )?;
    let group = t.add(
        format!("{n}DeploymentGroup"),
        code_deploy::DeploymentGroup {
            deployment_config_name: Some(l.deployment.aws_value().into()),
            deployment_style: Some(code_deploy::deployment_group::DeploymentStyle {
                deployment_type: Some("BLUE_GREEN".into()),
                deployment_option: Some("WITH_TRAFFIC_CONTROL".into()),
            }),
            alarm_configuration: Some(code_deploy::deployment_group::AlarmConfiguration {
                enabled: Some(true.into()),
                alarms: Some(vec![code_deploy::deployment_group::Alarm {
                    name: Some(alarm.reference()),
                }]),
                ..code_deploy::deployment_group::AlarmConfiguration::default()
            }),
            auto_rollback_configuration: Some(
                code_deploy::deployment_group::AutoRollbackConfiguration {
                    enabled: Some(true.into()),
                    events: Some(vec![
                        "DEPLOYMENT_FAILURE".into(),
                        "DEPLOYMENT_STOP_ON_ALARM".into(),
                    ]),
                },
            ),
            ..code_deploy::DeploymentGroup::new(
                application.reference::<String>(),
                deploy_role.get_att(iam::RoleAttribute::Arn),
            )
        },
    )?;
    Ok((application, group))
}

/// The role API Gateway uses to write logs, and the account setting that names it.
/// Retained on delete like the CDK does: the setting is per account and region, and
/// other APIs may rely on it.
fn api_gateway_account(t: &mut Template) -> Result<Handle<api_gateway::Account>, TemplateError> {
    let role = t.add_with(
        "ApiGatewayCloudWatchRole",
        iam::Role {
            description: Some(
                "Lets API Gateway write execution and access logs to CloudWatch".into(),
            ),
            managed_policy_arns: Some(
                vec![managed_policy(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                )]
                .into(),
            ),
            ..iam::Role::new(PolicyDocument::assumed_by_service(
                "apigateway.amazonaws.com",
            ))
        },
        Attributes::new().removal_policy(RemovalPolicy::Retain),
    )?;
    t.add_with(
        "ApiGatewayAccount",
        api_gateway::Account {
            cloud_watch_role_arn: Some(role.get_att(iam::RoleAttribute::Arn)),
        },
        Attributes::new().removal_policy(RemovalPolicy::Retain),
    )
}

/// REST API with `/` and `/{proxy+}` ANY methods proxied to the alias, CORS preflight,
/// deployment, stage, invoke permissions and the URL output.
fn rest_api(
    t: &mut Template,
    api: &Api,
    alias: &Handle<lambda::Alias>,
    account: &Handle<api_gateway::Account>,
    outputs: &mut Vec<String>,
) -> Result<(), TemplateError> {
    let n = &api.name;
    let rest_api = t.add(
        n.clone(),
        api_gateway::RestApi {
            name: Some(Value::sub(format!("${{AWS::StackName}}-{n}"))),
            description: api.description.clone().map(Into::into),
            binary_media_types: (!api.binary_media_types.is_empty()).then(|| {
                api.binary_media_types
                    .iter()
                    .map(|m| m.clone().into())
                    .collect()
            }),
            ..api_gateway::RestApi::default()
        },
    )?;
    let root = rest_api.get_att::<String>(api_gateway::RestApiAttribute::RootResourceId);
    let proxy = t.add(
        format!("{n}ProxyResource"),
        api_gateway::Resource::new(root.clone(), "{proxy+}", rest_api.reference::<String>()),
    )?;

    let invoke_uri = Value::sub(format!(
        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/{}/invocations",
        alias.sub_ref()
    ));
    // checkov CKV_AWS_59: the API is public on purpose; authentication, when there is any,
    // is the handler's (the language declares no authorizer).
    let public = || {
        Attributes::new().metadata(checkov_skips(&[(
            "CKV_AWS_59",
            "A public REST API by design of the program: every request goes to the handler, which authenticates if it needs to",
        )]))
    };
    let proxy_method = |resource: Value<String>| api_gateway::Method {
        authorization_type: Some("NONE".into()),
        integration: Some(api_gateway::method::Integration {
            integration_http_method: Some("POST".into()),
            uri: Some(invoke_uri.clone()),
            ..api_gateway::method::Integration::new("AWS_PROXY")
        }),
        ..api_gateway::Method::new("ANY", resource, rest_api.reference::<String>())
    };
    let mut methods = vec![
        t.add_with(
            format!("{n}RootMethod"),
            proxy_method(root.clone()),
            public(),
        )?,
        t.add_with(
            format!("{n}ProxyMethod"),
            proxy_method(proxy.reference()),
            public(),
        )?,
    ];
    if let Some(cors) = &api.cors {
        let root_options = preflight_method(rest_api.reference(), root.clone(), cors);
        let proxy_options = preflight_method(rest_api.reference(), proxy.reference(), cors);
        methods.push(t.add_with(format!("{n}RootPreflight"), root_options, public())?);
        methods.push(t.add_with(format!("{n}ProxyPreflight"), proxy_options, public())?);
    }

    // A deployment is a snapshot of the API: a new one (new logical id) whenever the API
    // or its methods change, or the stage would keep serving the old snapshot.
    let snapshot: Vec<_> = std::iter::once(rest_api.logical_id())
        .chain(methods.iter().map(|m| m.logical_id()))
        .map(|id| t.resource(id).map(|r| r.properties().clone()))
        .collect();
    let deployment_props = api_gateway::Deployment {
        description: api.description.clone().map(Into::into),
        ..api_gateway::Deployment::new(rest_api.reference::<String>())
    };
    // Methods are not referenced by the deployment, yet must exist before it is taken.
    let deployment_attrs = methods
        .iter()
        .fold(Attributes::new(), |a, m| a.depends_on(m));
    let deployment = t.add_with(
        format!("{n}Deployment{}", short_hash(&snapshot)),
        deployment_props,
        deployment_attrs,
    )?;

    let stage = api_stage(t, api, &rest_api, &deployment, account)?;

    for (id, path) in [
        (
            format!("{n}InvokePermission"),
            format!("{}/*/*", stage.sub_ref()),
        ),
        (
            format!("{n}TestInvokePermission"),
            "test-invoke-stage/*/*".to_owned(),
        ),
    ] {
        t.add(
            id,
            lambda::Permission {
                source_arn: Some(Value::sub(format!(
                    "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:{}/{path}",
                    rest_api.sub_ref()
                ))),
                ..lambda::Permission::new("lambda:InvokeFunction", alias.reference::<String>(), "apigateway.amazonaws.com")
            },
        )?;
    }

    t.add_output(
        format!("{n}Url"),
        Output {
            description: Some(format!("Invoke URL of {n}")),
            value: Value::sub(format!(
                "https://{}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}/",
                rest_api.sub_ref(),
                stage.sub_ref()
            )),
            export: None,
        },
    )?;
    outputs.push(format!("{n}Url"));
    Ok(())
}

/// The API's stage, serving its deployment, with access logs, tracing and metrics.
fn api_stage(
    t: &mut Template,
    api: &Api,
    rest_api: &Handle<api_gateway::RestApi>,
    deployment: &Handle<api_gateway::Deployment>,
    account: &Handle<api_gateway::Account>,
) -> Result<Handle<api_gateway::Stage>, TemplateError> {
    let n = &api.name;
    let access_logs = retained_log_group(t, format!("{n}AccessLogs"))?;
    t.add_with(
        format!("{n}Stage"),
        api_gateway::Stage {
            access_log_setting: Some(api_gateway::stage::AccessLogSetting {
                destination_arn: Some(access_logs.get_att(logs::LogGroupAttribute::Arn)),
                format: Some(ACCESS_LOG_FORMAT.into()),
            }),
            tracing_enabled: Some(true.into()),
            stage_name: Some(api.stage_name.clone().into()),
            deployment_id: Some(deployment.reference()),
            description: Some(format!("The {} stage of {n}", api.stage_name).into()),
            method_settings: Some(vec![api_gateway::stage::MethodSetting {
                http_method: Some("*".into()),
                resource_path: Some("/*".into()),
                metrics_enabled: Some(true.into()),
                logging_level: Some("ERROR".into()),
                ..api_gateway::stage::MethodSetting::default()
            }]),
            ..api_gateway::Stage::new(rest_api.reference::<String>())
        },
        // Execution logging needs the account's CloudWatch role in place first.
        Attributes::new().depends_on(account).metadata(checkov_skips(&[(
            "CKV_AWS_120",
            "Every path and method goes to one Lambda handler whose answers are per request; a stage cache would serve stale or other callers' responses",
        )])),
    )
}

/// An OPTIONS method answered by API Gateway itself (MOCK integration) with the CORS
/// headers. With several origins, the response echoes the request's `Origin` when it is
/// one of them (a header can hold only one origin), as the AWS CDK does.
fn preflight_method(
    rest_api: Value<String>,
    resource: Value<String>,
    cors: &Cors,
) -> api_gateway::Method {
    let header = |h: &str| format!("method.response.header.{h}");
    let quoted = |s: &str| format!("'{s}'");
    let methods = if cors.methods.iter().any(|m| m == "*") {
        "OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD".to_owned()
    } else {
        cors.methods.join(",")
    };
    let headers = match &cors.headers {
        Some(h) => h.join(","),
        None => DEFAULT_CORS_HEADERS.join(","),
    };
    let any_origin = cors.origins.iter().any(|o| o == "*");
    let first_origin = if any_origin {
        "*"
    } else {
        cors.origins.first().map(String::as_str).unwrap_or("*")
    };

    let mut response_parameters: BTreeMap<String, Value<String>> = BTreeMap::new();
    response_parameters.insert(
        header("Access-Control-Allow-Headers"),
        quoted(&headers).into(),
    );
    response_parameters.insert(
        header("Access-Control-Allow-Origin"),
        quoted(first_origin).into(),
    );
    response_parameters.insert(
        header("Access-Control-Allow-Methods"),
        quoted(&methods).into(),
    );
    if !any_origin {
        response_parameters.insert(header("Vary"), quoted("Origin").into());
    }
    let mut response_templates = BTreeMap::new();
    if !any_origin && cors.origins.len() > 1 {
        let conditions: Vec<String> = cors
            .origins
            .iter()
            .skip(1)
            .map(|o| format!("$origin.matches(\"{}\")", o.replace('.', "\\\\.")))
            .collect();
        response_templates.insert(
            "application/json".to_owned(),
            Value::from(format!(
                "#set($origin = $input.params().header.get(\"Origin\"))\n#if($origin == \"\") #set($origin = $input.params().header.get(\"origin\")) #end\n#if({})\n  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end",
                conditions.join(" || ")
            )),
        );
    }
    let declared: BTreeMap<String, Value<bool>> = response_parameters
        .keys()
        .map(|k| (k.clone(), Value::from(true)))
        .collect();

    let mut request_templates = BTreeMap::new();
    request_templates.insert(
        "application/json".to_owned(),
        Value::from("{ \"statusCode\": 204 }".to_owned()),
    );
    api_gateway::Method {
        authorization_type: Some("NONE".into()),
        integration: Some(api_gateway::method::Integration {
            request_templates: Some(request_templates),
            integration_responses: Some(vec![api_gateway::method::IntegrationResponse {
                response_parameters: Some(response_parameters),
                response_templates: (!response_templates.is_empty()).then_some(response_templates),
                ..api_gateway::method::IntegrationResponse::new("204")
            }]),
            ..api_gateway::method::Integration::new("MOCK")
        }),
        method_responses: Some(vec![api_gateway::method::MethodResponse {
            response_parameters: Some(declared),
            ..api_gateway::method::MethodResponse::new("204")
        }]),
        ..api_gateway::Method::new("OPTIONS", resource, rest_api)
    }
}

/// A log group kept when its stack goes (its logs outlive a deletion), with the
/// retention every log group of a service stack has.
fn retained_log_group(
    t: &mut Template,
    logical_id: String,
) -> Result<Handle<logs::LogGroup>, TemplateError> {
    t.add_with(
        logical_id,
        logs::LogGroup {
            retention_in_days: Some(LOG_RETENTION_DAYS.into()),
            ..logs::LogGroup::default()
        },
        Attributes::new()
            .removal_policy(RemovalPolicy::Retain)
            .metadata(checkov_skips(&[LOGS_ENCRYPTED_BY_SERVICE])),
    )
}
