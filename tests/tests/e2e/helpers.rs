//! Spawning real servers for tests: `spawn_collector()` and `spawn_kiosk()`
//! run in-process on 127.0.0.1 port 0 with a fresh temporary directory;
//! `KioskProcess` runs the real kiosk binary for tests that kill -9 it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::wire::{
    Completed, Dashboard, KioskCreated, NewTicket, OfficeSpec, RosterImport, RosterRow,
    SessionCreated, SignIn, TabletPaired, TicketView,
};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};

use e2e::demo_data;

/// A fresh temporary directory for one test.
pub fn temp_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("layanan-e2e-")
        .tempdir()
        .expect("temp dir")
}

/// An HTTP client for tests (no proxies, short timeouts).
pub fn client() -> Client {
    kiosk::startup::install_crypto();
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Polls `check` until it returns `Some`, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Reads a JSON body, with the body in the panic message if it does not parse.
pub async fn json<T: DeserializeOwned>(res: Response) -> T {
    let status = res.status();
    let text = res.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("HTTP {status}: {e}: {text}"))
}

/// A collector running in this process.
pub struct TestCollector {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its admin token.
    pub admin_token: String,
    /// Client.
    pub http: Client,
    /// Its data directory.
    pub _dir: TempDir,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts a collector on 127.0.0.1 port 0 with a fresh directory.
pub async fn spawn_collector() -> TestCollector {
    let dir = temp_dir();
    let admin_token = "test-admin-token-0123456789".to_owned();
    let mut settings = collector::settings::Settings::new(dir.path().join("collector"));
    settings.listen = "127.0.0.1:0".into();
    settings.admin_token = Some(admin_token.clone());
    let app = collector::startup::Application::build(settings)
        .await
        .expect("collector builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let server = tokio::spawn(app.run_until_stopped());
    TestCollector {
        base,
        admin_token,
        http: client(),
        _dir: dir,
        server,
    }
}

impl TestCollector {
    /// A handle to a collector that runs elsewhere (a process): requests
    /// only; dropping it stops nothing.
    pub fn handle(base: &str, admin_token: &str) -> TestCollector {
        TestCollector {
            base: base.to_owned(),
            admin_token: admin_token.to_owned(),
            http: client(),
            _dir: temp_dir(),
            server: tokio::spawn(async { Ok(()) }),
        }
    }

    /// A request with the admin token.
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.admin_token)
    }

    /// `PUT /api/v1/offices/{id}`.
    pub async fn put_office(&self, id: &str, spec: &OfficeSpec) -> Response {
        self.admin(Method::PUT, &format!("/api/v1/offices/{id}"))
            .json(spec)
            .send()
            .await
            .expect("put office")
    }

    /// `POST /api/v1/kiosks`, expecting 201.
    pub async fn create_kiosk(&self, office_id: &str) -> KioskCreated {
        let res = self
            .admin(Method::POST, "/api/v1/kiosks")
            .json(&serde_json::json!({ "office_id": office_id }))
            .send()
            .await
            .expect("create kiosk");
        assert_eq!(res.status(), StatusCode::CREATED);
        json(res).await
    }

    /// `PUT /api/v1/roster` as JSON, expecting 200.
    pub async fn put_roster(&self, rows: &[RosterRow]) -> RosterImport {
        let res = self
            .admin(Method::PUT, "/api/v1/roster")
            .json(rows)
            .send()
            .await
            .expect("roster");
        assert_eq!(res.status(), StatusCode::OK);
        json(res).await
    }

    /// Stops the server (the directory stays until dropped).
    pub fn stop(&self) {
        self.server.abort();
    }
}

