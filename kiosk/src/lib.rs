//! The office kiosk: queue numbers, counter sessions, ratings and QR codes,
//! with every change written to redb (state and outbox event in one
//! transaction) before it is acknowledged.
//!
//! Architecture invariant: the kiosk depends on `shared` (and the `httpkit`
//! glue), never on the collector; it keeps working without it.

pub mod audio;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod error;
pub mod forward;
pub mod pages;
pub mod qr;
pub mod routes;
pub mod settings;
pub mod simulation;
pub mod startup;
pub mod state;
pub mod store;
pub mod sync;

pub use settings::Settings;
pub use startup::Application;
