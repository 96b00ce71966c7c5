//! Annoy's on-disk format: a flat array of fixed-size node records, no header. Node `i` starts
//! at byte `i * node_size`; items come first, then the tree nodes, then a copy of every root
//! (`shared/docs/annoy-format.md`, section 1). With no header, the metric and dimension come
//! from the caller, and only the structure can be checked (`docs/format.md`, section 10).

use super::{Layout, Node};
use crate::error::{Error, Result};
use crate::metric::{DotLayout, Metric};

/// Finds the roots of a file's trees and its item count (spec section 1.7).
///
/// Like Annoy, this takes the run of nodes at the end of the file whose `n_descendants` equal
/// the last one's: the root copies, possibly preceded by original roots. Unlike Annoy's
/// heuristic, which counts tiny indexes' trees twice (or 2q+1 times), every leading node of
/// the run that has an identical record later in the run is recognised as an original and
/// dropped, and item records are never taken for roots.
pub(crate) fn find_roots(
    bytes: &[u8],
    layout: &Layout,
    n_nodes: usize,
) -> crate::Result<(usize, Vec<i32>)> {
    let s = layout.node_size();
    let node = |i: usize| Node(&bytes[i * s..(i + 1) * s]);
    if n_nodes == 0 {
        return Err(Error::corrupt("the file holds no nodes"));
    }
    if n_nodes - 1 > i32::MAX as usize {
        return Err(Error::corrupt(format!(
            "{n_nodes} nodes are more than 32-bit node ids can address"
        )));
    }
    let m = node(n_nodes - 1).n_descendants();
    if m < 0 || m as usize >= n_nodes {
        return Err(Error::corrupt(format!(
            "the last node claims {m} items, but the file holds only {n_nodes} nodes \
             (wrong metric or dimension?)"
        )));
    }
    let n_items = m as usize;
    let mut start = n_nodes - 1;
    while start > n_items && node(start - 1).n_descendants() == m {
        start -= 1;
    }
    let mut last_position = std::collections::HashMap::new();
    for i in start..n_nodes {
        last_position.insert(node(i).0, i);
    }
    let run = n_nodes - start;
    let mut originals = 0;
    while originals < run / 2 && last_position[node(start + originals).0] > start + originals {
        originals += 1;
    }
    let roots: Vec<i32> = (start + originals..n_nodes).map(|i| i as i32).collect();
    // An index of no items is its roots alone, all-zero records: a file whose last node
    // claims no items but that holds anything else was cut out of a larger one.
    if n_items == 0 && bytes[..n_nodes * s].iter().any(|&b| b != 0) {
        return Err(Error::corrupt(format!(
            "the last node claims no items, but the file's {n_nodes} nodes are not all empty \
             roots (a truncated file, or the wrong metric or dimension)"
        )));
    }
    // The format has no header, so a file read with the wrong metric or dimension can have a
    // plausible size. Its roots rarely survive this check, which costs a few reads.
    for &root in &roots {
        let node = node(root as usize);
        let (n_children, bound) = if n_items > layout.max_bucket() {
            (2, n_nodes)
        } else {
            (n_items, n_items.max(1))
        };
        // A root over at most a bucket's worth of items is a bucket: its ids, then zeros (an
        // item record, cut off where its vector would show, has its vector there).
        if n_children == n_items {
            let tail = &node.0[(layout.children + 4 * n_items).min(s)..];
            if tail.iter().any(|&b| b != 0) {
                return Err(Error::corrupt(format!(
                    "root node {root} of a {n_items}-item index is not a bucket (it looks like \
                     an item record: a truncated file, or the wrong metric or dimension)"
                )));
            }
        }
        for k in 0..n_children {
            let child = node.child(layout, k);
            if child < 0 || child as usize >= bound {
                return Err(Error::corrupt(format!(
                    "root node {root} points to node {child}, outside the file's {n_nodes} nodes \
                     (wrong metric or dimension, or a damaged file)"
                )));
            }
        }
    }
    Ok((n_items, roots))
}

