# frozen_string_literal: true

require_relative "test_helper"

# Every metric: exhaustive search equals brute force, default search has good recall, and
# reported distances match the metric's definition.
class MetricsTest < Minitest::Test
  include AnnoyTestHelper

  N_ITEMS = 1000
  DIM = 24

  Annoy::Index::METRICS.each_key do |metric|
    define_method("test_#{metric}_recall_against_brute_force") do
      hamming = metric == :hamming
      dim = hamming ? 64 : DIM
      items = random_vectors(N_ITEMS, dim, seed: 7, hamming: hamming).map { |v| f32(v) }
      queries = random_vectors(40, dim, seed: 8, hamming: hamming).map { |v| f32(v) }
      index = build_index(metric, items, trees: 20)
      assert_equal metric, index.metric
      assert_equal dim, index.dim
      assert_equal N_ITEMS, index.n_items
      assert_equal 20, index.n_trees

      hits = total = 0
      queries.each do |q|
        exact = brute_force(metric, items, q, 10)
        exact_ids = exact.map(&:last)

        # Unlimited search (any negative search_k but -1) visits every item.
        ids, dists = index.nearest(q, 10, search_k: -2, include_distances: true)
        assert_equal 10, ids.size
        exact_dists = exact.map(&:first)
        dists.zip(exact_dists).each do |got, want|
          assert_in_delta want, got, 1e-4 * [1, want.abs].max, "#{metric}: distance of the k-th neighbour"
        end
        ids.zip(dists).each do |id, d|
          assert_in_delta ruby_distance(metric, items[id], q), d, 1e-4 * [1, d.abs].max
        end

        approx = index.nearest(q, 10)
        hits += (approx & exact_ids).size
        total += 10
      end
      recall = hits.fdiv(total)
      assert_operator recall, :>=, 0.6, "#{metric}: default search_k recall #{recall}"
    ensure
      index&.close
    end

    define_method("test_#{metric}_item_queries_and_distances") do
      hamming = metric == :hamming
      dim = hamming ? 32 : 8
      items = random_vectors(200, dim, seed: 3, hamming: hamming).map { |v| f32(v) }
      Annoy::Index.new(dim, metric.to_s) do |index| # metric given as a String
        items.each { |v| index << v }
        index.build(10, threads: 1)
        assert_equal items[17], index.item_vector(17)
        d = index.distance(3, 150)
        assert_in_delta ruby_distance(metric, items[3], items[150]), d, 1e-4 * [1, d.abs].max

        ids, dists = index.nearest_to_item(5, 200, search_k: -5, include_distances: true)
        assert_equal (0...200).to_a, ids.sort
        assert_equal 200, dists.size
        exact = brute_force(metric, items, items[5], 5).map(&:first)
        dists.first(5).zip(exact).each { |got, want| assert_in_delta want, got, 1e-4 * [1, want.abs].max }
        assert_equal index.nearest_to_item(5, 7), index.get_nns_by_item(5, 7)
        assert_equal index.nearest(items[9], 7), index.get_nns_by_vector(items[9], 7)
      end
    end
  end
end
