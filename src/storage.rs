//! Where the node records live: a heap buffer while items are added and trees built, a
//! read-only shared memory map of a loaded file, or a read-write map of a file being built on
//! disk.

use crate::error::{Error, Result};
use crate::format::{words_as_bytes, words_as_bytes_mut};
use memmap2::{Mmap, MmapMut, MmapOptions};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

pub(crate) enum Storage {
    /// Growable, owned. A `Vec<u64>` keeps the records 8-byte aligned.
    Heap(Vec<u64>),
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
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Storage::Heap(words) => words_as_bytes(words),
            Storage::Mapped(map) => map,
            Storage::OnDisk { map, .. } => map,
        }
    }

    /// Mutable records, unless the storage is a read-only map.
    pub(crate) fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        match self {
            Storage::Heap(words) => Some(words_as_bytes_mut(words)),
            Storage::Mapped(_) => None,
            Storage::OnDisk { map, .. } => Some(map),
        }
    }

    /// Opens `path` read-only and maps it, optionally reading it all in now (`MAP_POPULATE`).
    pub(crate) fn map_file(path: &Path, prefault: bool) -> Result<Storage> {
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
        let map = unsafe { options.map(&file) }.map_err(|e| Error::io("map", path, e))?;
        Ok(Storage::Mapped(map))
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

    /// Makes room for at least `n_bytes`; new bytes are zero.
    pub(crate) fn grow(&mut self, n_bytes: usize) -> Result<()> {
        match self {
            Storage::Heap(words) => {
                let n_words = n_bytes.div_ceil(8);
                if n_words > words.len() {
                    words.resize(n_words, 0);
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

    /// Makes room for `n_bytes` without touching it: memory is used only as it is written.
    pub(crate) fn reserve(&mut self, n_bytes: usize) -> Result<()> {
        match self {
            Storage::Heap(words) => {
                words.reserve_exact(n_bytes.div_ceil(8).saturating_sub(words.len()));
                Ok(())
            }
            _ => self.grow(n_bytes),
        }
    }

    /// Writes `data` at byte `offset`, growing the records to cover it.
    pub(crate) fn write_at(&mut self, offset: usize, data: &[u8]) -> Result<()> {
        self.grow(offset + data.len())?;
        let bytes = self
            .bytes_mut()
            .expect("grow succeeded, so the storage is writable");
        bytes[offset..offset + data.len()].copy_from_slice(data);
        Ok(())
    }

    /// Drops everything past `n_bytes` (zeroing any partial word left over) and, on disk,
    /// sets the file to exactly that size.
    pub(crate) fn truncate(&mut self, n_bytes: usize) -> Result<()> {
        match self {
            Storage::Heap(words) => {
                words.truncate(n_bytes.div_ceil(8));
                words.shrink_to_fit();
                words_as_bytes_mut(words)[n_bytes..].fill(0);
                Ok(())
            }
            Storage::Mapped(_) => Err(Error::state("a loaded index is read-only")),
            Storage::OnDisk { file, map, path } => {
                // A map cannot be empty: an index with no nodes keeps one zeroed byte.
                map.flush().map_err(|e| Error::io("flush", &*path, e))?;
                *map = map_rw(file, path, n_bytes.max(1))?;
                Ok(())
            }
        }
    }

    /// Writes what an on-disk build has in memory to its file.
    pub(crate) fn flush(&self) -> Result<()> {
        if let Storage::OnDisk { map, path, .. } = self {
            map.flush().map_err(|e| Error::io("flush", path, e))?;
        }
        Ok(())
    }

    pub(crate) fn on_disk_path(&self) -> Option<&Path> {
        match self {
            Storage::OnDisk { path, .. } => Some(path),
            _ => None,
        }
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