/// Tells Annoy 1.17.3's dot files from Annoy main's by size, and when both node sizes fit,
/// by main's item signature: the same `norm` (M²) at offset 16 in every item, then `built = 1`
/// and three zero bytes at offset 20. Read as 1.17.3, those bytes are vector values, which
/// would have to equal the float 1.4e-45 in every item and repeat one value besides.
pub(crate) fn detect_dot_layout(bytes: &[u8], dim: usize) -> Result<DotLayout> {
    let size_117 = 16 + 4 * dim;
    let size_main = 24 + 4 * dim;
    let fits = |s: usize| bytes.len().is_multiple_of(s);
    match (fits(size_117), fits(size_main)) {
        (true, false) => Ok(DotLayout::Annoy117),
        (false, true) => Ok(DotLayout::AnnoyMain),
        (false, false) => Err(Error::corrupt(format!(
            "a file of {} bytes is not a whole number of dot nodes of dimension {dim} \
             ({size_117} bytes in Annoy 1.17.3, {size_main} in Annoy main)",
            bytes.len()
        ))),
        (true, true) => {
            let items = bytes
                .chunks_exact(size_main)
                .take(4096)
                .filter(|n| Node(n).n_descendants() == 1)
                .take(16);
            let mut seen = 0;
            let mut norm = None;
            for node in items {
                let this_norm = &node[16..20];
                if node[20..24] != [1, 0, 0, 0] || norm.is_some_and(|n| n != this_norm) {
                    return Ok(DotLayout::Annoy117);
                }
                norm = Some(this_norm);
                seen += 1;
            }
            Ok(if seen > 0 {
                DotLayout::AnnoyMain
            } else {
                DotLayout::Annoy117
            })
        }
    }
}

/// Refuses a file whose size is not a whole number of `layout`'s records: the one check that
/// catches most wrong guesses of metric or dimension.
pub(crate) fn check_size(len: usize, layout: &Layout, metric: Metric, dim: usize) -> Result<usize> {
    let s = layout.node_size();
    if !len.is_multiple_of(s) {
        return Err(Error::corrupt(format!(
            "the file is {len} bytes, not a whole number of {s}-byte nodes ({metric} index of \
             dimension {dim}); was it built with another metric or dimension?"
        )));
    }
    Ok(len / s)
}

/// Checks every record of a forest: items are items or holes, buckets list item ids, splits
/// point at records that exist. What the headerless format allows `verify` to find.
pub(crate) fn check_structure(
    items: &[u8],
    item_size: usize,
    trees: &[u8],
    layout: &Layout,
    n_items: usize,
) -> Result<()> {
    let s = layout.node_size();
    for (i, record) in items.chunks_exact(item_size).enumerate() {
        let k = Node(record).n_descendants();
        if k != 0 && k != 1 {
            return Err(Error::corrupt(format!(
                "item record {i} claims {k} descendants (an item has 1, a hole 0)"
            )));
        }
    }
    let n_nodes = n_items + trees.len() / s;
    let max_bucket = layout.max_bucket();
    for (j, record) in trees.chunks_exact(s).enumerate() {
        let node = Node(record);
        let i = n_items + j;
        let k = node.n_descendants();
        if k < 0 {
            return Err(Error::corrupt(format!(
                "tree record {i} claims {k} descendants"
            )));
        }
        let (n_children, bound) = if k as usize <= max_bucket {
            (k as usize, n_items)
        } else {
            (2, n_nodes)
        };
        for c in 0..n_children {
            let child = node.child(layout, c);
            if child < 0 || child as usize >= bound {
                return Err(Error::corrupt(format!(
                    "tree record {i} points to node {child}, outside the {bound} {}",
                    if bound == n_items { "items" } else { "nodes" }
                )));
            }
        }
    }
    Ok(())
}
