//! `cargo run -p pipewright-codegen`: regenerates `runtime/src/cfn/resources/` from
//! `runtime/codegen/schemas/`, then prints which properties are typed `Json`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pipewright-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let generated = pipewright_codegen::generate_from_dir(&pipewright_codegen::schemas_dir())?;
    let out = pipewright_codegen::output_dir();
    std::fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let names: Vec<&str> = generated.files.iter().map(|(n, _)| n.as_str()).collect();
    let mut changes = Vec::new();
    for entry in std::fs::read_dir(&out).map_err(|e| format!("reading {}: {e}", out.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let stale = name.ends_with(".rs")
            && !names.contains(&name)
            && std::fs::read_to_string(&path).is_ok_and(|c| pipewright_codegen::is_generated(&c));
        if stale {
            std::fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
            changes.push(format!("removed {}", path.display()));
        }
    }
    for (name, content) in &generated.files {
        let path = out.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|c| c == *content) {
            continue;
        }
        std::fs::write(&path, content).map_err(|e| format!("writing {}: {e}", path.display()))?;
        changes.push(format!("wrote {}", path.display()));
    }
    // Everything is written before anything is printed: a closed stdout cannot leave the
    // output half-generated.
    if changes.is_empty() {
        println!("{} is up to date", out.display());
    }
    for change in &changes {
        println!("{change}");
    }
    let model = &generated.model;
    println!(
        "{} resource types, {} structs, {} attributes",
        model.resources.len(),
        model
            .resources
            .iter()
            .map(|r| r.structs.len())
            .sum::<usize>(),
        model
            .resources
            .iter()
            .map(|r| r.attributes.len())
            .sum::<usize>()
    );
    println!("overrides:");
    for (type_name, location, replacement) in &model.overrides {
        println!("  {type_name} {location} -> {replacement:?}");
    }
    println!("typed Json:");
    for j in &model.json {
        println!("  {} {} ({})", j.type_name, j.location, j.reason);
    }
    Ok(())
}
