# frozen_string_literal: true

module Annoy
  # An approximate-nearest-neighbour index over +dim+-dimensional vectors, backed by one
  # libannoy handle. Files are compatible with Spotify Annoy's .ann files.
  #
  #   Annoy::Index.new(3, :angular) do |index|
  #     index.add(0, [1.0, 0.0, 0.0])
  #     index << [0.0, 1.0, 0.0]           # id 1
  #     index.build(10)
  #     index.nearest([1.0, 0.1, 0.0], 2)  # => [0, 1]
  #   end
  #
  # The handle is an FFI::AutoPointer: an index that is never closed is freed by the garbage
  # collector. +close+ frees it at once (and unmaps a loaded file).
  #
  # Thread safety: queries, item vectors, distances and counts may run from many threads at
  # once (queries release the GVL); mutating calls wait until they have the index alone.
  class Index
    # Metric names and their ANNOY_METRIC_* numbers.
    METRICS = { angular: 0, euclidean: 1, manhattan: 2, dot: 3, hamming: 4 }.freeze
    # Dot-metric file layouts (ANNOY_DOT_LAYOUT_*): Annoy 1.17.3's (the default) and main's.
    DOT_LAYOUTS = { annoy_1_17: 0, annoy_main: 1 }.freeze
    VALUE_TYPES = { f32: 0, f16: 1 }.freeze

    UINT32_MAX = 0xFFFF_FFFF
    INT32_RANGE = (-(2**31)..(2**31 - 1)).freeze
    INT64_MAX = 2**63 - 1
    SEARCH_K_DEFAULT = -1
    # Every negative search_k but -1 means no limit, as in Annoy; this is the library's name.
    SEARCH_K_UNLIMITED = -2
    # ef: the library's default beam width for a graph search (at least n).
    EF_DEFAULT = -1
    SIZE_MAX = 2**64 - 1

    class << self
      # Creates an index. With a block, yields it, closes it when the block ends and returns
      # the block's value.
      def new(*args, **kwargs)
        index = super
        return index unless block_given?

        begin
          yield index
        ensure
          index.close
        end
      end

      # Creates an index and loads the file at +path+ into it. With a block, yields the index,
      # closes it when the block ends and returns the block's value.
      def open(dim, metric, path, prefault: false)
        index = new(dim, metric)
        begin
          index.load(path, prefault: prefault)
        rescue StandardError
          index.close
          raise
        end
        return index unless block_given?

        begin
          yield index
        ensure
          index.close
        end
      end
    end

    # +dim+: number of values per vector (bits for hamming). +metric+: :angular, :euclidean,
    # :manhattan, :dot or :hamming (a Symbol or String).
    def initialize(dim, metric)
      number = self.class.metric_number(metric)
      unless dim.is_a?(Integer) && dim >= 0
        raise InvalidArgumentError, "dimension must be a non-negative Integer, got #{dim.inspect}"
      end

      out = FFI::MemoryPointer.new(:pointer)
      Native.call(:annoy_new, number, dim, out)
      @ptr = FFI::AutoPointer.new(out.read_pointer, Native.method(:annoy_free))
      @lock = RWLock.new
    end

    # Opens a native index file (written by +save_native+ or `annoy build --format native`)
    # with no metric or dimension: both come from the file. An Annoy file records neither and
    # is refused (Annoy::CorruptFileError): use +new+ and +load+ for it.
    def self.open_native(path, prefault: false)
      index = allocate
      index.send(:adopt_native_file, path.to_s, prefault ? true : false)
      index
    end

    # The ANNOY_METRIC_* number of a metric name (Integers pass through to the library).
    def self.metric_number(metric)
      case metric
      when Integer
        metric
      when Symbol, String
        METRICS.fetch(metric.to_s.downcase.to_sym) do
          raise UnknownMetricError, "unknown metric #{metric.inspect}; expected one of " \
                                    "#{METRICS.keys.join(', ')}"
        end
      else
        raise TypeError, "metric must be a Symbol or String, got #{metric.class}"
      end
    end

    # ---- life cycle ----

    # Frees the index now (unmapping a loaded file). Idempotent; later calls other than
    # +close+ and +closed?+ raise Annoy::ClosedError.
    def close
      @lock.write do
        @ptr&.free
        @ptr = nil
      end
      nil
    end

    # Whether +close+ was called.
    def closed?
      @ptr.nil?
    end

    # ---- building ----

    # Seeds the next build (tree t draws from a generator seeded from seed and t). Negative
    # seeds wrap as in C.
    def seed=(seed)
      unless seed.is_a?(Integer) && seed >= -(2**63) && seed < 2**64
        raise InvalidArgumentError, "seed must be an Integer that fits 64 bits, got #{seed.inspect}"
      end

      write { |h| Native.call(:annoy_set_seed, h, seed & 0xFFFF_FFFF_FFFF_FFFF) }
    end

    # Annoy's name for +seed=+. Returns self.
    def set_seed(seed)
      self.seed = seed
      self
    end

    # Dot metric only, before anything is added or loaded: the file layout to write,
    # :annoy_1_17 (the default) or :annoy_main.
    def dot_layout=(layout)
      number = DOT_LAYOUTS.fetch(layout.to_s.downcase.to_sym) do
        raise InvalidArgumentError, "unknown dot layout #{layout.inspect}; expected one of " \
                                    "#{DOT_LAYOUTS.keys.join(', ')}"
      end
      write { |h| Native.call(:annoy_set_dot_layout, h, number) }
    end

    # How save_native stores the item vectors: :f32 (the default) or :f16 (half the size;
    # distances stay f32). Opening an f16 file sets :f16. Hamming refuses :f16; save (Annoy's
    # format) always writes f32.
    def value_type=(value_type)
      number = VALUE_TYPES.fetch(value_type.to_s.downcase.to_sym) do
        raise InvalidArgumentError, "unknown value type #{value_type.inspect}; expected one of " \
                                    "#{VALUE_TYPES.keys.join(', ')}"
      end
      write { |h| Native.call(:annoy_set_value_type, h, number) }
    end

    # The value type save_native writes, :f32 or :f16.
    def value_type
      read_value_type(:annoy_value_type)
    end

    # How the index holds its item vectors now: :f16 when it serves a native file of f16 items.
    def stored_value_type
      read_value_type(:annoy_stored_value_type)
    end

    # Stores +vector+ as item +id+ (ids may leave holes; re-adding replaces). Returns self.
    def add(id, vector)
      unless id.is_a?(Integer) && id >= 0 && id <= UINT32_MAX
        raise InvalidArgumentError, "item id must be an Integer in 0..#{UINT32_MAX}, got #{id.inspect}"
      end

      buf, len = float_buffer(vector)
      write { |h| Native.call(:annoy_add, h, id, buf, len) }
      self
    end
    alias add_item add

    # Appends +vector+ with the next id (+n_items+). Returns self.
    def <<(vector)
      buf, len = float_buffer(vector)
      write do |h|
        id = size_of(:annoy_n_items, h)
        if id > UINT32_MAX
          raise InvalidArgumentError, "the index is full: no item id after #{UINT32_MAX}"
        end

        Native.call(:annoy_add, h, id, buf, len)
      end
      self
    end

    # Builds the index in the file at +path+ instead of in memory. Call before +add+.
    def on_disk_build(path)
      path = path_string(path)
      write { |h| Native.call(:annoy_on_disk_build, h, path) }
      self
    end

    # Builds +trees+ trees (-1: automatically) on +threads+ threads (-1: one per core).
    # Releases the GVL while it runs. Returns self.
    #
    # With a block, the block is called as <tt>{ |trees_done, trees_wanted| ... }</tt> on this
    # thread at every finished tree and a few times a second in between (+trees_wanted+ is nil
    # for the automatic count; the GVL is then held, as the library calls back into Ruby). An
    # exception raised by the block (Interrupt, from Ctrl-C, too) cancels the build: the index
    # is as it was before (unbuilt, its items intact) and the exception propagates.
    def build(trees = -1, threads: -1, n_jobs: nil, &progress)
      threads = n_jobs unless n_jobs.nil?
      trees = int32(trees, "trees")
      threads = int32(threads, "threads")
      if progress.nil?
        write { |h| Native.call(:annoy_build, h, trees, threads) }
      else
        build_watched(trees, threads, progress)
      end
      self
    end

    # Drops the trees so that more items can be added. Returns self.
    def unbuild
      write { |h| Native.call(:annoy_unbuild, h) }
      self
    end

    # Builds a graph over the items of the built (or loaded) index, with +degree+ edges per
    # item (0: the library's default) on +threads+ library threads (-1: one per core),
    # releasing the GVL. Queries then search the graph, their effort set by +ef:+; the trees
    # stay for +drop_graph+. The graph is the same for every thread count; +save_native+
    # keeps it, +save+ (Annoy's format) writes the trees only. Returns self.
    def build_graph(degree: 0, threads: -1)
      degree = size_arg(degree, "graph degree")
      threads = int32(threads, "threads")
      write { |h| Native.call(:annoy_build_graph, h, degree, threads) }
      self
    end

    # Drops the graph, so that queries walk the trees again (nothing to do without one).
    # Returns self.
    def drop_graph
      write { |h| Native.call(:annoy_drop_graph, h) }
      self
    end

    # The graph's edges per item, or 0 when the index has no graph (queries walk the trees).
    def graph_degree
      read { |h| size_of(:annoy_graph_degree, h) }
    end

    # ---- files ----

    # Writes the built index to +path+, then serves it from that file (as +load+ would).
    # Releases the GVL while it runs. Returns self.
    def save(path, prefault: false)
      path = path_string(path)
      write { |h| Native.call(:annoy_save, h, path, prefault ? true : false) }
      self
    end

    # Maps the index file at +path+ (read-only, shared between processes); +prefault+ reads it
    # all in now. Releases the GVL while it runs. Returns self.
    # +save+ in the native format: self-describing (+open_native+ needs no metric or dimension)
    # and checksummed (+verify+ finds any changed byte). Returns self.
    def save_native(path, prefault: false)
      path = path_string(path)
      write { |h| Native.call(:annoy_save_as, h, path, 1, prefault ? true : false) }
      self
    end

    # Checks the index: every checksum of a native file, the structure of an Annoy file
    # (which has no checksums). Raises Annoy::CorruptFileError on damage; returns true.
    def verify
      read { |h| Native.call(:annoy_verify, h) }
      true
    end

    def load(path, prefault: false)
      path = path_string(path)
      write { |h| Native.call(:annoy_load, h, path, prefault ? true : false) }
      self
    end

    # Empties the index, unmapping any file (metric, dimension and seed stay). Returns self.
    def unload
      write { |h| Native.call(:annoy_unload, h) }
      self
    end

    # ---- queries ----

    # The +n+ nearest items to +vector+, nearest first: an Array of ids, or
    # [ids, distances] with +include_distances: true+. +search_k+: candidates to look at
    # (-1: n × n_trees; any other negative number: no limit, as in Annoy).
    #
    # +allow:+ (an Array of ids) or a block (called with an id, truthy to allow) restricts the
    # answer to allowed items: the best +n+ of them as the unfiltered search ranks them.
    #
    # +ef:+ is the beam width for an index with a graph (+build_graph+), which then answers
    # instead of the trees (+search_k+ is unused): nil or EF_DEFAULT for the library's
    # default, or a width (below +n+ counts as +n+; 0 raises InvalidArgumentError). Without
    # a graph, a width raises StateError.
    def nearest(vector, n, search_k: -1, include_distances: false, allow: nil, ef: nil, &filter)
      buf, len = float_buffer(vector)
      if allow || filter || ef
        return filtered(n, search_k, ef, include_distances, allow, filter) do |h, opts, ids, dists, room, outn|
          Native.call(:annoy_query_with_options, h, nil, opts, buf, len, ids, dists, room, outn)
        end
      end
      query(n, search_k, include_distances) do |h, count, k, ids, dists, room, outn|
        Native.call(:annoy_query, h, buf, len, count, k, ids, dists, room, outn)
      end
    end

    # Annoy's name and argument order for +nearest+: positional +search_k+ and
    # +include_distances+ work as in Python (keywords win).
    def get_nns_by_vector(vector, n, search_k_ = -1, include_distances_ = false,
                          search_k: search_k_, include_distances: include_distances_)
      nearest(vector, n, search_k: search_k, include_distances: include_distances)
    end

    # The +n+ nearest items to stored item +id+ (see +nearest+).
    def nearest_to_item(id, n, search_k: -1, include_distances: false, allow: nil, ef: nil, &filter)
      id = item_id(id)
      if allow || filter || ef
        return filtered(n, search_k, ef, include_distances, allow, filter) do |h, opts, ids, dists, room, outn|
          Native.call(:annoy_query_by_item_with_options, h, nil, opts, id, ids, dists, room, outn)
        end
      end
      query(n, search_k, include_distances) do |h, count, k, ids, dists, room, outn|
        Native.call(:annoy_query_by_item, h, id, count, k, ids, dists, room, outn)
      end
    end

    # Recall@k (0 to 1) of queries at +search_k+ (or, with a graph, at +ef+) against brute
    # force on +sample+ stored items drawn with +seed+, and the single-thread queries per
    # second: [recall, qps].
    def estimate_recall(k: 10, search_k: -1, sample: 200, seed: 1, allow: nil, ef: nil, &filter)
      with_options(count_arg(k), search_k_arg(search_k), allow, filter, ef: ef_arg(ef)) do |opts|
        recall = FFI::MemoryPointer.new(:double)
        qps = FFI::MemoryPointer.new(:double)
        read { |h| Native.call(:annoy_estimate_recall, h, opts, nil, 0, sample, seed, recall, qps) }
        [recall.read_double, qps.read_double]
      end
    end

    # The smallest search_k whose recall@k reaches +target_recall+ on +sample+ stored items:
    # [search_k, recall, qps]; search_k is SEARCH_K_UNLIMITED when only an unlimited search
    # reaches it, or none does (recall is then below the target). On an index with a graph the
    # effort tuned is the beam width: the first element is then that ef.
    def tune(target_recall = 0.9, k: 10, sample: 200, seed: 1, allow: nil, &filter)
      with_options(count_arg(k), SEARCH_K_DEFAULT, allow, filter) do |opts|
        sk = FFI::MemoryPointer.new(:int64)
        recall = FFI::MemoryPointer.new(:double)
        qps = FFI::MemoryPointer.new(:double)
        read do |h|
          Native.call(:annoy_tune, h, opts, Float(target_recall), nil, 0, sample, seed, sk, recall, qps)
        end
        [sk.read_int64, recall.read_double, qps.read_double]
      end
    end

    # Annoy's name and argument order for +nearest_to_item+ (see +get_nns_by_vector+).
    def get_nns_by_item(id, n, search_k_ = -1, include_distances_ = false,
                        search_k: search_k_, include_distances: include_distances_)
      nearest_to_item(id, n, search_k: search_k, include_distances: include_distances)
    end

    # Answers many vector queries at once on +threads+ library threads (-1: one per core),
    # releasing the GVL. Returns one result per query, each as +nearest+ returns it.
    # +allow:+ and a block filter every query as they filter +nearest+. A block runs under the
    # GVL, so with one the queries run on the calling thread and +threads+ is not used.
    # +ef:+ as for +nearest+.
    def query_batch(vectors, n, search_k: -1, threads: -1, include_distances: false, allow: nil,
                    ef: nil, &filter)
      rows = vectors.map { |v| to_floats(v) }
      n = count_arg(n)
      search_k = search_k_arg(search_k)
      ef = ef_arg(ef)
      threads = int32(threads, "threads")
      read do |h|
        dim = size_of(:annoy_dim, h)
        rows.each_with_index do |row, i|
          next if row.size == dim

          raise DimensionError, "query #{i} has #{row.size} values, index dimension is #{dim}"
        end
        room = capacity(h, n)
        q = rows.size
        flat = FFI::MemoryPointer.new(:float, [q * dim, 1].max)
        flat.put_array_of_float(0, rows.flatten) unless q.zero?
        ids = FFI::MemoryPointer.new(:uint32, [q * room, 1].max)
        dists = include_distances ? FFI::MemoryPointer.new(:float, [q * room, 1].max) : nil
        counts = FFI::MemoryPointer.new(:size_t, [q, 1].max)
        with_options(n, search_k, allow, filter, ef: ef) do |opts|
          if filter
            Native.call(:annoy_query_batch_with_options_gvl, h, opts, flat, q, dim, 1, ids, dists,
                        room, counts)
          else
            Native.call(:annoy_query_batch_with_options, h, opts, flat, q, dim, threads, ids,
                        dists, room, counts)
          end
        end
        found = q.zero? ? [] : Native.read_sizes(counts, q)
        found.each_with_index.map do |c, i|
          row_ids = ids.get_array_of_uint32(4 * i * room, c)
          include_distances ? [row_ids, dists.get_array_of_float(4 * i * room, c)] : row_ids
        end
      end
    end

    # ---- items ----

    # The stored vector of item +id+ as an Array of Floats (hamming: 0.0/1.0 per bit; a hole
    # reads as zeros).
    def item_vector(id)
      id = item_id(id)
      read do |h|
        dim = size_of(:annoy_dim, h)
        buf = FFI::MemoryPointer.new(:float, [dim, 1].max)
        Native.call(:annoy_get_item, h, id, buf, dim)
        buf.get_array_of_float(0, dim)
      end
    end
    alias get_item_vector item_vector

    # The distance between items +i+ and +j+, in the metric's units.
    def distance(i, j)
      i = item_id(i)
      j = item_id(j)
      read do |h|
        out = FFI::MemoryPointer.new(:float)
        Native.call(:annoy_distance, h, i, j, out)
        out.read_float
      end
    end
    alias get_distance distance

    # ---- properties ----

    # Number of items: the largest id added plus one (holes included).
    def n_items
      read { |h| size_of(:annoy_n_items, h) }
    end
    alias get_n_items n_items
    alias size n_items

    # Number of trees (0 before build).
    def n_trees
      read { |h| size_of(:annoy_n_trees, h) }
    end
    alias get_n_trees n_trees

    # The dimension given to +new+ (bits for hamming).
    def dim
      read { |h| size_of(:annoy_dim, h) }
    end
    alias f dim

    def read_value_type(function)
      read do |h|
        out = FFI::MemoryPointer.new(:int32)
        Native.call(function, h, out)
        VALUE_TYPES.key(out.read_int32)
      end
    end
    private :read_value_type

    # The metric as a Symbol (:angular, :euclidean, …).
    def metric
      read do |h|
        out = FFI::MemoryPointer.new(:int32)
        Native.call(:annoy_metric, h, out)
        METRICS.key(out.read_int32)
      end
    end

    def inspect
      return "#<#{self.class} (closed)>" if closed?

      "#<#{self.class} metric=#{metric} dim=#{dim} n_items=#{n_items} n_trees=#{n_trees}>"
    rescue ClosedError
      "#<#{self.class} (closed)>"
    end
    alias to_s inspect

    private

    # Runs the block with the live handle while no mutating call runs.
    def read
      @lock.read { yield handle }
    end

    def adopt_native_file(path, prefault)
      out = FFI::MemoryPointer.new(:pointer)
      Native.call(:annoy_open, path, prefault, out)
      @ptr = FFI::AutoPointer.new(out.read_pointer, Native.method(:annoy_free))
      @lock = RWLock.new
    end

    # Runs the block with the live handle while no other call runs.
    def write
      @lock.write { yield handle }
    end

    def handle
      @ptr or raise ClosedError, "the index is closed"
    end

    def size_of(fn, handle)
      out = FFI::MemoryPointer.new(:size_t)
      Native.call(fn, handle, out)
      Native.read_size(out)
    end

    # Shared part of the single-vector queries: n and search_k go to the library as given;
    # only the result buffers are sized here.
    def query(n, search_k, include_distances)
      n = count_arg(n)
      search_k = search_k_arg(search_k)
      read do |h|
        room = capacity(h, n)
        ids = FFI::MemoryPointer.new(:uint32, [room, 1].max)
        dists = include_distances ? FFI::MemoryPointer.new(:float, [room, 1].max) : nil
        outn = FFI::MemoryPointer.new(:size_t)
        yield h, n, search_k, ids, dists, room, outn
        found = Native.read_size(outn)
        result = ids.get_array_of_uint32(0, found)
        include_distances ? [result, dists.get_array_of_float(0, found)] : result
      end
    end

    # A single query with options: a filter or a graph's ef (see +nearest+).
    def filtered(n, search_k, ef, include_distances, allow, filter)
      n = count_arg(n)
      with_options(n, search_k_arg(search_k), allow, filter, ef: ef_arg(ef)) do |opts|
        read do |h|
          room = capacity(h, n)
          ids = FFI::MemoryPointer.new(:uint32, [room, 1].max)
          dists = include_distances ? FFI::MemoryPointer.new(:float, [room, 1].max) : nil
          outn = FFI::MemoryPointer.new(:size_t)
          yield h, opts, ids, dists, room, outn
          found = Native.read_size(outn)
          result = ids.get_array_of_uint32(0, found)
          include_distances ? [result, dists.get_array_of_float(0, found)] : result
        end
      end
    end

    # annoy_query_options for n, search_k, an allow-list (Array of ids), a filter block and
    # the graph's ef. An exception raised by the block is raised again after the call.
    def with_options(n, search_k, allow, filter, ef: EF_DEFAULT)
      opts = Native::QueryOptions.new
      Native.call(:annoy_query_options_init, opts.pointer, Native::QueryOptions.size)
      opts[:n] = n
      opts[:search_k] = search_k
      opts[:ef] = ef
      if allow
        ids = allow.map { |i| item_id(i) }
        words = Array.new([(ids.max || 0) / 64 + 1, 1].max, 0)
        ids.each { |i| words[i / 64] |= 1 << (i % 64) }
        bits = FFI::MemoryPointer.new(:uint64, words.size)
        bits.put_array_of_uint64(0, words)
        opts[:allow] = bits
        opts[:allow_words] = words.size
      end
      raised = nil
      if filter
        callback = FFI::Function.new(:int32, %i[uint32 pointer]) do |id, _data|
          begin
            filter.call(id) ? 1 : 0
          rescue Exception => e # rubocop:disable Lint/RescueException
            raised ||= e
            0
          end
        end
        opts[:filter] = callback
      end
      result = yield opts
      raise raised if raised

      result
    end

    def build_watched(trees, threads, progress)
      raised = nil
      callback = FFI::Function.new(:int32, %i[size_t size_t pointer]) do |done, wanted, _data|
        begin
          progress.call(done, wanted.zero? ? nil : wanted)
          0
        rescue Exception => e # rubocop:disable Lint/RescueException
          raised ||= e
          1
        end
      end
      begin
        write { |h| Native.call(:annoy_build_with_progress, h, trees, threads, callback, nil) }
      rescue CancelledError => e
        raise(raised || e)
      end
      raise raised if raised
    end

    # The result buffer a query for n needs: min(n, n_items), the header's rule.
    def capacity(handle, n)
      [n, size_of(:annoy_n_items, handle)].min
    end

    def count_arg(n)
      raise TypeError, "n must be an Integer, got #{n.class}" unless n.is_a?(Integer)
      raise InvalidArgumentError, "n must be >= 0, got #{n}" if n.negative?

      [n, SIZE_MAX].min
    end

    # nil: Annoy's default (-1). The library reads the value (-1 default, other negatives
    # unlimited); only Integers past int64 are brought into its range (the same meaning).
    def search_k_arg(search_k)
      return SEARCH_K_DEFAULT if search_k.nil?
      raise TypeError, "search_k must be an Integer, got #{search_k.class}" unless search_k.is_a?(Integer)

      search_k.clamp(-INT64_MAX - 1, INT64_MAX)
    end

    # nil: the library's default width (EF_DEFAULT). Every other Integer goes to the library,
    # which reads it; one past int64 cannot be passed and is refused here.
    def ef_arg(ef)
      return EF_DEFAULT if ef.nil?
      raise TypeError, "ef must be an Integer, got #{ef.class}" unless ef.is_a?(Integer)
      unless ef.between?(-INT64_MAX - 1, INT64_MAX)
        raise InvalidArgumentError, "ef #{ef} does not fit a 64-bit int"
      end

      ef
    end

    # A size_t argument: negative values and ones past SIZE_MAX cannot be passed.
    def size_arg(value, what)
      raise TypeError, "#{what} must be an Integer, got #{value.class}" unless value.is_a?(Integer)
      unless value.between?(0, SIZE_MAX)
        raise InvalidArgumentError, "#{what} must be between 0 and #{SIZE_MAX}, got #{value}"
      end

      value
    end

    def item_id(id)
      raise TypeError, "item id must be an Integer, got #{id.class}" unless id.is_a?(Integer)
      unless id >= 0 && id <= UINT32_MAX
        raise UnknownItemError, "item #{id} is not in the index (ids are 0..#{UINT32_MAX})"
      end

      id
    end

    def int32(value, what)
      raise TypeError, "#{what} must be an Integer, got #{value.class}" unless value.is_a?(Integer)
      raise InvalidArgumentError, "#{what} #{value} does not fit a 32-bit int" unless INT32_RANGE.cover?(value)

      value
    end

    def path_string(path)
      path = File.path(path)
      raise ArgumentError, "path contains a NUL byte" if path.include?("\0")

      path
    end

    def to_floats(vector)
      arr = Array.try_convert(vector) || (vector.respond_to?(:to_a) && vector.to_a)
      raise TypeError, "a vector must be an Array of numbers, got #{vector.class}" unless arr.is_a?(Array)

      arr
    end

    # The vector copied into C floats, and its length.
    def float_buffer(vector)
      arr = to_floats(vector)
      buf = FFI::MemoryPointer.new(:float, [arr.size, 1].max)
      buf.put_array_of_float(0, arr)
      [buf, arr.size]
    end
  end
end
