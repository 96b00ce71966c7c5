# frozen_string_literal: true

require_relative "test_helper"

# Native files: opened with no metric or dimension, answering as the index that wrote them;
# verify finds a changed byte; an Annoy file is refused by open_native.
class NativeFileTest < Minitest::Test
  include AnnoyTestHelper

  def test_open_native_needs_no_metric_or_dimension
    items = random_vectors(300, 9, seed: 21)
    with_tmpdir do |dir|
      index = build_index(:manhattan, items)
      want = index.nearest_to_item(5, 10, include_distances: true)
      path = File.join(dir, "i.native")
      index.save_native(path)
      opened = Annoy::Index.open_native(path)
      assert_equal 9, opened.dim
      assert_equal :manhattan, opened.metric
      assert opened.verify
      assert_equal want, opened.nearest_to_item(5, 10, include_distances: true)

      bytes = File.binread(path)
      bytes.setbyte(bytes.bytesize / 2, bytes.getbyte(bytes.bytesize / 2) ^ 0x08)
      bad = File.join(dir, "bad.native")
      File.binwrite(bad, bytes)
      assert_raises(Annoy::CorruptFileError) { Annoy::Index.open_native(bad).verify }

      annoy_path = File.join(dir, "i.ann")
      index.save(annoy_path)
      assert_raises(Annoy::CorruptFileError) { Annoy::Index.open_native(annoy_path) }
      opened.close
      index.close
    end
  end

  def test_f16_items_save_smaller_and_read_back_rounded
    items = random_vectors(200, 16, seed: 22)
    with_tmpdir do |dir|
      index = build_index(:euclidean, items)
      assert_equal :f32, index.value_type
      f32_path = File.join(dir, "a.native")
      f16_path = File.join(dir, "a16.native")
      index.save_native(f32_path)
      index.value_type = :f16
      index.save_native(f16_path)
      assert_equal :f16, index.stored_value_type
      assert_operator File.size(f32_path) - File.size(f16_path), :>, (200 * 16 * 2) - 64
      opened = Annoy::Index.open_native(f16_path)
      assert_equal :f16, opened.value_type
      items.each_with_index do |v, i|
        opened.item_vector(i).zip(v).each do |got, x|
          assert_operator (got - x).abs, :<=, (x.abs / 2048) + 3e-8
        end
      end
      assert_raises(Annoy::InvalidArgumentError) { index.value_type = :f8 }
      opened.close
      index.close
      hamming = Annoy::Index.new(64, :hamming)
      assert_raises(Annoy::InvalidArgumentError) { hamming.value_type = :f16 }
      hamming.close
    end
  end
end
