//! The stateful blocks of a stack (tables, queues, buckets, topics), declared before the
//! lambdas whose grants, variables and event sources refer to them; and their outputs.

use std::collections::BTreeMap;

use crate::cfn::resources::{cloud_watch, dynamo_db, s3, sns};
use crate::cfn::{GenericHandle, Handle, Output, Template, TemplateError, Value};
use crate::spec::{Event, Lambda, Stack};

use super::bucket::bucket;
use super::queue::{queue, QueueResources};
use super::resource::resource;
use super::table::table;
use super::topic::topic;

/// The resources of a stack's stateful blocks, by block name.
#[derive(Default)]
pub(super) struct State {
    pub tables: BTreeMap<String, Handle<dynamo_db::Table>>,
    pub queues: BTreeMap<String, QueueResources>,
    pub buckets: BTreeMap<String, Handle<s3::Bucket>>,
    pub topics: BTreeMap<String, Handle<sns::Topic>>,
    pub resources: BTreeMap<String, GenericHandle>,
}

impl State {
    /// The alarms on the dead-letter queues of the queues `lambda` consumes through an
    /// event: they roll its canary back, as its error alarm does.
    pub fn dead_letter_alarms(&self, lambda: &Lambda) -> Vec<Handle<cloud_watch::Alarm>> {
        lambda
            .events
            .iter()
            .filter_map(|event| match event {
                Event::Queue { queue, .. } => self.queues.get(queue),
                _ => None,
            })
            .filter_map(|q| q.dead_letter.as_ref().map(|dl| dl.alarm.clone()))
            .collect()
    }
}

/// Declares every table, queue, bucket, topic and resource of the stack, in that order.
pub(super) fn declare(t: &mut Template, stack: &Stack) -> Result<State, TemplateError> {
    let mut state = State::default();
    for spec in &stack.tables {
        state.tables.insert(spec.name.clone(), table(t, spec)?);
    }
    for spec in &stack.queues {
        state.queues.insert(spec.name.clone(), queue(t, spec)?);
    }
    for spec in &stack.buckets {
        state.buckets.insert(spec.name.clone(), bucket(t, spec)?);
    }
    for spec in &stack.topics {
        state.topics.insert(spec.name.clone(), topic(t, spec)?);
    }
    for spec in &stack.resources {
        state
            .resources
            .insert(spec.name.clone(), resource(t, stack, spec)?);
    }
    Ok(state)
}

/// The outputs of the stateful blocks, after the lambdas' and the apis': their names are
/// the next of [`Stack::output_names`], in its order (tables, queues and their dead-letter
/// queues, buckets, topics, resources).
pub(super) fn add_outputs(
    t: &mut Template,
    stack: &Stack,
    state: &State,
) -> Result<(), TemplateError> {
    let mut values: Vec<(String, Value<String>)> = Vec::new();
    for spec in &stack.tables {
        values.push((
            format!("Name of the {} table", spec.name),
            state.tables[&spec.name].reference(),
        ));
    }
    for spec in &stack.queues {
        let q = &state.queues[&spec.name];
        values.push((
            format!("URL of the {} queue", spec.name),
            q.queue.reference(),
        ));
        if let Some(dl) = &q.dead_letter {
            values.push((
                format!("URL of the dead-letter queue of {}", spec.name),
                dl.queue.reference(),
            ));
        }
    }
    for spec in &stack.buckets {
        values.push((
            format!("Name of the {} bucket", spec.name),
            state.buckets[&spec.name].reference(),
        ));
    }
    for spec in &stack.topics {
        values.push((
            format!("ARN of the {} topic", spec.name),
            state.topics[&spec.name].reference(),
        ));
    }
    for spec in &stack.resources {
        values.push((
            format!("Ref of the {} resource ({})", spec.name, spec.type_name),
            state.resources[&spec.name].reference(),
        ));
    }
    // The lambdas' and apis' outputs are declared: the stateful blocks' come next.
    let declared = t.outputs().count();
    let names = stack.output_names().into_iter().skip(declared);
    for (name, (description, value)) in names.zip(values) {
        t.add_output(
            name,
            Output {
                description: Some(description),
                value,
                export: None,
            },
        )?;
    }
    Ok(())
}
