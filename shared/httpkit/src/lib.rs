//! The actix-web glue both servers share, so that kiosk and collector answer
//! errors, read bodies, render page shells, set cookies, count requests and
//! guard their doors the same way.
//!
//! Architecture invariant: no domain logic here, and of storage only the
//! generic online backup (`backup`); kiosk and collector still never depend
//! on each other. `shared` stays free of actix.
#![deny(missing_docs)]

pub mod auth;
pub mod backup;
pub mod body;
pub mod chart;
pub mod client;
pub mod cookie;
pub mod error;
pub mod floor;
pub mod gate;
pub mod lang;
pub mod metrics;
pub mod origin;
pub mod page;

pub use auth::{NoRandomness, bearer_token, new_secret};
pub use body::{BodyLimit, JsonBody, read_body};
pub use error::ApiError;
pub use gate::Gate;
pub use lang::{lang_of, localize_errors};
pub use metrics::{HttpMetrics, log_and_count};
pub use origin::check_same_origin;
pub use page::{PageResponse, Shell};
