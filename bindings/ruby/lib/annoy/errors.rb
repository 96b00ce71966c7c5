# frozen_string_literal: true

module Annoy
  # Base class of every error the binding raises. +code+ is the library's status code (an
  # +ANNOY_E_*+ number, see include/annoy.h) and +message+ the library's message.
  class Error < StandardError
    # Status code of this class of error (nil for the base class).
    CODE = nil

    # @return [Integer, nil] the library status code
    attr_reader :code

    def initialize(message = nil, code = self.class::CODE)
      @code = code
      super(message || (code && Annoy.status_string(code)) || self.class.name)
    end

    # The library's static description of +code+ (e.g. "vector length differs from the index
    # dimension").
    def status_string
      code && Annoy.status_string(code)
    end

    # The error class for a status code.
    def self.class_for(code)
      CLASSES.fetch(code, Error)
    end

    # Builds the error for +code+ with the library's +message+.
    def self.for(code, message)
      class_for(code).new(message, code)
    end
  end

  # ANNOY_E_NULL: a required pointer was NULL (a bug in the binding if it ever happens).
  class NullPointerError < Error; CODE = 1; end
  # ANNOY_E_INVALID_ARGUMENT: an argument is out of range (n_trees, threads, search_k, id…).
  class InvalidArgumentError < Error; CODE = 2; end
  # ANNOY_E_DIMENSION: a vector's length differs from the index dimension.
  class DimensionError < Error; CODE = 3; end
  # ANNOY_E_NOT_FINITE: a vector holds NaN or an infinity.
  class NotFiniteError < Error; CODE = 4; end
  # ANNOY_E_UNKNOWN_ITEM: an item id at or beyond the number of items.
  class UnknownItemError < Error; CODE = 5; end
  # ANNOY_E_STATE: the call does not fit the index's state (add after build, query before
  # build, …).
  class StateError < Error; CODE = 6; end
  # The index was closed: a state error raised by the binding itself (code ANNOY_E_STATE).
  class ClosedError < StateError; end
  # ANNOY_E_IO: the operating system refused a file operation.
  class IOError < Error; CODE = 7; end
  # ANNOY_E_CORRUPT: the file is not a valid index for this metric and dimension.
  class CorruptFileError < Error; CODE = 8; end
  # ANNOY_E_BUFFER_TOO_SMALL: an output buffer was too small (a bug in the binding).
  class BufferTooSmallError < Error; CODE = 9; end
  # ANNOY_E_UNKNOWN_METRIC: the metric is not one the library knows.
  class UnknownMetricError < Error; CODE = 10; end
  # ANNOY_E_PANIC: a bug inside the library was caught; the index may be unusable.
  class PanicError < Error; CODE = 11; end
  # ANNOY_E_CANCELLED: a build was cancelled; the index is as it was before it.
  class CancelledError < Error; CODE = 12; end

  class Error
    CLASSES = [NullPointerError, InvalidArgumentError, DimensionError, NotFiniteError,
               UnknownItemError, StateError, IOError, CorruptFileError, BufferTooSmallError,
               UnknownMetricError, PanicError, CancelledError].to_h { |c| [c::CODE, c] }.freeze
  end
end
