//! Where in a program something is: the block (or field of a block) an error is about.
//!
//! Typed so that the plan, synthesis and the macro agree on it: the macro maps each site
//! to the span it recorded while lowering, and [`Site`]'s `Display` is the short form
//! errors print outside the compiler.

use std::fmt;

/// A block of the program, or a field of one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    /// The `pipeline` block.
    Pipeline,
    /// A `stack` block.
    Stack {
        /// The stack's name.
        stack: String,
    },
    /// A `lambda` block of a stack.
    Lambda {
        /// The stack's name.
        stack: String,
        /// The lambda's name.
        lambda: String,
    },
    /// An `api` block of a stack.
    Api {
        /// The stack's name.
        stack: String,
        /// The api's name.
        api: String,
    },
    /// A `stage` block.
    Stage {
        /// The stage's name.
        stage: String,
    },
    /// A field of a `stage` block (the block itself when the field is not written).
    StageField {
        /// The stage's name.
        stage: String,
        /// The field.
        field: StageField,
    },
    /// A `wave` block.
    Wave {
        /// The wave's name.
        wave: String,
    },
    /// A field of a `wave` block (the block itself when the field is not written).
    WaveField {
        /// The wave's name.
        wave: String,
        /// The field.
        field: StageField,
    },
}

/// The fields of a `stage` (or `wave`) block the pipeline's layout depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StageField {
    /// `account`: where the stage deploys.
    Account,
    /// `approval`: the manual approval's label.
    Approval,
    /// `stacks`: what the stage deploys.
    Stacks,
    /// `verify`: the commands run once the stage is deployed.
    Verify,
}

impl StageField {
    /// Every field, in the order a stage block documents them.
    pub const ALL: [StageField; 4] = [
        StageField::Account,
        StageField::Approval,
        StageField::Stacks,
        StageField::Verify,
    ];

    /// The field's name in the language.
    pub fn name(self) -> &'static str {
        match self {
            StageField::Account => "account",
            StageField::Approval => "approval",
            StageField::Stacks => "stacks",
            StageField::Verify => "verify",
        }
    }
}

impl Site {
    /// A `stage` block.
    pub fn stage(stage: &str) -> Site {
        Site::Stage {
            stage: stage.to_owned(),
        }
    }

    /// A field of a `stage` block.
    pub fn stage_field(stage: &str, field: StageField) -> Site {
        Site::StageField {
            stage: stage.to_owned(),
            field,
        }
    }

    /// A `wave` block.
    pub fn wave(wave: &str) -> Site {
        Site::Wave {
            wave: wave.to_owned(),
        }
    }

    /// A field of a `wave` block.
    pub fn wave_field(wave: &str, field: StageField) -> Site {
        Site::WaveField {
            wave: wave.to_owned(),
            field,
        }
    }

    /// A `stack` block.
    pub fn stack(stack: &str) -> Site {
        Site::Stack {
            stack: stack.to_owned(),
        }
    }

    /// A `lambda` block of a stack.
    pub fn lambda(stack: &str, lambda: &str) -> Site {
        Site::Lambda {
            stack: stack.to_owned(),
            lambda: lambda.to_owned(),
        }
    }

    /// An `api` block of a stack.
    pub fn api(stack: &str, api: &str) -> Site {
        Site::Api {
            stack: stack.to_owned(),
            api: api.to_owned(),
        }
    }

    /// The block that holds this site, if it is not a block of its own: a field's
    /// block, a lambda's or api's stack. Where a site was not recorded, its enclosing
    /// block is the next best place to point at.
    pub fn enclosing(&self) -> Option<Site> {
        match self {
            Site::StageField { stage, .. } => Some(Site::stage(stage)),
            Site::WaveField { wave, .. } => Some(Site::wave(wave)),
            Site::Lambda { stack, .. } | Site::Api { stack, .. } => Some(Site::stack(stack)),
            Site::Pipeline | Site::Stack { .. } | Site::Stage { .. } | Site::Wave { .. } => None,
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Site::Pipeline => f.write_str("pipeline"),
            Site::Stack { stack } => f.write_str(stack),
            Site::Lambda {
                stack,
                lambda: member,
            }
            | Site::Api { stack, api: member } => {
                write!(f, "{stack}.{member}")
            }
            Site::Stage { stage } => write!(f, "stage:{stage}"),
            Site::StageField { stage, field } => write!(f, "stage:{stage}.{}", field.name()),
            Site::Wave { wave } => write!(f, "wave:{wave}"),
            Site::WaveField { wave, field } => write!(f, "wave:{wave}.{}", field.name()),
        }
    }
}

/// A pipeline the program describes but CodePipeline or CloudFormation would refuse:
/// what is wrong, and where in the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    /// The block or field the error is about.
    pub site: Site,
    /// What is wrong, and what to do about it.
    pub message: String,
}

impl PlanError {
    pub(crate) fn at(site: Site, message: impl Into<String>) -> Self {
        PlanError {
            site,
            message: message.into(),
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.site, self.message)
    }
}

impl std::error::Error for PlanError {}
