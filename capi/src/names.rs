//! Static C strings for the core's names, made from the core's own tables.
//!
//! Every name the C ABI hands out (`mptcpscan_*_name`) is a pointer to a NUL-terminated string
//! that lives as long as the library. The text comes from the core (`Outcome::name`,
//! `Reach::name`, ...), never from a copy here: each table is converted once, on first use, and
//! kept in a `static`.

use core::ffi::c_char;
use std::ffi::CString;
use std::sync::OnceLock;

use crate::error::mptcpscan_result;

/// The C strings of one core name table of `N` entries.
pub(crate) struct Names<const N: usize>(OnceLock<[CString; N]>);

impl<const N: usize> Names<N> {
    /// An empty table, filled on first use.
    pub(crate) const fn new() -> Self {
        Names(OnceLock::new())
    }

    /// The C string of entry `index`, where `name(i)` is the core's name of entry `i`;
    /// `INVALID_ARGUMENT` when `index` is out of range.
    pub(crate) fn get(
        &'static self,
        index: u32,
        name: impl Fn(usize) -> &'static str,
    ) -> Result<*const c_char, mptcpscan_result> {
        // Core names are ASCII without NUL; an empty string would only ever hide a core bug.
        let all = self
            .0
            .get_or_init(|| core::array::from_fn(|i| CString::new(name(i)).unwrap_or_default()));
        usize::try_from(index)
            .ok()
            .and_then(|i| all.get(i))
            .map(|s| s.as_ptr())
            .ok_or(mptcpscan_result::InvalidArgument)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_cores_and_stay_put() {
        static TABLE: Names<2> = Names::new();
        let name = |i: usize| ["first", "second"][i];
        let a = TABLE.get(1, name).unwrap();
        // SAFETY: `get` returns pointers to NUL-terminated strings owned by the static.
        assert_eq!(unsafe { core::ffi::CStr::from_ptr(a) }, c"second");
        assert_eq!(TABLE.get(1, name).unwrap(), a);
        assert_eq!(TABLE.get(2, name), Err(mptcpscan_result::InvalidArgument));
    }
}
