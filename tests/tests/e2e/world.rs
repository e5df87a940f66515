//! One office as an attacker finds it, for the hostile corpus and the access
//! matrix: a collector (Sawahlunto with history, Pauh beside it), the
//! Sawahlunto kiosk with a dashboard token, every kind of credential (good,
//! forged, expired, revoked, of another counter or office), and requests
//! sent either through reqwest or byte for byte over TCP (paths with `..`,
//! bytes that are no UTF-8: things a URL library would clean up first).
//!
//! The collector trusts 127.0.0.1 as a reverse proxy and every request
//! names a fresh client address in `X-Forwarded-For`, so the per-address
//! rate limits (tested elsewhere) never stand between a case and the answer
//! it is about.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json as j};
use shared::sign::{QrClaims, TokenKind};
use shared::wire::{KioskCreated, RosterRow};
use shared::{KioskId, RatingId, TicketId};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::asn::{Visit, visits};
use crate::helpers::*;

/// The kiosk's dashboard token (the dashboard and the display need it).
pub const DASH: &str = "test-dashboard-token-0123456789";
/// A third ASN of the office (signs in at the spare counter L3).
pub const ASN3: (&str, &str) = ("198711032012122001", "6633");
/// An ASN no longer active on the roster.
pub const INACTIVE: (&str, &str) = ("197505052000031002", "2468");
/// An ASN whose name is markup.
pub const MARKUP_ASN: (&str, &str) = ("198909092015032004", "1357");
/// That name.
pub const MARKUP_NAME: &str = "<b onmouseover=\"alert(1)\">Budi</b> & <i>co</i>";
/// Every page user's password.
pub const PASSWORD: &str = "kata-sandi-uji-123";
/// Users: the head of Sawahlunto, the head of Pauh, central HR.
pub const HEAD_USER: &str = "kepala.sawahlunto";
/// The head of Pauh.
pub const OTHER_HEAD_USER: &str = "kepala.pauh";
/// Central HR.
pub const HR_USER: &str = "hr.pusat";

/// Which server a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// The central collector.
    Collector,
    /// The office's kiosk.
    Kiosk,
}

impl Server {
    /// For summaries.
    pub fn tag(self) -> &'static str {
        match self {
            Server::Collector => "collector",
            Server::Kiosk => "kiosk",
        }
    }
}

/// A request as sent.
#[derive(Debug, Clone)]
pub struct Req {
    /// Where.
    pub server: Server,
    /// Method.
    pub method: Method,
    /// Path and query, sent as they are.
    pub path: String,
    /// Headers (values may be any bytes).
    pub headers: Vec<(String, Vec<u8>)>,
    /// Body.
    pub body: Option<Vec<u8>>,
    /// Byte for byte over TCP instead of reqwest.
    pub raw: bool,
}

