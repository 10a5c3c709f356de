//! The value rules of the language (account ids, regions, ARNs, names, globs...), as
//! plain functions: the macro reports their messages at the offending token, and anything
//! else building a [`Program`](super::Program) can use them as they are.

/// The AWS regions, with their partitions.
pub const REGIONS: &[(&str, &str)] = &[
    ("af-south-1", "aws"),
    ("ap-east-1", "aws"),
    ("ap-east-2", "aws"),
    ("ap-northeast-1", "aws"),
    ("ap-northeast-2", "aws"),
    ("ap-northeast-3", "aws"),
    ("ap-south-1", "aws"),
    ("ap-south-2", "aws"),
    ("ap-southeast-1", "aws"),
    ("ap-southeast-2", "aws"),
    ("ap-southeast-3", "aws"),
    ("ap-southeast-4", "aws"),
    ("ap-southeast-5", "aws"),
    ("ap-southeast-6", "aws"),
    ("ap-southeast-7", "aws"),
    ("ca-central-1", "aws"),
    ("ca-west-1", "aws"),
    ("eu-central-1", "aws"),
    ("eu-central-2", "aws"),
    ("eu-north-1", "aws"),
    ("eu-south-1", "aws"),
    ("eu-south-2", "aws"),
    ("eu-west-1", "aws"),
    ("eu-west-2", "aws"),
    ("eu-west-3", "aws"),
    ("il-central-1", "aws"),
    ("me-central-1", "aws"),
    ("me-south-1", "aws"),
    ("mx-central-1", "aws"),
    ("sa-east-1", "aws"),
    ("us-east-1", "aws"),
    ("us-east-2", "aws"),
    ("us-west-1", "aws"),
    ("us-west-2", "aws"),
    ("cn-north-1", "aws-cn"),
    ("cn-northwest-1", "aws-cn"),
    ("us-gov-east-1", "aws-us-gov"),
    ("us-gov-west-1", "aws-us-gov"),
];

/// The partition of a known region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition_of(region: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(r, _)| *r == region).map(|(_, p)| *p)
}

/// An AWS account id: exactly 12 digits.
pub fn check_account(account: &str) -> Result<(), String> {
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "expected an AWS account id of exactly 12 digits, found `{account}`"
        ))
    }
}

/// A region this version knows.
pub fn check_region(region: &str) -> Result<(), String> {
    match partition_of(region) {
        Some(_) => Ok(()),
        None => Err(format!("`{region}` is not an AWS region")),
    }
}

/// A CodeStar Connections or CodeConnections connection ARN:
/// `arn:<partition>:codestar-connections|codeconnections:<region>:<account>:connection/<id>`.
pub fn check_connection_arn(arn: &str) -> Result<(), String> {
    let expected = || {
        format!(
            "expected a connection ARN `arn:aws:codeconnections:REGION:ACCOUNT:connection/ID` \
             (or `codestar-connections`), found `{arn}`"
        )
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_word, partition, service, region, account, resource] = parts[..] else {
        return Err(expected());
    };
    let id = resource.strip_prefix("connection/").unwrap_or("");
    let ok = arn_word == "arn"
        && partition.starts_with("aws")
        && matches!(service, "codestar-connections" | "codeconnections")
        && partition_of(region).is_some()
        && check_account(account).is_ok()
        && !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(expected())
    }
}

/// A repository id `owner/name`.
pub fn check_repo(repo: &str) -> Result<(), String> {
    let valid_part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    match repo.split_once('/') {
        Some((owner, name)) if valid_part(owner) && valid_part(name) => Ok(()),
        _ => Err(format!(
            "expected a repository as `owner/name`, found `{repo}`"
        )),
    }
}

/// A relative directory inside the repository: not absolute, no `..`.
pub fn check_relative_dir(dir: &str) -> Result<(), String> {
    if dir.is_empty() {
        return Err(
            "expected a directory relative to the repository, found an empty string".into(),
        );
    }
    if dir.starts_with('/') || dir.starts_with('\\') || dir.chars().nth(1) == Some(':') {
        return Err(format!(
            "`{dir}` is absolute: expected a directory relative to the repository"
        ));
    }
    if dir.split(['/', '\\']).any(|part| part == "..") {
        return Err(format!(
            "`{dir}` leaves the repository with `..`: expected a directory inside it"
        ));
    }
    Ok(())
}

