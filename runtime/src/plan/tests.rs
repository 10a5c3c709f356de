//! The plan of small programs: its layout, and its errors at their sites.

use crate::spec::{
    Approval, ApprovalWhen, Architecture, CodeBuild, ComputeType, DeploymentConfig, Lambda,
    Pipeline, Program, Source, Stack, Stage, Synth, DEFAULT_MEMORY_MB, DEFAULT_QUALIFIER,
    DEFAULT_TIMEOUT,
};

use super::*;

fn lambda(name: &str) -> Lambda {
    Lambda {
        name: name.into(),
        package: "service".into(),
        bin: "bootstrap".into(),
        description: None,
        memory: DEFAULT_MEMORY_MB,
        timeout: DEFAULT_TIMEOUT,
        architecture: Architecture::Arm64,
        environment: Vec::new(),
        alarm: Default::default(),
        deployment: DeploymentConfig::AllAtOnce,
        links: Vec::new(),
        events: Vec::new(),
    }
}

fn stage(name: &str, region: &str, stacks: &[&str]) -> Stage {
    Stage {
        name: name.into(),
        doc: None,
        account: "111111111111".into(),
        region: region.into(),
        environment: Vec::new(),
        approval: None,
        stacks: stacks.iter().map(|s| s.to_string()).collect(),
        pre: Vec::new(),
        verify: Vec::new(),
        protect: false,
        wave: None,
    }
}

/// A pipeline in us-east-1 with one stack (one lambda) and the given stages.
fn program(stages: Vec<Stage>) -> Program {
    Program {
        pipeline: Pipeline {
            name: "Delivery".into(),
            doc: None,
            account: "111111111111".into(),
            region: "us-east-1".into(),
            source: Source {
                repo: "acme/shop".into(),
                branch: "main".into(),
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/x".into(),
                trigger: Default::default(),
            },
            synth: Synth {
                install: Vec::new(),
                commands: vec!["cargo run -- synth".into()],
                output: "cdk.out".into(),
            },
            self_mutation: true,
            cross_account_keys: false,
            codebuild: CodeBuild {
                compute: ComputeType::Small,
                privileged: false,
                policy: Vec::new(),
                image: None,
            },
            qualifier: DEFAULT_QUALIFIER.into(),
            notifications: None,
        },
        stacks: vec![Stack {
            name: "Shop".into(),
            doc: None,
            lambdas: vec![lambda("Orders")],
            apis: Vec::new(),
            tables: Vec::new(),
            queues: Vec::new(),
            buckets: Vec::new(),
            topics: Vec::new(),
            resources: Vec::new(),
        }],
        stages,
        waves: Vec::new(),
        packages: Vec::new(),
        binary: "deploy".into(),
        package: "pipeline".into(),
        binary_kind: Default::default(),
        select_package: false,
    }
}

#[test]
fn the_pipeline_is_laid_out_in_cdk_order() {
    let mut prod = stage("Prod", "eu-west-1", &["Shop"]);
    prod.approval = Some(Approval::named("Promote to prod"));
    prod.verify = vec!["curl $OrdersFunctionName".into()];
    let plan = plan(&program(vec![stage("Beta", "us-east-1", &["Shop"]), prod])).unwrap();

    let stages: Vec<&str> = plan.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        stages,
        [
            "Source",
            "Build",
            "UpdatePipeline",
            "Assets",
            "Beta",
            "Prod"
        ]
    );
    assert_eq!(plan.stages[0].action_names(), ["acme_shop"]);
    assert_eq!(
        plan.stage("UpdatePipeline").unwrap().action_names(),
        ["SupportStacks", "SelfMutate.Prepare", "SelfMutate.Deploy"]
    );
    assert_eq!(plan.bundles.len(), 1, "one bundle, deployed twice");
    assert_eq!(
        plan.stage("Assets").unwrap().action_names(),
        ["service-bootstrap-arm64"]
    );

    let prod = plan.stage("Prod").unwrap();
    assert_eq!(
        prod.action_names(),
        ["Shop.Prepare", "Promote_to_prod", "Shop.Deploy", "Verify"]
    );
    let orders: Vec<u32> = prod.actions.iter().map(|a| a.run_order).collect();
    assert_eq!(orders, [1, 2, 3, 4]);
    let deploy = prod.action("Shop.Deploy").unwrap();
    assert_eq!(deploy.namespace.as_deref(), Some("Prod-Shop"));
    assert_eq!(deploy.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        deploy.role,
        ActionRole::Deploy(Target {
            account: "111111111111".into(),
            region: "eu-west-1".into()
        })
    );
    let ActionKind::Verify { variables, .. } = &prod.action("Verify").unwrap().kind else {
        panic!("a verify action")
    };
    assert_eq!(
        variables[0],
        (
            "OrdersFunctionName".to_owned(),
            "#{Prod-Shop.OrdersFunctionName}".to_owned()
        )
    );
    assert_eq!(
        plan.namespaces().collect::<Vec<_>>(),
        ["Beta-Shop", "Prod-Shop"]
    );
    let regions: Vec<&str> = plan
        .support_regions
        .iter()
        .map(|r| r.region.as_str())
        .collect();
    assert_eq!(regions, ["eu-west-1"]);
    assert_eq!(
        plan.support_regions[0].stack_name,
        "Delivery-support-eu-west-1"
    );
}

