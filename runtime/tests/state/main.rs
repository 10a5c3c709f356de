//! The stateful blocks, links and events of a stack (DSL.md's `stack Orders`, plus a
//! `Projector` lambda for the stream and topic events) synthesize to the template CDK's
//! constructs would make: the resources and their removal policies, outputs
//! ([`blocks`]); grants per access level, link variables, event sources on the `Current`
//! alias, the dead-letter alarm in the canary ([`wiring`]); and cfn-lint and checkov find
//! nothing in it ([`lint`]).

mod blocks;
mod cdk;
mod lint;
mod program;
mod wiring;
