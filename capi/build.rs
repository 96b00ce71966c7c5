//! Gives the shared library a SONAME (`libannoy.so.MAJOR`), which Rust does not set itself,
//! so programs linked against it keep working across compatible upgrades.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libannoy.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
