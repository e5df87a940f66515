//! End-to-end tests and the demo launcher. The library holds what both use:
//! the demo offices and their ASN. The tests (`tests/e2e/`, one integration
//! binary) run real collector and kiosk servers on 127.0.0.1 (random ports,
//! temporary redb files) and drive them over HTTP.
//!
//! Architecture invariant: this crate is the only one that depends on both
//! servers; it starts them in-process, or as real processes where a test needs
//! kill -9.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod demo_data;
