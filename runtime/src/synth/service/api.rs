//! An api's REST API: every path and method proxied to its handler's alias, the CORS
//! preflight, the deployment and the stage with its access logs; and the API Gateway
//! account setting that lets the stages log.

use std::collections::BTreeMap;

use crate::cfn::resources::{api_gateway, iam, lambda, logs};
use crate::cfn::{
    Attributes, Handle, Metadata, Output, PolicyDocument, RemovalPolicy, Template, TemplateError,
    Value,
};
use crate::spec::{Api, Cors};

use super::log_group::retained_log_group;
use super::managed_policy::managed_policy;
use super::snapshot::short_hash;

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

/// The role API Gateway uses to write logs, and the account setting that names it.
/// Retained on delete like the CDK does: the setting is per account and region, and
/// other APIs may rely on it.
pub(super) fn api_gateway_account(
    t: &mut Template,
) -> Result<Handle<api_gateway::Account>, TemplateError> {
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
pub(super) fn rest_api(
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
        Attributes::new().metadata(Metadata::checkov_skips(&[(
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
        Attributes::new().depends_on(account).metadata(Metadata::checkov_skips(&[(
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
