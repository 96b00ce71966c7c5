//! The C test suite (`c_tests/test_<area>.c`) compiled with the `cc` crate and run against the
//! `libannoy.so` that cargo built for this test run, so `cargo test` checks the C ABI too.
//! CMake/ctest, the sanitizers, valgrind and the packaging checks run from `c_tests/run.sh`.
//!
//! In a debug build the workloads are shrunk (`ANNOY_TEST_SMALL=1`); `c_tests/run.sh` runs
//! them at full size against the release library. `ANNOY_C_SUITE_LIB=/path/to/libannoy.so`
//! tests another build of the library.
//!
//! Unix only (the C tests use POSIX calls); the Windows build runs a subset of them under Wine
//! from `.ci/cross.sh`.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root (this crate is `capi/` in it).
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_suite")
}

/// Builds this crate's shared library with the profile and target directory of this test
/// and returns its path. `cargo test` builds this test but not the crate's cdylib (there is
/// no rlib to link it to), so the test asks for it: a no-op when it is up to date, and never
/// a stale copy.
fn build_cdylib() -> PathBuf {
    // Integration tests run from <target>/<profile>/deps.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let target_dir = profile_dir.parent().unwrap();
    let profile = match profile_dir.file_name().unwrap().to_str().unwrap() {
        "debug" => "dev",
        other => other,
    };
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "annoy-capi",
            "--lib",
            "--profile",
            profile,
        ])
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(root())
        .status()
        .expect("run cargo build for the shared library");
    assert!(status.success(), "cargo build -p annoy-capi failed");
    let lib = profile_dir.join("libannoy.so");
    assert!(lib.exists(), "{} missing after cargo build", lib.display());
    lib
}

/// A directory holding the library under test as `libannoy.so.<major>` (its SONAME, which the
/// test programs record) and `libannoy.so` (for `-lannoy`).
fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let built = match std::env::var_os("ANNOY_C_SUITE_LIB") {
            Some(path) => PathBuf::from(path),
            None => build_cdylib(),
        };
        let dir = work_dir().join("lib");
        std::fs::create_dir_all(&dir).unwrap();
        // copy + rename: programs of a concurrent run keep the file they mapped
        let soname = format!("libannoy.so.{}", env!("CARGO_PKG_VERSION_MAJOR"));
        let partial = dir.join(format!("{soname}.{}", std::process::id()));
        std::fs::copy(&built, &partial).unwrap();
        std::fs::rename(&partial, dir.join(&soname)).unwrap();
        match std::os::unix::fs::symlink(&soname, dir.join("libannoy.so")) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => panic!("symlink: {e}"),
            _ => {}
        }
        dir
    })
}

/// Compiles and links `sources` (in c_tests/) into an executable named `name`.
fn compile(name: &str, sources: &[&str], cpp: bool, flags: &[&str]) -> PathBuf {
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let compiler = cc::Build::new()
        .cpp(cpp)
        .target(&triple)
        .host(&triple)
        .opt_level(1)
        .debug(true)
        .cargo_metadata(false)
        .try_get_compiler()
        .expect("no C/C++ compiler found");
    let lib = lib_dir();
    let out = work_dir().join(format!("{name}-{}", std::process::id()));
    let mut cmd = compiler.to_command();
    cmd.args(flags)
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("c_tests"))
        .args(sources.iter().map(|s| root().join("c_tests").join(s)))
        .arg("-o")
        .arg(&out)
        .arg("-L")
        .arg(lib)
        .arg("-lannoy")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-pthread", "-lm"]);
    let output = cmd.output().expect("cannot run the C compiler");
    assert!(
        output.status.success(),
        "compiling {sources:?} failed: {cmd:?}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Builds `c_tests/test_<area>.c` and runs it; fails with its output unless it exits 0.
fn run_c_test(area: &str, args: &[&Path]) {
    let source = format!("test_{area}.c");
    let exe = compile(
        &format!("test_{area}"),
        &[&source],
        false,
        &["-std=c11", "-Wall", "-Wextra", "-Werror"],
    );
    run(&exe, args);
}

fn run(exe: &Path, args: &[&Path]) {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    if cfg!(debug_assertions) {
        cmd.env("ANNOY_TEST_SMALL", "1");
    }
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    assert!(
        output.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        exe.display(),
        output.status
    );
    let _ = std::fs::remove_file(exe);
}

#[test]
fn c_lifecycle() {
    run_c_test("lifecycle", &[]);
}

#[test]
fn c_build_and_query_every_metric() {
    run_c_test("build_query", &[]);
}

#[test]
fn c_save_and_load() {
    run_c_test("save_load", &[]);
}

#[test]
fn c_errors_and_misuse() {
    run_c_test("errors", &[]);
}

#[test]
fn c_threads_share_one_index() {
    run_c_test("threads", &[]);
}

#[test]
fn c_batch_and_scratch_queries() {
    run_c_test("batch", &[]);
}

#[test]
fn c_golden_files_from_annoy_1_17() {
    run_c_test("golden", &[&root().join("tests/golden")]);
}

#[test]
fn c_shared_conformance_cases() {
    run_c_test(
        "conformance",
        &[&root().join("tests/conformance/cases.json")],
    );
}

#[test]
fn c_processes_share_one_mapped_index() {
    run_c_test("shared_mmap", &[]);
}

#[test]
fn c_header_compiles_as_strict_c99_and_cpp11() {
    let c = compile(
        "test_header",
        &["test_header.c"],
        false,
        &["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"],
    );
    run(&c, &[]);
    let cpp = compile(
        "test_header_cpp",
        &["test_header_cpp.cpp"],
        true,
        &["-std=c++11", "-Wall", "-Wextra", "-Werror", "-pedantic"],
    );
    run(&cpp, &[]);
}
