# frozen_string_literal: true

module Annoy
  # Many readers or one writer. The C API lets const calls (queries, item vectors, counts) run
  # concurrently on one index while mutating calls (add, build, load, close, …) need it alone.
  # Calls that release the GVL would otherwise let another Ruby thread free or rebuild an index
  # under a running query. Not reentrant: a holder must not take it again.
  class RWLock # :nodoc:
    def initialize
      @mutex = Mutex.new
      @cond = ConditionVariable.new
      @readers = 0
      @writer = false
      @waiting_writers = 0
    end

    def read
      @mutex.synchronize do
        # Writers go first once they wait, so a stream of queries cannot starve a close.
        @cond.wait(@mutex) while @writer || @waiting_writers.positive?
        @readers += 1
      end
      begin
        yield
      ensure
        @mutex.synchronize do
          @readers -= 1
          @cond.broadcast if @readers.zero?
        end
      end
    end

    def write
      @mutex.synchronize do
        @waiting_writers += 1
        begin
          @cond.wait(@mutex) while @writer || @readers.positive?
        ensure
          @waiting_writers -= 1
        end
        @writer = true
      end
      begin
        yield
      ensure
        @mutex.synchronize do
          @writer = false
          @cond.broadcast
        end
      end
    end
  end
end
