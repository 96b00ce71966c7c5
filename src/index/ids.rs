//! 64-bit external ids for an index built in memory: items added under any `u64` id are
//! stored densely (no record per unused id), and the build puts them in ascending id order,
//! which is the order of a native file's id map (so lookups are a binary search there).

use super::Index;
use crate::error::{Error, Result};
use std::collections::HashMap;

/// The external ids of an index whose items were added with `add_item_with_id`.
#[derive(Default)]
pub(crate) struct ExternalIds {
    /// External id → item.
    by_id: HashMap<u64, u32>,
    /// Item → external id.
    of_item: Vec<u64>,
    /// `of_item` as little-endian bytes, ascending: what a native file's IDS section holds.
    /// Filled by the build, emptied by `unbuild`.
    pub(crate) sorted_le: Vec<u8>,
}

fn no_memory(what: &str) -> Error {
    Error::invalid(format!("cannot allocate memory for {what}"))
}

impl Index {
    /// Stores `vector` under the 64-bit `external` id, which may be any value (ids need not
    /// be contiguous, and no memory is spent on ids never used); re-adding an id replaces
    /// its vector. Queries name items by their internal number: `external_id` turns it into
    /// this id, `item_of_external_id` the other way. Not mixable with `add_item` in one index;
    /// such an index is saved in the native format only (Annoy's has no id map).
    pub fn add_item_with_id(&mut self, external: u64, vector: &[f32]) -> Result<()> {
        self.check_addable()?;
        if self.external.is_none() && self.n_items > 0 {
            return Err(Error::state(
                "items were added with add_item; external ids cannot be mixed in",
            ));
        }
        self.check_vector(vector)?;
        let ids = self.external.get_or_insert_with(ExternalIds::default);
        let item = match ids.by_id.get(&external) {
            Some(&item) => item,
            None => {
                let item = u32::try_from(ids.of_item.len())
                    .ok()
                    .filter(|&i| (i as usize) < super::MAX_ITEMS)
                    .ok_or_else(|| Error::invalid("the index holds as many items as it can"))?;
                ids.by_id
                    .try_reserve(1)
                    .map_err(|_| no_memory("the id map"))?;
                ids.of_item
                    .try_reserve(1)
                    .map_err(|_| no_memory("the id map"))?;
                item
            }
        };
        self.store_item(item, vector)?;
        let ids = self.external.as_mut().expect("set above");
        if item as usize == ids.of_item.len() {
            ids.by_id.insert(external, item);
            ids.of_item.push(external);
        }
        Ok(())
    }

    /// Puts the items in ascending external-id order (the build calls it first).
    pub(crate) fn order_external_ids(&mut self) -> Result<()> {
        let s = self.node_size();
        let Some(ids) = self.external.as_mut() else {
            return Ok(());
        };
        let n = ids.of_item.len();
        let mut order: Vec<u32> = Vec::new();
        order
            .try_reserve_exact(n)
            .map_err(|_| no_memory("the id order"))?;
        order.extend(0..n as u32);
        order.sort_unstable_by_key(|&i| ids.of_item[i as usize]);
        if order.iter().enumerate().any(|(at, &i)| at != i as usize) {
            let items = self.storage.items_mut().expect("checked: not loaded");
            let mut moved: Vec<u8> = Vec::new();
            moved
                .try_reserve_exact(n * s)
                .map_err(|_| no_memory("reordering the items"))?;
            for &i in &order {
                moved.extend_from_slice(&items[i as usize * s..(i as usize + 1) * s]);
            }
            items[..n * s].copy_from_slice(&moved);
            let of_item: Vec<u64> = order.iter().map(|&i| ids.of_item[i as usize]).collect();
            for (item, &external) in of_item.iter().enumerate() {
                ids.by_id.insert(external, item as u32);
            }
            ids.of_item = of_item;
        }
        ids.sorted_le.clear();
        ids.sorted_le
            .try_reserve_exact(8 * n)
            .map_err(|_| no_memory("the id map"))?;
        for id in &ids.of_item {
            ids.sorted_le.extend_from_slice(&id.to_le_bytes());
        }
        Ok(())
    }

    /// The external id of `item` in an index built in memory with external ids.
    pub(crate) fn memory_external_id(&self, item: u32) -> Option<u64> {
        self.external
            .as_ref()
            .and_then(|ids| ids.of_item.get(item as usize).copied())
    }

    /// The item of `external` in an index built in memory with external ids.
    pub(crate) fn memory_item_of(&self, external: u64) -> Option<Option<u32>> {
        self.external
            .as_ref()
            .map(|ids| ids.by_id.get(&external).copied())
    }
}
