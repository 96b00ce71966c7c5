# frozen_string_literal: true

require_relative "test_helper"

# Indexes that are never closed are freed by the garbage collector (FFI::AutoPointer), and
# closing early does not lead to a double free.
class GCTest < Minitest::Test
  include AnnoyTestHelper

  def maps_of(path)
    File.readlines("/proc/self/maps").count { |line| line.include?(path) }
  end

  def rss_kib
    File.read("/proc/self/status")[/^VmRSS:\s+(\d+)/, 1].to_i
  end

  def collect_garbage
    3.times do
      GC.start(full_mark: true, immediate_sweep: true)
      sleep 0.01 # finalizers run just after the collection
    end
  end

  def test_forgotten_loaded_indexes_are_unmapped_by_the_gc
    with_tmpdir do |dir|
      path = File.join(dir, "gc.ann")
      build_index(:euclidean, random_vectors(300, 16, seed: 31)).save(path).close
      assert_equal 0, maps_of(path)
      200.times do
        index = Annoy::Index.new(16, :euclidean)
        index.load(path)
        index.nearest_to_item(1, 3)
      end
      assert_operator maps_of(path), :>, 0, "some forgotten indexes are still mapped before a GC"
      collect_garbage
      assert_equal 0, maps_of(path), "every forgotten index was freed (its file unmapped)"
    end
  end

  def test_many_forgotten_in_memory_indexes_do_not_leak
    items = random_vectors(1000, 64, seed: 32) # ~260 KiB of vectors per index
    churn = lambda do |count|
      count.times do |i|
        index = Annoy::Index.new(64, :angular)
        items.each { |v| index << v }
        index.build(2) if i.even?
      end
      collect_garbage
    end
    churn.call(50) # warm up the allocators
    before = rss_kib
    churn.call(400) # ~100 MiB if nothing were freed
    grown = rss_kib - before
    assert_operator grown, :<, 40 * 1024, "RSS grew by #{grown} KiB over 400 forgotten indexes"
  end

  def test_calls_under_gc_stress
    # A collection at every allocation: any buffer or handle the binding failed to keep alive
    # during a call would be freed under it.
    items = random_vectors(6, 4, seed: 33)
    GC.stress = true
    4.times do |i|
      index = Annoy::Index.new(4, :manhattan)
      items.each { |v| index << v }
      index.build(2)
      assert_equal 3, index.nearest(items[i], 3).size
      assert_equal [3, 3], index.query_batch(items.first(2), 3, include_distances: true).map { |ids, _| ids.size }
      assert_equal f32(items[i]), index.item_vector(i)
      index.close if i.odd?
    end
  ensure
    GC.stress = false
    collect_garbage
  end

  def test_close_then_gc_does_not_double_free
    indexes = Array.new(100) { Annoy::Index.new(8, :dot).tap { |ix| ix << Array.new(8, 1.0) } }
    indexes.each(&:close)
    indexes = nil
    collect_garbage
    assert_nil indexes
    # Still alive and well.
    Annoy::Index.new(8, :dot) { |ix| assert_equal 0, ix.n_items }
  end
end
