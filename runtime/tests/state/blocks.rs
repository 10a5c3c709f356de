//! The resources of the stateful blocks, their removal policies and the outputs.

use pipewright::spec::Removal;
use serde_json::{json, Value};

use crate::program::*;

#[test]
fn the_stateful_blocks_become_cdk_shaped_resources() {
    let t = orders_template();
    let table = resource(&t, "OrdersTable");
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    assert_eq!(table["DeletionPolicy"], "Retain");
    assert_eq!(table["UpdateReplacePolicy"], "Retain");
    let p = &table["Properties"];
    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        p["AttributeDefinitions"],
        json!([
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "placed", "AttributeType": "N"},
        ])
    );
    assert_eq!(
        p["GlobalSecondaryIndexes"][0]["Projection"],
        json!({"ProjectionType": "ALL"})
    );
    assert_eq!(
        p["StreamSpecification"],
        json!({"StreamViewType": "NEW_AND_OLD_IMAGES"})
    );
    assert_eq!(
        p["TimeToLiveSpecification"],
        json!({"AttributeName": "expires_at", "Enabled": true})
    );
    assert_eq!(
        p["PointInTimeRecoverySpecification"],
        json!({"PointInTimeRecoveryEnabled": true})
    );
    assert!(p.get("TableName").is_none(), "no physical name");

    let jobs = resource(&t, "JobsQueue");
    assert_eq!(jobs["DeletionPolicy"], "Delete");
    assert_eq!(jobs["Properties"]["VisibilityTimeout"], 120);
    assert_eq!(jobs["Properties"]["SqsManagedSseEnabled"], true);
    assert_eq!(
        jobs["Properties"]["RedrivePolicy"],
        json!({"deadLetterTargetArn": {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}, "maxReceiveCount": 5})
    );
    assert_eq!(
        resource(&t, "JobsDeadLetterQueue")["Properties"]["MessageRetentionPeriod"],
        1_209_600
    );
    for policy in [
        "JobsQueuePolicy",
        "JobsDeadLetterQueuePolicy",
        "UploadsBucketPolicy",
    ] {
        let deny = &resource(&t, policy)["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!(deny["Effect"], "Deny", "{policy}");
        assert_eq!(
            deny["Condition"],
            json!({"Bool": {"aws:SecureTransport": "false"}})
        );
    }

    let uploads = resource(&t, "UploadsBucket");
    assert_eq!(uploads["DeletionPolicy"], "Retain");
    assert_eq!(
        uploads["Properties"]["VersioningConfiguration"],
        json!({"Status": "Enabled"})
    );
    assert_eq!(
        uploads["Properties"]["LifecycleConfiguration"],
        json!({"Rules": [{"ExpirationInDays": 30, "Status": "Enabled"}]})
    );
    assert_eq!(
        resource(&t, "OrderEventsTopic")["Properties"],
        json!({"KmsMasterKeyId": "alias/aws/sns"})
    );
}

#[test]
fn the_outputs_are_the_stacks_output_names() {
    let stack = orders_stack();
    let app = synthesized(stack.clone());
    let artifact = app.stack("Dev-Orders").unwrap();
    let t: Value = serde_json::from_str(&artifact.template).unwrap();
    let names: Vec<&str> = t["Outputs"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, stack.output_names());
    assert_eq!(
        artifact
            .outputs
            .iter()
            .map(|o| o.as_ref())
            .collect::<Vec<_>>(),
        stack.output_names()
    );
    let value = |name: &str| t["Outputs"][name]["Value"].clone();
    assert_eq!(value("OrdersTableName"), json!({"Ref": "OrdersTable"}));
    assert_eq!(value("JobsQueueUrl"), json!({"Ref": "JobsQueue"}));
    assert_eq!(
        value("JobsDeadLetterQueueUrl"),
        json!({"Ref": "JobsDeadLetterQueue"})
    );
    assert_eq!(value("UploadsBucketName"), json!({"Ref": "UploadsBucket"}));
    assert_eq!(
        value("OrderEventsTopicArn"),
        json!({"Ref": "OrderEventsTopic"})
    );
}

#[test]
fn a_tables_logical_id_does_not_depend_on_other_blocks() {
    let mut bigger = orders_stack();
    let mut first = bigger.tables[0].clone();
    first.name = "Audit".into();
    bigger.tables.insert(0, first);
    bigger.queues.clear();
    bigger.lambdas.truncate(1);
    bigger.lambdas[0].links.retain(|l| l.target != "Jobs");
    let app = synthesized(bigger);
    let t: Value = serde_json::from_str(&app.stack("Dev-Orders").unwrap().template).unwrap();
    assert_eq!(
        resource(&t, "OrdersTable"),
        resource(&orders_template(), "OrdersTable")
    );
}

#[test]
fn destroy_and_no_recovery_are_written_as_asked() {
    let mut stack = orders_stack();
    stack.tables[0].removal = Removal::Destroy;
    stack.tables[0].recovery = false;
    stack.buckets[0].removal = Removal::Destroy;
    let app = synthesized(stack);
    let t: Value = serde_json::from_str(&app.stack("Dev-Orders").unwrap().template).unwrap();
    assert_eq!(resource(&t, "OrdersTable")["DeletionPolicy"], "Delete");
    assert_eq!(resource(&t, "OrdersTable")["UpdateReplacePolicy"], "Delete");
    assert!(resource(&t, "OrdersTable")["Properties"]
        .get("PointInTimeRecoverySpecification")
        .is_none());
    assert_eq!(resource(&t, "UploadsBucket")["DeletionPolicy"], "Delete");
}

#[test]
fn a_fifo_queues_dead_letter_queue_is_fifo_too() {
    let mut stack = orders_stack();
    stack.queues[0].fifo = true;
    stack.lambdas[1].events.clear();
    let app = synthesized(stack);
    let t: Value = serde_json::from_str(&app.stack("Dev-Orders").unwrap().template).unwrap();
    assert_eq!(resource(&t, "JobsQueue")["Properties"]["FifoQueue"], true);
    assert_eq!(
        resource(&t, "JobsDeadLetterQueue")["Properties"]["FifoQueue"],
        true
    );
    let standard = orders_template();
    assert!(resource(&standard, "JobsQueue")["Properties"]
        .get("FifoQueue")
        .is_none());
}
