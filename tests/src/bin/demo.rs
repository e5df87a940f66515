//! `demo`: the whole system on one machine with demo data. Starts a collector
//! and one kiosk per demo office (five offices in WIB, WITA and WIT), all on
//! embedded redb under `--data`, provisions them through the admin API, pairs
//! every counter's tablet (fresh one-time pairing links on every start), and
//! prints every URL, token and PIN. Rerunnable: a second run reuses the data,
//! kiosk keys and tokens kept in `DATA/demo.json`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Parser;
use e2e::demo_data;
use serde::{Deserialize, Serialize};
use shared::wire::{KioskCreated, RosterImport, TabletPaired, TokenCreated};

#[derive(Parser)]
#[command(about = "Run the collector and five demo office kiosks with demo data")]
struct Args {
    /// Directory for all demo data.
    #[arg(long, default_value = "./data")]
    data: PathBuf,
    /// Collector port; the kiosks take the next five.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Serve the office LAN: listen on all interfaces and put this host (this
    /// machine's LAN address, e.g. 192.168.1.20) in URLs and QR codes, so a
    /// real phone can open them.
    #[arg(long, value_name = "HOST")]
    lan: Option<String>,
}

/// What a rerun must remember: plain tokens and kiosk keys (demo only; the
/// servers themselves keep only hashes of tokens).
#[derive(Default, Serialize, Deserialize)]
struct DemoState {
    admin_token: String,
    hr_token: Option<String>,
    head_tokens: BTreeMap<String, String>,
    kiosks: BTreeMap<String, KioskCreated>,
    /// Each kiosk's operator token (pairs tablets).
    #[serde(default)]
    operator_tokens: BTreeMap<String, String>,
    /// Sign-ins of the report pages: username -> password.
    #[serde(default)]
    users: BTreeMap<String, String>,
}

/// The HR user of the demo.
const HR_USER: &str = "hr.pusat";
/// How far back the demo's history goes (about three quarters: this
/// semester and the one before, for the comparisons).
const HISTORY_DAYS: i64 = 270;

fn random_hex() -> anyhow::Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex::encode(b))
}

async fn ok_json<T: serde::de::DeserializeOwned>(
    res: reqwest::Response,
    what: &str,
) -> anyhow::Result<T> {
    let status = res.status();
    let text = res.text().await?;
    if !status.is_success() {
        bail!("{what}: HTTP {status}: {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{what}: {text}"))
}