#[test]
fn an_approval_alone_in_its_stage_comes_first() {
    let mut gate = stage("Gate", "us-east-1", &[]);
    gate.approval = Some(Approval::named("Go"));
    let plan = plan(&program(vec![gate])).unwrap();
    let gate = plan.stage("Gate").unwrap();
    assert_eq!(gate.action_names(), ["Go"]);
    assert_eq!(gate.actions[0].run_order, 1);
    assert!(plan.stage("Assets").is_none(), "no stage deploys a lambda");
}

#[test]
fn errors_name_the_block_or_field_they_come_from() {
    let mut build = stage("Build", "us-east-1", &["Shop"]);
    build.approval = Some(Approval::named("Shop.Deploy"));
    let mut empty = stage("Later", "us-east-1", &[]);
    empty.approval = None;
    let errors = plan(&program(vec![build, empty])).unwrap_err();
    let sites: Vec<String> = errors.iter().map(|e| e.site.to_string()).collect();
    assert_eq!(
        sites,
        ["stage:Build", "stage:Build.approval", "stage:Later.stacks"],
        "{errors:?}"
    );
    assert!(errors[0]
        .message
        .contains("taken by the pipeline's own stages"));
    assert!(errors[1].message.contains("has the name of another action"));
}

#[test]
fn too_many_stages_is_reported_at_the_first_one_too_many() {
    let stages = (1..=48)
        .map(|i| stage(&format!("Stage{i}"), "us-east-1", &["Shop"]))
        .collect();
    let errors = plan(&program(stages)).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].site, Site::stage("Stage47"));
}

/// A wave of two stages, with an approval and `pre` commands on the wave and on a stage.
fn wave_program() -> Program {
    let mut us = stage("ProdUs", "us-east-1", &["Shop"]);
    let mut eu = stage("ProdEu", "eu-west-1", &["Shop"]);
    for s in [&mut us, &mut eu] {
        s.wave = Some("Prod".into());
        s.protect = true;
    }
    eu.pre = vec!["./check-eu.sh".into()];
    us.verify = vec!["test -n \"$OrdersFunctionName\"".into()];
    let mut program = program(vec![stage("Beta", "us-east-1", &["Shop"]), us, eu]);
    program.waves.push(crate::spec::Wave {
        name: "Prod".into(),
        doc: None,
        approval: Some(Approval {
            comment: Some("Look at the dashboards".into()),
            ..Approval::named("Promote")
        }),
        pre: vec!["./freeze.sh".into()],
    });
    program
}

#[test]
fn a_wave_is_one_stage_that_prepares_everything_before_its_approval() {
    let plan = plan(&wave_program()).unwrap();
    let stages: Vec<&str> = plan.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        stages,
        [
            "Source",
            "Build",
            "UpdatePipeline",
            "Assets",
            "Beta",
            "Prod"
        ]
    );
    let prod = plan.stage("Prod").unwrap();
    let actions: Vec<(&str, u32)> = prod
        .actions
        .iter()
        .map(|a| (a.name.as_str(), a.run_order))
        .collect();
    assert_eq!(
        actions,
        [
            ("ProdUs.Shop.Prepare", 1),
            ("ProdEu.Shop.Prepare", 1),
            ("Pre", 1),
            ("ProdEu.Pre", 1),
            ("Promote", 2),
            ("ProdUs.Shop.Deploy", 3),
            ("ProdEu.Shop.Deploy", 3),
            ("ProdUs.Verify", 4),
            ("ProdUs.Protect", 4),
            ("ProdEu.Protect", 4),
        ]
    );
    assert_eq!(
        prod.kind,
        StageKind::Deploy {
            stages: vec!["ProdUs".into(), "ProdEu".into()]
        }
    );
    let ActionKind::Approval(step) = &prod.action("Promote").unwrap().kind else {
        panic!("an approval")
    };
    assert_eq!(step.comment.as_deref(), Some("Look at the dashboards"));
    assert_eq!(step.change_sets.len(), 2, "both stages' change sets");
    let ActionKind::Protect { stacks, target, .. } = &prod.action("ProdEu.Protect").unwrap().kind
    else {
        panic!("a protection step")
    };
    assert_eq!(stacks, &["ProdEu-Shop"]);
    assert_eq!(target.region, "eu-west-1");
    // The stacks keep their names (and namespaces) inside a wave.
    assert_eq!(
        plan.namespaces().collect::<Vec<_>>(),
        ["Beta-Shop", "ProdUs-Shop", "ProdEu-Shop"]
    );
}

