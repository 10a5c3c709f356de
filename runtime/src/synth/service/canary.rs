//! The canary of a lambda: the version published from its function, the `Current` alias
//! that serves traffic, the function's error alarm, and the CodeDeploy application and
//! deployment group that shift the alias to a new version and roll back when the alarm
//! fires.

use crate::cfn::resources::{cloud_watch, code_deploy, iam, lambda};
use crate::cfn::{Attributes, Handle, PolicyDocument, Template, TemplateError, UpdatePolicy};
use crate::spec::Lambda;

use super::managed_policy::managed_policy;

/// The version published from the function (named after the hash of its
/// `configuration`), the error alarm, the CodeDeploy application and deployment group that
/// shift traffic to a new version and roll back when the alarm fires (or one of
/// `more_alarms`: the depth alarms of the dead-letter queues it consumes), and the
/// `Current` alias they shift.
pub(super) fn canary(
    t: &mut Template,
    l: &Lambda,
    function: &Handle<lambda::Function>,
    configuration: &str,
    more_alarms: &[Handle<cloud_watch::Alarm>],
) -> Result<Handle<lambda::Alias>, TemplateError> {
    let n = &l.name;
    let version = t.add(
        format!("{n}Version{configuration}"),
        lambda::Version {
            description: Some(format!("{n} as deployed by pipewright").into()),
            ..lambda::Version::new(function.reference())
        },
    )?;
    let (application, group) = rollback_deployment(t, l, function, more_alarms)?;
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
    Ok(alias)
}

/// The CodeDeploy application and deployment group that shift traffic to a new version,
/// rolling back when the function's error alarm (or one of `more_alarms`) fires.
fn rollback_deployment(
    t: &mut Template,
    l: &Lambda,
    function: &Handle<lambda::Function>,
    more_alarms: &[Handle<cloud_watch::Alarm>],
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
                alarms: Some(
                    std::iter::once(&alarm)
                        .chain(more_alarms)
                        .map(|a| code_deploy::deployment_group::Alarm {
                            name: Some(a.reference()),
                        })
                        .collect(),
                ),
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
