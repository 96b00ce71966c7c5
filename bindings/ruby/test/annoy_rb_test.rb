# frozen_string_literal: true

require_relative "test_helper"
require "json"

# Annoy::AnnoyIndex, the annoy-rb gem's API: the cases of annoy-rb 0.8.1's own spec, then its
# argument conversions, return values and errors, and files written by Annoy.
class AnnoyRbTest < Minitest::Test
  include AnnoyTestHelper

  TOL = 1e-7
  ITEMS = [[0.0, 0.1, 0.2, 0.3], [0.1, 0.1, 0.2, 0.3], [0.1, 0.1, 0.2, 0.4], [0.2, 0.1, 0.2, 0.5],
           [0.2, 0.1, 0.2, 0.6]].freeze

  # The index annoy-rb's spec builds before every case.
  def spec_index(metric: "manhattan", dtype: "float64")
    index = Annoy::AnnoyIndex.new(n_features: 4, metric: metric, dtype: dtype)
    index.seed(1)
    ITEMS.each_with_index { |v, i| index.add_item(i, v) }
    index.build(3)
    index
  end

  def assert_all_within(want, got)
    assert_equal want.size, got.size
    want.zip(got).each { |w, g| assert_in_delta w, g, TOL }
  end

  # ---- annoy-rb's spec ----

  def test_typed_index_class_follows_metric_and_dtype
    { "angular" => "Angular", "dot" => "DotProduct", "euclidean" => "Euclidean",
      "manhattan" => "Manhattan" }.each do |metric, name|
      assert_kind_of Annoy.const_get("AnnoyIndex#{name}"),
                     spec_index(metric: metric).instance_variable_get(:@index)
      assert_kind_of Annoy.const_get("AnnoyIndex#{name}Float32"),
                     spec_index(metric: metric, dtype: "float32").instance_variable_get(:@index)
    end
    assert_kind_of Annoy::AnnoyIndexHamming, spec_index(metric: "hamming").instance_variable_get(:@index)
  end

  def test_get_nns_by_item_and_by_vector
    %w[float64 float32].each do |dtype|
      index = spec_index(dtype: dtype)
      assert_equal [0, 1, 2], index.get_nns_by_item(0, 3)
      assert_equal [0, 1, 2], index.get_nns_by_vector(ITEMS[0], 3)
      [index.get_nns_by_item(0, 3, include_distances: true),
       index.get_nns_by_vector(ITEMS[0], 3, include_distances: true)].each do |ids, dists|
        assert_equal [0, 1, 2], ids
        assert_all_within [0.0, 0.1, 0.2], dists
      end
    end
  end

  def test_get_item_and_attributes
    %w[float64 float32].each do |dtype|
      index = spec_index(dtype: dtype)
      assert_all_within ITEMS[0], index.get_item(0)
      assert_equal [4, "manhattan", dtype, 5, 3],
                   [index.n_features, index.metric, index.dtype, index.n_items, index.n_trees]
    end
    refute_nil Annoy::VERSION
  end

  def test_save_and_load
    with_tmpdir do |dir|
      path = File.join(dir, "test.ann")
      index = spec_index
      assert_equal true, index.save(path)
      loaded = Annoy::AnnoyIndex.new(n_features: 4, metric: "manhattan")
      assert_equal true, loaded.load(path)
      assert_equal [index.n_items, index.n_trees], [loaded.n_items, loaded.n_trees]
      assert_equal index.get_item(0), loaded.get_item(0)
    end
  end

  def test_get_distance_on_an_unbuilt_index
    { "angular" => 1.0, "dot" => 1.0, "hamming" => 2, "euclidean" => Math.sqrt(2), "manhattan" => 2.0 }
      .each do |metric, want|
        index = spec_index(metric: metric)
        assert_nil index.unload
        index.add_item(0, [1, 0, 0, 1])
        index.add_item(1, [0, 1, 0, 1])
        got = index.get_distance(0, 1)
        assert_in_delta want, got, TOL, metric
        assert_kind_of(metric == "hamming" ? Integer : Float, got)
      end
  end

  # annoy-rb's typed classes, used directly: its C extension's positional methods.
  def test_typed_class_positional_api
    index = Annoy::AnnoyIndexEuclideanFloat32.new(2)
    assert_nil index.set_seed(4)
    assert_equal [true, true], [index.add_item(0, [0, 0]), index.add_item(1, [3, 4])]
    assert_equal true, index.build(2, -1)
    assert_equal [2, 2, 2], [index.get_f, index.get_n_items, index.get_n_trees]
    assert_equal [[0, 1], [0.0, 5.0]], index.get_nns_by_item(0, 2, -1, true)
    assert_equal [1], index.get_nns_by_vector([3, 3], 1, -1, false)
    assert_equal [3.0, 4.0], index.get_item(1)
    assert_in_delta 5.0, index.get_distance(0, 1), TOL
    with_tmpdir do |dir|
      path = File.join(dir, "e.ann")
      assert_equal true, index.save(path, false)
      loaded = Annoy::AnnoyIndexEuclidean.new(2)
      assert_equal true, loaded.load(path, true)
      assert_equal [1, 0], loaded.get_nns_by_vector([2, 2], 2, -1, false)
      assert_nil loaded.unload
      assert_nil loaded.verbose(true)
      assert_equal true, loaded.on_disk_build(File.join(dir, "o.ann"))
    end
    assert_raises(ArgumentError) { index.build(2) }
  end

  # ---- files written by Annoy (tests/golden, by the annoy 1.17.3 PyPI package) ----

  def golden(name)
    spec = JSON.parse(File.read(File.join(GOLDEN_DIR, "#{name}.json")))
    [spec, File.join(GOLDEN_DIR, "#{name}.ann")]
  end

  def test_loads_an_index_written_by_annoy
    spec, path = golden("angular_f3")
    index = Annoy::AnnoyIndex.new(n_features: 3, metric: "angular", dtype: "float32")
    assert_equal true, index.load(path)
    assert_equal spec["n_items"], index.n_items
    spec["item_vectors"].each { |id, v| assert_equal v, index.get_item(id.to_i) }
    q = spec["queries"].find { |c| c["by"] == "item" }
    ids, dists = index.get_nns_by_item(q["item"], q["n"], search_k: q["search_k"], include_distances: true)
    assert_equal q["ids"], ids
    q["distances"].zip(dists).each { |w, g| assert_in_delta w, g, 1e-5 }
  end

  # annoy-rb's hamming vectors are 64-bit words; Annoy's file stores words too, and bit j of
  # word w is Annoy's bit 64·w + j.
  def test_hamming_vectors_are_words_of_annoys_bits
    spec, path = golden("hamming_f256")
    index = Annoy::AnnoyIndex.new(n_features: 4, metric: "hamming")
    index.load(path)
    assert_equal "uint64", index.dtype
    spec["item_vectors"].each do |id, bits|
      words = bits.each_slice(64).map { |w| w.each_with_index.sum { |b, j| b.positive? ? 1 << j : 0 } }
      assert_equal words, index.get_item(id.to_i)
    end
    q = spec["queries"].find { |c| c["by"] == "item" }
    ids, dists = index.get_nns_by_item(q["item"], q["n"], search_k: q["search_k"], include_distances: true)
    assert_equal q["ids"], ids
    assert_equal q["distances"].map(&:to_i), dists
    assert(dists.all?(Integer))
    first = index.get_item(q["ids"][0])
    assert_equal q["ids"], index.get_nns_by_vector(first, q["n"], search_k: q["search_k"])
  end

  # Negative words wrap to 32 bits as annoy-rb's NUM2UINT wraps them; whole 64-bit words
  # (which annoy-rb refuses) are kept.
  def test_hamming_words_convert_as_unsigned_ints
    index = Annoy::AnnoyIndex.new(n_features: 2, metric: "hamming")
    index.add_item(0, [-1, 2.7])
    assert_equal [0xFFFF_FFFF, 2], index.get_item(0)
    assert_raises(RangeError) { index.add_item(1, [2**64, 0]) }
    assert_raises(RangeError) { index.add_item(1, [-(2**31) - 1, 0]) }
    index.add_item(1, [2**64 - 1, 3])
    assert_equal [2**64 - 1, 3], index.get_item(1)
    assert_equal 33, index.get_distance(0, 1) # 32 bits, then 2 ^ 3 = 1
  end

  # Bundler.require loads a gem by its name: annoy-rb's name and this gem's both load it.
  def test_gem_names_can_be_required
    %w[annoy-rb annoy-rs].each do |name|
      out = IO.popen([RbConfig.ruby, "-I", File.join(BINDING_DIR, "lib"), "-e",
                      "require #{name.inspect}; print Annoy::AnnoyIndex.new(n_features: 2).n_features, " \
                      "Annoy::Index.name"], &:read)
      assert_equal "2Annoy::Index", out, name
    end
  end

  # ---- what annoy-rb returns and raises ----

  def test_return_values
    index = Annoy::AnnoyIndex.new(n_features: 2, metric: "euclidean")
    assert_equal [true, nil, nil], [index.add_item(0, [1, 2]), index.seed(3), index.verbose(true)]
    assert_equal true, index.build(2, n_jobs: 1)
    with_tmpdir do |dir|
      path = File.join(dir, "a.ann")
      assert_equal true, index.save(path, prefault: true)
      assert_equal true, Annoy::AnnoyIndex.new(n_features: 2, metric: "euclidean").load(path, prefault: true)
      assert_equal true, Annoy::AnnoyIndex.new(n_features: 2, metric: "euclidean")
                                          .on_disk_build(File.join(dir, "b.ann"))
    end
  end

  def test_constructor_arguments
    assert_raises(ArgumentError) { Annoy::AnnoyIndex.new(metric: "angular") }
    e = assert_raises(ArgumentError) { Annoy::AnnoyIndex.new(n_features: "3") }
    assert_equal "Expect n_features to be Integer.", e.message
    assert_equal 3, Annoy::AnnoyIndex.new(n_features: 3.7).n_features
    e = assert_raises(ArgumentError) { Annoy::AnnoyIndex.new(n_features: 3, metric: :angular) }
    assert_equal "No such metric: angular.", e.message
    index = Annoy::AnnoyIndex.new(n_features: 3, dtype: "float16")
    assert_equal ["angular", "float16"], [index.metric, index.dtype]
    assert_kind_of Annoy::AnnoyIndexAngularFloat32, index.instance_variable_get(:@index)
    assert_raises(ArgumentError) { Annoy::AnnoyIndex.new(n_features: -1) }
  end

  # Arguments are converted as annoy-rb's C extension converts them (NUM2INT, NUM2DBL).
  def test_argument_conversions
    index = Annoy::AnnoyIndex.new(n_features: 3, metric: "euclidean")
    index.add_item(1.9, [1, 2, Rational(1, 2)])
    assert_equal 2, index.n_items
    assert_equal [1.0, 2.0, 0.5], index.get_item(1)
    assert_raises(TypeError) { index.add_item("1", [1, 2, 3]) }
    assert_raises(TypeError) { index.add_item(nil, [1, 2, 3]) }
    assert_raises(RangeError) { index.add_item(2**31, [1, 2, 3]) }
    assert_raises(RangeError) { index.seed(2**40) }
    assert_raises(TypeError) { index.add_item(2, [1, nil, 3]) }
    e = assert_raises(ArgumentError) { index.add_item(2, "abc") }
    assert_equal "Expect item vector to be Array.", e.message
    e = assert_raises(ArgumentError) { index.add_item(2, [1, 2]) }
    assert_equal "Array size does not match to index dimensionality.", e.message
    assert_kind_of Annoy::DimensionError, e.cause
    assert_raises(TypeError) { index.save(nil) }
  end

  def test_a_query_before_build_finds_nothing
    index = Annoy::AnnoyIndex.new(n_features: 3)
    index.add_item(0, [1, 2, 3])
    assert_equal [], index.get_nns_by_item(0, 3)
    assert_equal [[], []], index.get_nns_by_vector([1, 2, 3], 3, include_distances: true)
  end

  # Where Annoy reports an error annoy-rb raises RuntimeError; bad values are ArgumentErrors
  # and unknown items IndexErrors (annoy-rb reads past its buffer there). The library's error
  # is the cause.
  def test_errors
    index = Annoy::AnnoyIndex.new(n_features: 3, metric: "euclidean")
    e = assert_raises(RuntimeError) { index.save("/nonexistent-dir/x.ann") }
    assert_kind_of Annoy::StateError, e.cause
    assert_raises(ArgumentError) { index.add_item(0, [Float::NAN, 0, 0]) }
    assert_raises(ArgumentError) { index.add_item(-1, [0, 0, 0]) }
    index.add_item(0, [0, 0, 1])
    assert_raises(IndexError) { index.get_item(5) }
    assert_raises(IndexError) { index.get_distance(0, 5) }
    index.build(2)
    assert_raises(RuntimeError) { index.build(2) }
    assert_raises(RuntimeError) { index.add_item(1, [1, 1, 1]) }
    assert_raises(IndexError) { index.get_nns_by_item(7, 1) }
    assert_raises(ArgumentError) { index.get_nns_by_item(0, -1) }
    e = assert_raises(RuntimeError) { index.load("/nonexistent-dir/x.ann") }
    assert_kind_of Annoy::IOError, e.cause
    with_tmpdir do |dir|
      path = File.join(dir, "x.ann")
      index.save(path)
      e = assert_raises(RuntimeError) { Annoy::AnnoyIndex.new(n_features: 5, metric: "euclidean").load(path) }
      assert_kind_of Annoy::CorruptFileError, e.cause
    end
  end

  # annoy-rb's float64 files hold doubles (an angular node of 4 values is 48 bytes, not 28):
  # they are refused, and a float64 index says why.
  def test_float64_files_are_refused_with_a_reason
    with_tmpdir do |dir|
      path = File.join(dir, "f64.ann")
      File.binwrite(path, "\0" * 48 * 3)
      e = assert_raises(RuntimeError) { Annoy::AnnoyIndex.new(n_features: 4).load(path) }
      assert_kind_of Annoy::CorruptFileError, e.cause
      assert_match(/dtype 'float64' writes doubles/, e.message)
      e = assert_raises(RuntimeError) { Annoy::AnnoyIndex.new(n_features: 4, dtype: "float32").load(path) }
      refute_match(/float64/, e.message)
    end
  end

  # A translation, not a second index: the same seed gives Annoy::Index's answers.
  def test_answers_are_annoy_index_answers
    items = random_vectors(300, 8, seed: 7)
    ours = build_index(:angular, items, trees: 5, seed: 9)
    compat = Annoy::AnnoyIndex.new(n_features: 8, metric: "angular")
    compat.seed(9)
    items.each_with_index { |v, i| compat.add_item(i, v) }
    compat.build(5)
    assert_equal 5, compat.n_trees
    [0, 17, 299].each do |i|
      assert_equal ours.nearest_to_item(i, 10, include_distances: true),
                   compat.get_nns_by_item(i, 10, include_distances: true)
      assert_equal ours.nearest(items[i], 10, search_k: 50),
                   compat.get_nns_by_vector(items[i], 10, search_k: 50)
    end
  end
end
