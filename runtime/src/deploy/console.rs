//! What a command shows: results on stdout (change tables, diffs, outputs), progress and
//! notes on stderr, either as live bars (a terminal) or one line per CloudFormation event
//! (CI logs, `--progress events`), and the yes/no questions.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_cloudformation::types::StackEvent;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// A live bar per stack.
    Bar,
    /// One line per event.
    Events,
    /// Bars on a terminal, unless `CI` is set; events otherwise.
    Auto,
}

impl Progress {
    /// What `Auto` means here and now.
    pub fn resolve(self) -> Progress {
        match self {
            Progress::Auto => {
                let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
                if std::io::stderr().is_terminal() && !ci {
                    Progress::Bar
                } else {
                    Progress::Events
                }
            }
            other => other,
        }
    }
}

/// The console of a command. Cloning shares it.
#[derive(Clone)]
pub struct Console {
    inner: Arc<Inner>,
}

struct Inner {
    progress: Progress,
    bars: Option<MultiProgress>,
    /// Lines written, when capturing (tests).
    captured: Option<Mutex<Vec<String>>>,
    /// Answers to questions, when capturing; `None` reads stdin.
    answers: Mutex<Option<Vec<bool>>>,
    /// One question at a time, and no progress drawn over it.
    asking: tokio::sync::Mutex<()>,
    /// Stacks CloudFormation is working on for this command: named when interrupted.
    in_flight: Mutex<BTreeSet<String>>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("progress", &self.inner.progress)
            .finish()
    }
}

impl Console {
    /// A console on the process's stdout and stderr.
    pub fn new(progress: Progress) -> Console {
        let progress = progress.resolve();
        let bars = (progress == Progress::Bar)
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Console::with(progress, bars, None, None)
    }

    /// A console that records every line instead of printing it, and answers questions
    /// from `answers` in order (no answer left: "no"). For tests.
    pub fn capturing(answers: Vec<bool>) -> Console {
        Console::with(
            Progress::Events,
            None,
            Some(Mutex::new(Vec::new())),
            Some(answers),
        )
    }

    fn with(
        progress: Progress,
        bars: Option<MultiProgress>,
        captured: Option<Mutex<Vec<String>>>,
        answers: Option<Vec<bool>>,
    ) -> Console {
        Console {
            inner: Arc::new(Inner {
                progress,
                bars,
                captured,
                answers: Mutex::new(answers),
                asking: tokio::sync::Mutex::new(()),
                in_flight: Mutex::new(BTreeSet::new()),
            }),
        }
    }

    /// The lines recorded by a capturing console.
    pub fn captured(&self) -> Vec<String> {
        self.inner
            .captured
            .as_ref()
            .map(|c| c.lock().expect("console lock").clone())
            .unwrap_or_default()
    }

    /// How progress is shown.
    pub fn progress(&self) -> Progress {
        self.inner.progress
    }

    fn capture(&self, text: &str) -> bool {
        match &self.inner.captured {
            Some(lines) => {
                lines
                    .lock()
                    .expect("console lock")
                    .extend(text.lines().map(str::to_owned));
                true
            }
            None => false,
        }
    }

    /// A result, on stdout.
    pub fn out(&self, text: &str) {
        if self.capture(text) {
            return;
        }
        let print = || {
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{text}");
            let _ = stdout.flush();
        };
        match &self.inner.bars {
            Some(bars) => bars.suspend(print),
            None => print(),
        }
    }

    /// A note or a progress line, on stderr.
    pub fn note(&self, text: &str) {
        if self.capture(text) {
            return;
        }
        match &self.inner.bars {
            Some(bars) => {
                let _ = bars.println(text);
            }
            None => eprintln!("{text}"),
        }
    }

    /// Whether a question can be answered: stdin is a terminal (or, in tests, answers
    /// were given). Without one, a change that needs approval is refused, as the CDK does.
    pub fn can_ask(&self) -> bool {
        self.inner.answers.lock().expect("console lock").is_some() || std::io::stdin().is_terminal()
    }

    /// Asks a yes/no question on stderr and reads the answer from stdin (a line starting
    /// with `y`); end of input is "no". One question at a time.
    pub async fn confirm(&self, question: &str) -> bool {
        let _one_at_a_time = self.inner.asking.lock().await;
        if let Some(answers) = self.inner.answers.lock().expect("console lock").as_mut() {
            self.capture(question);
            return if answers.is_empty() {
                false
            } else {
                answers.remove(0)
            };
        }
        let ask = || {
            eprint!("{question} (y/n) ");
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            match std::io::stdin().lock().read_line(&mut line) {
                Ok(0) | Err(_) => {
                    eprintln!();
                    false
                }
                Ok(_) => line.trim_start().to_ascii_lowercase().starts_with('y'),
            }
        };
        match &self.inner.bars {
            Some(bars) => bars.suspend(ask),
            None => ask(),
        }
    }

