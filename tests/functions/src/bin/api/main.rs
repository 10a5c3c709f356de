//! The API function: its own links (in a module of its own) and the package's.

mod links;

fn main() {
    // At cold start: every missing variable in one line.
    let links = links::Links::from_env().unwrap_or_else(|e| panic!("{e}"));
    let shared = linked_functions::Shared::from_env().unwrap_or_else(|e| panic!("{e}"));
    println!(
        "orders {}, uploads {}, jobs {}",
        links.orders.name, links.uploads.name, shared.jobs.url
    );
}
