//! The collector's database: one redb file holding the registry (offices,
//! kiosks and their keys, the ASN roster, bearer tokens); the events,
//! tickets, ratings and rollups are the ingest writer's (`ingest.rs`).
//!
//! Everything redb is hidden behind [`Store`]. Its methods are `async` and run
//! each redb call on tokio's blocking pool, because redb is synchronous and a
//! durable commit waits for the disk: on an async worker thread it would stall
//! every other request that thread serves. Each logical change is one write
//! transaction, so a failure half way leaves nothing behind.
//!
//! Records are stored as JSON: the registry is small and changes rarely, and
//! JSON lets later versions add fields with `#[serde(default)]`. Keys are
//! chosen so that every question the routes ask is a point lookup or one
//! contiguous range (the roster is keyed by office, then NIP).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::wire::{Channel, RatingEvent, RosterEntry};
use shared::{Comment, KioskId, Nip, Office, OfficeId, RatingId, Score, SkmAnswers, TicketId};

use crate::audit::{NewEntry, Trail};

/// Small values: the schema version and the admin token's hash.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Counters kept up to date in the same transaction as the change they count,
/// so `/metrics` never scans (`roster_active`).
pub(crate) const COUNTS: TableDefinition<&str, u64> = TableDefinition::new("counts");
/// Office id -> [`Office`] (JSON).
pub(crate) const OFFICES: TableDefinition<&str, &[u8]> = TableDefinition::new("offices");
/// Kiosk id (UUID v7 as u128, so new kiosks append) -> [`KioskRecord`] (JSON).
pub(crate) const KIOSKS: TableDefinition<u128, &[u8]> = TableDefinition::new("kiosks");
/// (office id, NIP) -> [`StaffRecord`] (JSON). Keyed by office first so that a
/// kiosk's configuration reads one office's rows as one range.
pub(crate) const ROSTER: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("roster");
/// NIP -> office id: finds an ASN's row when an import moves them to another
/// office, and answers "where does this NIP work" without a scan.
pub(crate) const ROSTER_BY_NIP: TableDefinition<&str, &str> = TableDefinition::new("roster_by_nip");
/// SHA-256 of an HR or head token -> [`TokenRecord`] (JSON). The token itself
/// is never stored.
pub(crate) const TOKENS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tokens");
/// Token id (UUID v7) -> SHA-256 of the token: revocation by id.
pub(crate) const TOKEN_IDS: TableDefinition<u128, &[u8]> = TableDefinition::new("token_ids");
/// Username -> [`UserRecord`] (JSON): HR staff and office heads who sign in
/// to the pages.
pub(crate) const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
/// SHA-256 of a page session's token -> [`WebSession`] (JSON).
pub(crate) const WEB_SESSIONS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("web_sessions");
/// An ASN's opaque reference -> NIP, written when the roster is imported, so
/// that a page address resolves to its ASN without the NIP in it.
pub(crate) const ASN_REFS: TableDefinition<&str, &str> = TableDefinition::new("asn_refs");
/// SHA-256 of an ASN page session's token -> [`AsnSession`] (JSON).
pub(crate) const ASN_SESSIONS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("asn_sessions");
/// NIP -> [`AsnLoginState`] (JSON): wrong PINs in a row at the collector.
pub(crate) const ASN_LOGINS: TableDefinition<&str, &[u8]> = TableDefinition::new("asn_logins");

const META_SCHEMA: &str = "schema_version";
const META_ADMIN_TOKEN: &str = "admin_token_sha256";
/// The key of [`shared::secret::asn_ref`], made when the file is created.
const META_ASN_REF_KEY: &str = "asn_ref_key";
const COUNT_ROSTER_ACTIVE: &str = "roster_active";

/// The layout version written into new files. Version 2 scoped tickets by
/// office, gave kiosk databases their own marks (instances) and tokens an
/// expiry; version 3 keeps rollups compact in day and month rows keyed so
/// that a period is a key range (`crate::layout`). A file of version 2 is
/// moved to version 3 when opened; a file of version 1 is refused with a
/// clear message rather than misread.
const SCHEMA_VERSION: u32 = 3;

/// Why the store failed. Apart from [`StoreError::UnknownOffice`] these are
/// server faults (5xx), not the caller's.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// redb failed (disk, corruption, lock).
    #[error("database error: {0}")]
    Db(#[from] redb::Error),
    /// A stored record does not decode: the file was written by an
    /// incompatible version or is damaged.
    #[error("a stored {what} record is unreadable: {detail}")]
    Corrupt {
        /// The kind of record.
        what: &'static str,
        /// The decoder's account.
        detail: String,
    },
    /// A change refers to an office that does not exist; nothing was written.
    #[error("office {0} does not exist")]
    UnknownOffice(OfficeId),
    /// The blocking task running the redb call panicked or was cancelled.
    #[error("the storage task failed: {0}")]
    Task(String),
    /// The file was written by another version of the collector.
    #[error(
        "the database has layout version {found}, this collector reads version {expected}: \
         use a fresh --data directory (or the collector version that wrote it)"
    )]
    Schema {
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// The ingest writer failed (the whole group was rolled back).
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    /// The audit trail could not be written (the change was not made).
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
}

macro_rules! redb_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> StoreError {
                StoreError::Db(e.into())
            }
        }
    )*};
}
redb_error_from!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// A kiosk: its office and the key it signs with. The key is kept in plain
/// because the collector must compute the same HMAC to verify a signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KioskRecord {
    /// Its id.
    pub kiosk_id: KioskId,
    /// The office it serves.
    pub office_id: OfficeId,
    /// The shared HMAC key (the text given to the kiosk as `--kiosk-key`).
    pub key: String,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When the operator disabled it (a lost or stolen kiosk): from then on
    /// its signatures and QR tokens are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<Timestamp>,
    /// When its key was last replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_rotated_at: Option<Timestamp>,
}

/// An HR or head token as stored (under its hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Its id, for revocation.
    pub token_id: uuid::Uuid,
    /// What it may see.
    pub role: Role,
    /// When issued.
    pub created_at: Timestamp,
    /// After this it is refused.
    pub expires_at: Timestamp,
}

/// Why a token does not authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCheck {
    /// Never issued, or revoked.
    Unknown,
    /// Past its expiry.
    Expired,
}

/// An ASN's roster row as stored (the NIP and office are the key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffRecord {
    /// Full name.
    pub name: String,
    /// Argon2 PHC string of the PIN; the PIN itself is never stored.
    pub pin_hash: String,
    /// Whether the ASN may sign in.
    pub active: bool,
    /// When this row was last imported.
    pub updated_at: Timestamp,
}

/// A validated roster row with its PIN already hashed, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRow {
    /// NIP.
    pub nip: Nip,
    /// Office.
    pub office_id: OfficeId,
    /// Full name.
    pub name: String,
    /// Argon2 PHC string of the PIN.
    pub pin_hash: String,
    /// Whether the ASN may sign in.
    pub active: bool,
}

/// What an HR or head token may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Central HR: every office.
    Hr,
    /// An office head: that office only.
    Head {
        /// The office.
        office_id: OfficeId,
    },
}

