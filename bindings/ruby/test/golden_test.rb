# frozen_string_literal: true

require_relative "test_helper"
require "json"

# Index files written by Spotify's annoy 1.17.3: the binding loads them and gives annoy's ids
# (exactly) and distances (relative tolerance 1e-5, see tests/golden/README.md).
class GoldenTest < Minitest::Test
  include AnnoyTestHelper

  CASES = Dir[File.join(GOLDEN_DIR, "*.json")].sort

  def test_golden_files_are_present
    skip "no golden files at #{GOLDEN_DIR} (set ANNOY_GOLDEN_DIR)" if CASES.empty? && !File.directory?(GOLDEN_DIR)
    refute_empty CASES
  end

  def assert_close(want, got, msg)
    assert_in_delta want, got, 1e-5 * [want.abs, 1.0].max, msg
  end

  CASES.each do |json_path|
    name = File.basename(json_path, ".json")
    define_method("test_loads_file_written_by_annoy_1_17_#{name}") do
      spec = JSON.parse(File.read(json_path))
      ann = json_path.sub(/\.json\z/, ".ann")
      Annoy::Index.open(spec["f"], spec["metric"], ann) do |index|
        assert_equal spec["n_items"], index.n_items, "#{name}: n_items"
        # Annoy over-counts the trees of tiny indexes after load; libannoy reports the true
        # count, the one annoy gave after build.
        assert_equal spec["n_trees_after_build"], index.n_trees, "#{name}: n_trees"
        assert_equal spec["metric"].to_sym, index.metric
        spec["queries"].each_with_index do |q, qi|
          what = "#{name} query #{qi} (#{q['by']}, n=#{q['n']}, search_k=#{q['search_k']})"
          ids, dists =
            if q["by"] == "item"
              index.nearest_to_item(q["item"], q["n"], search_k: q["search_k"], include_distances: true)
            else
              index.nearest(q["vector"], q["n"], search_k: q["search_k"], include_distances: true)
            end
          assert_equal q["ids"], ids, "#{what}: ids"
          assert_equal q["distances"].size, dists.size, "#{what}: distance count"
          q["distances"].zip(dists).each { |want, got| assert_close want, got, "#{what}: distance" }
          # Without distances, the same ids.
          plain = q["by"] == "item" ? index.nearest_to_item(q["item"], q["n"], search_k: q["search_k"]) :
                                       index.nearest(q["vector"], q["n"], search_k: q["search_k"])
          assert_equal q["ids"], plain, "#{what}: ids without distances"
        end

        vector_queries = spec["queries"].select { |q| q["by"] == "vector" }
        vector_queries.group_by { |q| [q["n"], q["search_k"]] }.each do |(n, k), qs|
          batch = index.query_batch(qs.map { |q| q["vector"] }, n, search_k: k, threads: 2, include_distances: true)
          qs.zip(batch).each { |q, (ids, _)| assert_equal q["ids"], ids, "#{name}: batch n=#{n} search_k=#{k}" }
        end

        spec["item_vectors"].each do |id, vector|
          got = index.item_vector(Integer(id))
          assert_equal vector.size, got.size
          vector.zip(got).each { |want, g| assert_close want, g, "#{name}: item #{id}" }
        end
        spec["distances"].each do |i, j, d|
          assert_close d, index.distance(i, j), "#{name}: distance(#{i}, #{j})"
        end
      end
    end
  end
end
