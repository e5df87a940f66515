//! End-to-end tests: one binary, real servers on 127.0.0.1 port 0, temporary
//! redb files, real processes where a test kills one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_doc;
mod browser;
mod helpers;
mod qr_decode;
mod world;

mod access;
mod asn;
mod asn_pages;
mod backup;
mod bad_input;
mod bench_smoke;
mod crash;
mod disk;
mod faults;
mod floor;
mod floor_pages;
mod forwarding;
mod hostile;
mod integrity;
mod pages;
mod provisioning;
mod proxy;
mod report_pages;
mod reports;
mod system;
mod visit;
