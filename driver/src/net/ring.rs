//! A packet socket's ring, mapped into our memory (`PACKET_TX_RING` / `PACKET_RX_RING`), and
//! the status words that hand its slots back and forth between us and the kernel.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};

use super::check;

/// The TPACKET versions (`enum tpacket_versions`).
pub const TPACKET_V2: libc::c_int = 1;
pub const TPACKET_V3: libc::c_int = 2;

/// A ring set up on `fd` with `setsockopt(name, req)`, mapped shared.
pub struct Ring {
    base: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; which slots may be touched is decided
// by the status words, read and written atomically.
unsafe impl Send for Ring {}

impl Ring {
    /// Asks the kernel for a ring (`name` = PACKET_TX_RING or PACKET_RX_RING, `req` the matching
    /// request struct) of `len` bytes and maps it.
    pub fn map<T>(fd: &OwnedFd, name: libc::c_int, req: &T, len: usize) -> io::Result<Ring> {
        // SAFETY: `req` is a live, fully initialised request struct and its exact size is passed.
        check(unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_PACKET,
                name,
                (req as *const T).cast(),
                std::mem::size_of::<T>() as libc::socklen_t,
            )
        })?;
        // SAFETY: a fresh shared mapping of the ring the kernel just allocated for `fd`; the
        // kernel checks `len` against the ring's size.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_LOCKED | libc::MAP_POPULATE,
                fd.as_raw_fd(),
                0,
            )
        };
        // MAP_LOCKED fails past RLIMIT_MEMLOCK for non-root users: map again unlocked.
        let base = if base == libc::MAP_FAILED {
            // SAFETY: as above, without the lock.
            unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED | libc::MAP_POPULATE,
                    fd.as_raw_fd(),
                    0,
                )
            }
        } else {
            base
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Ring {
            base: base.cast(),
            len,
        })
    }

    /// The status word at byte `offset` (4-aligned, inside the ring).
    pub fn status(&self, offset: usize) -> &AtomicU32 {
        assert!(offset.is_multiple_of(4) && offset + 4 <= self.len);
        // SAFETY: in bounds and aligned (checked above); AtomicU32 has u32's layout, and the
        // kernel and we only ever access this word atomically.
        unsafe { AtomicU32::from_ptr(self.base.add(offset).cast()) }
    }

    /// Reads the status word at `offset` with acquire ordering: the slot's contents written by
    /// the kernel before it set the status are visible afterwards.
    pub fn load(&self, offset: usize) -> u32 {
        self.status(offset).load(Ordering::Acquire)
    }

    /// Writes the status word at `offset` with release ordering: our writes to the slot are
    /// visible to the kernel once it sees the new status.
    pub fn store(&self, offset: usize, value: u32) {
        self.status(offset).store(value, Ordering::Release);
    }

    /// The bytes `offset..offset + len` of the ring (inside it), to read.
    pub fn bytes(&self, offset: usize, len: usize) -> &[u8] {
        assert!(offset.checked_add(len).is_some_and(|end| end <= self.len));
        // SAFETY: in bounds (checked above); the caller only reads slots the status words give
        // to user space, which the kernel does not write until they are handed back.
        unsafe { std::slice::from_raw_parts(self.base.add(offset), len) }
    }

    /// The bytes `offset..offset + len` of the ring (inside it), to write.
    pub fn bytes_mut(&mut self, offset: usize, len: usize) -> &mut [u8] {
        assert!(offset.checked_add(len).is_some_and(|end| end <= self.len));
        // SAFETY: as `bytes`, and `&mut self` makes this the only view we hold.
        unsafe { std::slice::from_raw_parts_mut(self.base.add(offset), len) }
    }

    /// A `u32` field at `offset` (4-aligned, inside the ring) of a slot we own.
    pub fn u32_at(&self, offset: usize) -> u32 {
        let b = self.bytes(offset, 4);
        u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
    }

    /// A `u16` field at `offset` of a slot we own.
    pub fn u16_at(&self, offset: usize) -> u16 {
        let b = self.bytes(offset, 2);
        u16::from_ne_bytes([b[0], b[1]])
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` are exactly the mapping made in `map`, unmapped once here; no
        // slice into it outlives `self` (they all borrow it).
        unsafe {
            libc::munmap(self.base.cast(), self.len);
        }
    }
}