impl Role {
    /// In the audit trail's words.
    pub fn code(&self) -> String {
        match self {
            Role::Hr => "hr".to_owned(),
            Role::Head { office_id } => format!("head of {office_id}"),
        }
    }

    /// The office a head is limited to; `None` for HR.
    pub fn office_scope(&self) -> Option<&OfficeId> {
        match self {
            Role::Hr => None,
            Role::Head { office_id } => Some(office_id),
        }
    }
}

/// A person who signs in to the report pages (created by the operator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Sign-in name.
    pub username: String,
    /// What they may see.
    pub role: Role,
    /// Argon2 PHC string of the password.
    pub password_hash: String,
    /// When created.
    pub created_at: Timestamp,
    /// Wrong passwords in a row.
    #[serde(default)]
    pub failures: u32,
    /// Locked until, after too many wrong passwords.
    #[serde(default)]
    pub locked_until: Option<Timestamp>,
}

/// A signed-in page session (under the SHA-256 of its cookie's token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebSession {
    /// Who.
    pub username: String,
    /// What they may see (as when they signed in; a deleted user's sessions
    /// end with them).
    pub role: Role,
    /// Since when.
    pub created_at: Timestamp,
    /// Until when.
    pub expires_at: Timestamp,
}

/// A signed-in ASN's page session: their own evidence page and replies only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsnSession {
    /// Who.
    pub nip: Nip,
    /// Their office when they signed in.
    pub office_id: OfficeId,
    /// Since when.
    pub created_at: Timestamp,
    /// Until when.
    pub expires_at: Timestamp,
}

/// Wrong PINs in a row of one NIP at the collector's sign-in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct AsnLoginState {
    failures: u32,
    locked_until: Option<Timestamp>,
}

/// Wrong passwords in a row that lock a user.
pub const MAX_PASSWORD_FAILS: u32 = 5;
/// How long a user stays locked.
pub const LOCK_MINUTES: i64 = 5;

/// What a password check did to the user's record.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    /// Right password: here is the user.
    Ok(UserRecord),
    /// Wrong password (or no such user).
    Wrong,
    /// Locked for this many more seconds.
    Locked(u64),
}

/// One step of the lockout that passwords and PINs share: while locked,
/// [`PinCheck::Locked`] whatever the secret; a right one clears the count;
/// a wrong one counts, and [`MAX_PASSWORD_FAILS`] in a row lock for
/// [`LOCK_MINUTES`].
fn lockout(
    failures: &mut u32,
    locked_until: &mut Option<Timestamp>,
    ok: bool,
    now: Timestamp,
) -> PinCheck {
    if let Some(until) = *locked_until
        && until > now
    {
        return PinCheck::Locked(until.duration_since(now).as_secs().max(1).unsigned_abs());
    }
    if ok {
        *failures = 0;
        *locked_until = None;
        return PinCheck::Right;
    }
    *failures += 1;
    if *failures >= MAX_PASSWORD_FAILS {
        *failures = 0;
        *locked_until = Some(now + jiff::SignedDuration::from_mins(LOCK_MINUTES));
    }
    PinCheck::Wrong
}

/// What a PIN check at the ASN's sign-in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheck {
    /// Right PIN.
    Right,
    /// Wrong PIN.
    Wrong,
    /// Locked for this many more seconds.
    Locked(u64),
}

/// Sizes of the registry, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Offices defined.
    pub offices: u64,
    /// Kiosks registered.
    pub kiosks: u64,
    /// Roster rows that may sign in.
    pub roster_active: u64,
    /// QR ratings received.
    pub qr_ratings: u64,
    /// Kiosk events applied.
    pub events_applied: u64,
    /// Ratings recorded (tablet and QR, any status).
    pub ratings: u64,
}

/// A citizen's rating from their phone, checked and ready to store: the
/// token named the kiosk and ticket, the kiosk names the office.
#[derive(Debug, Clone, PartialEq)]
pub struct NewQrRating {
    /// Its id (UUID v7, chosen by the caller).
    pub rating_id: RatingId,
    /// The kiosk whose key signed the token.
    pub kiosk_id: KioskId,
    /// That kiosk's office.
    pub office_id: OfficeId,
    /// The ticket rated.
    pub ticket_id: TicketId,
    /// The quick score.
    pub score: Score,
    /// The full survey, when all nine were answered.
    pub answers: Option<SkmAnswers>,
    /// Free text, when given.
    pub comment: Option<Comment>,
    /// When the citizen sent it.
    pub submitted_at: Timestamp,
}

/// A QR rating as stored: everything the event and attribution pipeline
/// needs later (it folds these in with the kiosks' tablet ratings, one rating
/// per ticket, earliest wins) without asking the token again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QrRatingRecord {
    /// The kiosk whose key signed the token.
    pub kiosk_id: KioskId,
    /// That kiosk's office when the rating arrived.
    pub office_id: OfficeId,
    /// The rating in the event-log shape: `ticket_id` set, `channel` QR, no
    /// counter and no NIP (a phone knows neither).
    pub rating: RatingEvent,
}

impl From<NewQrRating> for QrRatingRecord {
    fn from(n: NewQrRating) -> QrRatingRecord {
        QrRatingRecord {
            kiosk_id: n.kiosk_id,
            office_id: n.office_id,
            rating: RatingEvent {
                rating_id: n.rating_id,
                ticket_id: Some(n.ticket_id),
                counter: None,
                nip: None,
                channel: Channel::Qr,
                score: n.score,
                answers: n.answers,
                comment: n.comment,
                submitted_at: n.submitted_at,
                flagged: false,
            },
        }
    }
}

/// Why a QR rating was not stored.
#[derive(Debug, thiserror::Error)]
pub enum QrRatingError {
    /// The ticket already has a QR rating (its id is given); nothing was
    /// written.
    #[error("ticket already rated (rating {0})")]
    AlreadyRated(RatingId),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The collector's database. Cheap to clone (one shared handle).
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    /// The single writer of events, ratings and rollups.
    ingest: crate::ingest::Ingest,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    // Serialising our own plain structs to JSON cannot fail; map it anyway
    // rather than panic.
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt {
        what: "new",
        detail: e.to_string(),
    })
}

fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

/// Runs `f` in one write transaction and commits it; an error drops the
/// transaction, which aborts it, so nothing of a failed change is kept.
fn write<T>(
    db: &Database,
    f: impl FnOnce(&WriteTransaction) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let txn = db.begin_write()?;
    let out = f(&txn)?;
    txn.commit()?;
    Ok(out)
}

fn hash_from_bytes(bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| StoreError::Corrupt {
        what: "admin token hash",
        detail: format!("{} bytes instead of 32", bytes.len()),
    })
}

