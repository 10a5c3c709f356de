//! The worker: it declares its links where it reads them.

use pipewright_links::links;

fn main() {
    links! {
        struct Links {
            orders: Table(Orders, Read),
        }
    }
    let links = Links::from_env().unwrap_or_else(|e| panic!("{e}"));
    println!("orders {}", links.orders.name);
}
