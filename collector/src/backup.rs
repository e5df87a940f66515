//! The collector's online backup: every table of its database, copied from
//! one read transaction (see `httpkit::backup`). `GET /api/v1/backup`
//! (admin) streams the copy; `collector backup --to FILE` fetches it from the
//! running server, or copies a stopped server's file.

use httpkit::backup::{BackupError, BackupTables};

/// Copies every table of the collector's database. A table added to the
/// collector must be added here: a backup of a file holding a table not
/// listed fails (see `httpkit::backup::snapshot`).
pub fn tables(t: &mut BackupTables<'_>) -> Result<(), BackupError> {
    use crate::audit::{AUDIT, AUDIT_BY_OFFICE};
    use crate::ingest::{
        COUNTERS, EVENTS, FOLLOWUPS, INSTANCES, MARKS, NIP_RATINGS, OFFICE_SEEN, PENDING, RATINGS,
        RATINGS_BY_TICKET, TICKETS,
    };
    use crate::layout::{ASN_DAY, ASN_MONTH, OFFICE_DAY, OFFICE_MONTH};
    use crate::store::{
        ASN_LOGINS, ASN_REFS, ASN_SESSIONS, COUNTS, KIOSKS, META, OFFICES, ROSTER, ROSTER_BY_NIP,
        TOKEN_IDS, TOKENS, USERS, WEB_SESSIONS,
    };
    t.copy(META)?
        .copy(COUNTS)?
        .copy(OFFICES)?
        .copy(KIOSKS)?
        .copy(ROSTER)?
        .copy(ROSTER_BY_NIP)?
        .copy(TOKENS)?
        .copy(TOKEN_IDS)?
        .copy(USERS)?
        .copy(WEB_SESSIONS)?
        .copy(ASN_REFS)?
        .copy(ASN_SESSIONS)?
        .copy(ASN_LOGINS)?
        .copy(MARKS)?
        .copy(INSTANCES)?
        .copy(EVENTS)?
        .copy(TICKETS)?
        .copy(RATINGS)?
        .copy(PENDING)?
        .copy(OFFICE_DAY)?
        .copy(OFFICE_MONTH)?
        .copy(ASN_DAY)?
        .copy(ASN_MONTH)?
        .copy(RATINGS_BY_TICKET)?
        .copy(NIP_RATINGS)?
        .copy(COUNTERS)?
        .copy(OFFICE_SEEN)?
        .copy(FOLLOWUPS)?
        .copy(crate::export::EVENT_DAYS)?
        .copy(AUDIT)?
        .copy(AUDIT_BY_OFFICE)?;
    Ok(())
}
