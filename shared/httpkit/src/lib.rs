//! The actix-web glue both servers share, so that kiosk and collector answer
//! errors, read bodies and count requests the same way.
//!
//! Architecture invariant: no domain logic and no storage here; kiosk and
//! collector still never depend on each other. `shared` stays free of actix.
#![deny(missing_docs)]

pub mod body;
pub mod error;
pub mod lang;
pub mod metrics;

pub use body::{BodyLimit, JsonBody, read_body};
pub use error::ApiError;
pub use lang::{lang_of, localize_errors};
pub use metrics::{HttpMetrics, log_and_count};