#[test]
fn a_wave_shares_the_stage_limits() {
    let mut program = wave_program();
    program.waves[0].name = "Assets".into();
    for s in &mut program.stages {
        if s.wave.is_some() {
            s.wave = Some("Assets".into());
        }
    }
    program.stages[1].name = "P".repeat(95);
    let errors = plan(&program).unwrap_err();
    let sites: Vec<String> = errors.iter().map(|e| e.site.to_string()).collect();
    assert_eq!(
        sites,
        [
            "wave:Assets".to_owned(),
            format!("stage:{}", "P".repeat(95)),
        ],
        "{errors:?}"
    );
    assert!(errors[0].message.starts_with("wave name `Assets` is taken"));
    assert!(
        errors[1].message.contains("characters"),
        "{}",
        errors[1].message
    );
}

#[test]
fn a_broadening_approval_has_its_check_beside_it() {
    let mut program = wave_program();
    program.waves[0].approval.as_mut().unwrap().when = ApprovalWhen::Broadening;
    let plan = plan(&program).unwrap();
    let prod = plan.stage("Prod").unwrap();
    let at_two: Vec<&str> = prod
        .actions
        .iter()
        .filter(|a| a.run_order == 2)
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(at_two, ["CheckBroadening", "Promote"]);
    assert_eq!(prod.action("ProdUs.Shop.Deploy").unwrap().run_order, 3);
    let check = prod.action("CheckBroadening").unwrap();
    assert_eq!(check.inputs, [Artifact::Synth]);
    assert_eq!(check.role, ActionRole::Pipeline);
    let ActionKind::BroadeningCheck(decided) = &check.kind else {
        panic!("a broadening check")
    };
    assert_eq!(decided.owner, "Prod");
    assert_eq!(decided.approval, "Promote");
    let places: Vec<(&str, &[String])> = decided
        .change_sets
        .iter()
        .map(|(t, stacks)| (t.region.as_str(), stacks.as_slice()))
        .collect();
    assert_eq!(
        places,
        [
            ("us-east-1", &["ProdUs-Shop".to_owned()][..]),
            ("eu-west-1", &["ProdEu-Shop".to_owned()][..])
        ]
    );
    // An approval that is always needed has no check.
    let always = super::plan(&wave_program()).unwrap();
    assert!(always
        .stage("Prod")
        .unwrap()
        .action("CheckBroadening")
        .is_none());
}

#[test]
fn a_broadening_approval_needs_change_sets_to_check() {
    let mut gate = stage("Gate", "us-east-1", &[]);
    gate.approval = Some(Approval {
        when: ApprovalWhen::Broadening,
        ..Approval::named("Go")
    });
    let mut named_like_the_check = stage("Prod", "us-east-1", &["Shop"]);
    named_like_the_check.approval = Some(Approval {
        when: ApprovalWhen::Broadening,
        ..Approval::named("CheckBroadening")
    });
    let errors = plan(&program(vec![gate, named_like_the_check])).unwrap_err();
    let sites: Vec<String> = errors.iter().map(|e| e.site.to_string()).collect();
    assert_eq!(
        sites,
        ["stage:Gate.approval", "stage:Prod.approval"],
        "{errors:?}"
    );
    assert!(
        errors[0]
            .message
            .starts_with("`when: Broadening` decides from the change sets of stage `Gate`, and it deploys no stack"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[1].message.contains("has the name of another action"),
        "{}",
        errors[1].message
    );
}
