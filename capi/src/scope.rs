//! Address scope: what an address advertised in ADD_ADDR reveals (`mptcpscan_address_scope`).

use core::ffi::{c_char, CStr};

use core_lib::scope::AddressScope;

use crate::address::mptcpscan_address;
use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};

/// The scope of an address, from the point of view of a peer on the Internet.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_scope {
    /// Globally routable unicast.
    Public = 0,
    /// RFC 1918, IPv6 unique local or site-local.
    Private = 1,
    /// Carrier-grade NAT space, 100.64/10.
    Shared = 2,
    /// 127/8 or ::1.
    Loopback = 3,
    /// 169.254/16 or fe80::/10.
    LinkLocal = 4,
    /// Documentation prefixes (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20).
    Documentation = 5,
    /// Benchmarking prefixes (198.18/15, 2001:2::/48).
    Benchmarking = 6,
    /// 6to4, 2002::/16.
    SixToFour = 7,
    /// Deprecated IPv4-compatible IPv6 (::/96).
    Ipv4Compatible = 8,
    /// IPv4-mapped IPv6 (::ffff:0:0/96).
    Ipv4Mapped = 9,
    /// Multicast.
    Multicast = 10,
    /// 0.0.0.0 or ::.
    Unspecified = 11,
    /// 255.255.255.255.
    Broadcast = 12,
    /// Any other reserved block.
    Reserved = 13,
}

impl mptcpscan_scope {
    const ALL: [mptcpscan_scope; 14] = [
        mptcpscan_scope::Public,
        mptcpscan_scope::Private,
        mptcpscan_scope::Shared,
        mptcpscan_scope::Loopback,
        mptcpscan_scope::LinkLocal,
        mptcpscan_scope::Documentation,
        mptcpscan_scope::Benchmarking,
        mptcpscan_scope::SixToFour,
        mptcpscan_scope::Ipv4Compatible,
        mptcpscan_scope::Ipv4Mapped,
        mptcpscan_scope::Multicast,
        mptcpscan_scope::Unspecified,
        mptcpscan_scope::Broadcast,
        mptcpscan_scope::Reserved,
    ];

    pub(crate) fn from_core(scope: AddressScope) -> Self {
        match scope {
            AddressScope::Public => mptcpscan_scope::Public,
            AddressScope::Private => mptcpscan_scope::Private,
            AddressScope::Shared => mptcpscan_scope::Shared,
            AddressScope::Loopback => mptcpscan_scope::Loopback,
            AddressScope::LinkLocal => mptcpscan_scope::LinkLocal,
            AddressScope::Documentation => mptcpscan_scope::Documentation,
            AddressScope::Benchmarking => mptcpscan_scope::Benchmarking,
            AddressScope::SixToFour => mptcpscan_scope::SixToFour,
            AddressScope::Ipv4Compatible => mptcpscan_scope::Ipv4Compatible,
            AddressScope::Ipv4Mapped => mptcpscan_scope::Ipv4Mapped,
            AddressScope::Multicast => mptcpscan_scope::Multicast,
            AddressScope::Unspecified => mptcpscan_scope::Unspecified,
            AddressScope::Broadcast => mptcpscan_scope::Broadcast,
            AddressScope::Reserved => mptcpscan_scope::Reserved,
        }
    }

    /// The core's name as a C string (the core's names are not NUL-terminated; a test checks
    /// that both agree).
    fn name(self) -> &'static CStr {
        match self {
            mptcpscan_scope::Public => c"public",
            mptcpscan_scope::Private => c"private",
            mptcpscan_scope::Shared => c"shared",
            mptcpscan_scope::Loopback => c"loopback",
            mptcpscan_scope::LinkLocal => c"link-local",
            mptcpscan_scope::Documentation => c"documentation",
            mptcpscan_scope::Benchmarking => c"benchmarking",
            mptcpscan_scope::SixToFour => c"6to4",
            mptcpscan_scope::Ipv4Compatible => c"ipv4-compatible",
            mptcpscan_scope::Ipv4Mapped => c"ipv4-mapped",
            mptcpscan_scope::Multicast => c"multicast",
            mptcpscan_scope::Unspecified => c"unspecified",
            mptcpscan_scope::Broadcast => c"broadcast",
            mptcpscan_scope::Reserved => c"reserved",
        }
    }

    fn to_core(self) -> AddressScope {
        // The two lists are in the same order; a test checks it.
        AddressScope::ALL[self as usize]
    }
}

/// Classifies an address by the IANA special-purpose registries.
///
/// Reads `*address`. On success writes an `mptcpscan_scope` value to `*scope`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown `family`).
#[no_mangle]
pub extern "C" fn mptcpscan_address_scope(
    address: *const mptcpscan_address,
    scope: *mut u32,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `address` as readable and `scope` as writable.
        let (address, scope) = unsafe { (ffi::input(address)?, Out::new(scope)?) };
        let ip = address.to_ip()?;
        scope.write(mptcpscan_scope::from_core(AddressScope::of(ip)) as u32);
        Ok(())
    })
}

/// Names a scope and says whether advertising an address of that scope leaks information (the
/// peer cannot use it, so announcing it only describes the sender's network: everything but
/// public and 6to4).
///
/// Reads `scope` (an `mptcpscan_scope` value). On success writes a static NUL-terminated
/// lower-case name such as "private" or "link-local" to `*name` (never to be freed) and the leak
/// flag to `*is_leak`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`scope` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_scope_describe(
    scope: u32,
    name: *mut *const c_char,
    is_leak: *mut bool,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents both outputs as writable.
        let (name, is_leak) = unsafe { (Out::new(name)?, Out::new(is_leak)?) };
        let scope = *usize::try_from(scope)
            .ok()
            .and_then(|i| mptcpscan_scope::ALL.get(i))
            .ok_or(mptcpscan_result::InvalidArgument)?;
        name.write(scope.name().as_ptr());
        is_leak.write(scope.to_core().is_leak());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn scopes_map_both_ways_in_the_same_order() {
        for (i, ours) in mptcpscan_scope::ALL.iter().enumerate() {
            assert_eq!(*ours as usize, i);
            assert_eq!(mptcpscan_scope::from_core(ours.to_core()), *ours);
            assert_eq!(ours.name().to_str().unwrap(), ours.to_core().name());
        }
    }

    #[test]
    fn a_private_address_is_named_and_leaks() {
        let address = mptcpscan_address {
            family: 4,
            bytes: [192, 168, 136, 225, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        };
        let mut scope = 99;
        assert_eq!(
            mptcpscan_address_scope(&address, &mut scope),
            mptcpscan_result::Ok
        );
        assert_eq!(scope, mptcpscan_scope::Private as u32);
        let (mut name, mut leak) = (core::ptr::null(), false);
        assert_eq!(
            mptcpscan_scope_describe(scope, &mut name, &mut leak),
            mptcpscan_result::Ok
        );
        // SAFETY: a static NUL-terminated string.
        assert_eq!(unsafe { CStr::from_ptr(name) }, c"private");
        assert!(leak);
        assert_eq!(
            mptcpscan_scope_describe(14, &mut name, &mut leak),
            mptcpscan_result::InvalidArgument
        );
    }
}
