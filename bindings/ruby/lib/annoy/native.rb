# frozen_string_literal: true

require "ffi"

module Annoy
  # The raw C API (include/annoy.h), attached with ruby-ffi. Not part of the public API: use
  # Annoy::Index.
  #
  # Where the shared library comes from, first match wins:
  # 1. the ANNOY_LIBRARY environment variable (a path; nothing else is tried when it is set);
  # 2. lib/annoy/native/libannoy.so inside the gem (a vendored copy);
  # 3. target/release/libannoy.so of the source checkout this binding sits in;
  # 4. the system's libannoy.so.0 (the SONAME of major version 0), found by the dynamic loader.
  module Native
    extend FFI::Library

    FILE_NAME = FFI.map_library_name("annoy") # libannoy.so / libannoy.dylib
    SYSTEM_NAME = FFI::Platform.mac? ? "libannoy.#{LIBRARY_MAJOR}.dylib" : "libannoy.so.#{LIBRARY_MAJOR}"

    class << self
      # The path (or system name) the library was loaded from.
      attr_reader :library_path

      # The places looked at, in order, as [path_or_name, description] pairs.
      def candidates
        env = ENV["ANNOY_LIBRARY"]
        return [[env, "ANNOY_LIBRARY"]] if env && !env.empty?

        [
          [File.expand_path("native/#{FILE_NAME}", __dir__), "vendored in the gem"],
          [File.expand_path("../../../../target/release/#{FILE_NAME}", __dir__), "source checkout"],
          [SYSTEM_NAME, "system library"],
        ]
      end

      # Opens the first library found; raises LoadError naming every place tried.
      def open_library
        tried = []
        candidates.each do |path, what|
          explicit = what == "ANNOY_LIBRARY"
          if path.include?(File::SEPARATOR) && !explicit && !File.exist?(path)
            tried << "#{path} (#{what}): not found"
            next
          end
          begin
            ffi_lib path
            @library_path = path
            return
          rescue LoadError => e
            tried << "#{path} (#{what}): #{e.message}"
          end
        end
        raise LoadError, "annoy: cannot load the annoy shared library. Tried:\n  " \
                         "#{tried.join("\n  ")}\nBuild it with `cargo build --release --lib` " \
                         "or set ANNOY_LIBRARY to the path of libannoy.so."
      end

      # Refuses a library whose major version is not the one this gem was written for.
      def check_version!
        version = annoy_version
        m = /\A(\d+)\.(\d+)\.(\d+)/.match(version)
        raise LoadError, "annoy: #{@library_path} reports an unreadable version #{version.inspect}" unless m

        major = Integer(m[1], 10)
        minor = Integer(m[2], 10)
        return if major == LIBRARY_MAJOR && (major != 0 || minor >= LIBRARY_MIN_MINOR)

        wanted = LIBRARY_MAJOR.zero? ? "0.#{LIBRARY_MIN_MINOR} or a later 0.x" : "#{LIBRARY_MAJOR}.x"
        raise LoadError, "annoy: #{@library_path} is libannoy #{version}, but the annoy-rs gem " \
                         "#{VERSION} needs libannoy #{wanted}. Install a matching library or " \
                         "point ANNOY_LIBRARY at one."
      end
    end

    open_library
    begin
      attach_function :annoy_version, [], :string
    rescue FFI::NotFoundError => e
      raise LoadError, "annoy: #{@library_path} is not libannoy (#{e.message})"
    end
    check_version!

    # Handles and errors are opaque pointers; the status is a C enum (an int).
    begin
      attach_function :annoy_status_str, [:int32], :string
      attach_function :annoy_error_status, [:pointer], :int32
      attach_function :annoy_error_message, [:pointer], :string
      attach_function :annoy_error_free, [:pointer], :void
      attach_function :annoy_selftest_panic, [:pointer], :int32

      attach_function :annoy_new, %i[int32 size_t pointer pointer], :int32
      attach_function :annoy_free, [:pointer], :void
      attach_function :annoy_set_seed, %i[pointer uint64 pointer], :int32
      attach_function :annoy_set_dot_layout, %i[pointer int32 pointer], :int32
      attach_function :annoy_set_value_type, %i[pointer int32 pointer], :int32
      attach_function :annoy_value_type, %i[pointer pointer pointer], :int32
      attach_function :annoy_stored_value_type, %i[pointer pointer pointer], :int32
      attach_function :annoy_add, %i[pointer uint32 pointer size_t pointer], :int32
      attach_function :annoy_unload, %i[pointer pointer], :int32
      attach_function :annoy_unbuild, %i[pointer pointer], :int32

      # Long calls release the GVL so that other Ruby threads run meanwhile.
      attach_function :annoy_on_disk_build, %i[pointer string pointer], :int32, blocking: true
      attach_function :annoy_build, %i[pointer int32 int32 pointer], :int32, blocking: true
      # Calls a Ruby block back (on this thread), so it keeps the GVL.
      callback :annoy_progress_fn, %i[size_t size_t pointer], :int32
      attach_function :annoy_build_with_progress,
                      %i[pointer int32 int32 annoy_progress_fn pointer pointer], :int32
      attach_function :annoy_build_graph, %i[pointer size_t int32 pointer], :int32, blocking: true
      attach_function :annoy_drop_graph, %i[pointer pointer], :int32
      attach_function :annoy_graph_degree, %i[pointer pointer pointer], :int32
      attach_function :annoy_save, %i[pointer string bool pointer], :int32, blocking: true
      attach_function :annoy_load, %i[pointer string bool pointer], :int32, blocking: true
      attach_function :annoy_open, %i[string bool pointer pointer], :int32, blocking: true
      attach_function :annoy_save_as, %i[pointer string int32 bool pointer], :int32, blocking: true
      attach_function :annoy_verify, %i[pointer pointer], :int32, blocking: true
      attach_function :annoy_query_batch,
                      %i[pointer pointer size_t size_t size_t int64 int32 pointer pointer pointer pointer],
                      :int32, blocking: true
      # Single queries release it too: they can take milliseconds on a big index, and they are
      # const calls that may run in parallel on one index.
      attach_function :annoy_query,
                      %i[pointer pointer size_t size_t int64 pointer pointer size_t pointer pointer],
                      :int32, blocking: true
      attach_function :annoy_query_by_item,
                      %i[pointer uint32 size_t int64 pointer pointer size_t pointer pointer],
                      :int32, blocking: true

      # annoy_query_options; fill with annoy_query_options_init(ptr, QueryOptions.size).
      class QueryOptions < FFI::Struct
        layout :size, :size_t, :n, :size_t, :search_k, :int64, :allow, :pointer,
               :allow_words, :size_t, :filter, :pointer, :filter_data, :pointer, :ef, :int64
      end
      callback :annoy_filter_fn, %i[uint32 pointer], :int32
      attach_function :annoy_query_options_init, %i[pointer size_t pointer], :int32
      # The calls that take options may call a Ruby block back, so they keep the GVL.
      attach_function :annoy_query_with_options,
                      %i[pointer pointer pointer pointer size_t pointer pointer size_t pointer pointer],
                      :int32
      attach_function :annoy_query_by_item_with_options,
                      %i[pointer pointer pointer uint32 pointer pointer size_t pointer pointer], :int32
      attach_function :annoy_query_batch_with_options,
                      %i[pointer pointer pointer size_t size_t int32 pointer pointer size_t pointer pointer],
                      :int32, blocking: true
      # The same call keeping the GVL, for a batch filtered by a Ruby block: run on one thread
      # (n_threads 1 answers on the calling thread), so the block is called on this thread.
      attach_function :annoy_query_batch_with_options_gvl, :annoy_query_batch_with_options,
                      %i[pointer pointer pointer size_t size_t int32 pointer pointer size_t pointer pointer],
                      :int32
      attach_function :annoy_estimate_recall,
                      %i[pointer pointer pointer size_t size_t uint64 pointer pointer pointer], :int32
      attach_function :annoy_tune,
                      %i[pointer pointer double pointer size_t size_t uint64 pointer pointer pointer pointer],
                      :int32

      attach_function :annoy_get_item, %i[pointer uint32 pointer size_t pointer], :int32
      attach_function :annoy_distance, %i[pointer uint32 uint32 pointer pointer], :int32
      attach_function :annoy_n_items, %i[pointer pointer pointer], :int32
      attach_function :annoy_n_trees, %i[pointer pointer pointer], :int32
      attach_function :annoy_dim, %i[pointer pointer pointer], :int32
      attach_function :annoy_metric, %i[pointer pointer pointer], :int32
    rescue FFI::NotFoundError => e
      raise LoadError, "annoy: #{@library_path} (libannoy #{annoy_version}) lacks a function " \
                       "the gem needs: #{e.message}"
    end

    SIZE_T_BYTES = FFI.type_size(:size_t)

    module_function

    # Calls +fn+ with a trailing annoy_error** and raises the matching Annoy::Error on failure.
    def call(fn, *args)
      errp = FFI::MemoryPointer.new(:pointer)
      status = public_send(fn, *args, errp)
      raise_error(status, errp.read_pointer) unless status.zero?
      nil
    end

    def raise_error(status, err)
      raise Error.for(status, Annoy.status_string(status)) if err.null?

      code = annoy_error_status(err)
      message = annoy_error_message(err).dup.force_encoding(Encoding::UTF_8)
      annoy_error_free(err)
      raise Error.for(code, message)
    end

    def read_size(ptr)
      SIZE_T_BYTES == 8 ? ptr.read_uint64 : ptr.read_uint32
    end

    def read_sizes(ptr, count)
      SIZE_T_BYTES == 8 ? ptr.get_array_of_uint64(0, count) : ptr.get_array_of_uint32(0, count)
    end
  end

  class << self
    # The version string of the loaded libannoy ("MAJOR.MINOR.PATCH").
    def library_version
      Native.annoy_version.dup.force_encoding(Encoding::UTF_8)
    end

    # Where the shared library was loaded from.
    def library_path
      Native.library_path
    end

    # The library's static description of a status code.
    def status_string(code)
      Native.annoy_status_str(Integer(code)).dup.force_encoding(Encoding::UTF_8)
    end

    # Makes the library panic on purpose and raises what its boundary turned that into
    # (Annoy::PanicError). For tests: shows that no panic crosses into Ruby.
    def selftest_panic!
      Native.call(:annoy_selftest_panic)
    end
  end
end
