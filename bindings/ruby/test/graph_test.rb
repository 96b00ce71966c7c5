# frozen_string_literal: true

require_relative "test_helper"

# Graph search: build_graph, drop_graph, graph_degree and the ef: keyword of the queries.
class GraphTest < Minitest::Test
  include AnnoyTestHelper

  N = 1500
  DIM = 16
  K = 10
  QUERIES = 40

  # Gaussian vectors (Box-Muller), deterministic.
  def gaussian_vectors(count, dim, seed)
    rng = Random.new(seed)
    Array.new(count) do
      Array.new(dim) { Math.sqrt(-2 * Math.log(1 - rng.rand)) * Math.cos(2 * Math::PI * rng.rand) }
    end
  end

  def graph_index(metric, items, degree: 0)
    index = build_index(metric, items, trees: 10)
    index.build_graph(degree: degree, threads: 2)
  end

  def true_ids(metric, items, query, allowed = nil)
    pool = allowed ? allowed.map { |i| [items[i], i] } : items.each_with_index.to_a
    pool.map { |v, i| [ruby_distance(metric, v, query), i] }.sort.first(K).map(&:last)
  end

  def test_recall_at_ef_64_against_brute_force
    %i[angular euclidean].each do |metric|
      items = f32s(gaussian_vectors(N, DIM, 5))
      probes = gaussian_vectors(QUERIES, DIM, 6)
      index = graph_index(metric, items)
      assert_operator index.graph_degree, :>, 0
      allowed = (0...N).step(3).to_a
      hits = Hash.new(0)
      QUERIES.times do |q|
        item = q * (N / QUERIES)
        got = index.nearest(probes[q], K, ef: 64)
        hits[:vector] += (got & true_ids(metric, items, probes[q])).size
        got = index.nearest_to_item(item, K, ef: 64)
        hits[:item] += (got & true_ids(metric, items, items[item])).size
        got = index.nearest(probes[q], K, ef: 64, allow: allowed)
        assert got.all? { |i| (i % 3).zero? }, "#{metric}: #{got} outside the allow-list"
        hits[:allowed] += (got & true_ids(metric, items, probes[q], allowed)).size
      end
      hits.each do |what, h|
        recall = h.to_f / (QUERIES * K)
        assert_operator recall, :>=, 0.9, "#{metric} #{what}: recall@#{K} #{recall} at ef 64"
      end
      recall, qps = index.estimate_recall(k: K, sample: 50, ef: 64)
      assert_operator recall, :>=, 0.9
      assert_operator qps, :>, 0
      index.close
    end
  end

  def test_query_batch_passes_ef_as_single_queries_do
    items = gaussian_vectors(800, 8, 7)
    probes = gaussian_vectors(12, 8, 8)
    index = graph_index(:euclidean, items, degree: 12)
    [8, 100].each do |ef|
      batch = index.query_batch(probes, K, ef: ef, threads: 2, include_distances: true)
      probes.each_with_index do |p, q|
        assert_equal index.nearest(p, K, ef: ef, include_distances: true), batch[q]
      end
      filtered = index.query_batch(probes, K, ef: ef) { |i| i.odd? }
      probes.each_with_index do |p, q|
        assert_equal index.nearest(p, K, ef: ef) { |i| i.odd? }, filtered[q]
      end
    end
    probes.each do |p|
      assert_equal index.nearest(p, K), index.nearest(p, K, ef: Annoy::Index::EF_DEFAULT)
    end
    index.close
  end

  def test_drop_graph_returns_to_the_trees
    items = gaussian_vectors(600, 8, 9)
    index = graph_index(:euclidean, items, degree: 12)
    # With a graph search_k is unused: 0 still finds neighbours.
    assert_equal K, index.nearest_to_item(5, K, search_k: 0).size
    assert_same index, index.drop_graph
    assert_equal 0, index.graph_degree
    assert_equal [], index.nearest_to_item(5, K, search_k: 0)
    assert_raises(Annoy::StateError) { index.nearest_to_item(5, K, ef: 64) }
    assert_equal [], index.nearest_to_item(5, K, search_k: 0, ef: Annoy::Index::EF_DEFAULT)
    index.drop_graph
    index.close
  end

  def test_native_file_keeps_the_graph
    items = gaussian_vectors(900, 12, 10)
    index = graph_index(:angular, items, degree: 20)
    want = index.nearest_to_item(3, K, search_k: 0, ef: 32, include_distances: true)
    with_tmpdir do |dir|
      native = File.join(dir, "g.native")
      index.save_native(native)
      assert_equal 20, index.graph_degree
      opened = Annoy::Index.open_native(native)
      loaded = Annoy::Index.open(12, :angular, native)
      [opened, loaded].each do |other|
        assert_equal 20, other.graph_degree
        # search_k 0 finds nothing on trees: this answer comes from the graph.
        assert_equal want, other.nearest_to_item(3, K, search_k: 0, ef: 32, include_distances: true)
      end
      ann = File.join(dir, "g.ann")
      opened.save(ann)
      Annoy::Index.open(12, :angular, ann) { |trees| assert_equal 0, trees.graph_degree }
      opened.close
      loaded.close
    end
    index.close
  end

  def test_errors_carry_the_library_codes
    items = gaussian_vectors(200, 8, 11)
    unbuilt = Annoy::Index.new(8, :euclidean)
    items.each_with_index { |v, i| unbuilt.add(i, v) }
    e = assert_raises(Annoy::StateError) { unbuilt.build_graph }
    assert_equal 6, e.code
    unbuilt.close

    index = build_index(:euclidean, items, trees: 5)
    [{ degree: -1 }, { degree: 1 << 20 }, { degree: 2**64 }, { threads: 0 }, { threads: -2 },
     { threads: 2**31 }].each do |args|
      e = assert_raises(Annoy::InvalidArgumentError, args.inspect) { index.build_graph(**args) }
      assert_equal 2, e.code
      refute_empty e.message
    end
    assert_raises(TypeError) { index.build_graph(degree: 1.5) }
    assert_equal 0, index.graph_degree

    index.build_graph(degree: 8, threads: 1)
    [0, -2, -2**63].each do |ef|
      assert_raises(Annoy::InvalidArgumentError, "ef #{ef}") { index.nearest_to_item(0, K, ef: ef) }
      assert_raises(Annoy::InvalidArgumentError, "ef #{ef}") { index.query_batch(items.first(2), K, ef: ef) }
    end
    assert_raises(Annoy::InvalidArgumentError) { index.nearest(items[0], K, ef: 2**64) }
    assert_raises(TypeError) { index.nearest(items[0], K, ef: "64") }
    assert_equal K, index.nearest_to_item(0, K, ef: 1).size

    index.close
    assert_raises(Annoy::ClosedError) { index.build_graph }
    assert_raises(Annoy::ClosedError) { index.drop_graph }
    assert_raises(Annoy::ClosedError) { index.graph_degree }
  end

  private

  def f32s(rows)
    rows.map { |r| f32(r) }
  end
end