impl Store {
    /// Opens the database file, creating it and its tables when missing.
    pub async fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_owned();
        tokio::task::spawn_blocking(move || Store::open_blocking(&path))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    fn open_blocking(path: &Path) -> Result<Store, StoreError> {
        let db = Database::create(path)?;
        // Create every table up front so that read transactions never meet a
        // missing table (redb reports that as an error, not as empty).
        write(&db, |txn| {
            let mut meta = txn.open_table(META)?;
            let found = meta
                .get(META_SCHEMA)?
                .and_then(|v| <[u8; 4]>::try_from(v.value()).ok())
                .map(u32::from_be_bytes);
            match found {
                None => {
                    meta.insert(META_SCHEMA, SCHEMA_VERSION.to_be_bytes().as_slice())?;
                }
                Some(v) if v == SCHEMA_VERSION => {}
                Some(2) => {
                    let moved = crate::layout::migrate_v2(txn)?;
                    crate::export::index_all(txn, crate::export::utc_day(jiff::Timestamp::now()))?;
                    meta.insert(META_SCHEMA, SCHEMA_VERSION.to_be_bytes().as_slice())?;
                    tracing::info!(
                        rollup_rows = moved,
                        "moved the database from layout 2 to layout {SCHEMA_VERSION}"
                    );
                }
                Some(found) => {
                    return Err(StoreError::Schema {
                        found,
                        expected: SCHEMA_VERSION,
                    });
                }
            }
            txn.open_table(COUNTS)?;
            txn.open_table(OFFICES)?;
            txn.open_table(KIOSKS)?;
            txn.open_table(ROSTER)?;
            txn.open_table(ROSTER_BY_NIP)?;
            txn.open_table(TOKENS)?;
            txn.open_table(TOKEN_IDS)?;
            txn.open_table(USERS)?;
            txn.open_table(WEB_SESSIONS)?;
            txn.open_table(ASN_REFS)?;
            if meta.get(META_ASN_REF_KEY)?.is_none() {
                let mut key = [0u8; 32];
                crate::auth::fill_random(&mut key).map_err(|e| StoreError::Corrupt {
                    what: "new asn_ref key",
                    detail: e.to_string(),
                })?;
                meta.insert(META_ASN_REF_KEY, key.as_slice())?;
            }
            Ok(())
        })?;
        let db = Arc::new(db);
        let ingest = crate::ingest::start(Arc::clone(&db))?;
        Ok(Store { db, ingest })
    }

    /// Runs a blocking redb closure on the blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Whether the database answers: a read transaction opens and a table
    /// reads (`/healthz`).
    pub async fn check(&self) -> Result<(), StoreError> {
        self.run(|db| {
            let txn = db.begin_read()?;
            txn.open_table(META)?.get(META_SCHEMA)?;
            Ok(())
        })
        .await
    }

    // ------------------------------------------------------------ admin token

    /// The SHA-256 of the admin token, when one was stored.
    pub async fn admin_token_hash(&self) -> Result<Option<[u8; 32]>, StoreError> {
        self.run(|db| {
            let txn = db.begin_read()?;
            let meta = txn.open_table(META)?;
            let hash = meta.get(META_ADMIN_TOKEN)?;
            hash.map(|h| hash_from_bytes(h.value())).transpose()
        })
        .await
    }

    /// Stores the SHA-256 of the admin token, replacing any earlier one.
    pub async fn set_admin_token_hash(&self, hash: [u8; 32]) -> Result<(), StoreError> {
        self.run(move |db| {
            write(db, |txn| {
                txn.open_table(META)?
                    .insert(META_ADMIN_TOKEN, hash.as_slice())?;
                Ok(())
            })
        })
        .await
    }

    // ------------------------------------------------------------ offices

    /// Adds or replaces an office. Returns `true` when it is new.
    pub async fn put_office(&self, office: Office) -> Result<bool, StoreError> {
        self.run(move |db| {
            let bytes = encode(&office)?;
            write(db, |txn| {
                let mut offices = txn.open_table(OFFICES)?;
                let old = offices.insert(office.id.as_str(), bytes.as_slice())?;
                Ok(old.is_none())
            })
        })
        .await
    }

