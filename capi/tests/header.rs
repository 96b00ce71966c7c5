//! The committed `include/annoy.h` must be exactly what cbindgen generates from `capi/src`, and
//! its version macros must match Cargo.toml (the C suite checks them against `annoy_version()`).
//! Regenerate with `ANNOY_WRITE_HEADER=1 cargo test --test header`.

use std::path::Path;

#[test]
fn committed_header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = crate_dir.join("..");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let mut fresh = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut fresh);
    let fresh = String::from_utf8(fresh).unwrap();
    let path = root.join("include/annoy.h");
    if std::env::var_os("ANNOY_WRITE_HEADER").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/annoy.h is stale: run `ANNOY_WRITE_HEADER=1 cargo test --test header`"
    );
}

#[test]
fn version_macros_match_the_package() {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/annoy.h"))
            .unwrap();
    for (name, value) in [
        ("ANNOY_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("ANNOY_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("ANNOY_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(
            header.contains(&format!("#define {name} {value}\n")),
            "{name} != {value}"
        );
    }
}