/// The environment variables Lambda sets itself and refuses in a function's configuration.
pub const RESERVED_LAMBDA_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
];

/// An environment variable name a function may set.
pub fn check_environment_variable(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return Err(format!(
            "`{name}` is not a valid environment variable name: expected `[a-zA-Z][a-zA-Z0-9_]*`"
        ));
    }
    if RESERVED_LAMBDA_VARIABLES.contains(&name) || name.starts_with("AWS_LAMBDA_") {
        return Err(format!(
            "`{name}` is reserved by the Lambda runtime and cannot be set"
        ));
    }
    Ok(())
}

/// An IAM action `service:Action`; `*` and `?` wildcards allowed in the action part.
pub fn check_iam_action(action: &str) -> Result<(), String> {
    let Some((service, name)) = action.split_once(':') else {
        return Err(if action == "*" {
            "a bare `*` grants every action: expected `service:Action`, e.g. `s3:GetObject` or `s3:Get*`".into()
        } else {
            format!(
                "expected an IAM action `service:Action`, e.g. `s3:GetObject`, found `{action}`"
            )
        });
    };
    let service_ok = !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?');
    if service_ok && name_ok {
        Ok(())
    } else {
        Err(format!(
            "expected an IAM action `service:Action`, e.g. `s3:GetObject`, found `{action}`"
        ))
    }
}

