//! The panic boundary and the checks that turn raw C arguments into safe Rust values.
//!
//! Every export goes through [`guard`] (or [`guard_value`] for the few that return a value rather
//! than a result), and every pointer through one of the constructors here, which reject NULL,
//! misaligned and impossible lengths before any reference is made.

use core::ptr::NonNull;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::mptcpscan_result;

/// Shorthand for the internal result of an export body.
pub(crate) type Result<T> = core::result::Result<T, mptcpscan_result>;

/// Runs an export's body, turning `Err(code)` into `code` and a panic into
/// `MPTCPSCAN_RESULT_PANIC`: unwinding into C is undefined behaviour.
pub(crate) fn guard(body: impl FnOnce() -> Result<()>) -> mptcpscan_result {
    // AssertUnwindSafe: after a panic the body's state is dropped, never looked at again.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => mptcpscan_result::Ok,
        Ok(Err(code)) => code,
        Err(_) => mptcpscan_result::Panic,
    }
}

/// Like [`guard`] for exports that cannot fail and return a value: a panic gives `on_panic`.
pub(crate) fn guard_value<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    // AssertUnwindSafe: as in `guard`.
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// Borrows `len` input bytes at `ptr`; NULL is an error even when `len` is 0.
///
/// # Safety
/// If `ptr` is not NULL it must point to `len` readable bytes that nothing writes while the
/// returned slice lives.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8]> {
    if ptr.is_null() {
        return Err(mptcpscan_result::NullParameter);
    }
    if len > isize::MAX as usize {
        return Err(mptcpscan_result::InvalidArgument);
    }
    // SAFETY: non-NULL, a u8 pointer is always aligned, the length fits isize, and the caller
    // promises `len` readable bytes that stay unchanged.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// Borrows `len` writable bytes at `ptr`; NULL is an error even when `len` is 0.
///
/// # Safety
/// If `ptr` is not NULL it must point to `len` writable bytes that nothing else reads or writes
/// while the returned slice lives (in particular no input of the same call).
pub(crate) unsafe fn bytes_mut<'a>(ptr: *mut u8, len: usize) -> Result<&'a mut [u8]> {
    if ptr.is_null() {
        return Err(mptcpscan_result::NullParameter);
    }
    if len > isize::MAX as usize {
        return Err(mptcpscan_result::InvalidArgument);
    }
    // SAFETY: as in `bytes`, plus the caller's promise of exclusive access.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// Borrows one input struct.
///
/// # Safety
/// If `ptr` is not NULL it must point to a readable `T` (any bit pattern of which is valid:
/// the ABI's structs hold only integers, arrays and unions of those) that nothing writes while
/// the reference lives.
pub(crate) unsafe fn input<'a, T>(ptr: *const T) -> Result<&'a T> {
    if ptr.is_null() {
        return Err(mptcpscan_result::NullParameter);
    }
    if !ptr.is_aligned() {
        return Err(mptcpscan_result::Misaligned);
    }
    // SAFETY: non-NULL, aligned, and the caller promises a readable, unchanging `T`.
    Ok(unsafe { &*ptr })
}

/// Borrows `count` input structs; NULL is an error even when `count` is 0.
///
/// # Safety
/// If `ptr` is not NULL it must point to `count` readable `T`s (any bit pattern of which is
/// valid, as for [`input`]) that nothing writes while the slice lives.
pub(crate) unsafe fn inputs<'a, T>(ptr: *const T, count: usize) -> Result<&'a [T]> {
    if ptr.is_null() {
        return Err(mptcpscan_result::NullParameter);
    }
    if !ptr.is_aligned() {
        return Err(mptcpscan_result::Misaligned);
    }
    match count.checked_mul(core::mem::size_of::<T>()) {
        Some(bytes) if bytes <= isize::MAX as usize => {}
        _ => return Err(mptcpscan_result::InvalidArgument),
    }
    // SAFETY: non-NULL, aligned, the size fits isize, and the caller promises `count` readable,
    // unchanging `T`s.
    Ok(unsafe { core::slice::from_raw_parts(ptr, count) })
}

/// Borrows a NUL-terminated input string.
///
/// # Safety
/// If `ptr` is not NULL it must point to a NUL-terminated string that nothing writes while the
/// reference lives.
pub(crate) unsafe fn c_str<'a>(ptr: *const core::ffi::c_char) -> Result<&'a core::ffi::CStr> {
    if ptr.is_null() {
        return Err(mptcpscan_result::NullParameter);
    }
    // SAFETY: non-NULL, and the caller promises a NUL-terminated, unchanging string.
    Ok(unsafe { core::ffi::CStr::from_ptr(ptr) })
}

/// Borrows a library-allocated handle for mutation.
///
/// # Safety
/// If `ptr` is not NULL it must come from the matching `_new` function, not be freed yet, and not
/// be used by anything else while the reference lives.
pub(crate) unsafe fn handle<'a, T>(ptr: *mut T) -> Result<&'a mut T> {
    if ptr.is_null() {
        return Err(mptcpscan_result::NullParameter);
    }
    if !ptr.is_aligned() {
        return Err(mptcpscan_result::Misaligned);
    }
    // SAFETY: non-NULL, aligned, and the caller promises a live, unshared handle.
    Ok(unsafe { &mut *ptr })
}

/// An output slot, checked for NULL and alignment up front and written only once the call has
/// succeeded.
pub(crate) struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    /// Checks `ptr` without writing to it.
    ///
    /// # Safety
    /// If `ptr` is not NULL it must point to memory writable as a `T` for the rest of the call.
    pub(crate) unsafe fn new(ptr: *mut T) -> Result<Self> {
        let ptr = NonNull::new(ptr).ok_or(mptcpscan_result::NullParameter)?;
        if !ptr.as_ptr().is_aligned() {
            return Err(mptcpscan_result::Misaligned);
        }
        Ok(Out(ptr))
    }

    /// Stores the value (without reading or dropping the old contents: C memory may be
    /// uninitialised).
    pub(crate) fn write(self, value: T) {
        // SAFETY: `new` checked NULL and alignment, and its caller promised writable memory.
        unsafe { self.0.as_ptr().write(value) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_result_code() {
        assert_eq!(guard(|| panic!("boom")), mptcpscan_result::Panic);
        assert_eq!(guard_value(7, || panic!("boom")), 7);
        assert_eq!(
            guard(|| Err(mptcpscan_result::NotFound)),
            mptcpscan_result::NotFound
        );
    }

    #[test]
    fn null_and_misaligned_pointers_are_refused() {
        // SAFETY: NULL and a misaligned pointer are rejected before any access.
        unsafe {
            assert_eq!(
                bytes(core::ptr::null(), 0).err(),
                Some(mptcpscan_result::NullParameter)
            );
            assert!(Out::<u32>::new(core::ptr::null_mut()).is_err());
            let mut words = [0u32; 2];
            let odd = (words.as_mut_ptr() as *mut u8).add(1) as *mut u32;
            assert_eq!(Out::new(odd).err(), Some(mptcpscan_result::Misaligned));
        }
    }
}
