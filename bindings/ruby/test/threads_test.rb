# frozen_string_literal: true

require_relative "test_helper"

# Many Ruby threads query one index: same answers as serial; long calls release the GVL; a
# close while queries run is safe.
class ThreadsTest < Minitest::Test
  include AnnoyTestHelper

  def setup
    @items = random_vectors(3000, 32, seed: 21)
    @queries = random_vectors(200, 32, seed: 22)
    @index = build_index(:angular, @items, trees: 10)
  end

  def teardown
    @index.close
  end

  def serial_answers
    @queries.map { |q| @index.nearest(q, 10, include_distances: true) } +
      (0...100).map { |i| @index.nearest_to_item(i, 5, search_k: 200) }
  end

  def test_threads_querying_one_index_match_serial_answers
    expected = serial_answers
    results = Array.new(8) do
      Thread.new do
        Array.new(3) { serial_answers }
      end
    end.map(&:value)
    results.each { |runs| runs.each { |got| assert_equal expected, got } }
  end

  def test_query_batch_matches_single_queries
    single = @queries.map { |q| @index.nearest(q, 10, include_distances: true) }
    [1, 2, -1].each do |threads|
      assert_equal single, @index.query_batch(@queries, 10, threads: threads, include_distances: true)
    end
    assert_equal single.map(&:first), @index.query_batch(@queries, 10)
    assert_equal [], @index.query_batch([], 10)
    # Batches from several Ruby threads at once.
    batches = Array.new(4) { Thread.new { @index.query_batch(@queries, 10, include_distances: true) } }.map(&:value)
    batches.each { |b| assert_equal single, b }
  end

  def test_build_releases_the_gvl
    big = Annoy::Index.new(32, :euclidean)
    random_vectors(20_000, 32, seed: 23).each { |v| big << v }
    clock = -> { Process.clock_gettime(Process::CLOCK_MONOTONIC) }
    window = nil
    builder = Thread.new do
      t0 = clock.call
      big.build(40, threads: 1)
      window = [t0, clock.call]
    end
    # The main thread notes the time every 1000 turns until the build is over. Had the build
    # kept the GVL, no note could fall inside its run (but for one timer slice, 100 ms).
    stamps = []
    turns = 0
    while window.nil?
      turns += 1
      stamps << clock.call if (turns % 1000).zero?
    end
    builder.join
    assert_equal 40, big.n_trees
    t0, t1 = window
    buckets = ((t1 - t0) / 0.01).floor
    skip "build too quick to measure (#{t1 - t0} s)" if buckets < 20
    seen = stamps.select { |t| t > t0 && t < t1 }.map { |t| ((t - t0) / 0.01).floor }.uniq.size
    share = seen.fdiv(buckets)
    warn "  build took #{(t1 - t0).round(3)} s; main thread ran in #{(share * 100).round}% of it" if ENV["VERBOSE"]
    assert_operator share, :>, 0.4, "main thread ran in only #{(share * 100).round}% of the build"
  ensure
    big&.close
  end

  def test_close_while_other_threads_query_is_safe
    index = build_index(:euclidean, @items.first(500), trees: 5)
    outcomes = Queue.new
    workers = Array.new(4) do
      Thread.new do
        n = 0
        loop do
          index.nearest(@queries[n % @queries.size], 5)
          index.query_batch(@queries.first(4), 3)
          n += 1
        end
      rescue Annoy::ClosedError
        outcomes << n
      end
    end
    sleep 0.2
    index.close
    workers.each(&:join)
    assert_equal 4, outcomes.size
    assert index.closed?
  end

  def test_mutation_waits_for_running_queries
    index = Annoy::Index.new(32, :angular)
    @items.each { |v| index << v }
    index.build(10)
    # Between the writer's calls the index may be unbuilt: those queries raise StateError, and
    # nothing else may go wrong.
    readers = Array.new(3) do
      Thread.new do
        20.times do
          index.query_batch(@queries, 10)
        rescue Annoy::StateError
          nil
        end
      end
    end
    # unbuild / add / build from another thread while batch queries run.
    writer = Thread.new do
      5.times do
        index.unbuild
        index << @items[0]
        index.build(4)
      end
    end
    [*readers, writer].each(&:join)
    assert_equal 3005, index.n_items
    index.close
  end
end
