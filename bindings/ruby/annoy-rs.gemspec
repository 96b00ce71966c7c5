# frozen_string_literal: true

require_relative "lib/annoy/version"

Gem::Specification.new do |spec|
  spec.name = "annoy-rs"
  spec.version = Annoy::VERSION
  spec.summary = "Approximate nearest neighbours (Spotify Annoy compatible) over the libannoy C library"
  spec.description = <<~TEXT
    A thin ruby-ffi binding to libannoy, a Rust reimplementation of Spotify's Annoy with a C ABI.
    Reads and writes Annoy's .ann files; no compiler needed on the deploy machine. Also
    provides the annoy-rb gem's Annoy::AnnoyIndex API, so annoy-rb programs run unchanged. The shared
    library is taken from ANNOY_LIBRARY, from lib/annoy/native/ inside the gem, from the source
    checkout, or from the system (libannoy.so.0).
  TEXT
  spec.license = "Apache-2.0"
  spec.homepage = "https://github.com/spotify/annoy"
  spec.authors = ["annoy-rs contributors"]
  spec.required_ruby_version = ">= 2.7"

  # build_gems.sh sets ANNOY_GEM_KIND: "platform" (the stripped library for this platform in
  # lib/annoy/native/) or "source" (the Rust sources in ext/annoy/rust/, built by cargo at
  # install time). A plain `gem build` makes a gem that uses the system's libannoy.so.0.
  kind = ENV.fetch("ANNOY_GEM_KIND", "")
  files = Dir.chdir(__dir__) { Dir["lib/**/*.rb", "README.md", "LICENSE", "annoy-rs.gemspec"] }
  case kind
  when "platform"
    spec.platform = ENV.fetch("ANNOY_GEM_PLATFORM", Gem::Platform.local.to_s)
    files += Dir.chdir(__dir__) { Dir["lib/annoy/native/*.{so,dylib}"] }
    raise "annoy-rs.gemspec: no library in lib/annoy/native/" if files.none? { |f| f.include?("/native/") }
  when "source"
    files += Dir.chdir(__dir__) { Dir["ext/annoy/extconf.rb", "ext/annoy/rust/**/*"].select { |f| File.file?(f) } }
    raise "annoy-rs.gemspec: no Rust sources in ext/annoy/rust/" unless files.include?("ext/annoy/rust/Cargo.toml")
    spec.extensions = ["ext/annoy/extconf.rb"]
  when ""
  else raise "annoy-rs.gemspec: ANNOY_GEM_KIND must be platform or source, not #{kind.inspect}"
  end
  spec.files = files
  spec.require_paths = ["lib"]

  spec.add_dependency "ffi", ">= 1.15", "< 2"
  spec.add_development_dependency "minitest", "~> 5.0"
end
