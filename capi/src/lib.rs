//! C ABI of the mptcpscan core (being written).
