# frozen_string_literal: true

require_relative "test_helper"
require "pathname"

# save / load / unload / unbuild / on_disk_build, and files that are not what they claim.
class PersistenceTest < Minitest::Test
  include AnnoyTestHelper

  def setup
    @items = random_vectors(500, 12, seed: 11)
    @queries = random_vectors(20, 12, seed: 12)
  end

  def answers(index)
    @queries.map { |q| index.nearest(q, 10, include_distances: true) } +
      [index.nearest_to_item(3, 10, search_k: 50, include_distances: true)]
  end

  def test_save_then_load_gives_the_same_answers
    with_tmpdir do |dir|
      path = File.join(dir, "idx.ann")
      index = build_index(:euclidean, @items)
      before = answers(index)
      assert_same index, index.save(path)
      assert_equal before, answers(index), "a saved index serves the same answers from its file"
      index.close

      Annoy::Index.open(12, :euclidean, path) do |loaded|
        assert_equal 500, loaded.n_items
        assert_equal 10, loaded.n_trees
        assert_equal before, answers(loaded)
        assert_equal f32(@items[42]), loaded.item_vector(42)
      end

      loaded = Annoy::Index.new(12, "euclidean").load(Pathname.new(path), prefault: true)
      assert_equal before, answers(loaded)
      loaded.close
    end
  end

  def test_open_without_a_block_returns_an_open_index
    with_tmpdir do |dir|
      path = File.join(dir, "idx.ann")
      build_index(:angular, @items).save(path, prefault: true).close
      index = Annoy::Index.open(12, :angular, path, prefault: true)
      refute index.closed?
      assert_equal 500, index.n_items
      index.close
      assert index.closed?
    end
  end

  def test_blocks_close_the_index_and_return_the_block_value
    kept = nil
    value = Annoy::Index.new(4, :manhattan) do |index|
      kept = index
      index << [1, 2, 3, 4]
      :done
    end
    assert_equal :done, value
    assert kept.closed?

    with_tmpdir do |dir|
      path = File.join(dir, "x.ann")
      build_index(:manhattan, [[1, 2, 3, 4], [4, 3, 2, 1]]).save(path).close
      inner = nil
      assert_raises(RuntimeError) do
        Annoy::Index.open(4, :manhattan, path) do |index|
          inner = index
          raise "boom"
        end
      end
      assert inner.closed?, "the block closes the index even when it raises"
    end
  end

  def test_unload_empties_and_unbuild_allows_more_items
    index = build_index(:angular, @items)
    index.unbuild
    assert_equal 0, index.n_trees
    index << @items[0]
    assert_equal 501, index.n_items
    index.build(5, threads: 1)
    assert_equal 5, index.n_trees
    # Item 500 is a copy of item 0: they are each other's nearest neighbours.
    assert_equal [0, 500], index.nearest_to_item(500, 2, search_k: -2).sort
    index.unload
    assert_equal 0, index.n_items
    assert_equal 0, index.n_trees
    assert_equal 12, index.dim
    index.close
  end

  def test_on_disk_build_writes_the_file
    with_tmpdir do |dir|
      path = File.join(dir, "disk.ann")
      index = Annoy::Index.new(12, :dot)
      assert_same index, index.on_disk_build(path)
      @items.each { |v| index << v }
      index.seed = 5
      index.build(8)
      assert File.size(path).positive?
      expected = answers(index)
      index.close
      Annoy::Index.open(12, :dot, path) { |loaded| assert_equal expected, answers(loaded) }
    end
  end

  def test_same_seed_gives_the_same_file
    with_tmpdir do |dir|
      a = File.join(dir, "a.ann")
      b = File.join(dir, "b.ann")
      build_index(:euclidean, @items, seed: 99).save(a).close
      idx = Annoy::Index.new(12, :euclidean)
      idx.set_seed(99)
      @items.each_with_index { |v, i| idx.add_item(i, v) }
      idx.build(10, n_jobs: 2)
      idx.save(b).close
      assert_equal File.binread(a), File.binread(b)
    end
  end

  def test_dot_layout_can_be_chosen
    index = Annoy::Index.new(3, :dot)
    index.dot_layout = :annoy_main
    assert_raises(Annoy::InvalidArgumentError) { index.dot_layout = :nope }
    index.close
  end

  def test_missing_file_raises_io_error
    index = Annoy::Index.new(12, :angular)
    err = assert_raises(Annoy::IOError) { index.load("/nonexistent/dir/none.ann") }
    assert_equal 7, err.code
    assert_match(/none\.ann/, err.message)
    assert_raises(Annoy::IOError) { Annoy::Index.open(12, :angular, "/nonexistent.ann") }
    index.close
  end

  def test_save_into_a_missing_directory_raises_io_error
    index = build_index(:angular, @items)
    assert_raises(Annoy::IOError) { index.save("/nonexistent/dir/x.ann") }
  ensure
    index&.close
  end

  def test_wrong_dimension_truncated_or_foreign_files_raise_corrupt_file_error
    with_tmpdir do |dir|
      path = File.join(dir, "idx.ann")
      build_index(:euclidean, @items).save(path).close
      Annoy::Index.new(13, :euclidean) do |index|
        err = assert_raises(Annoy::CorruptFileError) { index.load(path) }
        assert_equal 8, err.code
      end
      bytes = File.binread(path)
      File.binwrite(path, bytes[0, bytes.size - 7])
      Annoy::Index.new(12, :euclidean) { |index| assert_raises(Annoy::CorruptFileError) { index.load(path) } }
      File.binwrite(path, "")
      Annoy::Index.new(12, :euclidean) { |index| assert_raises(Annoy::CorruptFileError) { index.load(path) } }
    end
  end

  def test_failed_load_leaves_the_index_as_it_was
    with_tmpdir do |dir|
      index = build_index(:euclidean, @items)
      before = answers(index)
      assert_raises(Annoy::IOError) { index.load(File.join(dir, "missing.ann")) }
      assert_equal before, answers(index)
      index.close
    end
  end
end
