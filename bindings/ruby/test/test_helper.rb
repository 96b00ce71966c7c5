# frozen_string_literal: true

$LOAD_PATH.unshift File.expand_path("../lib", __dir__)
require "minitest/autorun"
require "tmpdir"
require "annoy"

module AnnoyTestHelper
  BINDING_DIR = File.expand_path("..", __dir__)
  GOLDEN_DIR = ENV.fetch("ANNOY_GOLDEN_DIR", File.expand_path("../../../tests/golden", __dir__))

  # Deterministic random vectors.
  def random_vectors(count, dim, seed: 42, hamming: false)
    rng = Random.new(seed)
    Array.new(count) do
      Array.new(dim) { hamming ? rng.rand(2).to_f : rng.rand * 2 - 1 }
    end
  end

  # Rounds through float32, as the index stores values.
  def f32(values)
    values.pack("f*").unpack("f*")
  end

  # Annoy's distance between two vectors, computed in Ruby (what the index reports).
  def ruby_distance(metric, a, b)
    case metric
    when :angular
      pp = a.sum { |x| x * x }
      qq = b.sum { |x| x * x }
      pq = a.zip(b).sum { |x, y| x * y }
      d = pp.positive? && qq.positive? ? 2 - 2 * pq / Math.sqrt(pp * qq) : 2.0
      Math.sqrt([d, 0].max)
    when :euclidean then Math.sqrt(a.zip(b).sum { |x, y| (x - y)**2 })
    when :manhattan then a.zip(b).sum { |x, y| (x - y).abs }
    when :dot then a.zip(b).sum { |x, y| x * y }
    when :hamming then a.zip(b).count { |x, y| x != y }.to_f
    end
  end

  # The exact k nearest ids to +query+ by brute force (dot: largest product first).
  def brute_force(metric, items, query, k)
    scored = items.each_with_index.map { |v, i| [ruby_distance(metric, v, query), i] }
    scored.sort_by! { |d, i| [metric == :dot ? -d : d, i] }
    scored.first(k)
  end

  def with_tmpdir(&block)
    Dir.mktmpdir("annoy-ruby-test", &block)
  end

  def build_index(metric, items, trees: 10, seed: 1)
    index = Annoy::Index.new(items.first.size, metric)
    index.seed = seed
    items.each_with_index { |v, i| index.add(i, v) }
    index.build(trees)
    index
  end
end