impl Drop for TestCollector {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The standard test office: the demo's Sawahlunto (WIB), two counters.
pub const OFFICE: &str = "sawahlunto";
/// An ASN of the test office: NIP and PIN.
pub const ASN1: (&str, &str) = ("198204102008012005", "4711");
/// A second ASN of the test office.
pub const ASN2: (&str, &str) = ("199106232019031007", "5822");

/// Provisions a demo office (office, its roster, one kiosk) at `collector`.
pub async fn provision(collector: &TestCollector, office_id: &str) -> KioskCreated {
    provision_at(&collector.base, &collector.admin_token, office_id).await
}

/// Provisions a demo office at the collector at `base`.
pub async fn provision_at(base: &str, admin_token: &str, office_id: &str) -> KioskCreated {
    let collector = TestCollector::handle(base, admin_token);
    let office = demo_data::offices()
        .into_iter()
        .find(|o| o.id == office_id)
        .expect("demo office");
    let res = collector.put_office(office.id, &office.spec).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let rows: Vec<RosterRow> = demo_data::roster()
        .into_iter()
        .filter(|r| r.office_id == office_id)
        .collect();
    let imported = collector.put_roster(&rows).await;
    assert!(imported.rejected.is_empty(), "{:?}", imported.rejected);
    collector.create_kiosk(office.id).await
}

/// A kiosk running in this process.
pub struct TestKiosk {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Client.
    pub http: Client,
    /// Its id and key.
    pub creds: KioskCreated,
    /// Its storage, to inspect the outbox.
    pub store: std::sync::Arc<kiosk::store::Store>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// The operator token of every test kiosk (pairs tablets).
pub const OPERATOR_TOKEN: &str = "test-operator-token-0123456789";

/// Kiosk settings for tests: port 0 and a fast configuration refresh.
pub fn kiosk_settings(collector_base: &str, creds: &KioskCreated, data: &Path) -> kiosk::Settings {
    let mut s = kiosk::Settings::new(
        data.to_path_buf(),
        collector_base.to_owned(),
        creds.kiosk_id,
        creds.key.clone(),
    );
    s.listen = "127.0.0.1:0".into();
    s.startup_fetch_timeout = Duration::from_secs(5);
    s.operator_token = Some(OPERATOR_TOKEN.into());
    s
}

/// Kiosk settings that retry forwarding within a second (the default backs
/// off up to 30 s).
pub fn fast_forwarding(mut s: kiosk::Settings) -> kiosk::Settings {
    s.forward.backoff_base = Duration::from_millis(100);
    s.forward.backoff_cap = Duration::from_millis(500);
    s
}

/// Starts a kiosk in-process.
pub async fn spawn_kiosk(settings: kiosk::Settings, creds: KioskCreated) -> TestKiosk {
    let app = kiosk::Application::build(settings)
        .await
        .expect("kiosk builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let store = app.store();
    let server = tokio::spawn(app.run_until_stopped());
    TestKiosk {
        base,
        http: client(),
        creds,
        store,
        server,
    }
}

/// A collector with the test office provisioned and its kiosk running.
pub struct Office {
    /// The collector.
    pub collector: TestCollector,
    /// The kiosk.
    pub kiosk: TestKiosk,
    /// The kiosk's data directory.
    pub _kiosk_dir: TempDir,
}

/// Collector + provisioned office + kiosk, all fresh.
pub async fn office() -> Office {
    office_with(|_| {}).await
}

/// [`office`] with the kiosk's settings adjusted by `tweak`.
pub async fn office_with(tweak: impl FnOnce(&mut kiosk::Settings)) -> Office {
    let collector = spawn_collector().await;
    let creds = provision(&collector, OFFICE).await;
    let kiosk_dir = temp_dir();
    let mut settings = kiosk_settings(&collector.base, &creds, kiosk_dir.path());
    tweak(&mut settings);
    let kiosk = spawn_kiosk(settings, creds).await;
    Office {
        collector,
        kiosk,
        _kiosk_dir: kiosk_dir,
    }
}

impl Drop for TestKiosk {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Request helpers shared by in-process kiosks and kiosk processes.
pub trait KioskApi {
    /// Base URL.
    fn base(&self) -> &str;
    /// Client.
    fn http(&self) -> &Client;

    /// A request to the kiosk.
    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http()
            .request(method, format!("{}{path}", self.base()))
    }

    /// `POST /api/tickets`, expecting 201.
    async fn take_ticket(&self, service: &str) -> TicketView {
        let res = self
            .req(Method::POST, "/api/tickets")
            .json(&NewTicket {
                service: service.into(),
            })
            .send()
            .await
            .expect("take ticket");
        assert_eq!(res.status(), StatusCode::CREATED);
        json(res).await
    }

    /// `POST /api/counters/{c}/session`, expecting 200; the session token.
    async fn sign_in(&self, counter: &str, (nip, pin): (&str, &str)) -> String {
        let res = self.sign_in_raw(counter, nip, pin).await;
        assert_eq!(res.status(), StatusCode::OK);
        json::<SessionCreated>(res).await.session
    }

    /// `POST /api/counters/{c}/session`, any answer.
    async fn sign_in_raw(&self, counter: &str, nip: &str, pin: &str) -> Response {
        self.req(Method::POST, &format!("/api/counters/{counter}/session"))
            .json(&SignIn {
                nip: nip.into(),
                pin: pin.into(),
            })
            .send()
            .await
            .expect("sign in")
    }

    /// `POST /api/counters/{c}/next`, expecting a ticket.
    async fn call_next(&self, counter: &str, session: &str) -> TicketView {
        let res = self
            .req(Method::POST, &format!("/api/counters/{counter}/next"))
            .bearer_auth(session)
            .send()
            .await
            .expect("next");
        assert_eq!(res.status(), StatusCode::OK);
        json(res).await
    }

    /// `POST /api/tickets/{id}/complete`, expecting 200.
    async fn complete(&self, ticket: &TicketView, session: &str) -> Completed {
        let res = self
            .req(
                Method::POST,
                &format!("/api/tickets/{}/complete", ticket.ticket_id),
            )
            .bearer_auth(session)
            .send()
            .await
            .expect("complete");
        assert_eq!(res.status(), StatusCode::OK);
        json(res).await
    }

    /// `POST /api/counters/{c}/tablets` with the operator token, expecting
    /// 201: the pairing.
    async fn pair_tablet(&self, counter: &str) -> TabletPaired {
        let res = self
            .req(Method::POST, &format!("/api/counters/{counter}/tablets"))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .expect("pair tablet");
        assert_eq!(res.status(), StatusCode::CREATED);
        json(res).await
    }

    /// A paired tablet's token for `counter`.
    async fn tablet(&self, counter: &str) -> String {
        self.pair_tablet(counter).await.tablet_token
    }

    /// `POST /api/ratings` as the tablet `tablet`, with any JSON body.
    async fn rate<B: Serialize + Sync>(&self, tablet: &str, body: &B) -> Response {
        self.req(Method::POST, "/api/ratings")
            .bearer_auth(tablet)
            .json(body)
            .send()
            .await
            .expect("rate")
    }

    /// `GET /api/dashboard`.
    async fn dashboard(&self) -> Dashboard {
        json(
            self.req(Method::GET, "/api/dashboard")
                .send()
                .await
                .expect("dashboard"),
        )
        .await
    }
}

impl KioskApi for TestKiosk {
    fn base(&self) -> &str {
        &self.base
    }
    fn http(&self) -> &Client {
        &self.http
    }
}

/// Path of a binary built from this crate (`e2e-kiosk`, `e2e-collector`).
pub fn bin_path(name: &str) -> PathBuf {
    match name {
        "e2e-kiosk" => PathBuf::from(env!("CARGO_BIN_EXE_e2e-kiosk")),
        "e2e-collector" => PathBuf::from(env!("CARGO_BIN_EXE_e2e-collector")),
        other => panic!("unknown binary {other}"),
    }
}

/// The real kiosk binary, as a child process (for kill -9).
pub struct KioskProcess {
    /// Base URL.
    pub base: String,
    /// Client.
    pub http: Client,
    child: tokio::process::Child,
}

impl KioskProcess {
    /// Starts `kiosk serve` on port 0 and waits until it listens.
    pub async fn start(
        collector_base: &str,
        creds: &KioskCreated,
        data: &Path,
        extra: &[&str],
    ) -> KioskProcess {
        KioskProcess::spawn(
            tokio::process::Command::new(bin_path("e2e-kiosk")),
            collector_base,
            creds,
            data,
            extra,
        )
        .await
    }

    /// Starts it with files limited to `max_file_bytes` (see
    /// [`file_limited`]).
    pub async fn start_with_file_limit(
        collector_base: &str,
        creds: &KioskCreated,
        data: &Path,
        max_file_bytes: u64,
    ) -> KioskProcess {
        let cmd = file_limited(bin_path("e2e-kiosk"), max_file_bytes);
        KioskProcess::spawn(cmd, collector_base, creds, data, &[]).await
    }

    async fn spawn(
        mut cmd: tokio::process::Command,
        collector_base: &str,
        creds: &KioskCreated,
        data: &Path,
        extra: &[&str],
    ) -> KioskProcess {
        let mut child = cmd
            .arg("serve")
            .args(["--data", &data.display().to_string()])
            .args(["--listen", "127.0.0.1:0", "--collector", collector_base])
            .args(["--kiosk-id", &creds.kiosk_id.to_string()])
            .args(["--operator-token", OPERATOR_TOKEN])
            .args(extra)
            .env("KIOSK_KEY", &creds.key)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("kiosk process starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(p) = line.strip_prefix("kiosk listening on port ") {
                    return p.trim().parse::<u16>().expect("port");
                }
            }
            panic!("kiosk process exited before listening");
        })
        .await
        .expect("kiosk process listens within 60 s");
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        KioskProcess {
            base: format!("http://127.0.0.1:{port}"),
            http: client(),
            child,
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    pub async fn kill9(mut self) {
        self.child.start_kill().expect("kill -9");
        self.child.wait().await.expect("wait");
    }

    /// Waits (up to `within`) for the process to end by itself.
    pub async fn exited(mut self, within: Duration) -> std::process::ExitStatus {
        exit_of(&mut self.child, within).await
    }

    /// SIGTERM, and its exit status once gone.
    pub async fn sigterm(mut self) -> std::process::ExitStatus {
        sigterm(&mut self.child).await
    }
}

/// A child's exit status, waiting at most `within`.
async fn exit_of(child: &mut tokio::process::Child, within: Duration) -> std::process::ExitStatus {
    tokio::time::timeout(within, child.wait())
        .await
        .expect("the process exits in time")
        .expect("wait")
}

/// SIGTERM (a service manager's stop) to `child`, and its exit status once
/// gone (within 60 s).
async fn sigterm(child: &mut tokio::process::Child) -> std::process::ExitStatus {
    let pid = child.id().expect("running");
    let sent = tokio::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .expect("kill -TERM");
    assert!(sent.success());
    exit_of(child, Duration::from_secs(60)).await
}

/// `program` run with files limited to `max_file_bytes` (`prlimit --fsize`,
/// with SIGXFSZ ignored so that a write past the limit fails with EFBIG as
/// it would on a full disk, instead of killing the process).
fn file_limited(program: PathBuf, max_file_bytes: u64) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "trap '' XFSZ; exec prlimit --fsize={max_file_bytes}:unlimited -- \"$0\" \"$@\""
        ))
        .arg(program);
    cmd
}

