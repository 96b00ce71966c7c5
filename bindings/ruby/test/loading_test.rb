# frozen_string_literal: true

require_relative "test_helper"
require "open3"
require "fileutils"
require "rbconfig"

# Where the shared library comes from, and the version check at load.
class LoadingTest < Minitest::Test
  include AnnoyTestHelper

  LIB_DIR = File.join(BINDING_DIR, "lib")
  PROBE = 'require "annoy"; print Annoy.library_path, " ", Annoy.library_version'

  # Runs a fresh Ruby that requires the gem from +lib_dir+; returns [stdout+stderr, success?].
  def ruby_with(env, lib_dir: LIB_DIR, code: PROBE)
    out, status = Open3.capture2e(env, RbConfig.ruby, "-I", lib_dir, "-e", code)
    [out, status.success?]
  end

  def real_library
    Annoy.library_path
  end

  # A copy of the gem's lib/ outside the source checkout, so that only the vendored and system
  # places can supply the library.
  def with_gem_copy
    with_tmpdir do |dir|
      FileUtils.cp_r(LIB_DIR, dir)
      FileUtils.rm_f(Dir[File.join(dir, "lib/annoy/native/*.so*")])
      yield File.join(dir, "lib"), dir
    end
  end

  def test_loaded_library_reports_a_compatible_version
    major, minor, = Annoy.library_version.split(".").map(&:to_i)
    assert_equal Annoy::LIBRARY_MAJOR, major
    assert_operator minor, :>=, Annoy::LIBRARY_MIN_MINOR if major.zero?
    assert File.exist?(Annoy.library_path) || Annoy.library_path.start_with?("libannoy")
  end

  def test_annoy_library_overrides_the_search
    with_tmpdir do |dir|
      copy = File.join(dir, "libannoy-copy.so")
      FileUtils.cp(real_library, copy)
      out, ok = ruby_with({ "ANNOY_LIBRARY" => copy })
      assert ok, out
      assert_equal "#{copy} #{Annoy.library_version}", out
    end
  end

  def test_a_bad_annoy_library_raises_load_error_without_falling_back
    out, ok = ruby_with({ "ANNOY_LIBRARY" => "/nonexistent/libannoy.so" },
                        code: 'begin; require "annoy"; rescue LoadError => e; print "LoadError: ", e.message; end')
    assert ok, out
    assert_match(/LoadError: annoy: cannot load/, out)
    assert_match(%r{/nonexistent/libannoy\.so \(ANNOY_LIBRARY\)}, out)
    refute_match(/source checkout/, out, "nothing else is tried when ANNOY_LIBRARY is set")
  end

  def test_source_checkout_library_is_found_without_the_variable
    out, ok = ruby_with({ "ANNOY_LIBRARY" => nil })
    assert ok, out
    expected = File.expand_path("../../target/release/libannoy.so", BINDING_DIR)
    assert_equal expected, out.split.first
  end

  def test_library_vendored_in_the_gem_comes_first
    with_gem_copy do |lib, _|
      vendored = File.join(lib, "annoy/native/libannoy.so")
      FileUtils.cp(real_library, vendored)
      out, ok = ruby_with({ "ANNOY_LIBRARY" => nil }, lib_dir: lib)
      assert ok, out
      assert_equal vendored, out.split.first
    end
  end

  def test_system_library_by_soname_is_the_last_resort
    with_gem_copy do |lib, dir|
      sys = File.join(dir, "sys")
      FileUtils.mkdir_p(sys)
      FileUtils.cp(real_library, File.join(sys, "libannoy.so.0"))
      out, ok = ruby_with({ "ANNOY_LIBRARY" => nil, "LD_LIBRARY_PATH" => sys }, lib_dir: lib)
      assert ok, out
      assert_equal "libannoy.so.0", out.split.first

      system_has_it = `ldconfig -p 2>/dev/null`.include?("libannoy.so.0")
      next if system_has_it

      out, ok = ruby_with({ "ANNOY_LIBRARY" => nil, "LD_LIBRARY_PATH" => nil }, lib_dir: lib,
                          code: 'begin; require "annoy"; rescue LoadError => e; print e.message; end')
      assert ok, out
      assert_match(/cannot load the annoy shared library/, out)
      assert_match(/vendored in the gem/, out)
      assert_match(/libannoy\.so\.0 \(system library\)/, out)
      assert_match(/cargo build --release --lib/, out)
    end
  end

  def fake_library(dir, version, extra = "")
    cc = ENV.fetch("CC", "cc")
    skip "no C compiler to build a fake library" unless system("command -v #{cc} >/dev/null 2>&1")
    src = File.join(dir, "fake.c")
    File.write(src, "const char *annoy_version(void) { return \"#{version}\"; }\n#{extra}")
    so = File.join(dir, "libfake-#{version}.so")
    assert system(cc, "-shared", "-fPIC", "-o", so, src), "compiling the fake library"
    so
  end

  def test_other_major_version_raises_a_clear_load_error
    with_tmpdir do |dir|
      so = fake_library(dir, "1.0.0")
      out, ok = ruby_with({ "ANNOY_LIBRARY" => so },
                          code: 'begin; require "annoy"; rescue LoadError => e; print "LoadError: ", e.message; end')
      assert ok, out
      assert_match(/LoadError: annoy: .*libfake-1\.0\.0\.so is libannoy 1\.0\.0, but the annoy-rs gem/, out)
      assert_match(/needs libannoy 0\.\d+/, out)
    end
  end

  def test_older_minor_version_and_missing_functions_raise_load_error
    with_tmpdir do |dir|
      so = fake_library(dir, "0.0.9")
      out, = ruby_with({ "ANNOY_LIBRARY" => so },
                       code: 'begin; require "annoy"; rescue LoadError => e; print "LoadError: ", e.message; end')
      assert_match(/LoadError: .*is libannoy 0\.0\.9/, out)

      so = fake_library(dir, "0.#{Annoy::LIBRARY_MIN_MINOR}.0")
      out, = ruby_with({ "ANNOY_LIBRARY" => so },
                       code: 'begin; require "annoy"; rescue LoadError => e; print "LoadError: ", e.message; end')
      assert_match(/LoadError: .*lacks a function the gem needs/, out)
    end
  end

  def test_gemspec_loads_and_lists_the_library_code
    spec = Gem::Specification.load(File.join(BINDING_DIR, "annoy-rs.gemspec"))
    refute_nil spec
    assert_equal Annoy::VERSION, spec.version.to_s
    assert_includes spec.files, "lib/annoy.rb"
    assert_includes spec.files, "lib/annoy/index.rb"
    assert(spec.runtime_dependencies.any? { |d| d.name == "ffi" })
  end
end
