"""Prints the ids of by-item queries over the grid of same_ids.sh (Python binding)."""
import sys

from annoy_rs import AnnoyIndex

path, dim, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
index = AnnoyIndex(dim, "angular")
index.load(path)
n_items = index.get_n_items()
for item in range(items):
    for n in (0, 1, 10, n_items, n_items + 7, 1000):
        for sk in (-1, -2, -7, 0, 5, 100, 2000000000):
            ids = index.get_nns_by_item(item, n, search_k=sk)
            print("%d %d %d:%s" % (item, n, sk, "".join(" %d" % i for i in ids)))
