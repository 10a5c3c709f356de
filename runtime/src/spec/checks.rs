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
}
