# frozen_string_literal: true

# The source gem's build step: `gem install` runs this, then `make`. The Makefile builds
# libannoy from the Rust sources shipped in ext/annoy/rust with cargo (Rust >= 1.89 needed;
# cargo fetches the crates named in Cargo.lock) and puts the stripped shared library where
# Annoy::Native looks first after ANNOY_LIBRARY: lib/annoy/native/ inside the installed gem.
require "rbconfig"

cargo = ENV.fetch("CARGO", "cargo")
unless system(cargo, "--version", out: File::NULL, err: File::NULL)
  abort "annoy-rs: building the library needs cargo (https://rustup.rs), or install the " \
        "platform gem (annoy-rs-<version>-x86_64-linux.gem), which carries it prebuilt"
end

here = __dir__
rust = File.join(here, "rust")
native = File.expand_path("../../lib/annoy/native", here)
target = ENV.fetch("CARGO_TARGET_DIR", File.join(here, "target"))
so = RbConfig::CONFIG["host_os"].match?(/darwin/) ? "libannoy.dylib" : "libannoy.so"
strip = RbConfig::CONFIG["host_os"].match?(/darwin/) ? "strip -x" : "strip --strip-unneeded"

File.write("Makefile", <<~MAKE)
  all:
  \tCARGO_TARGET_DIR="#{target}" CARGO_PROFILE_RELEASE_DEBUG=0 "#{cargo}" build --release --locked --manifest-path "#{rust}/Cargo.toml" -p annoy-capi --lib
  \tmkdir -p "#{native}"
  \tcp "#{target}/release/#{so}" "#{native}/#{so}"
  \t#{strip} "#{native}/#{so}"
  install: all
  clean:
  .PHONY: all install clean
MAKE
