# frozen_string_literal: true

module Annoy
  # The Annoy release whose .ann files and search behaviour this library reproduces (the
  # annoy-rb gem names the Annoy it bundles here).
  ANNOY_VERSION = "1.17.3"

  # The annoy-rb gem's API (Annoy::AnnoyIndex and its typed index classes) as a translation
  # onto Annoy::Index: programs written for annoy-rb 0.8.1 run with this gem in its place.
  #
  # This module holds what the translation needs: Ruby's C-API argument conversions (the
  # gem's C extension converts with NUM2INT, NUM2UINT and StringValuePtr, so the same
  # arguments are accepted and refused with the same exceptions) and the mapping of the
  # library's errors onto the exceptions annoy-rb raises.
  module AnnoyRb
    INT_RANGE = (-(2**31)..(2**31 - 1)).freeze
    # Hamming words: NUM2UINT's negative ints (which wrap to 32 bits, as in C), then every
    # 64-bit word (annoy-rb stops at 32 bits; get_item returns whole words, so they go back in).
    WORD_RANGE = (-(2**31)..(2**64 - 1)).freeze
    DIMENSION_MESSAGE = "Array size does not match to index dimensionality."
    NOT_ARRAY_MESSAGE = "Expect item vector to be Array."

    module_function

    # +value+ as NUM2INT converts it: Integers in int range, Floats truncated, objects with
    # +to_int+; TypeError for anything else, RangeError outside int.
    def int(value)
      integer = c_integer(value)
      raise RangeError, "integer #{integer} too big to convert to `int'" unless INT_RANGE.cover?(integer)

      integer
    end

    # A hamming word: +value+ converted as NUM2UINT converts it, but up to 64 bits.
    def word(value)
      integer = c_integer(value)
      raise RangeError, "integer #{integer} does not fit a 64-bit word" unless WORD_RANGE.cover?(integer)

      integer.negative? ? integer & 0xFFFF_FFFF : integer
    end

    def c_integer(value)
      case value
      when Integer then value
      when Float then value.to_i # NaN and infinities raise FloatDomainError, as in C Ruby
      when nil then raise TypeError, "no implicit conversion from nil to integer"
      else
        unless value.respond_to?(:to_int)
          raise TypeError, "no implicit conversion of #{value.class} into Integer"
        end

        value.to_int
      end
    end

    # A file name as StringValuePtr takes it: a String or an object with +to_str+.
    def string(value)
      return value if value.is_a?(String)
      return value.to_str if value.respond_to?(:to_str)

      raise TypeError, "no implicit conversion of #{value.nil? ? 'nil' : value.class} into String"
    end

    # Runs the block, raising the library's errors as annoy-rb would: ArgumentError for a bad
    # vector or argument, IndexError for an unknown item, RuntimeError for the rest (annoy-rb
    # raises Annoy's own error messages as RuntimeError). The library's error, with its code,
    # stays reachable as the exception's +cause+.
    def translating
      yield
    rescue Annoy::DimensionError
      raise ArgumentError, DIMENSION_MESSAGE
    rescue Annoy::InvalidArgumentError, Annoy::NotFiniteError => e
      raise ArgumentError, e.message
    rescue Annoy::UnknownItemError => e
      raise IndexError, e.message
    rescue Annoy::Error => e
      raise RuntimeError, e.message
    end

    # What annoy-rb's typed index classes (Annoy::AnnoyIndexAngular, ...) have in common: the
    # positional API of its C extension, over one Annoy::Index.
    class TypedIndex
      # The Annoy::Index metric of this class.
      METRIC = nil
      # Whether annoy-rb's class of this name keeps doubles (dtype "float64").
      FLOAT64 = false
      FLOAT64_FILES = "annoy-rb's dtype 'float64' writes doubles, which this library does not " \
                      "read: rebuild the index (its files hold float32, as with annoy-rb's " \
                      "dtype 'float32', Annoy's Python module and its other bindings)"

      # +n_dims+: values per vector (for hamming, 64-bit words).
      def initialize(n_dims)
        @f = AnnoyRb.int(n_dims)
        @index = AnnoyRb.translating { Annoy::Index.new(stored_dim(@f), self.class::METRIC) }
      end

      def add_item(i, v)
        id = AnnoyRb.int(i)
        vector = stored_vector(v)
        AnnoyRb.translating { @index.add(id, vector) }
        true
      end

      # +n_jobs+ is passed on as the number of build threads (-1: one per core).
      def build(n_trees, n_jobs)
        trees = AnnoyRb.int(n_trees)
        jobs = AnnoyRb.int(n_jobs)
        AnnoyRb.translating { @index.build(trees, threads: jobs) }
        true
      end

      def save(filename, prefault)
        path = AnnoyRb.string(filename)
        AnnoyRb.translating { @index.save(path, prefault: prefault == true) }
        true
      end

      def load(filename, prefault)
        path = AnnoyRb.string(filename)
        AnnoyRb.translating do
          @index.load(path, prefault: prefault == true)
        rescue Annoy::CorruptFileError => e
          raise unless self.class::FLOAT64

          raise Annoy::CorruptFileError.new("#{e.message}; #{FLOAT64_FILES}", e.code)
        end
        true
      end

      def unload
        AnnoyRb.translating { @index.unload }
        nil
      end

      def get_nns_by_item(i, n, search_k, include_distances)
        id = AnnoyRb.int(i)
        query(n, search_k, include_distances) do |count, k, with|
          @index.nearest_to_item(id, count, search_k: k, include_distances: with)
        end
      end

      def get_nns_by_vector(v, n, search_k, include_distances)
        vector = stored_vector(v)
        query(n, search_k, include_distances) do |count, k, with|
          @index.nearest(vector, count, search_k: k, include_distances: with)
        end
      end

      def get_item(i)
        id = AnnoyRb.int(i)
        item_values(AnnoyRb.translating { @index.item_vector(id) })
      end

      def get_distance(i, j)
        a = AnnoyRb.int(i)
        b = AnnoyRb.int(j)
        distance_value(AnnoyRb.translating { @index.distance(a, b) })
      end

      def get_n_items
        @index.n_items
      end

      def get_n_trees
        @index.n_trees
      end

      def on_disk_build(filename)
        path = AnnoyRb.string(filename)
        AnnoyRb.translating { @index.on_disk_build(path) }
        true
      end

      # Seeds the next build; the int wraps to 64 bits as annoy-rb's C++ does.
      def set_seed(seed)
        s = AnnoyRb.int(seed)
        @index.seed = s
        nil
      end

      # The library reports no progress, so verbose output has nothing to print.
      def verbose(_flag)
        nil
      end

      def get_f
        @f
      end

      def inspect
        "#<#{self.class} f=#{@f} n_items=#{@index.n_items} n_trees=#{@index.n_trees}>"
      end

      private

      # Shared part of the queries: the block runs the Annoy::Index query. annoy-rb answers
      # an index with nothing built with no neighbours, so a state error reads as none found.
      def query(n, search_k, include_distances)
        count = AnnoyRb.int(n)
        k = AnnoyRb.int(search_k)
        with = include_distances == true
        result = AnnoyRb.translating do
          yield count, k, with
        rescue Annoy::StateError
          with ? [[], []] : []
        end
        with ? [result[0], result[1].map { |d| distance_value(d) }] : result
      end

      def stored_dim(f)
        f
      end

      # The vector given to add_item or a query, as Annoy::Index takes it.
      def stored_vector(v)
        raise ArgumentError, NOT_ARRAY_MESSAGE unless v.is_a?(Array)

        v
      end

      def item_values(values)
        values
      end

      def distance_value(distance)
        distance
      end
    end

    # annoy-rb's hamming index: a vector is +n_dims+ 64-bit words (Integers, see
    # AnnoyRb.word), stored as Annoy stores hamming vectors; the Annoy::Index
    # underneath counts bits, 64 to a word, bit j of word w being bit 64·w + j.
    class HammingIndex < TypedIndex
      METRIC = :hamming

      private

      def stored_dim(f)
        f.negative? ? f : f * 64
      end

      def stored_vector(v)
        super.flat_map do |value|
          word = AnnoyRb.word(value)
          Array.new(64) { |bit| word[bit].to_f }
        end
      end

      def item_values(values)
        values.each_slice(64).map do |bits|
          bits.each_with_index.sum { |b, j| b.positive? ? 1 << j : 0 }
        end
      end

      def distance_value(distance)
        distance.round
      end
    end
  end

  # annoy-rb's typed index classes, one per metric and element type. This library stores
  # every vector in 32-bit floats, so a "float64" class differs from its Float32 twin only
  # in its name and in what +load+ says of a file it cannot read (annoy-rb's float64 files
  # hold doubles; this library's files are always Annoy's float32 format).
  class AnnoyIndexAngular < AnnoyRb::TypedIndex; METRIC = :angular; FLOAT64 = true; end
  class AnnoyIndexAngularFloat32 < AnnoyRb::TypedIndex; METRIC = :angular; end
  class AnnoyIndexDotProduct < AnnoyRb::TypedIndex; METRIC = :dot; FLOAT64 = true; end
  class AnnoyIndexDotProductFloat32 < AnnoyRb::TypedIndex; METRIC = :dot; end
  class AnnoyIndexEuclidean < AnnoyRb::TypedIndex; METRIC = :euclidean; FLOAT64 = true; end
  class AnnoyIndexEuclideanFloat32 < AnnoyRb::TypedIndex; METRIC = :euclidean; end
  class AnnoyIndexManhattan < AnnoyRb::TypedIndex; METRIC = :manhattan; FLOAT64 = true; end
  class AnnoyIndexManhattanFloat32 < AnnoyRb::TypedIndex; METRIC = :manhattan; end
  class AnnoyIndexHamming < AnnoyRb::HammingIndex; end

  # annoy-rb's index: Annoy's Python API with keyword arguments.
  #
  #   index = Annoy::AnnoyIndex.new(n_features: 3, metric: "euclidean")
  #   index.add_item(0, [1.0, 0.0, 0.0])
  #   index.build(10)
  #   index.get_nns_by_item(0, 1) # => [0]
  class AnnoyIndex
    # The typed index class for each metric name and whether dtype is "float64".
    CLASSES = {
      "angular" => [AnnoyIndexAngular, AnnoyIndexAngularFloat32],
      "dot" => [AnnoyIndexDotProduct, AnnoyIndexDotProductFloat32],
      "euclidean" => [AnnoyIndexEuclidean, AnnoyIndexEuclideanFloat32],
      "manhattan" => [AnnoyIndexManhattan, AnnoyIndexManhattanFloat32],
      "hamming" => [AnnoyIndexHamming, AnnoyIndexHamming]
    }.freeze

    # @return [Integer] the number of features given to +new+ (for hamming, 64-bit words)
    attr_reader :n_features
    # @return [String] the metric given to +new+
    attr_reader :metric
    # @return [String] the dtype given to +new+ ("uint64" for hamming)
    attr_reader :dtype

    # +metric+: "angular", "dot", "hamming", "euclidean" or "manhattan". +dtype+: "float64"
    # or anything else for float32 (the values are stored as float32 either way); hamming
    # sets it to "uint64".
    def initialize(n_features:, metric: "angular", dtype: "float64")
      raise ArgumentError, "Expect n_features to be Integer." unless n_features.is_a?(Numeric)

      @n_features = n_features.to_i
      @metric = metric
      @dtype = dtype
      classes = CLASSES.fetch(metric) { raise ArgumentError, "No such metric: #{metric}." }
      @dtype = "uint64" if metric == "hamming"
      @index = (dtype == "float64" ? classes[0] : classes[1]).new(@n_features)
    end

    # Stores +v+ as item +i+. @return [Boolean] true
    def add_item(i, v)
      @index.add_item(i, v)
    end

    # Builds +n_trees+ trees (-1: automatically) on +n_jobs+ threads (-1: one per core).
    # @return [Boolean] true
    def build(n_trees, n_jobs: -1)
      @index.build(n_trees, n_jobs)
    end

    # Writes the index to +filename+, then serves it from there. @return [Boolean] true
    def save(filename, prefault: false)
      @index.save(filename, prefault)
    end

    # Maps the index file +filename+ (+prefault+: read it all now). @return [Boolean] true
    def load(filename, prefault: false)
      @index.load(filename, prefault)
    end

    # Empties the index. @return [nil]
    def unload
      @index.unload
    end

    # The +n+ nearest items to item +i+: ids, or [ids, distances] with +include_distances+.
    def get_nns_by_item(i, n, search_k: -1, include_distances: false)
      @index.get_nns_by_item(i, n, search_k, include_distances)
    end

    # The +n+ nearest items to vector +v+: ids, or [ids, distances] with +include_distances+.
    def get_nns_by_vector(v, n, search_k: -1, include_distances: false)
      @index.get_nns_by_vector(v, n, search_k, include_distances)
    end

    # The stored vector of item +i+ (Floats; Integer words for hamming).
    def get_item(i)
      @index.get_item(i)
    end

    # The distance between items +i+ and +j+ (an Integer for hamming).
    def get_distance(i, j)
      @index.get_distance(i, j)
    end

    # @return [Integer] the number of items (the largest id plus one)
    def n_items
      @index.get_n_items
    end

    # @return [Integer] the number of trees
    def n_trees
      @index.get_n_trees
    end

    # Builds in the file +filename+ instead of in memory (call before add_item).
    # @return [Boolean] true
    def on_disk_build(filename)
      @index.on_disk_build(filename)
    end

    # Accepted for annoy-rb's sake; the library prints nothing. @return [nil]
    def verbose(flag)
      @index.verbose(flag)
    end

    # Seeds the next build. @return [nil]
    def seed(s)
      @index.set_seed(s)
    end
  end
end
