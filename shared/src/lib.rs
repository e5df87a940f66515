//! Domain types, wire protocol, signing and scoring maths shared by the kiosk
//! and the collector.
//!
//! Architecture invariant: this crate is pure. It does no I/O, knows nothing of
//! actix or redb, and never generates ids or randomness; the servers do that.
//! Values are parsed once at the edge into the types here (`Nip::parse`,
//! `Score::new`, ...) and trusted inside.
#![deny(missing_docs)]

pub mod fair;
pub mod floor;
pub mod i18n;
pub mod ids;
pub mod nip;
pub mod office;
pub mod rating;
pub mod review;
pub mod secret;
pub mod sign;
pub mod skm;
pub mod ticket;
pub mod time;
pub mod wire;

pub use i18n::{Lang, Msg};
pub use ids::{CounterId, InstanceId, KioskId, OfficeId, RatingId, ServiceCode, TicketId};
pub use nip::{Gender, Nip};
pub use office::Office;
pub use skm::{Comment, Grade, Ikm, IkmTally, Score, SkmAnswers};
pub use ticket::{ServicePrefix, TicketNumber};
pub use time::OfficeTz;