async fn run(args: Args) -> anyhow::Result<()> {
    kiosk::startup::install_crypto();
    std::fs::create_dir_all(&args.data)?;
    let state_path = args.data.join("demo.json");
    let first_run = !state_path.exists();
    let mut state: DemoState = match std::fs::read_to_string(&state_path) {
        Ok(s) => {
            serde_json::from_str(&s).with_context(|| format!("reading {}", state_path.display()))?
        }
        Err(_) => DemoState {
            admin_token: random_hex()?,
            ..DemoState::default()
        },
    };
    let (bind_host, url_host) = match &args.lan {
        Some(h) => ("0.0.0.0".to_owned(), h.clone()),
        None => ("127.0.0.1".to_owned(), "127.0.0.1".to_owned()),
    };
    let collector_url = format!("http://{url_host}:{}", args.port);

    let mut cs = collector::settings::Settings::new(args.data.join("collector"));
    cs.listen = format!("{bind_host}:{}", args.port);
    cs.admin_token = Some(state.admin_token.clone());
    cs.public_url = Some(collector_url.clone());
    let collector_app = collector::startup::Application::build(cs)
        .await
        .with_context(|| format!("starting the collector on port {}", args.port))?;
    let mut servers = vec![tokio::spawn(collector_app.run_until_stopped())];

    let http = reqwest::Client::builder().no_proxy().build()?;
    let local = format!("http://127.0.0.1:{}", args.port);
    let admin = |m: reqwest::Method, path: &str| {
        http.request(m, format!("{local}{path}"))
            .bearer_auth(&state.admin_token)
    };
    for o in demo_data::offices() {
        let res = admin(reqwest::Method::PUT, &format!("/api/v1/offices/{}", o.id))
            .json(&o.spec)
            .send()
            .await?;
        ok_json::<serde_json::Value>(res, "provisioning an office").await?;
    }
    let res = admin(reqwest::Method::PUT, "/api/v1/roster")
        .json(&demo_data::roster())
        .send()
        .await?;
    let import: RosterImport = ok_json(res, "importing the roster").await?;
    if !import.rejected.is_empty() {
        bail!("demo roster rejected rows: {:?}", import.rejected);
    }
    for o in demo_data::offices() {
        if !state.kiosks.contains_key(o.id) {
            let res = admin(reqwest::Method::POST, "/api/v1/kiosks")
                .json(&serde_json::json!({"office_id": o.id}))
                .send()
                .await?;
            state
                .kiosks
                .insert(o.id.to_owned(), ok_json(res, "creating a kiosk").await?);
        }
        if !state.operator_tokens.contains_key(o.id) {
            state.operator_tokens.insert(o.id.to_owned(), random_hex()?);
        }
        if !state.head_tokens.contains_key(o.id) {
            let res = admin(reqwest::Method::POST, "/api/v1/tokens")
                .json(&serde_json::json!({"role": "head", "office_id": o.id}))
                .send()
                .await?;
            let t: TokenCreated = ok_json(res, "creating a head token").await?;
            state.head_tokens.insert(o.id.to_owned(), t.token);
        }
    }
    if state.hr_token.is_none() {
        let res = admin(reqwest::Method::POST, "/api/v1/tokens")
            .json(&serde_json::json!({"role": "hr"}))
            .send()
            .await?;
        state.hr_token = Some(
            ok_json::<TokenCreated>(res, "creating the HR token")
                .await?
                .token,
        );
    }
    // People who sign in to the report pages: HR and each office's head.
    let mut wanted: Vec<(String, serde_json::Value)> =
        vec![(HR_USER.to_owned(), serde_json::json!({"role": "hr"}))];
    for o in demo_data::offices() {
        wanted.push((
            format!("kepala.{}", o.id),
            serde_json::json!({"role": "head", "office_id": o.id}),
        ));
    }
    for (username, mut body) in wanted {
        if state.users.contains_key(&username) {
            continue;
        }
        let password = random_hex()?[..16].to_owned();
        body["username"] = username.clone().into();
        body["password"] = password.clone().into();
        let res = admin(reqwest::Method::POST, "/api/v1/users")
            .json(&body)
            .send()
            .await?;
        ok_json::<serde_json::Value>(res, "creating a user").await?;
        state.users.insert(username, password);
    }
    std::fs::write(&state_path, serde_json::to_vec_pretty(&state)?)?;
    if first_run {
        seed_history(&http, &local, &state).await?;
        seed_followups(&http, &local, &state).await?;
    }

    let mut out = String::new();
    use std::fmt::Write as _;
    writeln!(out, "\n=== Layanan feedback demo ===")?;
    writeln!(
        out,
        "Collector      {collector_url}   (admin token: {})",
        state.admin_token
    )?;
    writeln!(
        out,
        "Report pages   {collector_url}/laporan   sign in as HR: {HR_USER} / {}",
        state.users.get(HR_USER).map(String::as_str).unwrap_or("")
    )?;
    writeln!(
        out,
        "ASN pages      {collector_url}/asn/masuk   (an ASN's NIP and PIN, listed below): their own \
         evidence, answering ratings"
    )?;
    writeln!(
        out,
        "Audit, bias    {collector_url}/laporan/jejak   {collector_url}/laporan/bias (HR)   \
         follow-up: {collector_url}/laporan/OFFICE/tindak-lanjut"
    )?;
    writeln!(
        out,
        "HR token       {}   (for scripts: Authorization: Bearer ...)",
        state.hr_token.as_deref().unwrap_or("")
    )?;
    writeln!(
        out,
        "Reports        {collector_url}/api/v1/reports/offices?from=YYYY-MM-DD&to=YYYY-MM-DD \
         (and /asn; header Authorization: Bearer <HR token>; &format=csv for Excel)"
    )?;
    writeln!(
        out,
        "Citizens rate at {collector_url}/r/... : the QR code a counter console shows after each completed ticket"
    )?;
    for (i, o) in demo_data::offices().iter().enumerate() {
        let creds = &state.kiosks[o.id];
        let port = args.port + 1 + i as u16;
        let mut ks = kiosk::Settings::new(
            args.data.join(format!("kiosk-{}", o.id)),
            local.clone(),
            creds.kiosk_id,
            creds.key.clone(),
        );
        ks.listen = format!("{bind_host}:{port}");
        let kiosk_url = format!("http://{url_host}:{port}");
        ks.public_url = Some(kiosk_url.clone());
        let operator = state.operator_tokens[o.id].clone();
        ks.operator_token = Some(operator.clone());
        let app = kiosk::Application::build(ks)
            .await
            .with_context(|| format!("starting the kiosk of {} on port {port}", o.id))?;
        servers.push(tokio::spawn(app.run_until_stopped()));
        let local_kiosk = format!("http://127.0.0.1:{port}");
        writeln!(out, "\n{} ({}, {})", o.spec.name, o.id, o.spec.tz)?;
        writeln!(out, "  entrance       {kiosk_url}/")?;
        writeln!(out, "  dashboard      {kiosk_url}/dashboard")?;
        writeln!(
            out,
            "  display board  {kiosk_url}/display   (the TV: click once for sound)"
        )?;
        for c in &o.spec.counters {
            let pair = pair_tablet(&http, &local_kiosk, &operator, &c.id).await?;
            writeln!(
                out,
                "  {:<14} console {kiosk_url}/counter/{}   (serves {})",
                c.name,
                c.id,
                c.services.join(", ")
            )?;
            writeln!(
                out,
                "  {:<14} tablet  {kiosk_url}{}   (pairing link: open once on the tablet within 15 min)",
                "", pair.pair_url
            )?;
        }
        writeln!(out, "  operator token {operator}")?;
        let head = format!("kepala.{}", o.id);
        writeln!(
            out,
            "  head sign-in   {head} / {}   published result {collector_url}/publik/{}",
            state.users.get(&head).map(String::as_str).unwrap_or(""),
            o.id
        )?;
        writeln!(out, "  head token     {}", state.head_tokens[o.id])?;
        for (nip, name, pin) in &o.staff {
            writeln!(out, "  ASN            {name:<18} NIP {nip}  PIN {pin}")?;
        }
    }
    if first_run {
        seed_visits(&http, args.port, &state.operator_tokens).await?;
        writeln!(
            out,
            "\nSeeded {HISTORY_DAYS} days of history at every office through the collector's \
             ingest, and a few of today's visits through the kiosks (first run only)."
        )?;
    }
    writeln!(
        out,
        "\nData in {} (delete it to start afresh). Ctrl-C stops everything.",
        args.data.display()
    )?;
    println!("{out}");
    for s in servers {
        s.await??;
    }
    Ok(())
}