impl KioskApi for KioskProcess {
    fn base(&self) -> &str {
        &self.base
    }
    fn http(&self) -> &Client {
        &self.http
    }
}

/// A fresh HR token.
pub async fn hr_token(collector_base: &str, admin_token: &str) -> String {
    let res = client()
        .post(format!("{collector_base}/api/v1/tokens"))
        .bearer_auth(admin_token)
        .json(&serde_json::json!({"role": "hr"}))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::CREATED);
    json::<shared::wire::TokenCreated>(res).await.token
}

/// The collector's mark for a kiosk (highest sequence applied).
pub async fn applied_through(collector_base: &str, admin_token: &str, kiosk: &KioskCreated) -> u64 {
    let res = client()
        .get(format!("{collector_base}/api/v1/kiosks/{}", kiosk.kiosk_id))
        .bearer_auth(admin_token)
        .send()
        .await
        .expect("kiosk status");
    assert_eq!(res.status(), StatusCode::OK);
    json::<serde_json::Value>(res).await["applied_through"]
        .as_u64()
        .expect("applied_through")
}

/// A batch body in the wire shape (events as JSON values).
pub fn batch_json(
    first_seq: u64,
    instance: Option<shared::InstanceId>,
    events: &[serde_json::Value],
) -> String {
    serde_json::to_string(&shared::wire::Batch {
        first_seq,
        instance,
        events: events.to_vec(),
    })
    .expect("batch")
}

