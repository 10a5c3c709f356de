//! The end of a rehearsal: a table of the actions (stage, action, result, time) and the
//! variables the stages published (their stacks' outputs: the API URLs).

use std::sync::Mutex;

use super::variables::Variables;
use crate::deploy::console::Console;

/// One action's line.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The stage.
    pub stage: String,
    /// The action.
    pub action: String,
    /// `succeeded`, `failed` or `waiting`.
    pub result: &'static str,
    /// How long it took.
    pub seconds: f64,
}

/// The actions run so far, in the order they ended.
#[derive(Debug, Default)]
pub struct Report {
    rows: Mutex<Vec<Row>>,
}

impl Report {
    /// Adds an action.
    pub fn add(&self, row: Row) {
        self.rows.lock().expect("report lock").push(row);
    }

    /// The table and the outputs, on stdout.
    pub fn print(&self, console: &Console, variables: &Variables) {
        console.out(&table(&self.rows.lock().expect("report lock"), variables));
    }
}

/// The text of the table and the outputs.
pub fn table(rows: &[Row], variables: &Variables) -> String {
    let width = |f: &dyn Fn(&Row) -> usize, title: &str| {
        rows.iter().map(f).max().unwrap_or(0).max(title.len())
    };
    let stage_width = width(&|r| r.stage.chars().count(), "stage");
    let action_width = width(&|r| r.action.chars().count(), "action");
    let mut out = format!(
        "\n{:stage_width$}  {:action_width$}  {:9}  {:>8}\n",
        "stage", "action", "result", "time"
    );
    for row in rows {
        out.push_str(&format!(
            "{:stage_width$}  {:action_width$}  {:9}  {:>7.1}s\n",
            row.stage, row.action, row.result, row.seconds
        ));
    }
    let mut outputs = String::new();
    for (namespace, values) in variables.namespaces() {
        for (name, value) in values {
            outputs.push_str(&format!("{namespace}.{name} = {value}\n"));
        }
    }
    if !outputs.is_empty() {
        out.push_str("\noutputs\n");
        out.push_str(&outputs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lines_up_and_lists_outputs() {
        let rows = vec![
            Row {
                stage: "Build".into(),
                action: "Synth".into(),
                result: "succeeded",
                seconds: 12.34,
            },
            Row {
                stage: "ProdBackend".into(),
                action: "Promote_to_Prod".into(),
                result: "waiting",
                seconds: 0.0,
            },
        ];
        let mut variables = Variables::default();
        variables.publish(
            "Prod-Stack",
            [("ApiUrl".to_owned(), "https://x/".to_owned())].into(),
        );
        let text = table(&rows, &variables);
        assert!(
            text.contains("Build        Synth            succeeded     12.3s"),
            "{text}"
        );
        assert!(text.contains("Prod-Stack.ApiUrl = https://x/"), "{text}");
    }
}