/// A few visits at each office, through the kiosks' own API, so the
/// dashboards and reports have something to show: citizens take numbers, the
/// first ASN serves them at the first counter, most rate, some with the
/// survey; two stay waiting in the queue.
async fn seed_visits(
    http: &reqwest::Client,
    port: u16,
    operator_tokens: &BTreeMap<String, String>,
) -> anyhow::Result<()> {
    let scores = [4, 3, 4, 2, 4, 3, 4];
    for (i, o) in demo_data::offices().iter().enumerate() {
        let k = format!("http://127.0.0.1:{}", port + 1 + i as u16);
        let counter = &o.spec.counters[0];
        let tablet = pair_tablet(http, &k, &operator_tokens[o.id], &counter.id)
            .await?
            .tablet_token;
        let service = &counter.services[0];
        let (nip, _, pin) = o.staff[0];
        let res = http
            .post(format!("{k}/api/counters/{}/session", counter.id))
            .json(&serde_json::json!({"nip": nip, "pin": pin}))
            .send()
            .await?;
        let session: shared::wire::SessionCreated = ok_json(res, "signing in").await?;
        let auth = format!("Bearer {}", session.session);
        for (n, score) in scores.iter().enumerate() {
            let res = http
                .post(format!("{k}/api/tickets"))
                .json(&serde_json::json!({"service": service}))
                .send()
                .await?;
            let _: serde_json::Value = ok_json(res, "taking a number").await?;
            let res = http
                .post(format!("{k}/api/counters/{}/next", counter.id))
                .header("Authorization", &auth)
                .send()
                .await?;
            let t: shared::wire::TicketView = ok_json(res, "calling").await?;
            let res = http
                .post(format!("{k}/api/tickets/{}/complete", t.ticket_id))
                .header("Authorization", &auth)
                .send()
                .await?;
            let _: serde_json::Value = ok_json(res, "completing").await?;
            if n == 5 {
                continue; // Not every citizen rates.
            }
            let mut body = serde_json::json!({"ticket_id": t.ticket_id, "score": score});
            if n % 2 == 0 {
                body["answers"] = serde_json::json!([score, 3, score, 4, 3, score, score, 3, 3]);
            }
            let res = http
                .post(format!("{k}/api/ratings"))
                .bearer_auth(&tablet)
                .json(&body)
                .send()
                .await?;
            let _: serde_json::Value = ok_json(res, "rating").await?;
        }
        for _ in 0..2 {
            let res = http
                .post(format!("{k}/api/tickets"))
                .json(&serde_json::json!({"service": service}))
                .send()
                .await?;
            let _: serde_json::Value = ok_json(res, "taking a number").await?;
        }
        http.delete(format!("{k}/api/counters/{}/session", counter.id))
            .header("Authorization", &auth)
            .send()
            .await?;
    }
    Ok(())
}

