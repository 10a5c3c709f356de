//! What every function of the package uses: a declaration in the library applies to each
//! binary.

pipewright_links::links! {
    /// The queue of jobs, which every function sends to.
    pub struct Shared {
        jobs: Queue(Jobs, Send),
    }
}