    /// An office by id.
    pub async fn office(&self, id: OfficeId) -> Result<Option<Office>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read()?;
            let offices = txn.open_table(OFFICES)?;
            let found = offices.get(id.as_str())?;
            found.map(|v| decode("office", v.value())).transpose()
        })
        .await
    }

    /// The ids of all offices (a few thousand at most: offices are units of
    /// service, not people).
    pub async fn office_ids(&self) -> Result<BTreeSet<OfficeId>, StoreError> {
        self.run(|db| {
            let txn = db.begin_read()?;
            let offices = txn.open_table(OFFICES)?;
            let mut ids = BTreeSet::new();
            for entry in offices.iter()? {
                let (k, _) = entry?;
                let id = OfficeId::parse(k.value()).map_err(|e| StoreError::Corrupt {
                    what: "office id",
                    detail: e.to_string(),
                })?;
                ids.insert(id);
            }
            Ok(ids)
        })
        .await
    }

    /// An office with its roster (sorted by NIP), read in one transaction so
    /// the two agree. Reads only that office's rows.
    pub async fn office_with_roster(
        &self,
        id: OfficeId,
    ) -> Result<Option<(Office, Vec<RosterEntry>)>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read()?;
            let offices = txn.open_table(OFFICES)?;
            let Some(office) = offices.get(id.as_str())? else {
                return Ok(None);
            };
            let office: Office = decode("office", office.value())?;
            let roster_table = txn.open_table(ROSTER)?;
            let mut roster = Vec::new();
            for entry in roster_table.range((id.as_str(), "")..)? {
                let (k, v) = entry?;
                let (office_id, nip) = k.value();
                if office_id != id.as_str() {
                    break;
                }
                let nip = Nip::try_from(nip.to_owned()).map_err(|e| StoreError::Corrupt {
                    what: "roster NIP",
                    detail: e.to_string(),
                })?;
                let staff: StaffRecord = decode("roster", v.value())?;
                roster.push(RosterEntry {
                    nip,
                    name: staff.name,
                    pin_hash: staff.pin_hash,
                    active: staff.active,
                });
            }
            Ok(Some((office, roster)))
        })
        .await
    }

    // ------------------------------------------------------------ kiosks

    /// Registers a kiosk. Fails with [`StoreError::UnknownOffice`] (writing
    /// nothing) when its office does not exist.
    pub async fn insert_kiosk(&self, kiosk: KioskRecord) -> Result<(), StoreError> {
        self.run(move |db| {
            let bytes = encode(&kiosk)?;
            write(db, |txn| {
                if txn
                    .open_table(OFFICES)?
                    .get(kiosk.office_id.as_str())?
                    .is_none()
                {
                    return Err(StoreError::UnknownOffice(kiosk.office_id.clone()));
                }
                txn.open_table(KIOSKS)?
                    .insert(kiosk.kiosk_id.as_u128(), bytes.as_slice())?;
                Ok(())
            })
        })
        .await
    }

    /// A kiosk by id.
    pub async fn kiosk(&self, id: KioskId) -> Result<Option<KioskRecord>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read()?;
            let kiosks = txn.open_table(KIOSKS)?;
            let found = kiosks.get(id.as_u128())?;
            found.map(|v| decode("kiosk", v.value())).transpose()
        })
        .await
    }

    // ------------------------------------------------------------ roster

    /// Adds or updates roster rows by NIP, all in one write transaction. A
    /// NIP listed under another office moves to the new one; rows not given
    /// are left alone. Returns the number of rows written. Fails with
    /// [`StoreError::UnknownOffice`] (writing nothing) when a row's office
    /// does not exist.
    pub async fn import_roster(&self, rows: Vec<StaffRow>) -> Result<u64, StoreError> {
        let now = Timestamp::now();
        self.run(move |db| {
            write(db, |txn| {
                let n = import_rows(txn, &rows, now)?;
                let offices: BTreeSet<&OfficeId> = rows.iter().map(|r| &r.office_id).collect();
                let mut trail = Trail::open(txn)?;
                for o in offices {
                    let k = rows.iter().filter(|r| &r.office_id == o).count();
                    trail.append(
                        NewEntry::new("admin", "roster_imported")
                            .office(o)
                            .detail(format!("{k} roster rows written (names, PINs, active)")),
                    )?;
                }
                Ok(n)
            })
        })
        .await
    }

    /// An ASN's office and roster row, by NIP.
    pub async fn staff(&self, nip: Nip) -> Result<Option<(OfficeId, StaffRecord)>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read()?;
            let by_nip = txn.open_table(ROSTER_BY_NIP)?;
            let Some(office) = by_nip.get(nip.as_str())? else {
                return Ok(None);
            };
            let office = office.value().to_owned();
            let roster = txn.open_table(ROSTER)?;
            let Some(row) = roster.get((office.as_str(), nip.as_str()))? else {
                return Ok(None);
            };
            let staff: StaffRecord = decode("roster", row.value())?;
            let office = OfficeId::parse(&office).map_err(|e| StoreError::Corrupt {
                what: "roster office id",
                detail: e.to_string(),
            })?;
            Ok(Some((office, staff)))
        })
        .await
    }

    // ------------------------------------------------------------ kiosk credentials

    /// Disables a kiosk (idempotent); gives its record, `None` when unknown.
    pub async fn disable_kiosk(
        &self,
        id: KioskId,
        now: Timestamp,
    ) -> Result<Option<KioskRecord>, StoreError> {
        self.update_kiosk(id, "kiosk_disabled", move |k| {
            k.disabled_at.get_or_insert(now);
        })
        .await
    }

    /// Replaces a kiosk's key; gives its record, `None` when unknown.
    pub async fn set_kiosk_key(
        &self,
        id: KioskId,
        key: String,
        now: Timestamp,
    ) -> Result<Option<KioskRecord>, StoreError> {
        self.update_kiosk(id, "kiosk_key_rotated", move |k| {
            k.key = key;
            k.key_rotated_at = Some(now);
        })
        .await
    }

    async fn update_kiosk(
        &self,
        id: KioskId,
        action: &'static str,
        change: impl FnOnce(&mut KioskRecord) + Send + 'static,
    ) -> Result<Option<KioskRecord>, StoreError> {
        self.run(move |db| {
            write(db, |txn| {
                let mut kiosks = txn.open_table(KIOSKS)?;
                let found = kiosks.get(id.as_u128())?;
                let Some(mut k) = found
                    .map(|v| decode::<KioskRecord>("kiosk", v.value()))
                    .transpose()?
                else {
                    return Ok(None);
                };
                change(&mut k);
                kiosks.insert(id.as_u128(), encode(&k)?.as_slice())?;
                Trail::open(txn)?.append(
                    NewEntry::new("admin", action)
                        .office(&k.office_id)
                        .detail(format!("kiosk {}", k.kiosk_id)),
                )?;
                Ok(Some(k))
            })
        })
        .await
    }

    // ------------------------------------------------------------ tokens

    /// Stores an HR or head token by its SHA-256. Fails with
    /// [`StoreError::UnknownOffice`] (writing nothing) for a head token of an
    /// office that does not exist.
    pub async fn insert_token(
        &self,
        hash: [u8; 32],
        record: TokenRecord,
    ) -> Result<(), StoreError> {
        self.run(move |db| {
            let bytes = encode(&record)?;
            write(db, |txn| {
                if let Role::Head { office_id } = &record.role
                    && txn.open_table(OFFICES)?.get(office_id.as_str())?.is_none()
                {
                    return Err(StoreError::UnknownOffice(office_id.clone()));
                }
                txn.open_table(TOKENS)?
                    .insert(hash.as_slice(), bytes.as_slice())?;
                txn.open_table(TOKEN_IDS)?
                    .insert(record.token_id.as_u128(), hash.as_slice())?;
                let mut e = NewEntry::new("admin", "token_issued").detail(format!(
                    "token {} ({}), expires {}",
                    record.token_id,
                    record.role.code(),
                    record.expires_at
                ));
                if let Role::Head { office_id } = &record.role {
                    e = e.office(office_id);
                }
                Trail::open(txn)?.append(e)?;
                Ok(())
            })
        })
        .await
    }

    /// The role of the token whose SHA-256 is `hash` at `now`: report routes
    /// authenticate HR and office heads with this.
    pub async fn token_role(
        &self,
        hash: [u8; 32],
        now: Timestamp,
    ) -> Result<Result<TokenRecord, TokenCheck>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read()?;
            let tokens = txn.open_table(TOKENS)?;
            let Some(found) = tokens.get(hash.as_slice())? else {
                return Ok(Err(TokenCheck::Unknown));
            };
            let record: TokenRecord = decode("token", found.value())?;
            Ok(if record.expires_at <= now {
                Err(TokenCheck::Expired)
            } else {
                Ok(record)
            })
        })
        .await
    }

    /// Revokes a token by id: it is refused from then on. `false` when no
    /// such token exists.
    pub async fn revoke_token(&self, token_id: uuid::Uuid) -> Result<bool, StoreError> {
        self.run(move |db| {
            write(db, |txn| {
                let mut ids = txn.open_table(TOKEN_IDS)?;
                let Some(hash) = ids.remove(token_id.as_u128())? else {
                    return Ok(false);
                };
                let hash = hash.value().to_vec();
                let role = txn
                    .open_table(TOKENS)?
                    .remove(hash.as_slice())?
                    .map(|v| decode::<TokenRecord>("token", v.value()))
                    .transpose()?
                    .map(|r| r.role);
                let mut e =
                    NewEntry::new("admin", "token_revoked").detail(format!("token {token_id}"));
                if let Some(Role::Head { office_id }) = &role {
                    e = e.office(office_id);
                }
                Trail::open(txn)?.append(e)?;
                Ok(true)
            })
        })
        .await
    }

    // ------------------------------------------------------------ people

    /// Adds a user; `false` (writing nothing) when the name is taken, or
    /// [`StoreError::UnknownOffice`] for a head of an office that does not
    /// exist.
    pub async fn create_user(&self, user: UserRecord) -> Result<bool, StoreError> {
        self.run(move |db| {
            let bytes = encode(&user)?;
            write(db, |txn| {
                if let Role::Head { office_id } = &user.role
                    && txn.open_table(OFFICES)?.get(office_id.as_str())?.is_none()
                {
                    return Err(StoreError::UnknownOffice(office_id.clone()));
                }
                let mut users = txn.open_table(USERS)?;
                if users.get(user.username.as_str())?.is_some() {
                    return Ok(false);
                }
                users.insert(user.username.as_str(), bytes.as_slice())?;
                let mut e = NewEntry::new("admin", "user_created").detail(format!(
                    "{} ({})",
                    user.username,
                    user.role.code()
                ));
                if let Role::Head { office_id } = &user.role {
                    e = e.office(office_id);
                }
                Trail::open(txn)?.append(e)?;
                Ok(true)
            })
        })
        .await
    }

    /// Removes a user and ends their sessions; `false` when there was none.
    pub async fn delete_user(&self, username: String) -> Result<bool, StoreError> {
        self.run(move |db| {
            write(db, |txn| {
                let removed = txn
                    .open_table(USERS)?
                    .remove(username.as_str())?
                    .map(|v| decode::<UserRecord>("user", v.value()))
                    .transpose()?;
                let mut sessions = txn.open_table(WEB_SESSIONS)?;
                sessions.retain(|_, v| {
                    serde_json::from_slice::<WebSession>(v).is_ok_and(|s| s.username != username)
                })?;
                let Some(user) = removed else {
                    return Ok(false);
                };
                let mut e = NewEntry::new("admin", "user_deleted").detail(format!(
                    "{} ({})",
                    user.username,
                    user.role.code()
                ));
                if let Role::Head { office_id } = &user.role {
                    e = e.office(office_id);
                }
                Trail::open(txn)?.append(e)?;
                Ok(true)
            })
        })
        .await
    }

    /// A user by name.
    pub async fn user(&self, username: String) -> Result<Option<UserRecord>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read()?;
            let users = txn.open_table(USERS)?;
            let found = users.get(username.as_str())?;
            found.map(|v| decode("user", v.value())).transpose()
        })
        .await
    }

    /// Records a password check done outside (argon2 is slow): a right one
    /// clears the count, a wrong one counts and locks after
    /// [`MAX_PASSWORD_FAILS`] in a row; a locked user stays locked whatever
    /// the password.
    pub async fn record_login(
        &self,
        username: String,
        password_ok: bool,
        now: Timestamp,
    ) -> Result<LoginOutcome, StoreError> {
        self.run(move |db| {
            write(db, |txn| {
                let mut users = txn.open_table(USERS)?;
                let found = users.get(username.as_str())?;
                let Some(mut user) = found
                    .map(|v| decode::<UserRecord>("user", v.value()))
                    .transpose()?
                else {
                    return Ok(LoginOutcome::Wrong);
                };
                let outcome =
                    match lockout(&mut user.failures, &mut user.locked_until, password_ok, now) {
                        PinCheck::Locked(secs) => return Ok(LoginOutcome::Locked(secs)),
                        PinCheck::Right => LoginOutcome::Ok(user.clone()),
                        PinCheck::Wrong => LoginOutcome::Wrong,
                    };
                users.insert(username.as_str(), encode(&user)?.as_slice())?;
                Ok(outcome)
            })
        })
        .await
    }

    /// Stores a page session under its token's hash.
    pub async fn create_web_session(
        &self,
        hash: [u8; 32],
        session: WebSession,
    ) -> Result<(), StoreError> {
        self.put_session(WEB_SESSIONS, hash, session).await
    }

    /// The live page session under `hash` at `now`.
    pub async fn web_session(
        &self,
        hash: [u8; 32],
        now: Timestamp,
    ) -> Result<Option<WebSession>, StoreError> {
        let found: Option<WebSession> = self.session(WEB_SESSIONS, "session", hash).await?;
        Ok(found.filter(|s| s.expires_at > now))
    }

    /// Ends a page session.
    pub async fn end_web_session(&self, hash: [u8; 32]) -> Result<(), StoreError> {
        self.end_session(WEB_SESSIONS, hash).await
    }

    /// Records a PIN check of an ASN on the roster, done outside: a right
    /// one clears the count; a wrong one counts, and [`MAX_PASSWORD_FAILS`]
    /// in a row lock the NIP for [`LOCK_MINUTES`] (an audit entry says so);
    /// a locked NIP stays locked whatever the PIN.
    pub async fn record_asn_login(
        &self,
        nip: Nip,
        office: OfficeId,
        actor: String,
        pin_ok: bool,
        now: Timestamp,
    ) -> Result<PinCheck, StoreError> {
        self.run(move |db| {
            write(db, |txn| {
                let mut logins = txn.open_table(ASN_LOGINS)?;
                let found = logins.get(nip.as_str())?;
                let mut state: AsnLoginState = found
                    .map(|v| decode("asn login", v.value()))
                    .transpose()?
                    .unwrap_or_default();
                let was_locked = state.locked_until.is_some_and(|u| u > now);
                let outcome = lockout(&mut state.failures, &mut state.locked_until, pin_ok, now);
                if let PinCheck::Locked(_) = outcome {
                    return Ok(outcome);
                }
                if !was_locked && state.locked_until.is_some_and(|u| u > now) {
                    Trail::open(txn)?.append(
                        NewEntry::new(actor.clone(), "asn_locked")
                            .at(now)
                            .office(&office)
                            .detail(format!(
                                "{MAX_PASSWORD_FAILS} wrong PINs in a row at the collector's \
                                     sign-in: locked for {LOCK_MINUTES} minutes"
                            )),
                    )?;
                }
                logins.insert(nip.as_str(), encode(&state)?.as_slice())?;
                Ok(outcome)
            })
        })
        .await
    }

    /// Stores an ASN page session under its token's hash.
    pub async fn create_asn_session(
        &self,
        hash: [u8; 32],
        session: AsnSession,
    ) -> Result<(), StoreError> {
        self.put_session(ASN_SESSIONS, hash, session).await
    }

    /// The live ASN session under `hash` at `now`.
    pub async fn asn_session(
        &self,
        hash: [u8; 32],
        now: Timestamp,
    ) -> Result<Option<AsnSession>, StoreError> {
        let found: Option<AsnSession> = self.session(ASN_SESSIONS, "asn session", hash).await?;
        Ok(found.filter(|s| s.expires_at > now))
    }

    /// Ends an ASN session.
    pub async fn end_asn_session(&self, hash: [u8; 32]) -> Result<(), StoreError> {
        self.end_session(ASN_SESSIONS, hash).await
    }

    async fn put_session<T: Serialize + Send + 'static>(
        &self,
        table: TableDefinition<'static, &'static [u8], &'static [u8]>,
        hash: [u8; 32],
        session: T,
    ) -> Result<(), StoreError> {
        self.run(move |db| {
            let bytes = encode(&session)?;
            write(db, |txn| {
                txn.open_table(table)?
                    .insert(hash.as_slice(), bytes.as_slice())?;
                Ok(())
            })
        })
        .await
    }

    async fn session<T: DeserializeOwned + Send + 'static>(
        &self,
        table: TableDefinition<'static, &'static [u8], &'static [u8]>,
        what: &'static str,
        hash: [u8; 32],
    ) -> Result<Option<T>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read()?;
            let sessions = match txn.open_table(table) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let found = sessions.get(hash.as_slice())?;
            found.map(|v| decode(what, v.value())).transpose()
        })
        .await
    }

    async fn end_session(
        &self,
        table: TableDefinition<'static, &'static [u8], &'static [u8]>,
        hash: [u8; 32],
    ) -> Result<(), StoreError> {
        self.run(move |db| {
            write(db, |txn| {
                txn.open_table(table)?.remove(hash.as_slice())?;
                Ok(())
            })
        })
        .await
    }

    /// The key of [`shared::secret::asn_ref`].
    pub async fn asn_ref_key(&self) -> Result<Vec<u8>, StoreError> {
        self.run(|db| {
            let txn = db.begin_read()?;
            let meta = txn.open_table(META)?;
            let key = meta.get(META_ASN_REF_KEY)?;
            key.map(|k| k.value().to_vec())
                .ok_or_else(|| StoreError::Corrupt {
                    what: "asn_ref key",
                    detail: "missing".into(),
                })
        })
        .await
    }

    /// The NIP an opaque reference stands for.
    pub async fn nip_of_ref(&self, asn_ref: String) -> Result<Option<Nip>, StoreError> {
        self.run(move |db| {
            let txn = db.begin_read()?;
            let refs = txn.open_table(ASN_REFS)?;
            let found = refs.get(asn_ref.as_str())?;
            Ok(found.and_then(|v| Nip::parse(v.value()).ok()))
        })
        .await
    }

    // ------------------------------------------------------------ QR ratings

    /// Records a citizen's QR rating unless its ticket already has a rating
    /// (from the tablet or a phone). It goes through the ingest writer like
    /// every rating, so the check and the insert are one transaction and of
    /// two concurrent ratings of a ticket exactly one is recorded; a rating
    /// that arrives before the kiosk's batch with its ticket waits as pending.
    pub async fn record_qr_rating(&self, new: NewQrRating) -> Result<RatingId, QrRatingError> {
        let record = QrRatingRecord::from(new);
        let outcome = self
            .ingest
            .qr_rating(crate::ingest::QrJob {
                kiosk: record.kiosk_id,
                office: record.office_id,
                rating: record.rating,
            })
            .await
            .map_err(StoreError::from)?;
        match outcome {
            crate::ingest::QrOutcome::Accepted(id) => Ok(id),
            crate::ingest::QrOutcome::AlreadyRated(earlier) => {
                Err(QrRatingError::AlreadyRated(earlier))
            }
        }
    }

    /// Every rating recorded for a ticket of `office` (any status), earliest
    /// submitted first.
    pub async fn ratings_of_ticket(
        &self,
        office: OfficeId,
        ticket_id: TicketId,
    ) -> Result<Vec<crate::ingest::RatingRec>, StoreError> {
        self.run(move |db| Ok(crate::ingest::ratings_of_ticket(db, &office, ticket_id)?))
            .await
    }

    /// The rating that stands for a ticket of `office`: the one that counts,
    /// else the first waiting for the ticket's service record (never a
    /// duplicate or a flagged one).
    pub async fn standing_rating(
        &self,
        office: OfficeId,
        ticket_id: TicketId,
    ) -> Result<Option<crate::ingest::RatingRec>, StoreError> {
        use crate::ingest::RatingStatus;
        let all = self.ratings_of_ticket(office, ticket_id).await?;
        Ok(all
            .iter()
            .find(|r| matches!(r.status, RatingStatus::Counted { .. }))
            .or_else(|| all.iter().find(|r| r.status == RatingStatus::Pending))
            .cloned())
    }

    /// Whether the ingest writer answers (`/healthz`).
    pub async fn ingest_alive(&self) -> bool {
        self.ingest.ping().await
    }

    /// The ingest writer (batches from kiosks).
    pub fn ingest(&self) -> &crate::ingest::Ingest {
        &self.ingest
    }

    /// The database, for reports (read transactions only).
    pub fn database(&self) -> Arc<Database> {
        Arc::clone(&self.db)
    }

    /// Runs a read-only closure on the blocking pool.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(f).await
    }

    // ------------------------------------------------------------ metrics

    /// Sizes of the registry, without scanning (table lengths and counters).
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        self.run(|db| {
            let txn = db.begin_read()?;
            let counts = txn.open_table(COUNTS)?;
            let count = |name: &str| -> Result<u64, StoreError> {
                Ok(counts.get(name)?.map(|v| v.value()).unwrap_or(0))
            };
            let roster_active = count(COUNT_ROSTER_ACTIVE)?;
            Ok(Counts {
                offices: txn.open_table(OFFICES)?.len()?,
                kiosks: txn.open_table(KIOSKS)?.len()?,
                roster_active,
                qr_ratings: count(crate::ingest::COUNT_QR_RATINGS)?,
                events_applied: count(crate::ingest::COUNT_EVENTS)?,
                ratings: count(crate::ingest::COUNT_RATINGS)?,
            })
        })
        .await
    }
}

