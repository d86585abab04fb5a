#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod cache;
pub mod calendar;
pub mod deviation;
pub mod error;
pub mod ingest;
pub mod io;
pub mod issue;
pub mod kev;
pub mod model;
pub mod monthly;
pub mod policy;
pub mod rating;
pub mod reconcile;
pub mod report;
pub mod schema;
pub mod sla;
pub mod triggers;
pub mod validate;
pub mod zone;

pub use error::{Error, ErrorKind, Location, Result};
pub use policy::Policy;

/// The engine version, recorded in outputs so that results can be reproduced.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