/// A block name: UpperCamelCase ASCII letters and digits, as CloudFormation logical ids
/// and stack names accept them.
pub fn check_block_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` must be UpperCamelCase letters and digits: it becomes a CloudFormation logical id and stack name"
        ))
    }
}

/// An email address, as SNS subscribes it: `local@domain.tld`, no spaces, at most 254
/// characters.
pub fn check_email(address: &str) -> Result<(), String> {
    let ok = address.len() <= 254
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        && match address.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.split('.').count() >= 2
                    && domain.split('.').all(|part| !part.is_empty())
            }
            None => false,
        };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected an email address such as `ops@example.com`, found `{address}`"
        ))
    }
}

/// An SNS topic ARN: `arn:<partition>:sns:<region>:<account>:<name>`.
pub fn check_sns_topic_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = match parts[..] {
        ["arn", partition, "sns", region, account, name] => {
            partition.starts_with("aws")
                && partition_of(region).is_some()
                && check_account(account).is_ok()
                && (1..=256).contains(&name.len())
                && name
                    .trim_end_matches(".fifo")
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected an SNS topic ARN `arn:aws:sns:REGION:ACCOUNT:NAME`, found `{arn}`"
        ))
    }
}

/// A glob of a trigger filter: 1 to 255 characters, as CodePipeline takes them.
pub fn check_glob(glob: &str) -> Result<(), String> {
    if glob.trim().is_empty() {
        Err("empty glob: expected a pattern such as `service/**` or `v*`".into())
    } else if glob.len() > 255 {
        Err(format!(
            "the glob has {} characters: CodePipeline takes at most 255",
            glob.len()
        ))
    } else {
        Ok(())
    }
}

/// The HTTP methods API Gateway's CORS preflight can allow.
pub const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// A CORS origin: `*` or `scheme://host[:port]`.
pub fn check_cors_origin(origin: &str) -> Result<(), String> {
    if origin == "*" {
        return Ok(());
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains('/') && !host.contains('\'') => Ok(()),
        _ => Err(format!(
            "expected `*` or an origin like `https://example.com`, found `{origin}`"
        )),
    }
}

/// An EventBridge schedule expression: `rate(VALUE UNIT)` (unit `minute`, `hour` or `day`,
/// singular for 1 and plural otherwise) or `cron(MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK
/// YEAR)` (six fields, `?` in exactly one of the two day fields), as EventBridge accepts
/// them.
pub fn check_schedule_expression(expression: &str) -> Result<(), String> {
    let inner = |prefix: &str| {
        expression
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
    };
    if let Some(rate) = inner("rate(") {
        check_rate(rate.trim())
    } else if let Some(cron) = inner("cron(") {
        check_cron(cron.trim())
    } else {
        Err(format!(
            "expected a schedule `rate(5 minutes)` or `cron(0 3 * * ? *)`, found `{expression}`"
        ))
    }
}

/// The inside of `rate(...)`: a positive whole number and a unit that agrees with it.
fn check_rate(rate: &str) -> Result<(), String> {
    let malformed = || {
        format!(
            "expected `rate(VALUE UNIT)`, VALUE a positive whole number, UNIT `minutes`, `hours` or `days`; found `rate({rate})`"
        )
    };
    let mut words = rate.split_whitespace();
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err(malformed());
    };
    let value: u64 = match value.parse() {
        Ok(v) if v > 0 && value.bytes().all(|b| b.is_ascii_digit()) => v,
        _ => return Err(malformed()),
    };
    let singular = unit.strip_suffix('s').unwrap_or(unit);
    if !["minute", "hour", "day"].contains(&singular) {
        return Err(malformed());
    }
    let expected = if value == 1 {
        singular.to_owned()
    } else {
        format!("{singular}s")
    };
    if unit != expected {
        return Err(format!(
            "write `rate({value} {expected})`: the unit is singular for 1 and plural otherwise"
        ));
    }
    Ok(())
}

/// The fields of a cron expression, in order: name, numeric range, names accepted.
const CRON_FIELDS: [(&str, u32, u32, &[&str]); 6] = [
    ("minutes", 0, 59, &[]),
    ("hours", 0, 23, &[]),
    ("day-of-month", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    ),
    (
        "day-of-week",
        1,
        7,
        &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    ),
    ("year", 1970, 2199, &[]),
];

const DAY_OF_MONTH: usize = 2;
const DAY_OF_WEEK: usize = 4;

/// The inside of `cron(...)`: six fields, each valid for its position, `?` in exactly one
/// of day-of-month and day-of-week (EventBridge cannot have both say which days).
fn check_cron(cron: &str) -> Result<(), String> {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    if fields.len() != CRON_FIELDS.len() {
        return Err(format!(
            "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), found {}",
            fields.len()
        ));
    }
    for (index, field) in fields.iter().enumerate() {
        if !cron_field_ok(field, index) {
            let (name, low, high, _) = CRON_FIELDS[index];
            return Err(format!(
                "`{field}` is not a valid {name} field of a cron expression: expected {low}-{high}, `*`, lists `,`, ranges `-` or steps `/`"
            ));
        }
    }
    if (fields[DAY_OF_MONTH] == "?") == (fields[DAY_OF_WEEK] == "?") {
        return Err(
            "put `?` in exactly one of day-of-month and day-of-week, as in `cron(0 3 * * ? *)`"
                .into(),
        );
    }
    Ok(())
}

/// One field of a cron expression: `?` alone (day fields), or a list of `*`, values and
/// ranges, each with an optional `/step`, plus `L`, `W` and `#` where EventBridge takes them.
fn cron_field_ok(field: &str, index: usize) -> bool {
    if field == "?" {
        return index == DAY_OF_MONTH || index == DAY_OF_WEEK;
    }
    let (_, low, high, names) = CRON_FIELDS[index];
    let value_ok = |v: &str| {
        names.contains(&v.to_ascii_uppercase().as_str())
            || v.parse::<u32>().is_ok_and(|n| (low..=high).contains(&n))
    };
    let special_ok = |part: &str| match index {
        DAY_OF_MONTH => part == "L" || part == "LW" || part.strip_suffix('W').is_some_and(value_ok),
        DAY_OF_WEEK => {
            part == "L"
                || part.strip_suffix('L').is_some_and(value_ok)
                || part.split_once('#').is_some_and(|(day, nth)| {
                    value_ok(day) && nth.parse::<u32>().is_ok_and(|n| (1..=5).contains(&n))
                })
        }
        _ => false,
    };
    field.split(',').all(|part| {
        let (base, step) = match part.split_once('/') {
            Some((base, step)) => (base, Some(step)),
            None => (part, None),
        };
        let step_ok = step.is_none_or(|s| s.parse::<u32>().is_ok_and(|n| n > 0));
        let base_ok = base == "*"
            || value_ok(base)
            || base
                .split_once('-')
                .is_some_and(|(from, to)| value_ok(from) && value_ok(to))
            || (step.is_none() && special_ok(base));
        step_ok && base_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_rules() {
        assert!(check_account("111111111111").is_ok());
        assert!(check_account("11111111111").is_err());
        assert!(check_region("us-west-2").is_ok());
        assert!(check_region("us-west-9").is_err());
        assert!(check_connection_arn(
            "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12"
        )
        .is_ok());
        assert!(check_connection_arn(
            "arn:aws:codeconnections:eu-west-1:111111111111:connection/abc"
        )
        .is_ok());
        assert!(check_connection_arn("arn:aws:s3:::bucket").is_err());
        assert!(check_repo("owner/name").is_ok());
        assert!(check_repo("owner").is_err());
        assert!(check_relative_dir("cdk.out").is_ok());
        assert!(check_relative_dir("/abs").is_err());
        assert!(check_relative_dir("a/../b").is_err());
        assert!(check_environment_variable("STAGE").is_ok());
        assert!(check_environment_variable("AWS_REGION").is_err());
        assert!(check_environment_variable("AWS_LAMBDA_X").is_err());
        assert!(check_environment_variable("1X").is_err());
        assert!(check_iam_action("s3:Get*").is_ok());
        assert!(check_iam_action("*").is_err());
        assert!(check_iam_action("s3").is_err());
        assert!(check_email("ops@example.com").is_ok());
        assert!(check_email("ops@example").is_err());
        assert!(check_email("ops example@example.com").is_err());
        assert!(check_email("@example.com").is_err());
        assert!(check_sns_topic_arn("arn:aws:sns:us-east-1:111111111111:releases").is_ok());
        assert!(check_sns_topic_arn("arn:aws:sqs:us-east-1:111111111111:releases").is_err());
        assert!(check_sns_topic_arn("arn:aws:sns:us-east-1:1111:releases").is_err());
        assert!(check_glob("service/**").is_ok());
        assert!(check_glob(" ").is_err());
        assert!(check_block_name("BackendServer").is_ok());
        assert!(check_block_name("backend_server").is_err());
    }

    #[test]
    fn schedule_expressions() {
        for valid in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 hour)",
            "rate(12 hours)",
            "rate(7 days)",
            "cron(0 3 * * ? *)",
            "cron(0/15 8-17 ? * MON-FRI *)",
            "cron(0 12 L * ? 2030)",
            "cron(30 9 ? JAN,JUL 6#3 *)",
            "cron(0 0 15W * ? *)",
        ] {
            assert_eq!(check_schedule_expression(valid), Ok(()), "{valid}");
        }
        let error = |e: &str| check_schedule_expression(e).unwrap_err();
        assert!(error("rate(1 minutes)").contains("write `rate(1 minute)`"));
        assert!(error("rate(5 minute)").contains("write `rate(5 minutes)`"));
        assert!(error("rate(0 minutes)").contains("positive whole number"));
        assert!(error("rate(5 weeks)").contains("UNIT `minutes`"));
        assert!(error("rate(5)").contains("UNIT"));
        assert!(error("cron(0 3 * * ?)").contains("6 fields"));
        assert!(error("cron(0 3 * * * *)").contains("exactly one of day-of-month and day-of-week"));
        assert!(error("cron(0 3 ? * ? *)").contains("exactly one of day-of-month"));
        assert!(error("cron(60 3 * * ? *)").contains("`60` is not a valid minutes field"));
        assert!(error("cron(0 3 * 13 ? *)").contains("valid month field"));
        assert!(error("cron(0 ? * * ? *)").contains("valid hours field"));
        assert!(error("every day").contains("expected a schedule"));
        assert!(error("rate(5 minutes").contains("expected a schedule"));
    }
}
