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
  spec.authors = ["annoy-rs contributors"]
  spec.required_ruby_version = ">= 2.7"

  spec.files = Dir.chdir(__dir__) do
    Dir["lib/**/*.rb", "lib/annoy/native/*.{so,so.*,dylib}", "README.md", "annoy-rs.gemspec"]
  end
  spec.require_paths = ["lib"]

  spec.add_dependency "ffi", ">= 1.15", "< 2"
  spec.add_development_dependency "minitest", "~> 5.0"
end
