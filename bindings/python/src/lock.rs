//! The index's lock: a readers-writer lock for everything that runs with the GIL released
//! (queries, builds, loads), and the GIL itself for the short reads that keep it.
//!
//! A reader that holds the GIL from start to end and runs no Python code meanwhile
//! (`get_n_items`, `get_distance`, `get_item_vector`) cannot overlap a writer that also holds
//! the GIL. A writer that releases it marks the value `busy` first, with the GIL held; such a
//! reader sees the mark and takes the lock instead. The fast path then costs no atomic
//! read-modify-write: two of those made `get_n_items` half again as slow as Annoy's.

use pyo3::Python;
use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

pub struct Shared<T> {
    lock: RwLock<()>,
    /// A writer holds `lock` (set and cleared with the GIL held).
    busy: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: `value` is reached only through `read` (shared, under the read lock), `write`
// (exclusive, under the write lock, `busy` set) and `peek` (shared, with the GIL held while no
// writer is busy, see the module doc), so `&Shared<T>` hands out `&T` to several threads only
// as a `RwLock<T>` would.
unsafe impl<T: Send + Sync> Sync for Shared<T> {}

pub struct ReadGuard<'a, T> {
    _lock: RwLockReadGuard<'a, ()>,
    value: &'a T,
}

pub struct WriteGuard<'a, T> {
    _lock: RwLockWriteGuard<'a, ()>,
    busy: &'a AtomicBool,
    value: &'a mut T,
}

impl<T: Send + Sync> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared {
            lock: RwLock::new(()),
            busy: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Shared access that may be held with the GIL released. The lock is tried while the GIL
    /// is held; when a writer has it (a build calls back into Python), this thread waits with
    /// the GIL released.
    pub fn read(&self, py: Python<'_>) -> ReadGuard<'_, T> {
        loop {
            let guard = match self.lock.try_read() {
                Ok(guard) => guard,
                // Calls into the core run under `shielded`: no panic poisons the lock.
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => {
                    let lock = &self.lock;
                    py.detach(|| drop(lock.read()));
                    continue;
                }
            };
            // SAFETY: the read lock is held, so no `WriteGuard` exists until it is released.
            let value = unsafe { &*self.value.get() };
            return ReadGuard {
                _lock: guard,
                value,
            };
        }
    }

    /// Exclusive access, taken as `read` takes it. Drop the guard with the GIL held.
    pub fn write(&self, py: Python<'_>) -> WriteGuard<'_, T> {
        loop {
            let guard = match self.lock.try_write() {
                Ok(guard) => guard,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => {
                    let lock = &self.lock;
                    py.detach(|| drop(lock.write()));
                    continue;
                }
            };
            // Still under the GIL: a `peek` either ran before this or sees the mark.
            self.busy.store(true, Ordering::Relaxed);
            // SAFETY: the write lock excludes every `ReadGuard` and other `WriteGuard`;
            // `busy`, set with the GIL held, turns every later `peek` into a `read`, and no
            // `peek` is running (it holds the GIL this thread holds).
            let value = unsafe { &mut *self.value.get() };
            return WriteGuard {
                _lock: guard,
                busy: &self.busy,
                value,
            };
        }
    }

    /// Runs `body` with shared access, holding the GIL throughout. `body` must not release
    /// the GIL or run Python code (which could release it).
    pub fn peek<R>(&self, py: Python<'_>, body: impl FnOnce(&T) -> R) -> R {
        if self.busy.load(Ordering::Relaxed) {
            return body(&self.read(py));
        }
        // SAFETY: the GIL is held (`py`) and no writer is busy; a writer that is not busy
        // holds the GIL while it works, so none runs until `body` returns (see `busy`).
        body(unsafe { &*self.value.get() })
    }
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        // Before the lock is released (fields drop after this).
        self.busy.store(false, Ordering::Relaxed);
    }
}
