//! The audit trail: every reply, review, follow-up change, flag and account
//! change, appended in the same write transaction as the change itself and
//! never edited or removed (no code path writes an existing key; no route
//! deletes). Entries are chained: each one's hash covers the previous hash
//! and its own fields, so an entry edited or removed behind the collector's
//! back (a hand-edited file) shows as a broken chain in `GET /api/v1/audit`.

use jiff::Timestamp;
use jiff::civil::Date;
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition, WriteTransaction};
use serde::Serialize;
use sha2::{Digest, Sha256};
use shared::review::AuditEntry;
use shared::{OfficeId, RatingId};

/// Sequence number -> [`AuditEntry`] (JSON).
pub(crate) const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
/// (office id, sequence number): a head reads their office's entries as one
/// range.
pub(crate) const AUDIT_BY_OFFICE: TableDefinition<(&str, u64), ()> =
    TableDefinition::new("audit_by_office");

/// An audit failure (storage or encoding): the change it belongs to fails
/// with it, so there is never a change without its entry.
#[derive(Debug, Clone, thiserror::Error)]
#[error("audit trail: {0}")]
pub struct AuditError(pub String);

macro_rules! audit_from {
    ($($t:ty),*) => {$(
        impl From<$t> for AuditError {
            fn from(e: $t) -> AuditError {
                AuditError(e.to_string())
            }
        }
    )*};
}
audit_from!(
    redb::Error,
    redb::TableError,
    redb::StorageError,
    redb::TransactionError,
    serde_json::Error
);

/// What happened, before it gets its place and hash.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// What.
    pub action: &'static str,
    /// The office concerned.
    pub office_id: Option<OfficeId>,
    /// The rating concerned.
    pub rating_id: Option<RatingId>,
    /// Anything else.
    pub detail: Option<String>,
}

impl NewEntry {
    /// An entry at `now` with no office, rating or detail.
    pub fn new(actor: impl Into<String>, action: &'static str) -> NewEntry {
        NewEntry {
            at: Timestamp::now(),
            actor: actor.into(),
            action,
            office_id: None,
            rating_id: None,
            detail: None,
        }
    }

    /// For an office.
    pub fn office(mut self, id: &OfficeId) -> NewEntry {
        self.office_id = Some(id.clone());
        self
    }

    /// About a rating.
    pub fn rating(mut self, id: RatingId) -> NewEntry {
        self.rating_id = Some(id);
        self
    }

    /// With a detail.
    pub fn detail(mut self, d: impl Into<String>) -> NewEntry {
        self.detail = Some(d.into());
        self
    }

    /// At a given time.
    pub fn at(mut self, at: Timestamp) -> NewEntry {
        self.at = at;
        self
    }
}

/// The fields a hash covers (everything but the hash).
#[derive(Serialize)]
struct Hashed<'a> {
    prev: &'a str,
    seq: u64,
    at: Timestamp,
    actor: &'a str,
    action: &'a str,
    office_id: Option<&'a str>,
    rating_id: Option<RatingId>,
    detail: Option<&'a str>,
}

fn hash_of(prev: &str, e: &AuditEntry) -> Result<String, AuditError> {
    let fields = Hashed {
        prev,
        seq: e.seq,
        at: e.at,
        actor: &e.actor,
        action: &e.action,
        office_id: e.office_id.as_deref(),
        rating_id: e.rating_id,
        detail: e.detail.as_deref(),
    };
    Ok(hex::encode(Sha256::digest(serde_json::to_vec(&fields)?)))
}

/// The trail's tables, open in one write transaction.
pub struct Trail<'t> {
    entries: Table<'t, u64, &'static [u8]>,
    by_office: Table<'t, (&'static str, u64), ()>,
    last: Option<(u64, String)>,
}

