//! The engine of the `deploy` program: the commands that talk to AWS, which `deploy` hands
//! over with its application. `deploy` has Cargo build it with `--features pipewright/aws`.

fn main() -> std::process::ExitCode {
    pipewright::cli::run_engine()
}