impl Req {
    /// A request without headers or body.
    pub fn new(server: Server, method: Method, path: impl Into<String>) -> Req {
        Req {
            server,
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
            raw: false,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Req {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// A JSON body (with its content type).
    pub fn json(self, body: impl Into<String>) -> Req {
        self.body_as("application/json", body.into().into_bytes())
    }

    /// A form body (with its content type).
    pub fn form(self, body: impl Into<String>) -> Req {
        self.body_as(
            "application/x-www-form-urlencoded",
            body.into().into_bytes(),
        )
    }

    /// A body with a content type.
    pub fn body_as(self, content_type: &str, body: Vec<u8>) -> Req {
        let mut r = self.header("Content-Type", content_type);
        r.body = Some(body);
        r
    }

    /// A body without a content type.
    pub fn bare_body(mut self, body: Vec<u8>) -> Req {
        self.body = Some(body);
        self
    }

    /// `Authorization: Bearer ...`.
    pub fn bearer(self, token: &str) -> Req {
        self.header("Authorization", format!("Bearer {token}"))
    }

    /// A `Cookie` header (`name=value` pairs).
    pub fn cookie(self, pairs: &str) -> Req {
        self.header("Cookie", pairs)
    }

    /// The kiosk request signature (`X-Kiosk-Id`, `X-Timestamp`,
    /// `X-Signature`) over this request's body, made `skew_s` from now.
    pub fn signed(self, kiosk: KioskId, key: &str, skew_s: i64) -> Req {
        let ts = jiff::Timestamp::now().as_second() + skew_s;
        let sig = shared::sign::sign_request(key, ts, self.body.as_deref().unwrap_or_default());
        self.header("X-Kiosk-Id", kiosk.to_string())
            .header("X-Timestamp", ts.to_string())
            .header("X-Signature", sig)
    }

    /// Send it byte for byte.
    pub fn raw(mut self) -> Req {
        self.raw = true;
        self
    }

    /// Whether a header is set.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Resp {
    /// Status.
    pub status: u16,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// Body (not read for event streams).
    pub body: Vec<u8>,
}

impl Resp {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A JSON error body with a code and a message, if it is one.
    pub fn error_body(&self) -> Option<(String, String)> {
        let v: Value = serde_json::from_slice(&self.body).ok()?;
        let code = v.get("error")?.as_str()?.to_owned();
        let msg = v.get("message")?.as_str()?.to_owned();
        (!code.is_empty() && !msg.trim().is_empty()).then_some((code, msg))
    }

    /// Whether this is an HTML page.
    pub fn is_page(&self) -> bool {
        let html_type = self
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/html"));
        let text = self.text();
        html_type && (text.contains("<html") || text.contains("<!DOCTYPE"))
    }
}

/// A collector in this process, trusting 127.0.0.1 as its proxy.
pub struct Collector {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The admin token.
    pub admin: String,
    /// Its storage, for records no route makes (an expired token).
    pub store: collector::store::Store,
    _dir: TempDir,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn spawn_trusting_collector() -> Collector {
    let dir = temp_dir();
    let admin = "test-admin-token-0123456789".to_owned();
    let mut settings = collector::settings::Settings::new(dir.path().join("collector"));
    settings.listen = "127.0.0.1:0".into();
    settings.admin_token = Some(admin.clone());
    settings.trusted_proxies = vec![std::net::IpAddr::from([127, 0, 0, 1])];
    let app = collector::startup::Application::build(settings)
        .await
        .expect("collector builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let store = app.store();
    let server = tokio::spawn(app.run_until_stopped());
    Collector {
        base,
        admin,
        store,
        _dir: dir,
        server,
    }
}

/// Everything an attacker or a legitimate user might hold.
pub struct World {
    /// The collector.
    pub c: Collector,
    /// The Sawahlunto kiosk.
    pub k: TestKiosk,
    _kiosk_dir: TempDir,
    /// Sawahlunto's kiosk (id and key).
    pub creds: KioskCreated,
    /// Pauh's kiosk.
    pub pauh: KioskCreated,
    /// A Sawahlunto kiosk the operator disabled.
    pub disabled: KioskCreated,
    /// Bearer tokens: HR, the head of Sawahlunto, the head of Pauh.
    pub hr: String,
    /// Head of Sawahlunto.
    pub head: String,
    /// Head of Pauh.
    pub other_head: String,
    /// An HR token past its expiry.
    pub expired: String,
    /// An HR token the operator revoked.
    pub revoked: String,
    /// Page sessions (`sesi=...`): HR, the two heads, and an expired one.
    pub hr_session: String,
    /// Head of Sawahlunto's page session.
    pub head_session: String,
    /// Head of Pauh's page session.
    pub other_head_session: String,
    /// An HR page session past its end.
    pub expired_session: String,
    /// ASN sessions (`sesi_asn=...`): ASN1 and ASN2.
    pub asn1: String,
    /// ASN2's session.
    pub asn2: String,
    /// Kiosk counter sessions: ASN1 at L1, ASN2 at L2.
    pub l1: String,
    /// ASN2 at L2.
    pub l2: String,
    /// Paired tablets of L1 and L2.
    pub tablet1: String,
    /// L2's tablet.
    pub tablet2: String,
    /// ASN1's opaque reference.
    pub asn1_ref: String,
    /// `from=...&to=...` covering the history.
    pub q: String,
    /// ASN1's ratings with a comment, none answered yet.
    pub ratings: Vec<RatingId>,
    /// ASN1's complaint (score 1 with a comment): a follow-up item.
    pub complaint: RatingId,
    /// An ASN1 rating already answered.
    pub replied: RatingId,
    /// A flagged rating (counts for nobody).
    pub flagged: RatingId,
    /// Tickets completed at L1, forwarded, unrated: (ticket, QR token).
    pub done: Vec<(TicketId, String)>,
    /// A ticket waiting (service akta), forwarded.
    pub waiting: TicketId,
    /// The office's day when the world was built (snapshots report it, even
    /// when a run crosses midnight).
    pub today: jiff::civil::Date,
    http: Client,
    next_addr: AtomicU32,
}

/// A `sesi=...` page session for `user`, signed in through `/masuk`.
pub async fn staff_session(base: &str, xff: &str, user: &str) -> String {
    let res = no_redirects()
        .post(format!("{base}/masuk"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Forwarded-For", xff)
        .body(format!("username={user}&password={PASSWORD}&next=/laporan"))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{user} signs in");
    cookie_pair(&res, "sesi=")
}

/// A `sesi_asn=...` session for an ASN, signed in through `/asn/masuk`.
pub async fn asn_session(base: &str, xff: &str, (nip, pin): (&str, &str)) -> String {
    let res = no_redirects()
        .post(format!("{base}/asn/masuk"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Forwarded-For", xff)
        .body(format!("nip={nip}&pin={pin}"))
        .send()
        .await
        .expect("ASN sign-in");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "ASN {nip} signs in");
    cookie_pair(&res, "sesi_asn=")
}

fn cookie_pair(res: &reqwest::Response, prefix: &str) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(prefix))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned()
}

/// A rating token (`/r/`) for `ticket`, signed with `key` as `kiosk`.
pub fn rating_token(kiosk: KioskId, key: &str, ticket: TicketId, expires_in_s: i64) -> String {
    QrClaims {
        kiosk_id: kiosk,
        ticket_id: ticket,
        expires_at: jiff::Timestamp::now().as_second() + expires_in_s,
    }
    .sign(key)
}

/// A ticket-link token (`/t/`) for `ticket`.
pub fn link_token(kiosk: KioskId, key: &str, ticket: TicketId, expires_in_s: i64) -> String {
    QrClaims {
        kiosk_id: kiosk,
        ticket_id: ticket,
        expires_at: jiff::Timestamp::now().as_second() + expires_in_s,
    }
    .sign_as(TokenKind::TicketLink, key)
}

impl World {
    /// Builds the world (a few seconds: argon2 for every PIN and password).
    pub async fn build() -> World {
        let c = spawn_trusting_collector().await;
        let handle = TestCollector::handle(&c.base, &c.admin);
        let creds = provision_at(&c.base, &c.admin, OFFICE).await;
        let pauh = provision_at(&c.base, &c.admin, "pauh").await;

        // A spare counter L3 (sign-ins there disturb nobody).
        let mut office = e2e::demo_data::offices()
            .into_iter()
            .find(|o| o.id == OFFICE)
            .expect("office")
            .spec;
        office.counters.push(shared::wire::CounterSpec {
            id: "L3".into(),
            name: "Loket 3".into(),
            services: vec!["ktp".into(), "kk".into(), "akta".into()],
        });
        let res = handle.put_office(OFFICE, &office).await;
        assert_eq!(res.status(), StatusCode::OK);
        let extra = [
            (INACTIVE, "Pegawai Pindahan", Some(false)),
            (MARKUP_ASN, MARKUP_NAME, None),
        ];
        let rows: Vec<RosterRow> = extra
            .iter()
            .map(|((nip, pin), name, active)| RosterRow {
                nip: (*nip).into(),
                name: (*name).into(),
                office_id: OFFICE.into(),
                pin: (*pin).into(),
                active: *active,
            })
            .collect();
        assert!(handle.put_roster(&rows).await.rejected.is_empty());
        let disabled = handle.create_kiosk(OFFICE).await;
        let res = handle
            .admin(
                Method::POST,
                &format!("/api/v1/kiosks/{}/disable", disabled.kiosk_id),
            )
            .send()
            .await
            .expect("disable");
        assert_eq!(res.status(), StatusCode::OK);

        // Tokens.
        let hr = hr_token(&c.base, &c.admin).await;
        let head = head_token(&c.base, &c.admin, OFFICE).await;
        let other_head = head_token(&c.base, &c.admin, "pauh").await;
        let res = handle
            .admin(Method::POST, "/api/v1/tokens")
            .json(&j!({"role": "hr"}))
            .send()
            .await
            .expect("token");
        let revoked: shared::wire::TokenCreated = json(res).await;
        let res = handle
            .admin(
                Method::DELETE,
                &format!("/api/v1/tokens/{}", revoked.token_id),
            )
            .send()
            .await
            .expect("revoke");
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let expired = collector::auth::new_secret().expect("secret");
        let long_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48);
        c.store
            .insert_token(
                shared::secret::token_digest(&expired),
                collector::store::TokenRecord {
                    token_id: uuid::Uuid::now_v7(),
                    role: collector::store::Role::Hr,
                    created_at: long_ago,
                    expires_at: long_ago + jiff::SignedDuration::from_hours(24),
                },
            )
            .await
            .expect("expired token");

        // Page users and their sessions.
        for (user, role, office) in [
            (HEAD_USER, "head", Some(OFFICE)),
            (OTHER_HEAD_USER, "head", Some("pauh")),
            (HR_USER, "hr", None),
        ] {
            create_user(
                &handle,
                j!({"username": user, "password": PASSWORD, "role": role, "office_id": office}),
            )
            .await;
        }
        let w_addr = AtomicU32::new(1);
        let xff = || {
            let n = w_addr.fetch_add(1, Ordering::Relaxed);
            format!("10.200.{}.{}", n / 250, n % 250 + 1)
        };
        let hr_session = staff_session(&c.base, &xff(), HR_USER).await;
        let head_session = staff_session(&c.base, &xff(), HEAD_USER).await;
        let other_head_session = staff_session(&c.base, &xff(), OTHER_HEAD_USER).await;
        let expired_secret = collector::auth::new_secret().expect("secret");
        c.store
            .create_web_session(
                shared::secret::token_digest(&expired_secret),
                collector::store::WebSession {
                    username: HR_USER.into(),
                    role: collector::store::Role::Hr,
                    created_at: long_ago,
                    expires_at: long_ago + jiff::SignedDuration::from_hours(12),
                },
            )
            .await
            .expect("expired session");
        let expired_session = format!("sesi={expired_secret}");

        // History at the collector: 32 rated visits of ASN1 (one a
        // complaint), five of ASN2, and a flagged burst rating.
        let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(30);
        let mut list: Vec<Visit<'_>> = (0..32)
            .map(|_| Visit {
                nip: ASN1.0,
                score: 3,
                comment: Some("Pelayanan cukup baik"),
                after_s: 60,
            })
            .collect();
        list.push(Visit {
            nip: ASN1.0,
            score: 1,
            comment: Some("Petugas membentak saya"),
            after_s: 60,
        });
        list.extend((0..5).map(|_| Visit {
            nip: ASN2.0,
            score: 4,
            comment: None,
            after_s: 60,
        }));
        let (mut events, ids) = visits(&list, start);
        let flagged = RatingId(uuid::Uuid::now_v7());
        events.push(
            serde_json::from_value(j!({
                "type": "rating", "rating_id": flagged, "counter": "L1", "nip": ASN1.0,
                "channel": "tablet", "score": 1, "comment": "Semua buruk",
                "submitted_at": start + jiff::SignedDuration::from_hours(5), "flagged": true,
            }))
            .expect("flagged rating"),
        );
        send_events(&c.base, &creds, &events).await;
        let day = shared::OfficeTz::parse("Asia/Jakarta")
            .expect("tz")
            .day_of(start);
        let q = format!(
            "from={}&to={}",
            day.checked_sub(jiff::Span::new().days(1)).expect("day"),
            day.checked_add(jiff::Span::new().days(3)).expect("day")
        );
        let ratings = ids[..31].to_vec();
        let replied = ids[31];
        let complaint = ids[32];
        let report: Value = get_json(
            &c.base,
            &hr,
            &format!("/api/v1/reports/asn?office_id={OFFICE}&{q}"),
        )
        .await;
        let asn1_ref = report["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["nip"] == ASN1.0)
            .and_then(|r| r["asn_ref"].as_str())
            .expect("ASN1's reference")
            .to_owned();
        let asn1 = asn_session(&c.base, &xff(), ASN1).await;
        let asn2 = asn_session(&c.base, &xff(), ASN2).await;
        let res = client()
            .post(format!("{}/api/v1/ratings/{replied}/reply", c.base))
            .header("Cookie", &asn1)
            .json(&j!({"text": "Terima kasih atas masukannya"}))
            .send()
            .await
            .expect("reply");
        assert_eq!(res.status(), StatusCode::CREATED);

        // The kiosk, with a dashboard token, its counters staffed, tablets
        // paired, six tickets served and one waiting.
        let kiosk_dir = temp_dir();
        let mut s = fast_forwarding(kiosk_settings(&c.base, &creds, kiosk_dir.path()));
        s.dashboard_token = Some(DASH.into());
        let k = spawn_kiosk(s, creds.clone()).await;
        let l1 = k.sign_in("L1", ASN1).await;
        let l2 = k.sign_in("L2", ASN2).await;
        let tablet1 = k.tablet("L1").await;
        let tablet2 = k.tablet("L2").await;
        let mut done = Vec::new();
        for _ in 0..6 {
            let t = k.take_ticket("ktp").await;
            let called = k.call_next("L1", &l1).await;
            assert_eq!(called.ticket_id, t.ticket_id);
            let completed = k.complete(&called, &l1).await;
            let token = completed
                .rating_url
                .rsplit('/')
                .next()
                .expect("token")
                .to_owned();
            done.push((t.ticket_id, token));
        }
        let waiting = k.take_ticket("akta").await.ticket_id;
        drained_with_token(&k).await;

        World {
            c,
            k,
            _kiosk_dir: kiosk_dir,
            creds,
            pauh,
            disabled,
            hr,
            head,
            other_head,
            expired,
            revoked: revoked.token,
            hr_session,
            head_session,
            other_head_session,
            expired_session,
            asn1,
            asn2,
            l1,
            l2,
            tablet1,
            tablet2,
            asn1_ref,
            q,
            ratings,
            complaint,
            replied,
            flagged,
            done,
            waiting,
            today: shared::OfficeTz::parse("Asia/Jakarta")
                .expect("tz")
                .day_of(jiff::Timestamp::now()),
            // A fresh connection for every request: an answer that closed
            // its connection (a 431, say) never spoils the next request.
            http: Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            next_addr: AtomicU32::new(w_addr.load(Ordering::Relaxed)),
        }
    }

    /// A client address never used before (for `X-Forwarded-For`).
    pub fn fresh_addr(&self) -> String {
        let n = self.next_addr.fetch_add(1, Ordering::Relaxed);
        format!(
            "10.{}.{}.{}",
            100 + n / 62_500,
            (n / 250) % 250,
            n % 250 + 1
        )
    }

    /// The base URL of a server.
    pub fn base(&self, server: Server) -> &str {
        match server {
            Server::Collector => &self.c.base,
            Server::Kiosk => &self.k.base,
        }
    }

    /// Sends a request; `Err` when no HTTP answer came back at all.
    pub async fn send(&self, req: &Req) -> Result<Resp, String> {
        let mut req = req.clone();
        if req.server == Server::Collector && !req.has_header("X-Forwarded-For") {
            req = req.header("X-Forwarded-For", self.fresh_addr());
        }
        if req.raw {
            return raw_send(self.base(req.server), &req).await;
        }
        let mut r = self.http.request(
            req.method.clone(),
            format!("{}{}", self.base(req.server), req.path),
        );
        for (name, value) in &req.headers {
            let value = reqwest::header::HeaderValue::from_bytes(value)
                .map_err(|e| format!("header {name}: {e}"))?;
            r = r.header(name.as_str(), value);
        }
        if let Some(b) = &req.body {
            r = r.body(b.clone());
        }
        let res = r.send().await.map_err(|e| format!("no answer: {e:?}"))?;
        let status = res.status().as_u16();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let streaming = headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.starts_with("text/event-stream"));
        let body = if streaming {
            Vec::new()
        } else {
            res.bytes()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_vec()
        };
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// Whether a server answers `/healthz` with 200.
    pub async fn healthy(&self, server: Server) -> bool {
        self.send(&Req::new(server, Method::GET, "/healthz"))
            .await
            .is_ok_and(|r| r.status == 200)
    }

    /// What both servers hold, as far as an attacker could have changed it:
    /// the collector's counts, reports, trail, follow-ups and kiosks; the
    /// kiosk's outbox, tickets, sessions, tablets, pairings, PIN lockouts,
    /// ratings and display calls.
    pub async fn snapshot(&self) -> BTreeMap<String, String> {
        let mut s = BTreeMap::new();
        let get = |path: String, token: String| async move {
            let res = self
                .send(&Req::new(Server::Collector, Method::GET, path.clone()).bearer(&token))
                .await
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(res.status, 200, "{path}: {}", res.text());
            res.text()
        };
        let metrics = get("/metrics".into(), String::new()).await;
        s.insert(
            "collector metrics".into(),
            metrics
                .lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with("collector_http"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        let q = &self.q;
        let today = self.today;
        for path in [
            format!("/api/v1/reports/offices?{q}"),
            format!("/api/v1/reports/offices?from={today}&to={today}"),
            format!(
                "/api/v1/reports/asn/{}?office_id={OFFICE}&{q}",
                self.asn1_ref
            ),
            "/api/v1/audit".to_owned(),
            "/api/v1/followups".to_owned(),
        ] {
            let text = get(path.clone(), self.hr.clone()).await;
            s.insert(path, text);
        }
        for k in [&self.creds, &self.pauh, &self.disabled] {
            let path = format!("/api/v1/kiosks/{}", k.kiosk_id);
            let text = get(path.clone(), self.c.admin.clone()).await;
            s.insert(path, text);
        }
        let kiosk = self.k.store.read(|st| {
            let mut sessions: Vec<String> = st
                .sessions
                .values()
                .map(|x| format!("{}@{}:{}", x.nip.as_str(), x.counter, x.on_break))
                .collect();
            sessions.sort();
            let mut tablets: Vec<String> = st
                .tablets
                .iter()
                .map(|(h, t)| format!("{h}:{}", t.counter))
                .collect();
            tablets.sort();
            let mut pairs: Vec<&String> = st.pair_codes.keys().collect();
            pairs.sort();
            let mut fails: Vec<String> = st
                .pin_fails
                .iter()
                .map(|(n, f)| format!("{}:{f:?}", n.as_str()))
                .collect();
            fails.sort();
            let mut ratings: Vec<String> = st
                .ratings_by_day
                .iter()
                .map(|(d, r)| format!("{d}:{r:?}"))
                .collect();
            ratings.sort();
            [
                ("kiosk next_seq", st.next_seq.to_string()),
                ("kiosk instance", format!("{:?}", st.instance)),
                ("kiosk tickets", format!("{:?}", st.tickets)),
                ("kiosk sessions", sessions.join(",")),
                ("kiosk tablets", tablets.join(",")),
                ("kiosk pair codes", format!("{pairs:?}")),
                ("kiosk pin fails", fails.join(",")),
                ("kiosk ratings", ratings.join(",")),
                (
                    "kiosk calls",
                    format!(
                        "{:?}",
                        st.calls.iter().map(|c| c.call_id).collect::<Vec<_>>()
                    ),
                ),
            ]
        });
        for (name, value) in kiosk {
            s.insert(name.to_owned(), value);
        }
        let outbox = self
            .send(&Req::new(Server::Kiosk, Method::GET, "/api/outbox").bearer(DASH))
            .await
            .expect("outbox");
        let o: Value = serde_json::from_slice(&outbox.body).expect("outbox JSON");
        s.insert("kiosk outbox next_seq".into(), o["next_seq"].to_string());
        s
    }

    /// The keys whose values differ between two snapshots.
    pub fn changed(
        before: &BTreeMap<String, String>,
        after: &BTreeMap<String, String>,
    ) -> Vec<String> {
        before
            .iter()
            .filter(|(k, v)| after.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The ticket being served at `counter` now, if any.
    pub fn serving_at(&self, counter: &str) -> Option<(TicketId, String)> {
        let c = shared::CounterId::parse(counter).expect("counter");
        self.k
            .store
            .read(|s| s.serving_at(&c).map(|t| (t.id, t.service.to_string())))
    }

    /// Waits until the kiosk has forwarded everything.
    pub async fn settle(&self) {
        drained_with_token(&self.k).await;
    }
}

/// Waits until a kiosk with the dashboard token has forwarded everything.
async fn drained_with_token(k: &TestKiosk) {
    eventually("the outbox to drain", Duration::from_secs(60), || async {
        let res = k
            .req(Method::GET, "/api/outbox")
            .bearer_auth(DASH)
            .send()
            .await
            .ok()?;
        let o: shared::wire::OutboxStatus = res.json().await.ok()?;
        (o.pending == 0).then_some(())
    })
    .await;
}

/// Sends `req` to `base` byte for byte over TCP (`Connection: close`) and
/// reads the whole answer.
async fn raw_send(base: &str, req: &Req) -> Result<Resp, String> {
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let mut out = Vec::new();
    out.extend_from_slice(format!("{} ", req.method).as_bytes());
    out.extend_from_slice(req.path.as_bytes());
    out.extend_from_slice(format!(" HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n").as_bytes());
    for (name, value) in &req.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    if let Some(b) = &req.body {
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", b.len()).as_bytes());
        out.extend_from_slice(b);
    } else {
        out.extend_from_slice(b"\r\n");
    }
    // The server may answer (and close) before it read everything.
    let _ = stream.write_all(&out).await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .map_err(|_| "no answer within 10 s".to_owned())?
        .or_else(|e| {
            if answer.is_empty() {
                Err(format!("read: {e}"))
            } else {
                Ok(0)
            }
        })?;
    parse_answer(&answer)
}

fn parse_answer(bytes: &[u8]) -> Result<Resp, String> {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no HTTP answer: {:?}", String::from_utf8_lossy(bytes)))?;
    let head = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line: {head}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = bytes[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Ok(Resp {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&data[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 4 + size).min(data.len())..];
    }
    out
}

/// Where the routes are registered (the same files `api_doc.rs` reads).
const REGISTRIES: [(Server, &str); 3] = [
    (
        Server::Collector,
        include_str!("../../../collector/src/routes/mod.rs"),
    ),
    (
        Server::Kiosk,
        include_str!("../../../kiosk/src/routes/mod.rs"),
    ),
    (
        Server::Kiosk,
        include_str!("../../../kiosk/src/pages/mod.rs"),
    ),
];

/// Every (server, method, path template) either server registers.
pub fn registered_routes() -> Vec<(Server, Method, String)> {
    let mut out = Vec::new();
    for (server, source) in REGISTRIES {
        for part in source.split("resource(\"").skip(1) {
            let Some((path, rest)) = part.split_once('"') else {
                continue;
            };
            if !path.starts_with('/') {
                continue;
            }
            // Only this resource's own routes (up to the next resource).
            let rest = rest.split("resource(").next().unwrap_or(rest);
            for (name, method) in [
                ("get", Method::GET),
                ("post", Method::POST),
                ("put", Method::PUT),
                ("delete", Method::DELETE),
            ] {
                if rest.contains(&format!("web::{name}()")) {
                    out.push((server, method, path.to_owned()));
                }
            }
        }
    }
    out
}