/// `POST /api/v1/batches` signed with `key` as the kiosk `creds` (which may
/// be another kiosk's key: a forgery, or a stolen key).
pub async fn post_batch(base: &str, creds: &KioskCreated, key: &str, body: &str) -> Response {
    let ts = jiff::Timestamp::now().as_second();
    client()
        .post(format!("{base}/api/v1/batches"))
        .header("Content-Type", "application/json")
        .header("X-Kiosk-Id", creds.kiosk_id.to_string())
        .header("X-Timestamp", ts.to_string())
        .header(
            "X-Signature",
            shared::sign::sign_request(key, ts, body.as_bytes()),
        )
        .body(body.to_owned())
        .send()
        .await
        .expect("batch")
}

/// Sends `events` as `creds`'s kiosk would, in batches under a fresh
/// database identity, through the collector's ingest; gives the mark.
pub async fn send_events(base: &str, creds: &KioskCreated, events: &[shared::wire::Event]) -> u64 {
    let instance = Some(shared::InstanceId(uuid::Uuid::now_v7()));
    let mut first_seq = 1;
    for chunk in events.chunks(shared::wire::MAX_BATCH_EVENTS) {
        let values: Vec<serde_json::Value> = chunk
            .iter()
            .map(|e| serde_json::to_value(e).expect("event"))
            .collect();
        let res = post_batch(
            base,
            creds,
            &creds.key,
            &batch_json(first_seq, instance, &values),
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap_or_default()
        );
        first_seq += chunk.len() as u64;
    }
    first_seq - 1
}

