//! The kiosk's online backup: every table of its database, copied from one
//! read transaction (see `httpkit::backup`). `GET /api/backup` (operator
//! token) streams the copy; `kiosk backup --to FILE` fetches it from the
//! running kiosk, or copies a stopped kiosk's file.

use httpkit::backup::{BackupError, BackupTables};

/// Copies every table of the kiosk's database. A table added to the kiosk
/// must be added here: a backup of a file holding a table not listed fails.
pub fn tables(t: &mut BackupTables<'_>) -> Result<(), BackupError> {
    use crate::store::{
        DAY_SEQ, EVENTS, META, OPEN_TICKETS, PAIR_CODES, PIN_FAILS, RATINGS, SESSIONS, TABLETS,
        TICKETS,
    };
    t.copy(META)?
        .copy(EVENTS)?
        .copy(TICKETS)?
        .copy(OPEN_TICKETS)?
        .copy(RATINGS)?
        .copy(SESSIONS)?
        .copy(PIN_FAILS)?
        .copy(DAY_SEQ)?
        .copy(TABLETS)?
        .copy(PAIR_CODES)?;
    Ok(())
}
