# frozen_string_literal: true

require_relative "test_helper"
require "json"
require "tmpdir"

# The shared conformance cases (tests/conformance/cases.json), run through Annoy::Index: the
# Rust, C, Go and Python suites run the same file. An error's +code+ is the library's status.
class ConformanceTest < Minitest::Test
  CASES = ENV["ANNOY_CONFORMANCE_CASES"] ||
          File.expand_path("../../../tests/conformance/cases.json", __dir__)
  DOC = JSON.parse(File.read(CASES))
  STATUS_NAME = DOC["statuses"].invert

  def floats(values)
    special = { "nan" => Float::NAN, "inf" => Float::INFINITY, "-inf" => -Float::INFINITY }
    values.map { |v| v.is_a?(String) ? special.fetch(v) : v.to_f }
  end

  def close?(got, want)
    (got - want).abs <= 1e-4 * (1 + want.abs)
  end

  def run_step(state, s, dir)
    file = -> { File.join(dir, s["file"]) }
    case s["op"]
    when "new" then state[:index] = Annoy::Index.new(s["dim"], s["metric"].to_sym)
    when "write_file" then File.binwrite(file.call, [s["hex"]].pack("H*"))
    else
      t = state[:index]
      case s["op"]
      when "seed" then t.seed = s["seed"]
      when "add" then t.add(s["id"], floats(s["vector"]))
      when "build" then t.build(s["n_trees"], threads: s["n_threads"])
      when "unbuild" then t.unbuild
      when "save" then t.save(file.call)
      when "load" then t.load(file.call)
      when "unload" then t.unload
      when "n_items" then assert_equal s["value"], t.n_items
      when "n_trees" then assert_equal s["value"], t.n_trees
      when "item"
        got = t.item_vector(s["id"])
        assert_equal floats(s["vector"]), got
      when "distance"
        got = t.distance(s["i"], s["j"])
        assert close?(got, s["distance"])
      when "query_item", "query_vector"
        kw = { search_k: s["search_k"], include_distances: true, allow: s["allow"] }
        ids, dists = if s["op"] == "query_item"
                       t.nearest_to_item(s["id"], s["n"], **kw)
                     else
                       t.nearest(floats(s["vector"]), s["n"], **kw)
                     end
        assert_equal s["ids"], ids
        dists.zip(s["distances"]).each { |d, w| assert close?(d, w), "#{d} vs #{w}" }
      else flunk "unknown op #{s['op']}"
      end
    end
  end

  DOC["cases"].each_with_index do |c, n|
    define_method("test_case_#{n}_#{c['name'].gsub(/\W+/, '_')}") do
      Dir.mktmpdir do |dir|
        state = {}
        c["steps"].each_with_index do |s, k|
          got = begin
            run_step(state, s, dir)
            "OK"
          rescue Annoy::Error => e
            STATUS_NAME.fetch(e.code, e.inspect)
          end
          assert_equal s.fetch("status", "OK"), got, "step #{k}: #{s}"
        end
        state[:index]&.close
      end
    end
  end
end
