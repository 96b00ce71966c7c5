//! Where the node records live: on the heap while items are added and trees built, in a
//! read-only shared memory map of a loaded file (either format), in a caller's buffer or a copy
//! of one, or in a read-write map of a file being built on disk. Also how files are written:
//! under a temporary name, then renamed into place.
//!
//! Records fall in two regions, the items (nodes `0..n_items`) and the trees (every node
//! after). A heap index keeps them in two buffers, so a build appends its trees without moving
//! or copying the items; a map holds both back to back, as the file does.

use crate::error::{Error, Result};
use crate::format::{words_as_bytes, words_as_bytes_mut};
use memmap2::{Mmap, MmapMut, MmapOptions};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub(crate) enum Storage {
    /// Owned buffers. `Vec<u64>` keeps the records 8-byte aligned.
    Heap { items: Vec<u64>, trees: Vec<u64> },
    /// A loaded Annoy file: a read-only map (`PROT_READ`, `MAP_SHARED`, so processes share
    /// the page cache) or a copy of a caller's buffer.
    Mapped(FileBytes),
    /// A native file: its bytes, and where in them the item and tree records are.
    Native {
        bytes: FileBytes,
        items: Range<usize>,
        trees: Range<usize>,
    },
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
            Storage::Mapped(bytes) => bytes.bytes().split_at(item_bytes),
            Storage::Native {
                bytes,
                items,
                trees,
            } => {
                let b = bytes.bytes();
                (&b[items.clone()], &b[trees.clone()])
            }
            Storage::OnDisk { map, .. } => map.split_at(item_bytes.min(map.len())),
        }
    }

    /// The item region, writable unless the storage is a read-only map.
    pub(crate) fn items_mut(&mut self) -> Option<&mut [u8]> {
        match self {
            Storage::Heap { items, .. } => Some(words_as_bytes_mut(items)),
            Storage::Mapped(_) | Storage::Native { .. } => None,
            Storage::OnDisk { map, .. } => Some(map),
        }
    }

    /// Opens `path` read-only and maps it, optionally reading it all in now (`MAP_POPULATE`).
    /// Anything but a regular file (a FIFO, a device, a directory) is refused before it is
    /// read: a FIFO would block for ever, a device has no size.
    pub(crate) fn map_file(path: &Path, prefault: bool) -> Result<Mmap> {
        refuse_irregular(path, "open")?;
        // O_NONBLOCK: should a FIFO replace the file after the check, opening it still returns.
        let mut options = OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NONBLOCK);
        }
        let file = options.open(path).map_err(|e| Error::io("open", path, e))?;
        let metadata = file
            .metadata()
            .map_err(|e| Error::io("read the size of", path, e))?;
        if !metadata.is_file() {
            return Err(not_regular("open", path));
        }
        let size = metadata.len();
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
        refuse_irregular(path, "create")?;
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
                    // The largest id is the caller's: an absurd one is an error, not an abort.
                    items
                        .try_reserve(n_words - items.len())
                        .map_err(|_| out_of_memory(n_bytes, "the items"))?;
                    items.resize(n_words, 0);
                }
                Ok(())
            }
            Storage::Mapped(_) | Storage::Native { .. } => {
                Err(Error::state("a loaded index is read-only"))
            }
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
            Storage::Mapped(_) | Storage::Native { .. } => {
                Err(Error::state("a loaded index is read-only"))
            }
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
            Storage::Mapped(_) | Storage::Native { .. } => {
                Err(Error::state("a loaded index is read-only"))
            }
            Storage::OnDisk { file, map, path } => {
                // A map cannot be empty: an index with no nodes keeps one zeroed byte.
                map.flush().map_err(|e| Error::io("flush", &*path, e))?;
                *map = map_rw(file, path, item_bytes.max(1))?;
                Ok(())
            }
        }
    }

    /// The bytes of a native file the index serves from.
    pub(crate) fn file_bytes(&self) -> Option<&[u8]> {
        match self {
            Storage::Native { bytes, .. } => Some(bytes.bytes()),
            _ => None,
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
    /// Fails, allocating nothing, when the memory is not to be had.
    pub(crate) fn reserve(&mut self, more: usize) -> Result<()> {
        let words = self
            .len
            .checked_add(more)
            .ok_or_else(|| out_of_memory(usize::MAX, "the trees"))?
            .div_ceil(8);
        self.words
            .try_reserve_exact(words.saturating_sub(self.words.len()))
            .map_err(|_| out_of_memory(more, "the trees"))
    }

    pub(crate) fn append(&mut self, records: &[u8]) -> Result<()> {
        let end = self.len + records.len();
        let words = end.div_ceil(8);
        self.words
            .try_reserve(words.saturating_sub(self.words.len()))
            .map_err(|_| out_of_memory(end, "the trees"))?;
        self.words.resize(words, 0);
        words_as_bytes_mut(&mut self.words)[self.len..end].copy_from_slice(records);
        self.len = end;
        Ok(())
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

/// The bytes of a native index: a read-only file map, an owned copy, or a caller's buffer.
pub(crate) enum FileBytes {
    Map(Mmap),
    /// A copy, in `u64` words so that the records are 8-byte aligned.
    Owned {
        words: Vec<u64>,
        len: usize,
    },
    Borrowed(Borrowed),
}

/// A caller's buffer, kept by pointer: `Index::open_borrowed`'s caller keeps it alive and
/// unchanged for as long as the index lives.
pub(crate) struct Borrowed {
    ptr: *const u8,
    len: usize,
}

// SAFETY: the buffer is only read, and its owner promises (the contract of
// `Index::open_borrowed`) that it stays valid and unchanged while the index lives, so sharing
// the pointer between threads is as safe as sharing a `&[u8]`.
unsafe impl Send for Borrowed {}
// SAFETY: as above: concurrent reads of immutable memory.
unsafe impl Sync for Borrowed {}

impl FileBytes {
    /// A copy of `bytes`, or an error if memory for it cannot be had.
    pub(crate) fn copy_of(bytes: &[u8]) -> Result<FileBytes> {
        let mut words: Vec<u64> = Vec::new();
        words
            .try_reserve_exact(bytes.len().div_ceil(8))
            .map_err(|_| {
                Error::invalid(format!(
                    "cannot allocate {} bytes for a copy of the index",
                    bytes.len()
                ))
            })?;
        words.resize(bytes.len().div_ceil(8), 0);
        words_as_bytes_mut(&mut words)[..bytes.len()].copy_from_slice(bytes);
        Ok(FileBytes::Owned {
            words,
            len: bytes.len(),
        })
    }

    /// # Safety
    /// `bytes` must stay valid and unchanged for as long as the result (and anything holding
    /// it) lives.
    pub(crate) unsafe fn borrowed(bytes: &[u8]) -> FileBytes {
        FileBytes::Borrowed(Borrowed {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        })
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            FileBytes::Map(map) => map,
            FileBytes::Owned { words, len } => &words_as_bytes(words)[..*len],
            // SAFETY: the owner of the buffer keeps it valid and unchanged while this lives
            // (the contract of `FileBytes::borrowed`).
            FileBytes::Borrowed(b) => unsafe { std::slice::from_raw_parts(b.ptr, b.len) },
        }
    }
}

fn not_regular(action: &'static str, path: &Path) -> Error {
    Error::io(
        action,
        path,
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a pipe, device or directory)",
        ),
    )
}