/// The body of [`Store::import_roster`], inside its write transaction.
fn import_rows(
    txn: &WriteTransaction,
    rows: &[StaffRow],
    now: Timestamp,
) -> Result<u64, StoreError> {
    let offices = txn.open_table(OFFICES)?;
    let mut roster = txn.open_table(ROSTER)?;
    let mut by_nip = txn.open_table(ROSTER_BY_NIP)?;
    let mut counts = txn.open_table(COUNTS)?;
    let mut active = counts
        .get(COUNT_ROSTER_ACTIVE)?
        .map(|v| v.value())
        .unwrap_or(0);
    let mut known_offices = BTreeSet::new();
    let mut refs = txn.open_table(ASN_REFS)?;
    let ref_key = txn
        .open_table(META)?
        .get(META_ASN_REF_KEY)?
        .map(|k| k.value().to_vec())
        .unwrap_or_default();
    for row in rows {
        if !known_offices.contains(&row.office_id) {
            if offices.get(row.office_id.as_str())?.is_none() {
                return Err(StoreError::UnknownOffice(row.office_id.clone()));
            }
            known_offices.insert(row.office_id.clone());
        }
        let nip = row.nip.as_str();
        let previous_office = by_nip.get(nip)?.map(|v| v.value().to_owned());
        if let Some(previous_office) = previous_office {
            // Remove the old row wherever it was, so an ASN moved to another
            // office is listed there only.
            let old = roster.remove((previous_office.as_str(), nip))?;
            if let Some(old) = old {
                let old: StaffRecord = decode("roster", old.value())?;
                if old.active {
                    active = active.saturating_sub(1);
                }
            }
        }
        let record = StaffRecord {
            name: row.name.clone(),
            pin_hash: row.pin_hash.clone(),
            active: row.active,
            updated_at: now,
        };
        roster.insert((row.office_id.as_str(), nip), encode(&record)?.as_slice())?;
        by_nip.insert(nip, row.office_id.as_str())?;
        refs.insert(shared::secret::asn_ref(&ref_key, &row.nip).as_str(), nip)?;
        if row.active {
            active += 1;
        }
    }
    counts.insert(COUNT_ROSTER_ACTIVE, active)?;
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store in its own temporary directory (kept alive by the guard).
    async fn temp_store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("collector.redb"))
            .await
            .unwrap();
        (store, dir)
    }

    fn office(id: &str) -> Office {
        crate::test_support::office_record(id)
    }

    fn row(nip: &str, office: &str, active: bool) -> StaffRow {
        StaffRow {
            nip: Nip::parse(nip).unwrap(),
            office_id: OfficeId::parse(office).unwrap(),
            name: format!("ASN {nip}"),
            pin_hash: "$argon2id$fake".into(),
            active,
        }
    }

    #[tokio::test]
    async fn an_office_is_stored_and_read_back_and_a_second_put_replaces_it() {
        let (store, _dir) = temp_store().await;
        assert!(store.put_office(office("kupang")).await.unwrap());
        let mut renamed = office("kupang");
        renamed.name = "Dukcapil Kupang".into();
        assert!(!store.put_office(renamed.clone()).await.unwrap());
        let back = store
            .office(OfficeId::parse("kupang").unwrap())
            .await
            .unwrap();
        assert_eq!(back, Some(renamed));
        assert_eq!(store.counts().await.unwrap().offices, 1);
    }

    #[tokio::test]
    async fn a_kiosk_of_an_unknown_office_is_refused_and_nothing_is_written() {
        let (store, _dir) = temp_store().await;
        let kiosk = KioskRecord {
            kiosk_id: KioskId(uuid::Uuid::now_v7()),
            office_id: OfficeId::parse("nowhere").unwrap(),
            key: "k".into(),
            created_at: Timestamp::now(),
            disabled_at: None,
            key_rotated_at: None,
        };
        let err = store.insert_kiosk(kiosk.clone()).await.unwrap_err();
        assert!(matches!(err, StoreError::UnknownOffice(_)));
        assert_eq!(store.kiosk(kiosk.kiosk_id).await.unwrap(), None);
        assert_eq!(store.counts().await.unwrap().kiosks, 0);
    }

    #[tokio::test]
    async fn a_roster_row_moved_to_another_office_leaves_the_old_office() {
        let (store, _dir) = temp_store().await;
        store.put_office(office("alak")).await.unwrap();
        store.put_office(office("walesi")).await.unwrap();
        let nip = "196608011988031001";
        store
            .import_roster(vec![
                row(nip, "alak", true),
                row("198503122021212004", "alak", true),
            ])
            .await
            .unwrap();
        store
            .import_roster(vec![row(nip, "walesi", true)])
            .await
            .unwrap();

        let alak = store
            .office_with_roster(OfficeId::parse("alak").unwrap())
            .await
            .unwrap();
        let (_, alak_roster) = alak.unwrap();
        assert_eq!(
            alak_roster.len(),
            1,
            "the other ASN stays, the moved one leaves"
        );
        assert_eq!(alak_roster[0].nip.as_str(), "198503122021212004");
        let walesi = store
            .office_with_roster(OfficeId::parse("walesi").unwrap())
            .await
            .unwrap();
        assert_eq!(walesi.unwrap().1[0].nip.as_str(), nip);
        let (office_id, _) = store
            .staff(Nip::parse(nip).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(office_id.as_str(), "walesi");
        assert_eq!(store.counts().await.unwrap().roster_active, 2);
    }

    #[tokio::test]
    async fn deactivating_a_row_lowers_the_active_count_and_keeps_the_row() {
        let (store, _dir) = temp_store().await;
        store.put_office(office("alak")).await.unwrap();
        let nip = "196608011988031001";
        store
            .import_roster(vec![row(nip, "alak", true)])
            .await
            .unwrap();
        assert_eq!(store.counts().await.unwrap().roster_active, 1);
        store
            .import_roster(vec![row(nip, "alak", false)])
            .await
            .unwrap();
        assert_eq!(store.counts().await.unwrap().roster_active, 0);
        let (_, staff) = store
            .staff(Nip::parse(nip).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(!staff.active);
    }

    #[tokio::test]
    async fn a_roster_import_with_an_unknown_office_writes_nothing() {
        let (store, _dir) = temp_store().await;
        store.put_office(office("alak")).await.unwrap();
        let rows = vec![
            row("196608011988031001", "alak", true),
            row("198503122021212004", "x", true),
        ];
        assert!(matches!(
            store.import_roster(rows).await.unwrap_err(),
            StoreError::UnknownOffice(_)
        ));
        assert_eq!(
            store
                .staff(Nip::parse("196608011988031001").unwrap())
                .await
                .unwrap(),
            None
        );
        assert_eq!(store.counts().await.unwrap().roster_active, 0);
    }

    #[tokio::test]
    async fn the_roster_of_one_office_does_not_include_an_office_whose_id_extends_it() {
        let (store, _dir) = temp_store().await;
        store.put_office(office("a")).await.unwrap();
        store.put_office(office("a-1")).await.unwrap();
        store.put_office(office("b")).await.unwrap();
        store
            .import_roster(vec![
                row("196608011988031001", "a", true),
                row("198503122021212004", "a-1", true),
                row("197202291998031001", "b", true),
            ])
            .await
            .unwrap();
        let (_, roster) = store
            .office_with_roster(OfficeId::parse("a").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(roster.len(), 1);
        assert_eq!(roster[0].nip.as_str(), "196608011988031001");
    }

    fn token(role: Role, expires_at: Timestamp) -> TokenRecord {
        TokenRecord {
            token_id: uuid::Uuid::now_v7(),
            role,
            created_at: Timestamp::now(),
            expires_at,
        }
    }

    #[tokio::test]
    async fn tokens_are_found_by_hash_and_head_tokens_need_a_known_office() {
        let (store, _dir) = temp_store().await;
        let now = Timestamp::now();
        let later = now + jiff::SignedDuration::from_hours(1);
        store
            .insert_token([1; 32], token(Role::Hr, later))
            .await
            .unwrap();
        assert_eq!(
            store
                .token_role([1; 32], now)
                .await
                .unwrap()
                .map(|t| t.role),
            Ok(Role::Hr)
        );
        assert_eq!(
            store.token_role([2; 32], now).await.unwrap(),
            Err(TokenCheck::Unknown)
        );
        let head = Role::Head {
            office_id: OfficeId::parse("nowhere").unwrap(),
        };
        assert!(matches!(
            store
                .insert_token([3; 32], token(head, later))
                .await
                .unwrap_err(),
            StoreError::UnknownOffice(_)
        ));
        assert_eq!(
            store.token_role([3; 32], now).await.unwrap(),
            Err(TokenCheck::Unknown)
        );
    }

    #[tokio::test]
    async fn a_token_is_refused_from_its_expiry_and_after_revocation() {
        let (store, _dir) = temp_store().await;
        let now = Timestamp::now();
        let expires = now + jiff::SignedDuration::from_hours(24);
        let t = token(Role::Hr, expires);
        store.insert_token([1; 32], t.clone()).await.unwrap();
        assert!(
            store
                .token_role([1; 32], expires - jiff::SignedDuration::from_secs(1))
                .await
                .unwrap()
                .is_ok()
        );
        assert_eq!(
            store.token_role([1; 32], expires).await.unwrap(),
            Err(TokenCheck::Expired)
        );
        assert!(store.revoke_token(t.token_id).await.unwrap());
        assert_eq!(
            store.token_role([1; 32], now).await.unwrap(),
            Err(TokenCheck::Unknown)
        );
        assert!(
            !store.revoke_token(t.token_id).await.unwrap(),
            "gone already"
        );
    }

    #[tokio::test]
    async fn a_layout_2_file_is_moved_to_compact_day_and_month_rollups_with_the_same_figures() {
        use crate::reports::{People, Period, asn_rows, office_row};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("collector.redb");
        let old_office: TableDefinition<(&str, &str, &str), &[u8]> =
            TableDefinition::new("rollup_office_day");
        let old_nip: TableDefinition<(&str, &str, &str, &str), &[u8]> =
            TableDefinition::new("rollup_nip_day");
        let json = |served: u64, s4: u64| {
            serde_json::json!({
                "served": served, "issued": served, "scores": [0, 0, 1, s4],
                "wait": {"30": served}, "hour_visits": [0,0,0,0,0,0,0,0,served,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]
            })
            .to_string()
        };
        let nip = "198503142010012001";
        {
            let db = Database::create(&path).unwrap();
            let w = db.begin_write().unwrap();
            w.open_table(META)
                .unwrap()
                .insert(META_SCHEMA, 2u32.to_be_bytes().as_slice())
                .unwrap();
            let mut t = w.open_table(old_office).unwrap();
            for (day, served) in [("2026-06-30", 2), ("2026-07-01", 3), ("2026-08-15", 4)] {
                t.insert(("alak", day, "KTP"), json(served, served).as_bytes())
                    .unwrap();
            }
            drop(t);
            let mut t = w.open_table(old_nip).unwrap();
            for (day, served) in [("2026-07-01", 3), ("2026-08-15", 4)] {
                t.insert(("alak", nip, day, "KTP"), json(served, served).as_bytes())
                    .unwrap();
            }
            drop(t);
            w.commit().unwrap();
        }
        let store = Store::open(&path).await.unwrap();
        let db = store.database();
        assert_eq!(crate::layout::verify(&db).unwrap(), Vec::<String>::new());
        let p = Period {
            from: "2026-07-01".parse().unwrap(),
            to: "2026-12-31".parse().unwrap(),
        };
        let row = office_row(&db, &office("alak"), p).unwrap();
        assert_eq!(row.figures.services, 7);
        assert_eq!(row.figures.ratings, 2 + 7);
        assert_eq!(row.figures.wait_p50_s, Some(30));
        assert_eq!(row.previous.services, 2, "June is the previous semester");
        let asn = asn_rows(
            &db,
            &office("alak").id,
            &People::default(),
            p,
            Default::default(),
        )
        .unwrap();
        assert_eq!(asn.len(), 1);
        assert_eq!(asn[0].figures.services, 7);
        let r = db.begin_read().unwrap();
        assert!(r.open_table(old_office).is_err(), "the old table is gone");
        assert!(r.open_table(old_nip).is_err(), "the old table is gone");
        drop(r);
        drop(db);
        drop(store);
        // Opening again changes nothing.
        let store = Store::open(&path).await.unwrap();
        let again = office_row(&store.database(), &office("alak"), p).unwrap();
        assert_eq!(again.figures.services, 7);
    }

    #[tokio::test]
    async fn a_file_of_another_layout_version_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("collector.redb");
        {
            let db = Database::create(&path).unwrap();
            let w = db.begin_write().unwrap();
            w.open_table(META)
                .unwrap()
                .insert(META_SCHEMA, 1u32.to_be_bytes().as_slice())
                .unwrap();
            w.commit().unwrap();
        }
        let err = Store::open(&path).await.unwrap_err();
        assert!(matches!(err, StoreError::Schema { found: 1, .. }), "{err}");
        assert!(err.to_string().contains("fresh --data directory"));
    }

    fn qr_rating(office_id: &str, ticket_id: TicketId, score: i64) -> NewQrRating {
        NewQrRating {
            rating_id: RatingId(uuid::Uuid::now_v7()),
            kiosk_id: KioskId(uuid::Uuid::now_v7()),
            office_id: OfficeId::parse(office_id).unwrap(),
            ticket_id,
            score: Score::new(score).unwrap(),
            answers: Some(SkmAnswers::new(&[4; 9]).unwrap()),
            comment: Comment::new("<b>cepat</b>").unwrap(),
            submitted_at: Timestamp::now(),
        }
    }

    #[tokio::test]
    async fn a_qr_rating_is_stored_by_ticket_as_a_qr_rating_event_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("collector.redb");
        let ticket_id = TicketId(uuid::Uuid::now_v7());
        let new = qr_rating("alak", ticket_id, 3);
        {
            let store = Store::open(&path).await.unwrap();
            assert_eq!(
                store.record_qr_rating(new.clone()).await.unwrap(),
                new.rating_id
            );
        }
        let store = Store::open(&path).await.unwrap();
        let alak = OfficeId::parse("alak").unwrap();
        let stored = store
            .standing_rating(alak.clone(), ticket_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.event, QrRatingRecord::from(new.clone()).rating);
        assert_eq!(stored.kiosk, new.kiosk_id);
        assert_eq!(stored.office.as_str(), "alak");
        assert_eq!(stored.event.ticket_id, Some(ticket_id));
        assert_eq!(stored.event.channel, Channel::Qr);
        assert_eq!(stored.event.nip, None);
        assert_eq!(stored.event.comment.unwrap().as_str(), "<b>cepat</b>");
        assert_eq!(
            store
                .standing_rating(alak.clone(), TicketId(uuid::Uuid::now_v7()))
                .await
                .unwrap()
                .map(|r| r.event.rating_id),
            None
        );
        assert!(
            store
                .standing_rating(OfficeId::parse("walesi").unwrap(), ticket_id)
                .await
                .unwrap()
                .is_none(),
            "tickets are scoped by office"
        );
        assert_eq!(store.counts().await.unwrap().qr_ratings, 1);
    }

    #[tokio::test]
    async fn a_second_qr_rating_of_a_ticket_is_refused_and_the_first_is_kept() {
        let (store, _dir) = temp_store().await;
        let ticket_id = TicketId(uuid::Uuid::now_v7());
        let first = qr_rating("alak", ticket_id, 1);
        store.record_qr_rating(first.clone()).await.unwrap();
        let err = store
            .record_qr_rating(qr_rating("alak", ticket_id, 4))
            .await
            .unwrap_err();
        assert!(
            matches!(err, QrRatingError::AlreadyRated(id) if id == first.rating_id),
            "{err:?}"
        );
        let stored = store
            .standing_rating(OfficeId::parse("alak").unwrap(), ticket_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.event.score.get(), 1);
        assert_eq!(store.counts().await.unwrap().qr_ratings, 1);
    }

    #[tokio::test]
    async fn of_concurrent_qr_ratings_of_one_ticket_exactly_one_is_stored() {
        let (store, _dir) = temp_store().await;
        let ticket_id = TicketId(uuid::Uuid::now_v7());
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .record_qr_rating(qr_rating("alak", ticket_id, 1 + i % 4))
                        .await
                })
            })
            .collect();
        let mut stored = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(id) => stored.push(id),
                Err(QrRatingError::AlreadyRated(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(stored.len(), 1);
        let kept = store
            .standing_rating(OfficeId::parse("alak").unwrap(), ticket_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.event.rating_id, stored[0]);
    }

    #[tokio::test]
    async fn the_registry_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("collector.redb");
        {
            let store = Store::open(&path).await.unwrap();
            store.put_office(office("alak")).await.unwrap();
            store.set_admin_token_hash([7; 32]).await.unwrap();
        }
        let store = Store::open(&path).await.unwrap();
        assert!(
            store
                .office(OfficeId::parse("alak").unwrap())
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(store.admin_token_hash().await.unwrap(), Some([7; 32]));
        store.check().await.unwrap();
    }
}
