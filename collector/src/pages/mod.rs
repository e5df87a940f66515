//! Server-rendered pages (maud). Pages take their data as plain view structs
//! and never touch the store or the request: the routes decide what to show,
//! with which status, and pass it here.
//!
//! - [`layout`]: the page shell every page shares (language links, CSS, the
//!   security headers and the language cookie).
//! - [`rate`]: the citizen's QR rating pages (`/r/{token}`): the form, the
//!   thank-you page and the refusals.
//!
//! Architecture invariant: no `PreEscaped` around anything a person typed;
//! maud escapes every interpolated string, so a comment shows as text.

pub mod laporan;
pub mod layout;
pub mod publik;
pub mod rate;
pub mod staff;