    /// Progress of one stack operation over `total` resources.
    pub fn stack(&self, stack: &str, verb: &str, total: u64) -> StackProgress {
        let bar = self.inner.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new(total.max(1)));
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix:.bold} [{bar:24}] {pos}/{len} {wide_msg}",
                )
                .expect("valid progress template")
                .progress_chars("=> "),
            );
            bar.set_prefix(format!("{stack} ({verb})"));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        StackProgress {
            console: self.clone(),
            stack: stack.to_owned(),
            bar,
            done: Mutex::new(BTreeSet::new()),
        }
    }

    /// A spinner for a task that runs a while (a rehearsal's action), on a terminal; nothing
    /// elsewhere (the task's start and end lines say it all there).
    pub fn task(&self, name: &str) -> TaskProgress {
        let bar = self.inner.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {elapsed:>4} {wide_msg}")
                    .expect("valid progress template"),
            );
            bar.set_prefix(name.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        TaskProgress { bar }
    }

    /// Marks a stack as being worked on by CloudFormation (or not any more).
    pub fn set_in_flight(&self, stack: &str, in_flight: bool) {
        let mut set = self.inner.in_flight.lock().expect("console lock");
        if in_flight {
            set.insert(stack.to_owned());
        } else {
            set.remove(stack);
        }
    }

    /// The stacks CloudFormation is working on for this command.
    pub fn in_flight(&self) -> Vec<String> {
        self.inner
            .in_flight
            .lock()
            .expect("console lock")
            .iter()
            .cloned()
            .collect()
    }

    /// Removes every bar (before a final message).
    pub fn clear(&self) {
        if let Some(bars) = &self.inner.bars {
            let _ = bars.clear();
        }
    }
}

/// The spinner of a running task; removed when dropped.
pub struct TaskProgress {
    bar: Option<ProgressBar>,
}

impl TaskProgress {
    /// What the task is doing now (the last line of its log).
    pub fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_owned());
        }
    }
}

impl Drop for TaskProgress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The progress of one stack: a bar, or event lines.
pub struct StackProgress {
    console: Console,
    stack: String,
    bar: Option<ProgressBar>,
    done: Mutex<BTreeSet<String>>,
}

impl StackProgress {
    /// Reports a CloudFormation event.
    pub fn event(&self, event: &StackEvent) {
        let status = event
            .resource_status()
            .map(|s| s.as_str())
            .unwrap_or_default();
        let logical = event.logical_resource_id().unwrap_or_default();
        let kind = event.resource_type().unwrap_or_default();
        match &self.bar {
            Some(bar) => {
                let finished = status.ends_with("_COMPLETE") || status.ends_with("_SKIPPED");
                if logical != self.stack
                    && finished
                    && self
                        .done
                        .lock()
                        .expect("progress lock")
                        .insert(logical.to_owned())
                {
                    bar.inc(1);
                }
                bar.set_message(format!("{status} {logical}"));
                if status.ends_with("_FAILED") {
                    let reason = event.resource_status_reason().unwrap_or_default();
                    self.console.note(&format!(
                        "{} | {status} | {kind} | {logical} | {reason}",
                        self.stack
                    ));
                }
            }
            None => self.console.note(&format_event(&self.stack, event)),
        }
    }

    /// Reports something else about the stack.
    pub fn message(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(text.to_owned()),
            None => self.console.note(&format!("{} | {text}", self.stack)),
        }
    }

    /// Ends the progress with a last line.
    pub fn finish(&self, text: &str) {
        if let Some(bar) = &self.bar {
            if let Some(len) = bar.length() {
                bar.set_position(len);
            }
            bar.finish_and_clear();
        }
        self.console.note(&format!("{}: {text}", self.stack));
    }
}

/// One event as a line: `STACK | 12:00:01 | UPDATE_COMPLETE | AWS::Lambda::Function | Id | reason`.
pub fn format_event(stack: &str, event: &StackEvent) -> String {
    let time = event
        .timestamp()
        .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
        .map(|t| t.get(11..19).unwrap_or(&t).to_owned())
        .unwrap_or_default();
    let mut line = format!(
        "{stack} | {time} | {} | {} | {}",
        event
            .resource_status()
            .map(|s| s.as_str())
            .unwrap_or_default(),
        event.resource_type().unwrap_or_default(),
        event.logical_resource_id().unwrap_or_default(),
    );
    if let Some(reason) = event.resource_status_reason().filter(|r| !r.is_empty()) {
        line.push_str(" | ");
        line.push_str(&super::error::one_line(reason));
    }
    line
}