/// Months of history at every office, sent as the office's kiosk would have
/// sent it: signed batches to the collector, under a database identity of
/// their own (the running kiosks have theirs).
async fn seed_history(
    http: &reqwest::Client,
    collector: &str,
    state: &DemoState,
) -> anyhow::Result<()> {
    let tz = shared::OfficeTz::parse("Asia/Jakarta")?;
    let today = tz.day_of(jiff::Timestamp::now());
    let from = today.checked_sub(jiff::Span::new().days(HISTORY_DAYS))?;
    let to = today.yesterday()?;
    for (i, o) in demo_data::offices().iter().enumerate() {
        let creds = &state.kiosks[o.id];
        let events = e2e::semester::history(o, from, to, 1000 + i as u64)?;
        let instance = shared::InstanceId(uuid::Uuid::now_v7());
        let mut first_seq = 1u64;
        for chunk in events.chunks(shared::wire::MAX_BATCH_EVENTS) {
            let body = serde_json::to_vec(&shared::wire::Batch {
                first_seq,
                instance: Some(instance),
                events: chunk.to_vec(),
            })?;
            let ts = jiff::Timestamp::now().as_second();
            let res = http
                .post(format!("{collector}/api/v1/batches"))
                .header("Content-Type", "application/json")
                .header(shared::sign::HEADER_KIOSK_ID, creds.kiosk_id.to_string())
                .header(shared::sign::HEADER_TIMESTAMP, ts.to_string())
                .header(
                    shared::sign::HEADER_SIGNATURE,
                    shared::sign::sign_request(&creds.key, ts, &body),
                )
                .body(body)
                .send()
                .await?;
            let ack: shared::wire::BatchAck = ok_json(res, "seeding history").await?;
            first_seq = ack.applied_through + 1;
        }
        eprintln!("demo: {} events of history at {}", events.len(), o.id);
    }
    Ok(())
}

/// Pairs a tablet for `counter` at the kiosk `kiosk` with its operator token.
async fn pair_tablet(
    http: &reqwest::Client,
    kiosk: &str,
    operator: &str,
    counter: &str,
) -> anyhow::Result<TabletPaired> {
    let res = http
        .post(format!("{kiosk}/api/counters/{counter}/tablets"))
        .bearer_auth(operator)
        .send()
        .await?;
    ok_json(res, "pairing a tablet").await
}

fn main() -> ExitCode {
    kiosk::cli::init_logging("warn");
    e2e::run_main("demo", run(Args::parse()))
}

