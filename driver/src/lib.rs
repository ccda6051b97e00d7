//! The `mptcpscan` driver as a library: the binary (`src/main.rs`) parses the command line and
//! calls these modules, and the integration tests (`tests/`) reuse them rather than writing their
//! own lookups.
//!
//! Every verdict, outcome and name comes from the core (`mptcpscan`); the modules here gather
//! packets, keep the state a run needs and write the results.

pub mod chain;
pub mod dissect;
pub mod enrich;
pub mod fetch;
pub mod lab;
pub mod manual;
pub mod names;
pub mod net;
pub mod report;
pub mod scan;
pub mod trace;
