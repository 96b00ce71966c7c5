//! A build's large working tables, each in its own anonymous memory map.
//!
//! A `Vec` would do, but for where its memory goes when it is dropped: glibc raises its mmap
//! threshold (up to 32 MB) after a large block is freed, so later blocks of that size come
//! from malloc's heap, and once freed their pages stay resident. A group's tables (5 bytes
//! per item per tree) then stay in memory, unused, on top of the finished trees: 12-18 MB at
//! the end of a 100-tree 384-d build, whose peak it raised above Annoy's. A mapped table is
//! handed back to the system when dropped.

use crate::format::{cast_slice, cast_slice_mut, Plain};
use memmap2::MmapMut;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

pub(super) struct Table<T: Plain> {
    map: MmapMut,
    len: usize,
    _values: PhantomData<T>,
}

impl<T: Plain> Table<T> {
    /// `len` copies of `value`.
    pub(super) fn filled(len: usize, value: T) -> Table<T> {
        let mut table = Table::zeroed(len);
        table.fill(value);
        table
    }

    /// A copy of `values`.
    pub(super) fn copied(values: &[T]) -> Table<T> {
        let mut table = Table::zeroed(values.len());
        table.copy_from_slice(values);
        table
    }

    fn zeroed(len: usize) -> Table<T> {
        // A map cannot be empty; a page-aligned one is aligned for any `T`.
        let bytes = (len * std::mem::size_of::<T>()).max(1);
        let map = MmapMut::map_anon(bytes)
            .unwrap_or_else(|e| panic!("cannot map {bytes} bytes of working memory: {e}"));
        Table {
            map,
            len,
            _values: PhantomData,
        }
    }
}

impl<T: Plain> Deref for Table<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &cast_slice(&self.map)[..self.len]
    }
}

impl<T: Plain> DerefMut for Table<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut cast_slice_mut(&mut self.map)[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn tables_hold_what_they_were_given() {
        let mut slots = Table::filled(10_000, 255u8);
        assert!(slots.len() == 10_000 && slots.iter().all(|&s| s == 255));
        slots[9_999] = 3;
        assert_eq!(slots[9_999], 3);
        let ids: Vec<i32> = (-5..70_000).collect();
        assert_eq!(&*Table::copied(&ids), &ids[..]);
        assert!(Table::<i32>::copied(&[]).is_empty());
    }
}
