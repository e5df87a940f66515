//! The collector: the central server of the citizen-feedback system.
//!
//! It holds the registry (offices, kiosks and their keys, the ASN roster with
//! argon2 PIN hashes, HR and office-head tokens), serves each kiosk its
//! configuration over signed requests, takes QR ratings from citizens'
//! phones, applies kiosks' event batches exactly once (service records,
//! rating attribution, rollups), and serves HR reports from the rollups.
//!
//! Map:
//! - [`cli`]: the command line and `main`; [`settings`]: what it configures.
//! - [`startup`]: [`startup::Application`] builds the server (binds the port,
//!   settles the admin token) and runs it; [`startup::AppState`] is what
//!   handlers share.
//! - [`routes`]: every route, registered in [`routes::configure`], one module
//!   per area, each with its error enum converting into [`httpkit::ApiError`].
//! - [`store`]: the registry tables and the handle to everything stored.
//! - [`ingest`]: the single writer of events, service records, ratings and
//!   rollups (group commit); [`rollup`]: what a rollup row holds and its
//!   compact encoding; [`layout`]: where rollups live (a period is a key range);
//!   [`reports`]: office and ASN reports read from rollups; [`floor`]: a
//!   ticket's place in the queue and an office's live view, from tickets.
//! - [`export`]: the raw event log streamed for analytics, and its
//!   retention.
//! - [`auth`]: secrets, hashes, and the admin-token extractor.
//! - [`pages`]: server-rendered pages (maud): the citizens' phone pages, the
//!   staff pages; [`phone`]: the checks and rules of a citizen's phone
//!   rating; [`rating_form`]: the rating form, parsed and validated.
//! - [`ratelimit`]: per-address token buckets for the public routes.
//! - [`roster`]: roster CSV/JSON parsing, validation and PIN hashing.
//!
//! Architecture invariants: redb is touched only in [`store`], [`ingest`],
//! [`layout`], [`export`], [`reports`] and [`floor`], never on the async threads; events, ratings and rollups
//! are written only by the ingest writer thread; secrets are stored hashed (tokens: SHA-256, PINs:
//! argon2) except kiosk keys, which the collector needs in plain to verify
//! HMACs; the collector never depends on the kiosk crate.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod bias;
pub mod charts;
pub mod cli;
pub mod export;
pub mod floor;
pub mod ingest;
pub mod layout;
pub mod pages;
pub mod people;
pub mod phone;
pub mod ratelimit;
pub mod rating_form;
pub mod reports;
pub mod rollup;
pub mod roster;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod store;
pub mod xlsx;

#[cfg(test)]
mod test_support;

pub use settings::Settings;
pub use startup::{AppState, Application};
