//! Where the node records live: on the heap while items are added and trees built, in a
//! read-only shared memory map of a loaded file, or in a read-write map of a file being built
//! on disk.
//!
//! Records fall in two regions, the items (nodes `0..n_items`) and the trees (every node
//! after). A heap index keeps them in two buffers, so a build appends its trees without moving
//! or copying the items; a map holds both back to back, as the file does.

use crate::error::{Error, Result};
use crate::format::{words_as_bytes, words_as_bytes_mut};
use memmap2::{Mmap, MmapMut, MmapOptions};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

pub(crate) enum Storage {
    /// Owned buffers. `Vec<u64>` keeps the records 8-byte aligned.
    Heap { items: Vec<u64>, trees: Vec<u64> },
    /// A loaded index file: `PROT_READ`, `MAP_SHARED`, so processes share the page cache.
    Mapped(Mmap),
    /// An index built directly in its file (`on_disk_build`).
    OnDisk {
        file: File,
        map: MmapMut,
        path: PathBuf,
    },
}

impl Storage {
    pub(crate) fn empty() -> Storage {
        Storage::Heap {
            items: Vec::new(),
            trees: Vec::new(),
        }
    }

    /// The item region (its first `item_bytes` bytes hold the items) and the tree region.
    pub(crate) fn regions(&self, item_bytes: usize) -> (&[u8], &[u8]) {
        match self {
            Storage::Heap { items, trees } => (words_as_bytes(items), words_as_bytes(trees)),
            Storage::Mapped(map) => map.split_at(item_bytes),
            Storage::OnDisk { map, .. } => map.split_at(item_bytes.min(map.len())),
        }
    }

    /// The item region, writable unless the storage is a read-only map.
    pub(crate) fn items_mut(&mut self) -> Option<&mut [u8]> {
        match self {
            Storage::Heap { items, .. } => Some(words_as_bytes_mut(items)),
            Storage::Mapped(_) => None,
            Storage::OnDisk { map, .. } => Some(map),
        }
    }

    /// Opens `path` read-only and maps it, optionally reading it all in now (`MAP_POPULATE`).
    pub(crate) fn map_file(path: &Path, prefault: bool) -> Result<Mmap> {
        let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        let size = file
            .metadata()
            .map_err(|e| Error::io("read the size of", path, e))?
            .len();
        if size == 0 {
            return Err(Error::corrupt(format!("{} is empty", path.display())));
        }
        let mut options = MmapOptions::new();
        if prefault {
            options.populate();
        }
        // SAFETY: the map is read-only. Annoy's contract, which we keep, is that index files
        // are replaced (written anew and renamed or unlinked first), never changed in place,
        // so the bytes cannot change under the map; every read is bounds-checked against the
        // size taken here.
        unsafe { options.map(&file) }.map_err(|e| Error::io("map", path, e))
    }

    /// Creates (truncating) `path` and maps it read-write with room for one node.
    pub(crate) fn create_on_disk(path: &Path, node_size: usize) -> Result<Storage> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| Error::io("create", path, e))?;
        let map = map_rw(&file, path, node_size)?;
        Ok(Storage::OnDisk {
            file,
            map,
            path: path.to_path_buf(),
        })
    }

    /// Makes the item region at least `n_bytes` long; new bytes are zero.
    pub(crate) fn grow_items(&mut self, n_bytes: usize) -> Result<()> {
        match self {
            Storage::Heap { items, .. } => {
                let n_words = n_bytes.div_ceil(8);
                if n_words > items.len() {
                    items.resize(n_words, 0);
                }
                Ok(())
            }
            Storage::Mapped(_) => Err(Error::state("a loaded index is read-only")),
            Storage::OnDisk { file, map, path } => {
                if n_bytes > map.len() {
                    // Grow the file by at least 30%, as Annoy does, so adds stay amortised.
                    let target = n_bytes.max(map.len() + map.len() * 3 / 10);
                    map.flush().map_err(|e| Error::io("flush", &*path, e))?;
                    *map = map_rw(file, path, target)?;
                }
                Ok(())
            }
        }
    }

    /// Puts built trees (`trees`: the records after the items, `item_bytes` in) in place.
    pub(crate) fn set_trees(&mut self, item_bytes: usize, trees: TreeArea) -> Result<()> {
        match self {
            Storage::Heap { trees: slot, .. } => {
                *slot = trees.words;
                Ok(())
            }
            Storage::Mapped(_) => Err(Error::state("a loaded index is read-only")),
            Storage::OnDisk { file, map, path } => {
                let total = item_bytes + trees.len;
                map.flush().map_err(|e| Error::io("flush", &*path, e))?;
                *map = map_rw(file, path, total)?;
                map[item_bytes..].copy_from_slice(trees.bytes());
                map.flush().map_err(|e| Error::io("flush", &*path, e))
            }
        }
    }

    /// Drops the trees, keeping the first `item_bytes` bytes of items (zeroing any partial
    /// word after them) and, on disk, setting the file to exactly that size.
    pub(crate) fn drop_trees(&mut self, item_bytes: usize) -> Result<()> {
        match self {
            Storage::Heap { items, trees } => {
                *trees = Vec::new();
                items.truncate(item_bytes.div_ceil(8));
                words_as_bytes_mut(items)[item_bytes..].fill(0);
                Ok(())
            }
            Storage::Mapped(_) => Err(Error::state("a loaded index is read-only")),
            Storage::OnDisk { file, map, path } => {
                // A map cannot be empty: an index with no nodes keeps one zeroed byte.
                map.flush().map_err(|e| Error::io("flush", &*path, e))?;
                *map = map_rw(file, path, item_bytes.max(1))?;
                Ok(())
            }
        }
    }

    pub(crate) fn on_disk_path(&self) -> Option<&Path> {
        match self {
            Storage::OnDisk { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Writes what an on-disk build has in memory to its file.
    pub(crate) fn flush(&self) -> Result<()> {
        if let Storage::OnDisk { map, path, .. } = self {
            map.flush().map_err(|e| Error::io("flush", path, e))?;
        }
        Ok(())
    }
}

/// Tree records as a build produces them, appended one tree at a time.
#[derive(Default)]
pub(crate) struct TreeArea {
    words: Vec<u64>,
    len: usize,
}

impl TreeArea {
    /// Makes room for `more` bytes beyond those held, so that appending them does not move
    /// (and briefly double) the area.
    pub(crate) fn reserve(&mut self, more: usize) {
        self.words.reserve(
            (self.len + more)
                .div_ceil(8)
                .saturating_sub(self.words.len()),
        );
    }

    pub(crate) fn append(&mut self, records: &[u8]) {
        let end = self.len + records.len();
        self.words.resize(end.div_ceil(8), 0);
        words_as_bytes_mut(&mut self.words)[self.len..end].copy_from_slice(records);
        self.len = end;
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &words_as_bytes(&self.words)[..self.len]
    }
}

/// Sets `file` to `len` bytes and maps it read-write.
fn map_rw(file: &File, path: &Path, len: usize) -> Result<MmapMut> {
    file.set_len(len as u64)
        .map_err(|e| Error::io("resize", path, e))?;
    // SAFETY: the file was opened read-write by this index and has just been sized to `len`;
    // the index is its only writer for as long as the map lives.
    unsafe { MmapOptions::new().len(len).map_mut(file) }.map_err(|e| Error::io("map", path, e))
}
