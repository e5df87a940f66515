//! Server-rendered pages (maud). Pages take their data as plain view structs
//! and never touch the store or the request: the routes decide what to show,
//! with which status, and pass it here.
//!
//! - [`layout`]: the page shell every page shares (language links, CSS, the
//!   security headers and the language cookie).
//! - [`rate`]: the citizen's phone rating pages (`/r/{token}`, and
//!   `/t/{token}` once served): the form, the thank-you page, the refusals.
//! - [`ticket`]: the ticket's phone link while it waits (`/t/{token}`).
//! - [`laporan`], [`staff`], [`publik`]: HR's and heads' pages, the public
//!   result.
//! - [`review`]: replies, reviews, follow-up, the audit trail, the bias
//!   audit, and the ASN's own sign-in and frame.
//!
//! Architecture invariant: no `PreEscaped` around anything a person typed;
//! maud escapes every interpolated string, so a comment shows as text.

pub mod laporan;
pub mod layout;
pub mod publik;
pub mod rate;
pub mod review;
pub mod staff;
pub mod ticket;
