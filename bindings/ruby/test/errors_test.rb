# frozen_string_literal: true

require_relative "test_helper"

# Misuse raises Annoy::Error subclasses carrying the library's status code and message.
class ErrorsTest < Minitest::Test
  include AnnoyTestHelper

  def built(metric = :angular, dim = 4)
    build_index(metric, random_vectors(50, dim, seed: 5))
  end

  def assert_annoy_error(klass, code, pattern = nil, &block)
    err = assert_raises(klass, &block)
    assert_kind_of Annoy::Error, err
    assert_equal code, err.code, "#{klass} code"
    assert_match pattern, err.message if pattern
    refute_empty err.message
    err
  end

  def test_every_status_code_has_its_class
    {
      1 => Annoy::NullPointerError, 2 => Annoy::InvalidArgumentError, 3 => Annoy::DimensionError,
      4 => Annoy::NotFiniteError, 5 => Annoy::UnknownItemError, 6 => Annoy::StateError,
      7 => Annoy::IOError, 8 => Annoy::CorruptFileError, 9 => Annoy::BufferTooSmallError,
      10 => Annoy::UnknownMetricError, 11 => Annoy::PanicError
    }.each do |code, klass|
      assert_equal code, klass::CODE
      err = Annoy::Error.for(code, "msg")
      assert_instance_of klass, err
      assert_equal code, err.code
      assert_equal "msg", err.message
      refute_equal "unknown status code", err.status_string
    end
    assert_instance_of Annoy::Error, Annoy::Error.for(999, "x")
    assert_equal "unknown status code", Annoy.status_string(999)
  end

  def test_closed_index_raises_closed_error_everywhere
    index = built
    index.close
    assert index.closed?
    assert_nil index.close, "close is idempotent"
    calls = {
      add: -> { index.add(0, [1, 2, 3, 4]) }, append: -> { index << [1, 2, 3, 4] },
      build: -> { index.build(2) }, unbuild: -> { index.unbuild }, unload: -> { index.unload },
      save: -> { index.save("/tmp/never.ann") }, load: -> { index.load("/tmp/never.ann") },
      on_disk_build: -> { index.on_disk_build("/tmp/never.ann") }, seed: -> { index.seed = 1 },
      nearest: -> { index.nearest([1, 2, 3, 4], 3) }, by_item: -> { index.nearest_to_item(0, 3) },
      batch: -> { index.query_batch([[1, 2, 3, 4]], 3) }, item_vector: -> { index.item_vector(0) },
      distance: -> { index.distance(0, 1) }, n_items: -> { index.n_items },
      n_trees: -> { index.n_trees }, dim: -> { index.dim }, metric: -> { index.metric }
    }
    calls.each do |name, call|
      err = assert_raises(Annoy::ClosedError, "#{name} on a closed index", &call)
      assert_kind_of Annoy::StateError, err
      assert_equal 6, err.code
      assert_match(/closed/, err.message)
    end
    assert_match(/closed/, index.inspect)
    refute File.exist?("/tmp/never.ann")
  end

  def test_wrong_dimension_raises_dimension_error
    index = Annoy::Index.new(4, :euclidean)
    assert_annoy_error(Annoy::DimensionError, 3, /3 values.*dimension is 4/) { index.add(0, [1, 2, 3]) }
    assert_annoy_error(Annoy::DimensionError, 3) { index << [1, 2, 3, 4, 5] }
    assert_annoy_error(Annoy::DimensionError, 3) { index << [] }
    index.close
    index = built(:euclidean)
    assert_annoy_error(Annoy::DimensionError, 3) { index.nearest([1, 2], 3) }
    assert_annoy_error(Annoy::DimensionError, 3, /query 1/) { index.query_batch([[1, 2, 3, 4], [1, 2, 3]], 3) }
    index.close
  end

  def test_bad_metric_raises_unknown_metric_error
    assert_annoy_error(Annoy::UnknownMetricError, 10, /cosine/) { Annoy::Index.new(3, :cosine) }
    assert_annoy_error(Annoy::UnknownMetricError, 10) { Annoy::Index.new(3, "nope") }
    assert_annoy_error(Annoy::UnknownMetricError, 10, /99/) { Annoy::Index.new(3, 99) }
    assert_raises(TypeError) { Annoy::Index.new(3, nil) }
    assert_equal :dot, Annoy::Index.new(3, "DOT").metric
    assert_equal :hamming, Annoy::Index.new(3, 4).metric
  end

  def test_bad_dimension_raises_invalid_argument
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { Annoy::Index.new(0, :angular) }
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { Annoy::Index.new(-3, :angular) }
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { Annoy::Index.new(3.5, :angular) }
  end

  def test_unknown_items_raise_unknown_item_error
    index = built
    assert_annoy_error(Annoy::UnknownItemError, 5) { index.nearest_to_item(50, 3) }
    assert_annoy_error(Annoy::UnknownItemError, 5) { index.nearest_to_item(-1, 3) }
    assert_annoy_error(Annoy::UnknownItemError, 5) { index.nearest_to_item(2**40, 3) }
    assert_annoy_error(Annoy::UnknownItemError, 5) { index.item_vector(1000) }
    assert_annoy_error(Annoy::UnknownItemError, 5) { index.distance(0, 77) }
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { Annoy::Index.new(2, :dot).add(-1, [1, 2]) }
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { Annoy::Index.new(2, :dot).add(2**32, [1, 2]) }
    index.close
  end

  def test_state_errors
    index = Annoy::Index.new(4, :angular)
    assert_annoy_error(Annoy::StateError, 6, /not built/) { index.nearest([1, 2, 3, 4], 3) }
    index << [1, 2, 3, 4] << [4, 3, 2, 1]
    assert_annoy_error(Annoy::StateError, 6, /not built/) { index.nearest_to_item(0, 3) }
    assert_annoy_error(Annoy::StateError, 6) { index.query_batch([[1, 2, 3, 4]], 1) }
    assert_annoy_error(Annoy::StateError, 6) { index.save("/tmp/annoy-never-written.ann") }
    index.build(2)
    assert_annoy_error(Annoy::StateError, 6, /built/) { index << [1, 1, 1, 1] }
    assert_annoy_error(Annoy::StateError, 6) { index.build(2) }
    index.close
  end

  def test_bad_values_and_arguments
    index = Annoy::Index.new(3, :euclidean)
    assert_annoy_error(Annoy::NotFiniteError, 4) { index.add(0, [1, Float::NAN, 2]) }
    assert_annoy_error(Annoy::NotFiniteError, 4) { index.add(0, [1, Float::INFINITY, 2]) }
    assert_raises(TypeError) { index.add(0, [1, "x", 2]) }
    assert_raises(TypeError) { index.add(0, 42) }
    index << [1, 2, 3] << [3, 2, 1]
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { index.build(0) }
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { index.build(2, threads: 0) }
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { index.build(2**40) }
    index.build(2)
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { index.nearest([1, 2, 3], -1) }
    assert_annoy_error(Annoy::NotFiniteError, 4) { index.nearest([1, Float::NAN, 3], 1) }
    assert_annoy_error(Annoy::NotFiniteError, 4) { index.query_batch([[1, 2, 3], [1, Float::NAN, 3]], 1) }
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { index.query_batch([[1, 2, 3]], 1, threads: -7) }
    assert_raises(TypeError) { index.nearest([1, 2, 3], "3") }
    assert_raises(ArgumentError) { index.save("bad\0path") }
    assert_annoy_error(Annoy::InvalidArgumentError, 2) { index.seed = 2**64 }
    index.close
  end

  def test_library_panics_become_panic_errors
    err = assert_annoy_error(Annoy::PanicError, 11) { Annoy.selftest_panic! }
    assert_match(/panic/, err.message)
  end

  def test_huge_n_does_not_allocate_huge_buffers
    index = built
    assert_equal 50, index.nearest_to_item(0, 2**62).size
    assert_equal 50, index.nearest([1, 2, 3, 4], 10**15, search_k: -1).size
    assert_equal [50], index.query_batch([[1, 2, 3, 4]], 2**40).map(&:size)
    assert_equal [], index.nearest([1, 2, 3, 4], 0)
    index.close
  end
end