/// Creates a page user (`POST /api/v1/users`), expecting 201.
pub async fn create_user(c: &TestCollector, body: serde_json::Value) {
    let res = c
        .admin(Method::POST, "/api/v1/users")
        .json(&body)
        .send()
        .await
        .expect("user");
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

/// A GET with a bearer token, expecting 200, decoded.
pub async fn get_json<T: DeserializeOwned>(base: &str, token: &str, path: &str) -> T {
    let res = client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    json(res).await
}

/// The kiosk's outbox.
pub async fn outbox(k: &impl KioskApi) -> shared::wire::OutboxStatus {
    json(
        k.req(Method::GET, "/api/outbox")
            .send()
            .await
            .expect("outbox"),
    )
    .await
}

/// Waits until the kiosk's outbox is empty (everything acknowledged).
pub async fn drained(k: &impl KioskApi) -> shared::wire::OutboxStatus {
    eventually("the outbox to drain", Duration::from_secs(60), || async {
        let o = outbox(k).await;
        (o.pending == 0).then_some(o)
    })
    .await
}

/// Seconds to add to the clock so that it reads `secs_after_midnight`
/// seconds after the next local midnight in `tz` (negative: before it).
pub fn offset_to_local_midnight(tz: &str, secs_after_midnight: i64) -> (i64, jiff::civil::Date) {
    let tz = shared::OfficeTz::parse(tz).expect("tz");
    let now = jiff::Timestamp::now();
    let next_day = tz.day_of(now).tomorrow().expect("tomorrow");
    let midnight = tz.start_of_day(next_day);
    let target = midnight.as_second() + secs_after_midnight;
    let day = tz.day_of(jiff::Timestamp::from_second(target).expect("ts"));
    (target - now.as_second(), day)
}

/// A collector as a real process (to stop and restart on the same data).
pub struct CollectorProcess {
    /// Base URL.
    pub base: String,
    /// Port.
    pub port: u16,
    child: tokio::process::Child,
}

impl CollectorProcess {
    /// Starts `collector serve` on `listen` with the given data and token.
    pub async fn start(data: &Path, listen: &str, admin_token: &str) -> CollectorProcess {
        let mut cmd = tokio::process::Command::new(bin_path("e2e-collector"));
        cmd.arg("serve")
            .args(["--data", &data.display().to_string(), "--listen", listen]);
        CollectorProcess::spawn(cmd, admin_token).await
    }

    /// Starts it with files limited to `max_file_bytes` (see
    /// [`file_limited`]).
    pub async fn start_with_file_limit(
        data: &Path,
        listen: &str,
        admin_token: &str,
        max_file_bytes: u64,
    ) -> CollectorProcess {
        let mut cmd = file_limited(bin_path("e2e-collector"), max_file_bytes);
        cmd.arg("serve")
            .args(["--data", &data.display().to_string(), "--listen", listen]);
        CollectorProcess::spawn(cmd, admin_token).await
    }

    async fn spawn(mut cmd: tokio::process::Command, admin_token: &str) -> CollectorProcess {
        let mut child = cmd
            .env("COLLECTOR_ADMIN_TOKEN", admin_token)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("collector process starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(p) = line.strip_prefix("collector listening on port ") {
                    return p.trim().parse::<u16>().expect("port");
                }
            }
            panic!("collector process exited before listening");
        })
        .await
        .expect("collector listens within 60 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        CollectorProcess {
            base: format!("http://127.0.0.1:{port}"),
            port,
            child,
        }
    }

    /// SIGKILL, and wait.
    pub async fn kill9(mut self) {
        self.child.start_kill().expect("kill");
        self.child.wait().await.expect("wait");
    }

    /// Waits (up to `within`) for the process to end by itself.
    pub async fn exited(mut self, within: Duration) -> std::process::ExitStatus {
        exit_of(&mut self.child, within).await
    }

    /// SIGTERM (a service manager's stop), and its exit status once gone.
    pub async fn sigterm(mut self) -> std::process::ExitStatus {
        sigterm(&mut self.child).await
    }
}

