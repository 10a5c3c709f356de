//! The `stage` and `wave` blocks, and the check that a stage's `verify` steps have
//! outputs to read.

use pipewright::plan::{Site, StageField};
use pipewright::spec::{self, Stack, Stage, Wave};
use syn::spanned::Spanned as _;

use super::context::{Cx, FieldSpan};
use super::fields::Fields;
use crate::diagnostics::{did_you_mean_or, list, suggestion};
use crate::syntax::{self, StageBlock, Value, WaveBlock, WaveMember};

impl Cx {
    pub(super) fn stage(
        &mut self,
        block: &StageBlock,
        stacks: &[&str],
        wave: Option<&WaveBlock>,
    ) -> Stage {
        let name = self.block_name(&block.name);
        self.spans.insert(Site::stage(&name), block.name.span());
        for field in StageField::ALL {
            let written = block
                .fields
                .fields
                .iter()
                .find(|f| f.name.text() == field.name());
            if let Some(written) = written {
                self.spans
                    .insert(Site::stage_field(&name, field), written.value_span());
            }
        }
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.fields.errors);
        let what = format!("stage `{name}`");
        let mut f = Fields::new(
            &mut self.diag,
            what,
            block.name.span(),
            &block.fields.fields,
        );
        let account = f
            .required_str("account")
            .map(|a| f.check(a, spec::check_account));
        let region = f.required_str("region").map(|r| f.check_region(r));
        let environment = f.environment("environment").unwrap_or_default();
        let approval = match wave {
            Some(w) => {
                if let Some(field) = f.take("approval") {
                    f.diag.error(
                        field.name_span(),
                        format!("a stage inside a wave has no approval of its own: it belongs on wave `{}`, which releases all its stages at once", w.name),
                    );
                }
                None
            }
            None => f.approval(),
        };
        let selected = f.list("stacks", |g, item| match item {
            Value::Ident(i) => {
                let text = i.to_string();
                if !stacks.contains(&text.as_str()) {
                    let hint = did_you_mean_or(&text, stacks, || {
                        format!("; the stacks are {}", list(stacks))
                    });
                    g.diag.error(i.span(), format!("no stack `{text}`{hint}"));
                }
                Some((text, i.span()))
            }
            other => {
                g.diag.error(
                    other.span(),
                    format!("expected the name of a stack, found {}", other.describe()),
                );
                None
            }
        });
        let stacks_of_stage = match selected {
            Some(list) => {
                let mut names: Vec<String> = Vec::new();
                for (n, span) in list {
                    if names.contains(&n) {
                        f.diag.error(span, format!("stack `{n}` is listed twice"));
                    } else {
                        names.push(n);
                    }
                }
                names
            }
            None => stacks.iter().map(|s| s.to_string()).collect(),
        };
        let pre = f.commands("pre");
        let verify = f.commands("verify");
        let protect = f.bool("protect").unwrap_or(false);
        f.finish();
        Stage {
            name,
            doc,
            account: account.unwrap_or_default(),
            region: region.unwrap_or_default(),
            environment,
            approval,
            stacks: stacks_of_stage,
            pre,
            verify,
            protect,
            wave: wave.map(|w| w.name.to_string()),
        }
    }

    /// Wave and stage names share one namespace: both become pipeline stage names (and
    /// stage names, stack name prefixes).
    pub(super) fn wave_names(
        &mut self,
        waves: &[&WaveBlock],
        stages: &[(Option<&WaveBlock>, &StageBlock)],
    ) {
        let mut seen: Vec<String> = stages.iter().map(|(_, s)| s.name.to_string()).collect();
        for wave in waves {
            let text = wave.name.to_string();
            if seen.contains(&text) {
                self.diag.error(
                    wave.name.span(),
                    format!("duplicate name `{text}`: waves and stages share one namespace (both name pipeline stages)"),
                );
            } else {
                seen.push(text);
            }
        }
    }

    /// A `wave` block: its approval and `pre` steps (its stages are lowered as stages).
    pub(super) fn wave(&mut self, block: &WaveBlock) -> Wave {
        let name = self.block_name(&block.name);
        self.spans.insert(Site::wave(&name), block.name.span());
        let fields = block.fields();
        for field in StageField::ALL {
            if let Some(written) = fields.iter().find(|f| f.name.text() == field.name()) {
                self.spans
                    .insert(Site::wave_field(&name, field), written.value_span());
            }
        }
        let doc = self.docs(&block.docs);
        self.syntax_errors(&block.errors);
        let mut stages = 0;
        for member in &block.members {
            match member {
                WaveMember::Stage(_) => stages += 1,
                WaveMember::Field(_) => {}
                WaveMember::Unknown(u) => {
                    let keyword = u.keyword.to_string();
                    self.diag.error(
                        u.keyword.span(),
                        format!(
                            "unknown block `{keyword}` in wave `{name}`{}",
                            suggestion(&keyword, syntax::WAVE_KEYWORDS)
                        ),
                    )
                }
            }
        }
        if stages == 0 {
            self.diag.error(
                block.name.span(),
                format!("wave `{name}` has no stage: a wave deploys one or more `stage NAME {{ ... }}` blocks side by side"),
            );
        }
        let what = format!("wave `{name}`");
        let mut f = Fields::new(&mut self.diag, what, block.name.span(), &fields);
        let approval = f.approval();
        let pre = f.commands("pre");
        f.finish();
        Wave {
            name,
            doc,
            approval,
            pre,
        }
    }

    /// A `verify` step reads the stage's stack outputs: a stage whose stacks have none
    /// (no block at all) has nothing to verify against.
    pub(super) fn verify_has_outputs(
        &mut self,
        stage: &Stage,
        block: &StageBlock,
        stacks: &[(Stack, Vec<(String, FieldSpan)>)],
    ) {
        if stage.verify.is_empty() {
            return;
        }
        let has_outputs = stacks
            .iter()
            .filter(|(s, _)| stage.stacks.contains(&s.name))
            .any(|(s, _)| !s.output_names().is_empty());
        if !has_outputs {
            let span = block
                .fields
                .fields
                .iter()
                .find(|f| f.name.text() == "verify")
                .map(|f| f.name_span())
                .unwrap_or(block.name.span());
            self.diag.error(
                span,
                format!("stage `{}` has `verify` steps but its stacks have no outputs to check (no lambda, api, table, queue, bucket or topic)", stage.name),
            );
        }
    }
}