/// What heads wrote when closing the demo's complaints.
const RESPONSES: [&str; 4] = [
    "Petugas diberi pembinaan tentang pelayanan ramah; warga dihubungi kembali.",
    "Stok blanko ditambah dan jadwal pengambilan diumumkan di papan informasi.",
    "Alur antrean diubah: loket prioritas dibuka pada jam sibuk.",
    "Warga dihubungi dan dokumennya diselesaikan pada hari berikutnya.",
];

/// Heads work through most of the seeded complaints (the oldest first), one
/// ASN answers a complaint and the head keeps it after review, so the
/// follow-up, reply and audit pages have something to show.
async fn seed_followups(
    http: &reqwest::Client,
    collector: &str,
    state: &DemoState,
) -> anyhow::Result<()> {
    for (i, o) in demo_data::offices().iter().enumerate() {
        let head = &state.head_tokens[o.id];
        let list: shared::review::FollowUpList = ok_json(
            http.get(format!("{collector}/api/v1/followups?office_id={}", o.id))
                .bearer_auth(head)
                .send()
                .await?,
            "reading follow-ups",
        )
        .await?;
        let n = list.items.len();
        for (k, item) in list.items.iter().enumerate() {
            let body = if k < n * 3 / 5 {
                serde_json::json!({"status": "done", "response": RESPONSES[(k + i) % RESPONSES.len()]})
            } else if k < n * 4 / 5 {
                serde_json::json!({"status": "in_progress", "response": "Sedang dibicarakan dengan petugas."})
            } else {
                continue;
            };
            let res = http
                .post(format!("{collector}/api/v1/followups/{}", item.rating_id))
                .bearer_auth(head)
                .json(&body)
                .send()
                .await?;
            let _: serde_json::Value = ok_json(res, "following up").await?;
        }
        // One ASN answers their latest low rating; the head keeps it.
        let rows: shared::wire::AsnReport = ok_json(
            http.get(format!(
                "{collector}/api/v1/reports/asn?office_id={}&preset=tahun",
                o.id
            ))
            .bearer_auth(head)
            .send()
            .await?,
            "reading ASN rows",
        )
        .await?;
        let Some((row, pin)) = rows.rows.iter().find_map(|r| {
            o.staff
                .iter()
                .find(|(nip, _, _)| *nip == r.nip)
                .map(|(_, _, pin)| (r, *pin))
        }) else {
            continue;
        };
        let evidence: shared::wire::AsnEvidence = ok_json(
            http.get(format!(
                "{collector}/api/v1/reports/asn/{}?office_id={}&preset=tahun",
                row.asn_ref, o.id
            ))
            .bearer_auth(head)
            .send()
            .await?,
            "reading evidence",
        )
        .await?;
        let Some(low) = evidence
            .comments
            .iter()
            .find(|c| c.score <= 2 && !c.comment.is_empty())
        else {
            continue;
        };
        let signin = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()?
            .post(format!("{collector}/asn/masuk"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("nip={}&pin={pin}", row.nip))
            .send()
            .await?;
        let Some(cookie) = signin
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_owned)
        else {
            anyhow::bail!("the demo ASN could not sign in ({})", signin.status());
        };
        let res = http
            .post(format!("{collector}/api/v1/ratings/{}/reply", low.rating_id))
            .header("Cookie", cookie)
            .json(&serde_json::json!({"text": "Mohon maaf. Hari itu antrean sangat panjang dan sistem sempat lambat; saya sudah menjelaskan kepada warga."}))
            .send()
            .await?;
        let _: serde_json::Value = ok_json(res, "answering a rating").await?;
        let res = http
            .post(format!("{collector}/api/v1/ratings/{}/review", low.rating_id))
            .bearer_auth(head)
            .json(&serde_json::json!({"decision": "keep", "note": "Tetap dihitung: keluhan tentang sikap petugas, dibahas dalam pembinaan."}))
            .send()
            .await?;
        let _: serde_json::Value = ok_json(res, "reviewing a rating").await?;
    }
    eprintln!("demo: heads followed up most complaints; one ASN per office answered one");
    Ok(())
}