/// Runs one of this crate's programs (`e2e-collector`, `e2e-kiosk`) to its
/// end with `args`; gives its exit status and what it printed.
pub async fn run_program(name: &str, args: &[&str]) -> (std::process::ExitStatus, String) {
    let out = tokio::process::Command::new(bin_path(name))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("program runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status, text)
}

/// A fresh office-head token for `office_id`.
pub async fn head_token(collector_base: &str, admin_token: &str, office_id: &str) -> String {
    let res = client()
        .post(format!("{collector_base}/api/v1/tokens"))
        .bearer_auth(admin_token)
        .json(&serde_json::json!({"role": "head", "office_id": office_id}))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::CREATED);
    json::<shared::wire::TokenCreated>(res).await.token
}

/// A client that does not follow redirects (to see a sign-in's 303).
pub fn no_redirects() -> Client {
    Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Signs an ASN in at the collector (`POST /asn/masuk`); gives the
/// `sesi_asn=...` cookie pair.
pub async fn asn_sign_in(base: &str, nip: &str, pin: &str) -> String {
    let res = no_redirects()
        .post(format!("{base}/asn/masuk"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("nip={nip}&pin={pin}"))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "ASN sign-in");
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.starts_with("sesi_asn=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap_or_default().to_owned()
}

/// `n` ticket-issued events numbered from `first` (for batches sent by hand).
pub fn issued_tickets(first: u64, n: u64) -> Vec<serde_json::Value> {
    (0..n)
        .map(|i| {
            serde_json::to_value(shared::wire::Event::TicketIssued {
                ticket_id: shared::TicketId(uuid::Uuid::now_v7()),
                number: shared::TicketNumber::new(
                    shared::ServicePrefix::parse("A").expect("prefix"),
                    ((first + i) % 999 + 1) as u32,
                ),
                service: shared::ServiceCode::parse("ktp").expect("service"),
                issued_at: jiff::Timestamp::now(),
            })
            .expect("event")
        })
        .collect()
}

/// A signed batch as `creds`'s kiosk; its status and body, or `None` when
/// the connection failed (refused, cut): unlike [`post_batch`], a failure is
/// an answer here.
pub async fn try_batch(
    base: &str,
    creds: &KioskCreated,
    body: &str,
) -> Option<(StatusCode, String)> {
    let ts = jiff::Timestamp::now().as_second();
    let res = client()
        .post(format!("{base}/api/v1/batches"))
        .header("Content-Type", "application/json")
        .header("X-Kiosk-Id", creds.kiosk_id.to_string())
        .header("X-Timestamp", ts.to_string())
        .header(
            "X-Signature",
            shared::sign::sign_request(&creds.key, ts, body.as_bytes()),
        )
        .body(body.to_owned())
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .ok()?;
    let status = res.status();
    Some((status, res.text().await.unwrap_or_default()))
}
