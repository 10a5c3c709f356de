#!/usr/bin/env python3
"""Runs the workspace's tests as `cargo test --workspace` would, two test binaries at a time.

Cargo runs test binaries one after another. Most of ours spend their time waiting on
something else (moto, cfn-lint, checkov, the CDK CLI, a build in another target directory),
so on a 2-core machine two at a time finish sooner. Each binary runs from its package's
directory with the variables `cargo test` sets at run time; its output is printed whole
when it ends. The doc tests run last, through Cargo. Exit status 1 if anything failed.

With `PIPEWRIGHT_LINT=1` (CI), the build is also clippy's, with warnings as errors: the
workspace's crates are compiled by clippy-driver (`RUSTC_WORKSPACE_WRAPPER`, as
`cargo clippy` runs it), every target included, so the lints cost no second compilation of
the dependencies. The test binaries run without it (the builds they start compile as a
user's would: trybuild's expected errors hold no lints).

Usage: scripts/parallel-tests.py [JOBS]   (default: the number of CPUs, at least 2)
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

# The binaries that take longest first, so that the short ones fill in around them.
SLOW_FIRST = [
    "rehearse",
    "engine",
    "adoption",
    "ui",  # the language suite (trybuild)
    "language",
    "deploy_assets",
    "deploy_moto",
    "checkov",
    "moto_fixes",
    "cdk_cli",
    "pipeline",
]


def lint_env():
    """The variables that make the build clippy's, when asked for."""
    if os.environ.get("PIPEWRIGHT_LINT") != "1":
        return {}
    rustc = subprocess.run(["rustup", "which", "rustc"], stdout=subprocess.PIPE, text=True,
                           check=True).stdout.strip()
    return {
        "RUSTC_WORKSPACE_WRAPPER": os.path.join(os.path.dirname(rustc), "clippy-driver"),
        "CLIPPY_ARGS": "-Dwarnings",
    }


def test_binaries(cargo, lint):
    """Builds every test target of the workspace; returns (name, executable, package dir)."""
    targets = ["--all-targets"] if lint else []
    started, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    build = subprocess.run(
        [cargo, "test", "--workspace", "--no-run", *targets,
         "--message-format=json-render-diagnostics"],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, **lint),
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"===== the test build: {time.monotonic() - started:.0f} s, {cpu:.0f} CPU s", flush=True)
    if build.returncode != 0:
        sys.exit(build.returncode)
    binaries = []
    for line in build.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact" or not message.get("executable"):
            continue
        if not message["profile"]["test"] or "bench" in message["target"]["kind"]:
            continue
        package_dir = os.path.dirname(message["manifest_path"])
        binaries.append((message["target"]["name"], message["executable"], package_dir))
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    return sorted(binaries, key=lambda b: rank.get(b[0], len(SLOW_FIRST)))


def dylib_path():
    """Where `cargo test` lets test binaries find Rust's shared libraries: a proc-macro
    crate's unit tests link libstd dynamically."""
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout.strip()
    version = subprocess.run(["rustc", "-vV"], stdout=subprocess.PIPE, text=True,
                             check=True).stdout
    host = next(line.split(": ", 1)[1] for line in version.splitlines()
                if line.startswith("host: "))
    paths = [os.path.join(sysroot, "lib", "rustlib", host, "lib"), os.path.join(sysroot, "lib")]
    if os.environ.get("LD_LIBRARY_PATH"):
        paths.append(os.environ["LD_LIBRARY_PATH"])
    return os.pathsep.join(paths)


def run(job, cargo, results, lock, extra_env=None):
    """Runs one test binary; records its wall time and the CPU time of it and of every
    process it waited for (builds, moto, cfn-lint...): on a shared machine the CPU time is
    the figure that says what a binary costs."""
    name, command, cwd = job
    env = dict(os.environ, CARGO=cargo, CARGO_MANIFEST_DIR=cwd, LD_LIBRARY_PATH=DYLIB_PATH,
               **(extra_env or {}))
    started = time.monotonic()
    with tempfile.TemporaryFile() as output:
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=output,
                                 stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = code = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode(errors="replace")
    seconds = time.monotonic() - started
    cpu = usage.ru_utime + usage.ru_stime
    with lock:
        print(f"\n===== {name} ({' '.join(command[:3])}): {seconds:.0f} s, {cpu:.0f} CPU s, "
              f"{'ok' if code == 0 else 'FAILED'}", flush=True)
        print(text, end="", flush=True)
        results.append((name, seconds, cpu, code))


DYLIB_PATH = dylib_path()


def main():
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else max(2, os.cpu_count() or 2)
    cargo = os.environ.get("CARGO") or shutil.which("cargo")
    lint = lint_env()
    queue = [(f"{name} {os.path.relpath(cwd)}", [exe], cwd)
             for name, exe, cwd in test_binaries(cargo, lint)]
    results, lock = [], threading.Lock()
    pending = list(queue)

    def lane():
        while True:
            with lock:
                if not pending:
                    return
                job = pending.pop(0)
            run(job, cargo, results, lock)

    lanes = [threading.Thread(target=lane) for _ in range(jobs)]
    for t in lanes:
        t.start()
    for t in lanes:
        t.join()
    # The doc tests compile as they run: through Cargo, once the binaries are done, against
    # the libraries the build compiled (so with its variables).
    run(("doc tests", [cargo, "test", "--workspace", "--doc"], os.getcwd()), cargo, results, lock,
        lint)

    print("\n===== test binaries by time (wall, CPU)")
    for name, seconds, cpu, code in sorted(results, key=lambda r: -r[1]):
        print(f"{seconds:7.0f} s {cpu:7.0f} CPU s  {'ok    ' if code == 0 else 'FAILED'}  {name}")
    failed = [name for name, _, _, code in results if code != 0]
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
