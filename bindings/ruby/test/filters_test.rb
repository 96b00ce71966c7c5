# frozen_string_literal: true

require_relative "test_helper"

# Filtered queries (allow-list, block), n and search_k passed through, recall tuning.
class FiltersTest < Minitest::Test
  def build(n, dim, trees)
    rng = Random.new(7)
    index = Annoy::Index.new(dim, :euclidean)
    index.seed = 3 if index.respond_to?(:seed=)
    n.times { |i| index.add_item(i, Array.new(dim) { rng.rand - 0.5 }) }
    index.build(trees)
    index
  end

  def test_filters_return_the_best_allowed_items_of_the_unfiltered_ranking
    index = build(400, 8, 5)
    allowed = (0...400).step(3).to_a
    calls = 0
    8.times do |q|
      want = index.nearest_to_item(q, 400, search_k: -2).select { |i| (i % 3).zero? }.first(10)
      assert_equal want, index.nearest_to_item(q, 10, search_k: -2, allow: allowed)
      got = index.nearest_to_item(q, 10, search_k: -2) do |i|
        calls += 1
        (i % 3).zero?
      end
      assert_equal want, got
      v = index.item_vector(q)
      assert index.nearest(v, 10, search_k: 30) { |i| (i % 3).zero? }.all? { |i| (i % 3).zero? }
    end
    assert calls.positive?
    assert_equal [], index.nearest_to_item(0, 10, allow: [])
    assert_raises(KeyError) { index.nearest_to_item(0, 10) { |_| raise KeyError, "boom" } }
  end

  def test_n_and_search_k_pass_through
    index = build(50, 8, 4)
    everything = index.nearest_to_item(0, 50, search_k: -2)
    assert_equal 50, everything.size
    assert_equal everything, index.nearest_to_item(0, 1000)
    assert_equal everything, index.nearest_to_item(0, 50, search_k: -9)
    assert_equal everything, index.nearest_to_item(0, 50, search_k: -2**70)
    assert_equal [], index.nearest_to_item(0, 5, search_k: 0)
  end

  def test_tune_reaches_the_target_and_estimate_recall_agrees
    index = build(2000, 16, 8)
    search_k, recall, qps = index.tune(0.95, k: 10, sample: 60, seed: 2)
    assert recall >= 0.95 && search_k >= 10 && qps.positive?
    again, = index.estimate_recall(k: 10, search_k: search_k, sample: 60, seed: 2)
    assert_equal recall, again
    assert_equal 1.0, index.estimate_recall(k: 10, search_k: -2, sample: 60, seed: 2).first
    assert_raises(Annoy::Error) { index.tune(1.5) }
  end

  def brute_nearest(rows, query, allowed, k)
    allowed.min_by(k) { |i| rows[i].zip(query).sum { |a, b| (a - b)**2 } }
  end

  def test_batch_queries_take_the_filters_single_queries_take
    index = build(500, 8, 5)
    rows = (0...500).map { |i| index.item_vector(i) }
    allowed = (0...500).select { |i| i % 7 == 2 || (i % 11).zero? }
    queries = [0, 3, 57, 499].map { |i| rows[i] }
    want = queries.map { |v| brute_nearest(rows, v, allowed, 10) }
    assert_equal want, index.query_batch(queries, 10, search_k: -2, threads: 2, allow: allowed)
    calls = 0
    got = index.query_batch(queries, 10, search_k: -2, threads: 2) do |i|
      calls += 1
      allowed.include?(i)
    end
    assert_equal want, got
    assert calls.positive?
    ids, dists = index.query_batch(queries, 10, search_k: -2, include_distances: true,
                                               allow: allowed).first
    assert_equal want.first, ids
    assert_equal queries.map { |v| index.nearest(v, 10, search_k: 30, allow: allowed) },
                 index.query_batch(queries, 10, search_k: 30, allow: allowed)
    assert_equal 10, dists.size
    assert_equal [[], []], index.query_batch(queries.first(2), 10, allow: [])
    assert_raises(KeyError) { index.query_batch(queries, 10) { |_| raise KeyError, "boom" } }
  end
end