/// Refuses a path that exists and is not a regular file (symbolic links are followed).
fn refuse_irregular(path: &Path, action: &'static str) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(not_regular(action, path)),
        _ => Ok(()),
    }
}

/// The marker in the names of temporary files a save writes before renaming them into place:
/// `.<name>.annoy-tmp.<pid>.<n>`.
const TMP_MARK: &str = ".annoy-tmp.";

/// Writes a file at `path` through `write`: to a temporary file beside it, synced, then
/// renamed over `path`, so processes that have the old file mapped keep reading the old
/// contents and a crash leaves the old file or the new, never half of one. A target that is
/// not a regular file is refused. Temporary files left by saves to the same path from
/// processes that no longer run (killed mid-write) are removed first.
pub(crate) fn write_replacing(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    refuse_irregular(path, "write")?;
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} is not a file path", path.display())))?;
    remove_stale_temporaries(path, name);
    // Unique per process and per save, so concurrent saves never share a temporary file.
    static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let save = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!("{TMP_MARK}{}.{save}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| -> std::io::Result<()> {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        // On disk before the rename, so a crash leaves the old file or the new, never half.
        file.sync_all()
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("write", path, e)
    })?;
    rename_over(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("replace", path, e)
    })
}

/// Renames `tmp` over `path`. On Unix a rename replaces a file other processes have mapped;
/// Windows refuses to replace a mapped file (access denied) but lets it be renamed, since
/// every handle std opens shares delete access: the old file moves aside under `tmp`'s name
/// plus ".old", the new one takes its place, and the old one is deleted (a mapped one once the
/// last mapping of it closes, or, where Windows does not allow that, left beside as ".old").
fn rename_over(tmp: &Path, path: &Path) -> std::io::Result<()> {
    match std::fs::rename(tmp, path) {
        #[cfg(windows)]
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && path.is_file() => {
            let mut aside = tmp.as_os_str().to_owned();
            aside.push(".old");
            let aside = std::path::PathBuf::from(aside);
            std::fs::rename(path, &aside).map_err(|_| e)?;
            if let Err(e) = std::fs::rename(tmp, path) {
                let _ = std::fs::rename(&aside, path);
                return Err(e);
            }
            let _ = std::fs::remove_file(&aside);
            Ok(())
        }
        result => result,
    }
}

/// Removes `.<name>.annoy-tmp.<pid>.<n>` files beside `path` whose process is gone.
fn remove_stale_temporaries(path: &Path, name: &std::ffi::OsStr) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Some(name) = name.to_str() else { return };
    let prefix = format!(".{name}{TMP_MARK}");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = rest.split('.').next().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        if pid > 0 && !process_exists(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn process_exists(pid: i32) -> bool {
    // SAFETY: signal 0 sends nothing; kill only reports whether the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Elsewhere there is no cheap check: every temporary file is taken to be another process's.
#[cfg(not(unix))]
fn process_exists(_pid: i32) -> bool {
    true
}

/// The error for an allocation of `bytes` (for `what`) that failed.
fn out_of_memory(bytes: usize, what: &str) -> Error {
    Error::invalid(format!("cannot allocate {bytes} bytes for {what}"))
}
