//! The engine of the `deploy` program (pipeline.rs): the commands that talk to AWS, which
//! `deploy` hands over with its application. Cargo builds it with `--features pipewright/aws`.

fn main() -> std::process::ExitCode {
    pipewright::cli::run_engine()
}
