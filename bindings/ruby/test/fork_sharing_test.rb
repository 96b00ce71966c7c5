# frozen_string_literal: true

require_relative "test_helper"

# Forked children load one index file (> 64 MiB, prefault) and query it. While they run, the
# parent reads /proc/<pid>/smaps: the file's pages are resident in every child, Shared, and the
# children's Pss adds up to about one file size, i.e. one copy in memory for all of them. Every
# child gives the same answers as the parent.
class ForkSharingTest < Minitest::Test
  include AnnoyTestHelper

  CHILDREN = 4
  DIM = 512
  ITEMS = 36_000 # 36 000 × 2 064-byte nodes + 4 trees ≈ 72 MiB
  MIN_FILE = 64 * 1024 * 1024

  # Totals (KiB) of the smaps entries of the mappings of +path+ in process +pid+.
  def smaps_of(pid, path)
    totals = Hash.new(0)
    inside = false
    File.foreach("/proc/#{pid}/smaps") do |line|
      if line =~ /\A\h+-\h+ /
        inside = line.rstrip.end_with?(" #{path}")
        totals[:mappings] += 1 if inside
      elsif inside && line =~ /\A(\w+):\s+(\d+) kB/
        totals[Regexp.last_match(1).to_sym] += Regexp.last_match(2).to_i
      end
    end
    totals
  end

  def queries
    rng = Random.new(77)
    Array.new(25) { Array.new(DIM) { rng.rand(256).to_f } }
  end

  def answers(index)
    queries.map { |q| index.nearest(q, 10, include_distances: true) } +
      [0, 1234, ITEMS - 1].map { |i| index.nearest_to_item(i, 10, search_k: 5000, include_distances: true) } +
      [index.query_batch(queries.first(5), 5, threads: 1)]
  end

  def write_big_index(path)
    rng = Random.new(1)
    index = Annoy::Index.new(DIM, :euclidean)
    index.on_disk_build(path)
    ITEMS.times { index << rng.bytes(DIM).unpack("C*") }
    index.seed = 1
    index.build(4)
    index.close
  end

  def test_forked_children_share_one_copy_of_the_index_file
    skip "needs fork and /proc" unless Process.respond_to?(:fork) && File.exist?("/proc/self/smaps")

    with_tmpdir do |dir|
      path = File.realpath(dir) + "/shared.ann"
      write_big_index(path)
      size = File.size(path)
      assert_operator size, :>, MIN_FILE
      assert_equal 0, smaps_of(Process.pid, path)[:mappings], "the parent has the file unmapped"

      go_r, go_w = IO.pipe
      kids = Array.new(CHILDREN) do
        res_r, res_w = IO.pipe
        pid = fork do
          go_w.close
          res_r.close
          status = 1
          begin
            index = Annoy::Index.open(DIM, :euclidean, path, prefault: true)
            res_w.write(Marshal.dump([:ok, answers(index)]))
            res_w.close
            go_r.read # wait until the parent has looked at our memory
            index.close
            status = 0
          rescue Exception => e # rubocop:disable Lint/RescueException
            res_w.write(Marshal.dump([:error, "#{e.class}: #{e.message}"])) rescue nil
          ensure
            exit!(status)
          end
        end
        res_w.close
        [pid, res_r]
      end
      go_r.close

      statuses = []
      begin
        results = kids.map { |_, r| Marshal.load(r.read) }
        results.each { |kind, value| assert_equal :ok, kind, "child failed: #{value}" }

        # Every child is now alive with the index loaded: read their smaps.
        stats = kids.map { |pid, _| smaps_of(pid, path) }
      ensure
        go_w.close
        statuses = kids.map do |pid, r|
          r.close
          Process.wait2(pid).last
        end
      end
      statuses.each_with_index { |st, i| assert st.success?, "child #{i} exited with #{st.inspect}" }

      file_kib = size / 1024.0
      pss_total = stats.sum { |s| s[:Pss] }
      report = stats.each_with_index.map do |s, i|
        format("child %d: Rss %d kB, Pss %d kB, Shared_Clean %d kB, Private_Clean %d kB, Private_Dirty %d kB",
               i, s[:Rss], s[:Pss], s[:Shared_Clean], s[:Private_Clean], s[:Private_Dirty])
      end
      summary = format("file %.1f MiB; Pss summed over %d children %.1f MiB (%.3f of the file)",
                       size / 1048576.0, CHILDREN, pss_total / 1024.0, pss_total / file_kib)
      warn "\n  #{report.join("\n  ")}\n  #{summary}" if ENV["VERBOSE"]

      stats.each_with_index do |s, i|
        assert_operator s[:mappings], :>=, 1, "child #{i} maps the file"
        assert_operator s[:Rss], :>=, 0.95 * file_kib, "child #{i}: prefault made the whole file resident"
        shared = s[:Shared_Clean] + s[:Shared_Dirty]
        assert_operator shared, :>=, 0.95 * s[:Rss], "child #{i}: its pages are shared (#{report[i]})"
        assert_operator s[:Private_Dirty], :<=, 64, "child #{i}: no private copies (#{report[i]})"
        assert_operator s[:Pss], :<=, 0.35 * file_kib, "child #{i}: Pss is its share, not a copy"
      end
      assert_in_delta file_kib, pss_total, 0.05 * file_kib, summary

      # Identical answers in every child, and the same as the parent's.
      expected = Annoy::Index.open(DIM, :euclidean, path) { |index| answers(index) }
      results.each_with_index { |(_, got), i| assert_equal expected, got, "child #{i} answers" }
    end
  end
end