impl<'t> Trail<'t> {
    /// Opens the trail in `txn` (creating its tables on first use).
    pub fn open(txn: &'t WriteTransaction) -> Result<Trail<'t>, AuditError> {
        let entries = txn.open_table(AUDIT)?;
        let by_office = txn.open_table(AUDIT_BY_OFFICE)?;
        Ok(Trail {
            entries,
            by_office,
            last: None,
        })
    }

    /// Appends an entry after the last one; answers its sequence number.
    pub fn append(&mut self, e: NewEntry) -> Result<u64, AuditError> {
        let (last_seq, prev) = match self.last.take() {
            Some(l) => l,
            None => match self.entries.last()? {
                Some((k, v)) => {
                    let entry: AuditEntry = serde_json::from_slice(v.value())?;
                    (k.value(), entry.hash)
                }
                None => (0, String::new()),
            },
        };
        let mut entry = AuditEntry {
            seq: last_seq + 1,
            at: e.at,
            actor: e.actor,
            action: e.action.to_owned(),
            office_id: e.office_id.map(|o| o.to_string()),
            rating_id: e.rating_id,
            detail: e.detail,
            hash: String::new(),
        };
        entry.hash = hash_of(&prev, &entry)?;
        self.entries
            .insert(entry.seq, serde_json::to_vec(&entry)?.as_slice())?;
        if let Some(o) = &entry.office_id {
            self.by_office.insert((o.as_str(), entry.seq), ())?;
        }
        self.last = Some((entry.seq, entry.hash));
        Ok(last_seq + 1)
    }
}

/// Which entries to read.
pub struct Filter<'a> {
    /// One office's only (a head's view), or all.
    pub office: Option<&'a OfficeId>,
    /// From this day (office-local; WIB for entries without an office).
    pub from: Option<Date>,
    /// To this day, inclusive.
    pub to: Option<Date>,
}

/// Entries matching `f`, oldest first, and whether the whole chain checks out.
pub fn list(
    db: &Database,
    f: &Filter<'_>,
    day_of: impl Fn(&AuditEntry) -> Date,
) -> Result<(Vec<AuditEntry>, bool), AuditError> {
    let txn = db.begin_read()?;
    let entries = match txn.open_table(AUDIT) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok((Vec::new(), true)),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    let mut prev = String::new();
    let mut chain_ok = true;
    let mut expected = 1;
    for row in entries.iter()? {
        let (k, v) = row?;
        let e: AuditEntry = serde_json::from_slice(v.value())?;
        if k.value() != expected || e.seq != expected || hash_of(&prev, &e)? != e.hash {
            chain_ok = false;
        }
        expected = k.value() + 1;
        prev = e.hash.clone();
        let office_ok = f
            .office
            .is_none_or(|o| e.office_id.as_deref() == Some(o.as_str()));
        if office_ok {
            let day = day_of(&e);
            if f.from.is_none_or(|d| day >= d) && f.to.is_none_or(|d| day <= d) {
                out.push(e);
            }
        }
    }
    Ok((out, chain_ok))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("a.redb")).unwrap();
        (dir, db)
    }

    fn add(db: &Database, e: NewEntry) {
        let w = db.begin_write().unwrap();
        Trail::open(&w).unwrap().append(e).unwrap();
        w.commit().unwrap();
    }

    fn all(db: &Database) -> (Vec<AuditEntry>, bool) {
        let f = Filter {
            office: None,
            from: None,
            to: None,
        };
        list(db, &f, |e| e.at.to_zoned(jiff::tz::TimeZone::UTC).date()).unwrap()
    }

    #[test]
    fn entries_append_in_order_with_a_chain_that_checks_out() {
        let (_d, db) = db();
        let pauh = OfficeId::parse("pauh").unwrap();
        add(
            &db,
            NewEntry::new("admin", "user_created").detail("hr.pusat"),
        );
        add(
            &db,
            NewEntry::new("kepala.pauh", "review_keep").office(&pauh),
        );
        let (entries, ok) = all(&db);
        assert!(ok);
        assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
        let f = Filter {
            office: Some(&pauh),
            from: None,
            to: None,
        };
        let (mine, _) = list(&db, &f, |e| e.at.to_zoned(jiff::tz::TimeZone::UTC).date()).unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].actor, "kepala.pauh");
    }

    #[test]
    fn an_entry_edited_or_removed_behind_the_collectors_back_breaks_the_chain() {
        let (_d, db) = db();
        for i in 0..3 {
            add(
                &db,
                NewEntry::new("admin", "token_issued").detail(format!("{i}")),
            );
        }
        // Edit the middle entry's detail in place.
        let w = db.begin_write().unwrap();
        {
            let mut t = w.open_table(AUDIT).unwrap();
            let mut e: AuditEntry =
                serde_json::from_slice(t.get(2).unwrap().unwrap().value()).unwrap();
            e.detail = Some("changed".into());
            t.insert(2, serde_json::to_vec(&e).unwrap().as_slice())
                .unwrap();
        }
        w.commit().unwrap();
        assert!(!all(&db).1, "an edit shows");
        let (_d2, db2) = self::db();
        let db = db2;
        for _ in 0..3 {
            add(&db, NewEntry::new("admin", "token_issued"));
        }
        let w = db.begin_write().unwrap();
        w.open_table(AUDIT).unwrap().remove(2).unwrap();
        w.commit().unwrap();
        assert!(!all(&db).1, "a removal shows");
    }
}
