# frozen_string_literal: true

require_relative "test_helper"

# Build progress through a block, and cancellation: an exception from the block (Interrupt
# too) cancels the build and leaves the index as it was.
class ProgressTest < Minitest::Test
  include AnnoyTestHelper

  def filled(n = 3000, dim = 16)
    index = Annoy::Index.new(dim, :euclidean)
    @items = random_vectors(n, dim, seed: 7)
    @items.each_with_index { |v, i| index.add(i, v) }
    index
  end

  def test_block_sees_every_tree_on_this_thread
    index = filled
    seen = []
    caller = Thread.current
    index.build(6, threads: 2) do |done, wanted|
      assert_same caller, Thread.current
      seen << [done, wanted]
    end
    assert_equal [6, 6], seen.last
    assert_equal seen.map(&:first).sort, seen.map(&:first)
    assert_equal 6, index.n_trees
  ensure
    index&.close
  end

  def test_automatic_count_has_no_total
    index = filled(500)
    wanted = []
    index.build(-1) { |_done, w| wanted << w }
    assert_equal [nil], wanted.uniq
  ensure
    index&.close
  end

  def test_an_exception_cancels_and_propagates
    index = filled
    before = index.item_vector(17)
    assert_raises(ArgumentError) do
      index.build(40, threads: 2) { |done, _| raise ArgumentError, "stop" if done >= 2 }
    end
    assert_equal 0, index.n_trees
    assert_equal before, index.item_vector(17)
    index.build(3)
    assert_equal 3, index.n_trees
  ensure
    index&.close
  end

  def test_interrupt_cancels
    index = filled
    assert_raises(Interrupt) do
      index.build(40, threads: 1) { |_done, _| raise Interrupt }
    end
    assert_equal 0, index.n_trees
  ensure
    index&.close
  end
end
