//! The engine of the orders example's program (`examples/orders.rs`): the commands that talk
//! to AWS, which the program hands over with its application. Cargo builds it with
//! `--features pipewright/aws`.

fn main() -> std::process::ExitCode {
    pipewright::cli::run_engine()
}
