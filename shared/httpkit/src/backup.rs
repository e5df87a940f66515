//! Online backups, the same for both servers: one read transaction of the
//! live database (a consistent snapshot: redb never changes what a read
//! transaction sees) copied table by table into a fresh redb file, which is
//! then streamed to the caller. Writers go on meanwhile; nothing stops.
//!
//! Each server lists its own tables (it knows their types, redb needs them);
//! [`BackupTables`] checks that the list covers every table in the file, so
//! a table added later without its line here fails the backup loudly rather
//! than being left out of it silently.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ApiError;
use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Bytes;
use redb::{
    Database, Key, ReadTransaction, ReadableDatabase, TableDefinition, TableError, TableHandle,
    Value, WriteTransaction,
};

/// Why a backup failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// redb failed.
    #[error("database: {0}")]
    Db(#[from] redb::Error),
    /// The file could not be written or read.
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    /// The database holds a table this server does not list for backups.
    #[error("table {0} is not in the backup's list of tables: add it there")]
    UnknownTable(String),
}

macro_rules! backup_from {
    ($($t:ty),*) => {$(
        impl From<$t> for BackupError {
            fn from(e: $t) -> BackupError {
                BackupError::Db(e.into())
            }
        }
    )*};
}
backup_from!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// The copy in progress: the snapshot, the new file's transaction, and the
/// names of the tables copied so far.
pub struct BackupTables<'a> {
    from: &'a ReadTransaction,
    to: &'a WriteTransaction,
    copied: Vec<String>,
    rows: u64,
}

impl BackupTables<'_> {
    /// Copies one table (absent in the snapshot: nothing to copy).
    pub fn copy<K: Key + 'static, V: Value + 'static>(
        &mut self,
        def: TableDefinition<K, V>,
    ) -> Result<&mut Self, BackupError> {
        self.copied.push(def.name().to_owned());
        let src = match self.from.open_table(def) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(self),
            Err(e) => return Err(e.into()),
        };
        let mut dst = self.to.open_table(def)?;
        for row in redb::ReadableTable::iter(&src)? {
            let (k, v) = row?;
            dst.insert(k.value(), v.value())?;
            self.rows += 1;
        }
        Ok(self)
    }
}

