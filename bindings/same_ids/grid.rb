# frozen_string_literal: true

# Prints the ids of by-item queries over the grid of same_ids.sh (Ruby binding).
require "annoy"

path, dim, items = ARGV[0], Integer(ARGV[1]), Integer(ARGV[2])
index = Annoy::Index.new(dim, :angular)
index.load(path)
n_items = index.n_items
items.times do |item|
  [0, 1, 10, n_items, n_items + 7, 1000].each do |n|
    [-1, -2, -7, 0, 5, 100, 2_000_000_000].each do |sk|
      ids = index.nearest_to_item(item, n, search_k: sk)
      puts "#{item} #{n} #{sk}:#{ids.map { |i| " #{i}" }.join}"
    end
  end
end
