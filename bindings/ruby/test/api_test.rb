# frozen_string_literal: true

require_relative "test_helper"

# The everyday API: adding, appending, holes, results with and without distances, aliases.
class ApiTest < Minitest::Test
  include AnnoyTestHelper

  def test_readme_example
    result = Annoy::Index.new(3, :angular) do |index|
      index.add(0, [1.0, 0.0, 0.0])
      index << [0.0, 1.0, 0.0] << [0.0, 0.0, 1.0] # ids 1 and 2
      index.build(10)
      index.nearest([0.9, 0.1, 0.0], 2, include_distances: true)
    end
    ids, dists = result
    assert_equal [0, 1], ids
    assert_in_delta 0.1104, dists[0], 1e-3
  end

  def test_holes_count_as_items_and_read_as_zeros
    Annoy::Index.new(2, :euclidean) do |index|
      index.add(5, [1, 1])
      assert_equal 6, index.n_items
      assert_equal 6, index.size
      index << [2, 2] # appends as id 6
      assert_equal 7, index.get_n_items
      index.build(3)
      assert_equal [0.0, 0.0], index.item_vector(2)
      assert_equal [5, 6], index.nearest([1, 1], 10).first(2)
      assert_equal [5, 6], index.nearest([1, 1], 10), "holes are never returned"
    end
  end

  def test_asking_for_more_than_n_items_matches_annoy_default_search_k
    items = random_vectors(300, 6, seed: 41)
    index = build_index(:euclidean, items, trees: 3)
    q = items[7]
    # n > n_items: the binding asks for n_items with search_k n × n_trees, as annoy would use.
    assert_equal index.nearest(q, 300, search_k: 1000 * 3), index.nearest(q, 1000)
    assert_equal 300, index.nearest(q, 1000).size
    index.close
  end

  def test_properties_and_inspect
    Annoy::Index.new(16, "Hamming") do |index|
      assert_equal 16, index.dim
      assert_equal 16, index.f
      assert_equal :hamming, index.metric
      assert_equal 0, index.n_trees
      assert_equal 0, index.get_n_trees
      assert_match(/metric=hamming dim=16 n_items=0 n_trees=0/, index.inspect)
    end
  end

  def test_add_accepts_anything_array_like_and_returns_self
    index = Annoy::Index.new(3, :manhattan)
    assert_same index, index.add(0, [1, 2, 3])
    assert_same index, index.add_item(1, (1..3))
    assert_same index, (index << [3, 2, 1])
    assert_equal [1.0, 2.0, 3.0], index.item_vector(1)
    assert_same index, index.build(2, threads: 1)
    assert_in_delta 4.0, index.get_distance(0, 2), 1e-6
    assert_equal index.get_item_vector(2), [3.0, 2.0, 1.0]
    index.close
  end

  def test_search_k_values
    items = random_vectors(500, 8, seed: 42)
    Annoy::Index.new(8, :angular) do |index|
      items.each { |v| index << v }
      index.build(4)
      q = items[0]
      assert_equal [], index.nearest(q, 10, search_k: 0)
      assert_equal index.nearest(q, 10), index.nearest(q, 10, search_k: nil)
      assert_equal index.nearest(q, 10), index.nearest(q, 10, search_k: 40)
      exhaustive = index.nearest(q, 10, search_k: -2)
      assert_equal exhaustive, index.nearest(q, 10, search_k: 10**30)
      assert_equal exhaustive, index.nearest(q, 10, search_k: -100)
    end
  end

  def test_annoy_names_take_positional_arguments_as_in_python
    items = random_vectors(100, 5, seed: 43)
    index = build_index(:dot, items, trees: 3)
    assert_equal index.nearest(items[1], 4, search_k: 7, include_distances: true),
                 index.get_nns_by_vector(items[1], 4, 7, true)
    assert_equal index.nearest_to_item(1, 4, search_k: 7, include_distances: true),
                 index.get_nns_by_item(1, 4, 7, true)
    assert_equal index.nearest_to_item(1, 4), index.get_nns_by_item(1, 4)
    assert_equal index.nearest_to_item(1, 4, search_k: 9), index.get_nns_by_item(1, 4, search_k: 9)
    index.close
  end

  def test_library_info
    assert_match(/\A\d+\.\d+\.\d+/, Annoy.library_version)
    refute_empty Annoy.status_string(0)
    assert_equal Encoding::UTF_8, Annoy.status_string(3).encoding
    assert_equal Encoding::UTF_8, Annoy.library_version.encoding
    err = assert_raises(Annoy::DimensionError) { Annoy::Index.new(2, :dot).add(0, [1]) }
    assert_equal Encoding::UTF_8, err.message.encoding
    refute_nil Annoy.library_path
    assert_equal Annoy::VERSION, Gem::Version.new(Annoy::VERSION).to_s
  end
end