/// Copies a snapshot of `db` into a new redb file at `dest` with `tables`
/// (which calls [`BackupTables::copy`] for each of the server's tables);
/// answers the number of rows copied. Fails, leaving no file, when the
/// database holds a table `tables` did not copy.
pub fn snapshot(
    db: &Database,
    dest: &Path,
    tables: impl FnOnce(&mut BackupTables<'_>) -> Result<(), BackupError>,
) -> Result<u64, BackupError> {
    let from = db.begin_read()?;
    let out = (|| {
        let copy = Database::create(dest)?;
        let to = copy.begin_write()?;
        let rows = {
            let mut t = BackupTables {
                from: &from,
                to: &to,
                copied: Vec::new(),
                rows: 0,
            };
            tables(&mut t)?;
            for h in from.list_tables()? {
                if !t.copied.iter().any(|c| c == h.name()) {
                    return Err(BackupError::UnknownTable(h.name().to_owned()));
                }
            }
            t.rows
        };
        to.commit()?;
        Ok(rows)
    })();
    if out.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    out
}

/// A file removed when the response streaming it is done (or dropped).
struct TempFile(PathBuf, std::fs::File);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The answer of a backup route: the snapshot of `db` written to a temporary
/// file in `dir` (off the async threads), then streamed as
/// `application/octet-stream` with its length; the file is removed after.
pub async fn respond(
    db: Arc<Database>,
    dir: PathBuf,
    name: &'static str,
    tables: fn(&mut BackupTables<'_>) -> Result<(), BackupError>,
) -> Result<HttpResponse, ApiError> {
    let stamp = jiff::Timestamp::now().as_millisecond();
    // Unique per backup, even two in the same millisecond.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!(".backup-{stamp}-{}-{n}.redb", std::process::id()));
    let p = path.clone();
    let rows = actix_web::web::block(move || snapshot(&db, &p, tables))
        .await
        .map_err(ApiError::unexpected)?
        .map_err(|e| {
            tracing::error!(error = %e, "backup failed");
            ApiError::unexpected(e)
        })?;
    let file = std::fs::File::open(&path).map_err(ApiError::unexpected)?;
    let len = file.metadata().map_err(ApiError::unexpected)?.len();
    tracing::info!(rows, bytes = len, "backup taken");
    let temp = TempFile(path, file);
    let body = futures_util::stream::unfold(Some(temp), |state| async move {
        let mut temp = state?;
        let chunk = actix_web::web::block(move || {
            let mut buf = vec![0u8; 256 * 1024];
            let n = temp.1.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((buf, temp))
        })
        .await;
        match chunk {
            Ok(Ok((buf, _))) if buf.is_empty() => None,
            Ok(Ok((buf, temp))) => Some((Ok(Bytes::from(buf)), Some(temp))),
            Ok(Err(e)) => Some((Err(e), None)),
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}-{stamp}.redb\""),
        ))
        .insert_header(("X-Backup-Rows", rows.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .no_chunking(len)
        .streaming(body))
}

/// Downloads a backup from a running server (`url`, with the bearer
/// `token`) into `to`: written to `to` + `.part`, synced, checked to open as
/// a redb file, then renamed into place, so `to` is never a torn copy.
pub async fn download(url: &str, token: &str, to: &Path) -> anyhow::Result<u64> {
    use anyhow::Context;
    let part = to.with_extension("part");
    let res = reqwest::Client::builder()
        .no_proxy()
        .build()?
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("asking {url} for a backup"))?;
    if !res.status().is_success() {
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        anyhow::bail!("{url} answered {status}: {text}");
    }
    let mut file =
        std::fs::File::create(&part).with_context(|| format!("creating {}", part.display()))?;
    let mut res = res;
    let mut bytes = 0u64;
    while let Some(chunk) = res.chunk().await? {
        std::io::Write::write_all(&mut file, &chunk)?;
        bytes += chunk.len() as u64;
    }
    file.sync_all()?;
    drop(file);
    Database::open(&part)
        .with_context(|| format!("the downloaded copy {} does not open", part.display()))?
        .begin_read()?;
    std::fs::rename(&part, to)?;
    Ok(bytes)
}

/// A backup of a database file that no server has open (the server is
/// stopped): the same copy, straight from the file.
pub fn offline(
    src: &Path,
    to: &Path,
    tables: fn(&mut BackupTables<'_>) -> Result<(), BackupError>,
) -> anyhow::Result<u64> {
    use anyhow::Context;
    let db = Database::open(src).map_err(|e| match e {
        redb::DatabaseError::DatabaseAlreadyOpen => anyhow::anyhow!(
            "{} is open in a running server: back it up through the server instead (--url)",
            src.display()
        ),
        other => anyhow::anyhow!("opening {}: {other}", src.display()),
    })?;
    let part = to.with_extension("part");
    let rows = snapshot(&db, &part, tables).context("copying")?;
    std::fs::rename(&part, to)?;
    Ok(rows)
}

/// What a server's `backup` command was asked.
pub struct Command {
    /// "collector" or "kiosk", for the messages.
    pub server: &'static str,
    /// The running server's base URL: back up through it.
    pub url: Option<String>,
    /// The route's bearer token, when given.
    pub token: Option<String>,
    /// Where the server keeps that token when not given.
    pub token_file: PathBuf,
    /// The flag (and variable) that gives the token, for the message.
    pub token_flag: &'static str,
    /// The backup route, e.g. `/api/v1/backup`.
    pub route: &'static str,
    /// The database file, for a stopped server.
    pub db_file: PathBuf,
    /// The file to write.
    pub to: PathBuf,
    /// The server's tables.
    pub tables: fn(&mut BackupTables<'_>) -> Result<(), BackupError>,
}

/// Runs a `backup` command: through the running server when a URL is
/// given, else from the stopped server's file; prints what it wrote.
pub async fn run(c: Command) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    match c.url {
        Some(url) => {
            let token = match c.token {
                Some(t) => t,
                None => std::fs::read_to_string(&c.token_file)
                    .map(|t| t.trim().to_owned())
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "give {}; reading {} failed: {e}",
                            c.token_flag,
                            c.token_file.display()
                        )
                    })?,
            };
            let url = format!("{}{}", url.trim_end_matches('/'), c.route);
            let bytes = download(&url, &token, &c.to).await?;
            println!(
                "backup of the running {} written to {} ({bytes} bytes, {:.1} s)",
                c.server,
                c.to.display(),
                started.elapsed().as_secs_f64()
            );
        }
        None => {
            let rows = offline(&c.db_file, &c.to, c.tables)?;
            println!(
                "backup of {} written to {} ({rows} rows, {:.1} s)",
                c.db_file.display(),
                c.to.display(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
