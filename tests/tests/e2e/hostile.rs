//! A hostile corpus against every route of both servers: malformed,
//! truncated and oversized bodies and headers, deep nesting, bytes that are
//! no UTF-8, control characters and markup, path traversal (encoded and
//! raw), negative and enormous numbers, forged, expired and replayed
//! signatures and tokens, wrong content types and methods.
//!
//! Every case must get a 4xx (a sign-in page's refusal may be its 303 to the
//! sign-in), never a 5xx, with a JSON error (code and message) from an API
//! route and an HTML page from a page route; both servers must still answer
//! `/healthz`, and nothing either server holds may change (a snapshot is
//! taken before and after each route's cases). Markup that is accepted (a
//! name, a comment, a reply) must be shown as text wherever a page shows it.

use std::collections::BTreeSet;
use std::time::Instant;

use reqwest::Method;
use serde_json::json as j;

use crate::helpers::*;
use crate::world::*;

/// What a case must be answered with.
#[derive(Debug, Clone)]
enum Expect {
    /// Exactly this 4xx.
    Status(u16),
    /// One of these 4xx.
    AnyOf(&'static [u16]),
    /// A 303 to a path starting with this (a page's way to its sign-in).
    Redirect(&'static str),
}

/// What the refusal's body must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    /// `{"error", "message"}`.
    Json,
    /// An HTML page.
    Page,
    /// Whatever the HTTP layer answers (a request it could not parse).
    Any,
}

struct Case {
    name: String,
    route: (Server, Method, &'static str),
    req: Req,
    expect: Expect,
    body: Body,
    /// A known deviation from docs/API.md: what is answered instead, and
    /// why. Reported on every run; the case fails if it is answered neither
    /// as documented nor as known.
    known: Option<(Expect, Body, &'static str)>,
}

/// The cases, grouped by the route they attack.
struct Corpus {
    cases: Vec<Case>,
    route: (Server, Method, &'static str),
    body: Body,
}

impl Corpus {
    fn route(&mut self, server: Server, method: Method, template: &'static str, body: Body) {
        self.route = (server, method, template);
        self.body = body;
    }

    fn add(&mut self, name: &str, req: Req, expect: Expect) {
        self.add_as(name, req, expect, self.body);
    }

    fn add_as(&mut self, name: &str, req: Req, expect: Expect, body: Body) {
        self.cases.push(Case {
            name: format!(
                "{} {} {}: {name}",
                self.route.0.tag(),
                req.method,
                self.route.2
            ),
            route: self.route.clone(),
            req,
            expect,
            body,
            known: None,
        });
    }
}

use Expect::{AnyOf, Redirect, Status};

const TOO_BIG: &[u16] = &[400, 413, 431];
const TRAVERSAL: &str = "..%2F..%2F..%2Fetc%2Fpasswd";
const RAW_TRAVERSAL: &str = "../../../../etc/passwd";

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn not_utf8() -> Vec<u8> {
    vec![
        b'{', b'"', b'a', b'"', b':', b'"', 0xff, 0xfe, 0xc3, b'"', b'}',
    ]
}

fn padded_json(field: &str, kib: usize) -> String {
    format!("{{\"{field}\":\"{}\"}}", "x".repeat(kib * 1024))
}

/// Every case of the corpus, against `w`.
fn corpus(w: &World) -> Corpus {
    let mut c = Corpus {
        cases: Vec::new(),
        route: (Server::Collector, Method::GET, ""),
        body: Body::Json,
    };
    let col = |m: Method, p: &str| Req::new(Server::Collector, m, p);
    let kio = |m: Method, p: &str| Req::new(Server::Kiosk, m, p);
    let admin = w.c.admin.clone();
    let q = w.q.clone();
    let huge_header = "h".repeat(256 * 1024);
    let office_spec = serde_json::to_value(
        e2e::demo_data::offices()
            .into_iter()
            .find(|o| o.id == "pauh")
            .expect("pauh")
            .spec,
    )
    .expect("spec");
    let with = |key: &str, value: serde_json::Value| {
        let mut s = office_spec.clone();
        s[key] = value;
        s.to_string()
    };
    let kiosk_id = w.creds.kiosk_id;
    let key = w.creds.key.clone();
    let (done_id, done_qr) = w.done[0].clone();
    let rated_qr = w.done[5].1.clone();
    let rating = w.ratings[0];
    let instance = w.k.store.read(|s| s.instance);
    let acked = w.k.store.read(|s| s.acked_through);
    let event = j!({"type": "ticket_completed", "ticket_id": done_id,
        "completed_at": jiff::Timestamp::now()});
    let batch = |first_seq: serde_json::Value, events: Vec<serde_json::Value>| {
        j!({"first_seq": first_seq, "instance": uuid::Uuid::now_v7(), "events": events}).to_string()
    };
    let signed_batch = |body: String| {
        col(Method::POST, "/api/v1/batches")
            .json(body)
            .signed(kiosk_id, &key, 0)
    };

    // ------------------------------------------------------------ collector
    c.route(Server::Collector, Method::GET, "/healthz", Body::Any);
    c.add(
        "a 256 KiB header",
        col(Method::GET, "/healthz").header("X-Pad", &huge_header),
        AnyOf(TOO_BIG),
    );
    c.add(
        "200 headers",
        (0..200).fold(col(Method::GET, "/healthz"), |r, i| {
            r.header(&format!("X-H{i}"), "x")
        }),
        AnyOf(TOO_BIG),
    );
    c.add_as(
        "wrong method",
        col(Method::POST, "/healthz"),
        Status(405),
        Body::Json,
    );
    c.add_as(
        "DELETE",
        col(Method::DELETE, "/healthz"),
        Status(405),
        Body::Json,
    );

    c.route(Server::Collector, Method::GET, "/metrics", Body::Any);
    c.add(
        "a 256 KiB cookie",
        col(Method::GET, "/metrics").cookie(&huge_header),
        AnyOf(TOO_BIG),
    );
    c.add_as(
        "wrong method",
        col(Method::PUT, "/metrics"),
        Status(405),
        Body::Json,
    );

    c.route(
        Server::Collector,
        Method::PUT,
        "/api/v1/offices/{office_id}",
        Body::Json,
    );
    let put_office = |id: &str| col(Method::PUT, &format!("/api/v1/offices/{id}"));
    c.add(
        "no admin token",
        put_office("x1").json(office_spec.to_string()),
        Status(401),
    );
    c.add(
        "an HR token",
        put_office("x1").bearer(&w.hr).json(office_spec.to_string()),
        Status(401),
    );
    c.add(
        "the admin token as Basic",
        put_office("x1")
            .header("Authorization", format!("Basic {admin}"))
            .json(office_spec.to_string()),
        Status(401),
    );
    c.add(
        "an empty bearer",
        put_office("x1")
            .header("Authorization", "Bearer ")
            .json(office_spec.to_string()),
        Status(401),
    );
    c.add(
        "truncated JSON",
        put_office("x1")
            .bearer(&admin)
            .json(r#"{"name": "Kantor", "tz": "Asia/Ja"#),
        Status(400),
    );
    c.add(
        "text/plain",
        put_office("x1")
            .bearer(&admin)
            .body_as("text/plain", office_spec.to_string().into_bytes()),
        Status(415),
    );
    c.add(
        "no content type",
        put_office("x1")
            .bearer(&admin)
            .bare_body(office_spec.to_string().into_bytes()),
        Status(415),
    );
    c.add(
        "a form",
        put_office("x1")
            .bearer(&admin)
            .form("name=x&tz=Asia/Jakarta"),
        Status(415),
    );
    c.add(
        "over 64 KiB",
        put_office("x1")
            .bearer(&admin)
            .json(with("name", j!("x".repeat(70 * 1024)))),
        Status(413),
    );
    c.add(
        "10,000 nested arrays",
        put_office("x1").bearer(&admin).json(nested(10_000)),
        Status(400),
    );
    c.add(
        "invalid UTF-8",
        put_office("x1")
            .bearer(&admin)
            .body_as("application/json", not_utf8()),
        Status(400),
    );
    c.add(
        "an id of path traversal",
        put_office(TRAVERSAL)
            .bearer(&admin)
            .json(office_spec.to_string()),
        Status(422),
    );
    c.add(
        "an id of markup",
        put_office("%3Cscript%3E")
            .bearer(&admin)
            .json(office_spec.to_string()),
        Status(422),
    );
    c.add(
        "a time zone of path traversal",
        put_office("x1")
            .bearer(&admin)
            .json(with("tz", j!("../../../etc/localtime"))),
        Status(422),
    );
    c.add(
        "a negative standard",
        put_office("x1").bearer(&admin).json({
            let mut s = office_spec.clone();
            s["services"][0]["target_minutes"] = j!(-30);
            s.to_string()
        }),
        Status(422),
    );
    c.add(
        "an enormous standard",
        put_office("x1").bearer(&admin).json({
            let mut s = office_spec.clone();
            s["services"][0]["target_minutes"] = j!(1e300);
            s.to_string()
        }),
        Status(400),
    );
    c.add(
        "a name of 10,000 characters",
        put_office("x1")
            .bearer(&admin)
            .json(with("name", j!("n".repeat(10_000)))),
        Status(422),
    );
    c.add(
        "an empty name",
        put_office("x1")
            .bearer(&admin)
            .json(with("name", j!("   "))),
        Status(422),
    );
    c.add(
        "services not a list",
        put_office("x1")
            .bearer(&admin)
            .json(with("services", j!({"code": "ktp"}))),
        Status(400),
    );
    c.add_as(
        "wrong method",
        col(Method::DELETE, "/api/v1/offices/pauh").bearer(&admin),
        Status(405),
        Body::Json,
    );

    c.route(
        Server::Collector,
        Method::POST,
        "/api/v1/kiosks",
        Body::Json,
    );
    c.add(
        "no admin token",
        col(Method::POST, "/api/v1/kiosks").json(r#"{"office_id":"pauh"}"#),
        Status(401),
    );
    c.add(
        "a head token",
        col(Method::POST, "/api/v1/kiosks")
            .bearer(&w.head)
            .json(r#"{"office_id":"pauh"}"#),
        Status(401),
    );
    c.add(
        "an office of path traversal",
        col(Method::POST, "/api/v1/kiosks")
            .bearer(&admin)
            .json(r#"{"office_id":"../../etc/passwd"}"#),
        Status(422),
    );
    c.add(
        "an unknown office",
        col(Method::POST, "/api/v1/kiosks")
            .bearer(&admin)
            .json(r#"{"office_id":"nowhere"}"#),
        Status(404),
    );
    c.add(
        "a number for the office",
        col(Method::POST, "/api/v1/kiosks")
            .bearer(&admin)
            .json(r#"{"office_id":7}"#),
        Status(400),
    );
    c.add(
        "truncated JSON",
        col(Method::POST, "/api/v1/kiosks")
            .bearer(&admin)
            .json(r#"{"office_id":"pa"#),
        Status(400),
    );
    c.add(
        "an empty body",
        col(Method::POST, "/api/v1/kiosks").bearer(&admin).json(""),
        Status(400),
    );
    c.add_as(
        "wrong method",
        col(Method::GET, "/api/v1/kiosks").bearer(&admin),
        Status(405),
        Body::Json,
    );

    c.route(
        Server::Collector,
        Method::GET,
        "/api/v1/kiosks/{kiosk_id}",
        Body::Json,
    );
    c.add(
        "no admin token",
        col(Method::GET, &format!("/api/v1/kiosks/{kiosk_id}")),
        Status(401),
    );
    c.add(
        "the kiosk's own key as a token",
        col(Method::GET, &format!("/api/v1/kiosks/{kiosk_id}")).bearer(&key),
        Status(401),
    );
    c.add(
        "path traversal",
        col(Method::GET, &format!("/api/v1/kiosks/{TRAVERSAL}")).bearer(&admin),
        Status(404),
    );
    c.add(
        "raw path traversal",
        col(Method::GET, &format!("/api/v1/kiosks/{RAW_TRAVERSAL}"))
            .bearer(&admin)
            .raw(),
        Status(404),
    );
    c.add(
        "an unknown kiosk",
        col(
            Method::GET,
            &format!("/api/v1/kiosks/{}", uuid::Uuid::now_v7()),
        )
        .bearer(&admin),
        Status(404),
    );
    c.add(
        "an id of 10,000 characters",
        col(
            Method::GET,
            &format!("/api/v1/kiosks/{}", "a".repeat(10_000)),
        )
        .bearer(&admin),
        AnyOf(&[404, 414, 431]),
    );

    c.route(
        Server::Collector,
        Method::POST,
        "/api/v1/kiosks/{kiosk_id}/disable",
        Body::Json,
    );
    c.add(
        "no admin token",
        col(Method::POST, &format!("/api/v1/kiosks/{kiosk_id}/disable")),
        Status(401),
    );
    c.add(
        "a signed kiosk request",
        col(Method::POST, &format!("/api/v1/kiosks/{kiosk_id}/disable")).signed(kiosk_id, &key, 0),
        Status(401),
    );
    c.add(
        "path traversal",
        col(Method::POST, &format!("/api/v1/kiosks/{TRAVERSAL}/disable")).bearer(&admin),
        Status(404),
    );
    c.add(
        "an unknown kiosk",
        col(
            Method::POST,
            &format!("/api/v1/kiosks/{}/disable", uuid::Uuid::now_v7()),
        )
        .bearer(&admin),
        Status(404),
    );
    c.add_as(
        "wrong method",
        col(Method::GET, &format!("/api/v1/kiosks/{kiosk_id}/disable")).bearer(&admin),
        Status(405),
        Body::Json,
    );

    c.route(
        Server::Collector,
        Method::POST,
        "/api/v1/kiosks/{kiosk_id}/key",
        Body::Json,
    );
    c.add(
        "no admin token",
        col(Method::POST, &format!("/api/v1/kiosks/{kiosk_id}/key")),
        Status(401),
    );
    c.add(
        "the revoked token",
        col(Method::POST, &format!("/api/v1/kiosks/{kiosk_id}/key")).bearer(&w.revoked),
        Status(401),
    );
    c.add(
        "a disabled kiosk",
        col(
            Method::POST,
            &format!("/api/v1/kiosks/{}/key", w.disabled.kiosk_id),
        )
        .bearer(&admin),
        Status(409),
    );
    c.add(
        "path traversal",
        col(Method::POST, &format!("/api/v1/kiosks/{TRAVERSAL}/key")).bearer(&admin),
        Status(404),
    );

    c.route(
        Server::Collector,
        Method::GET,
        "/api/v1/kiosks/{kiosk_id}/config",
        Body::Json,
    );
    let config = format!("/api/v1/kiosks/{kiosk_id}/config");
    c.add("unsigned", col(Method::GET, &config), Status(401));
    c.add(
        "signed with another key",
        col(Method::GET, &config).signed(kiosk_id, "not-the-key", 0),
        Status(401),
    );
    c.add(
        "signed 10 minutes ago (replayed)",
        col(Method::GET, &config).signed(kiosk_id, &key, -600),
        Status(401),
    );
    c.add(
        "signed 10 minutes ahead",
        col(Method::GET, &config).signed(kiosk_id, &key, 600),
        Status(401),
    );
    c.add(
        "an enormous timestamp",
        col(Method::GET, &config)
            .header("X-Kiosk-Id", kiosk_id.to_string())
            .header("X-Timestamp", "99999999999999999999999")
            .header("X-Signature", "00"),
        Status(401),
    );
    c.add(
        "a negative timestamp",
        col(Method::GET, &config)
            .header("X-Kiosk-Id", kiosk_id.to_string())
            .header("X-Timestamp", i64::MIN.to_string())
            .header("X-Signature", "00"),
        Status(401),
    );
    c.add(
        "a signature that is no hex",
        col(Method::GET, &config)
            .header("X-Kiosk-Id", kiosk_id.to_string())
            .header(
                "X-Timestamp",
                jiff::Timestamp::now().as_second().to_string(),
            )
            .header("X-Signature", "zz<script>"),
        Status(401),
    );
    c.add(
        "another office's kiosk signs for this one",
        col(Method::GET, &config).signed(w.pauh.kiosk_id, &w.pauh.key, 0),
        Status(401),
    );
    c.add(
        "the disabled kiosk",
        col(
            Method::GET,
            &format!("/api/v1/kiosks/{}/config", w.disabled.kiosk_id),
        )
        .signed(w.disabled.kiosk_id, &w.disabled.key, 0),
        Status(401),
    );
    c.add(
        "path traversal",
        col(Method::GET, &format!("/api/v1/kiosks/{TRAVERSAL}/config")).signed(kiosk_id, &key, 0),
        Status(401),
    );

    c.route(
        Server::Collector,
        Method::POST,
        "/api/v1/batches",
        Body::Json,
    );
    let one = batch(j!(1), vec![event.clone()]);
    c.add(
        "unsigned",
        col(Method::POST, "/api/v1/batches").json(one.clone()),
        Status(401),
    );
    c.add(
        "signed with another key",
        col(Method::POST, "/api/v1/batches")
            .json(one.clone())
            .signed(kiosk_id, "not-the-key", 0),
        Status(401),
    );
    c.add(
        "a signature replayed onto another body",
        {
            let mut r = signed_batch(one.clone());
            r.body = Some(batch(j!(1), vec![event.clone(), event.clone()]).into_bytes());
            r
        },
        Status(401),
    );
    c.add(
        "a captured batch replayed 10 minutes later",
        col(Method::POST, "/api/v1/batches")
            .json(one.clone())
            .signed(kiosk_id, &key, -600),
        Status(401),
    );
    c.add(
        "the disabled kiosk",
        col(Method::POST, "/api/v1/batches")
            .json(one.clone())
            .signed(w.disabled.kiosk_id, &w.disabled.key, 0),
        Status(401),
    );
    c.add(
        "an unknown kiosk id",
        col(Method::POST, "/api/v1/batches")
            .json(one.clone())
            .signed(shared::KioskId(uuid::Uuid::now_v7()), &key, 0),
        Status(401),
    );
    c.add(
        "text/plain",
        col(Method::POST, "/api/v1/batches")
            .body_as("text/plain", one.clone().into_bytes())
            .signed(kiosk_id, &key, 0),
        Status(415),
    );
    c.add(
        "over 4 MiB",
        col(Method::POST, "/api/v1/batches").json(padded_json("pad", 4 * 1024 + 100)),
        Status(413),
    );
    c.add(
        "truncated JSON",
        signed_batch(one[..one.len() / 2].to_owned()),
        Status(400),
    );
    c.add(
        "10,000 nested arrays",
        signed_batch(nested(10_000)),
        Status(400),
    );
    c.add(
        "an event nested 100,000 deep",
        signed_batch(format!(
            "{{\"first_seq\":1,\"events\":[{}]}}",
            nested(100_000)
        )),
        Status(400),
    );
    c.add(
        "invalid UTF-8",
        col(Method::POST, "/api/v1/batches")
            .body_as("application/json", not_utf8())
            .signed(kiosk_id, &key, 0),
        Status(400),
    );
    c.add(
        "first_seq 0",
        signed_batch(batch(j!(0), vec![event.clone()])),
        Status(422),
    );
    c.add(
        "a negative first_seq",
        signed_batch(batch(j!(-1), vec![event.clone()])),
        Status(400),
    );
    c.add(
        "first_seq past u64",
        signed_batch(format!(
            r#"{{"first_seq":18446744073709551616,"events":[{event}]}}"#
        )),
        Status(400),
    );
    c.add(
        "first_seq 1e400",
        signed_batch(format!(r#"{{"first_seq":1e400,"events":[{event}]}}"#)),
        Status(400),
    );
    c.add(
        "1,001 events",
        signed_batch(batch(j!(1), vec![event.clone(); 1001])),
        Status(413),
    );
    c.add(
        "an unknown event type",
        signed_batch(batch(
            j!(1),
            vec![j!({"type": "ticket_deleted", "ticket_id": done_id})],
        )),
        Status(400),
    );
    c.add("a rating scored 99", signed_batch(batch(j!(1), vec![j!({"type": "rating", "rating_id": uuid::Uuid::now_v7(), "ticket_id": done_id, "channel": "tablet", "score": 99, "submitted_at": jiff::Timestamp::now()})])), Status(400));
    c.add("a rating with a 10,000 character comment", signed_batch(batch(j!(1), vec![j!({"type": "rating", "rating_id": uuid::Uuid::now_v7(), "ticket_id": done_id, "channel": "tablet", "score": 1, "comment": "x".repeat(10_000), "submitted_at": jiff::Timestamp::now()})])), Status(400));
    c.add("a ticket id of path traversal", signed_batch(batch(j!(1), vec![j!({"type": "ticket_completed", "ticket_id": "../../etc/passwd", "completed_at": jiff::Timestamp::now()})])), Status(400));
    c.add(
        "another office's kiosk completes this office's ticket",
        col(Method::POST, "/api/v1/batches")
            .json(one.clone())
            .signed(w.pauh.kiosk_id, &w.pauh.key, 0),
        Status(403),
    );
    c.add(
        "a gap after the kiosk's mark",
        signed_batch(
            j!({"first_seq": acked + 50, "instance": instance, "events": [event.clone()]})
                .to_string(),
        ),
        Status(409),
    );
    c.add(
        "other events than those applied (diverged)",
        signed_batch(
            j!({"first_seq": 1, "instance": instance, "events": [event.clone()]}).to_string(),
        ),
        Status(409),
    );
    c.add_as(
        "wrong method",
        col(Method::GET, "/api/v1/batches").signed(kiosk_id, &key, 0),
        Status(405),
        Body::Json,
    );

    c.route(Server::Collector, Method::GET, "/api/v1/backup", Body::Json);
    c.add(
        "no admin token",
        col(Method::GET, "/api/v1/backup"),
        Status(401),
    );
    c.add(
        "an HR token",
        col(Method::GET, "/api/v1/backup").bearer(&w.hr),
        Status(401),
    );
    c.add(
        "the kiosk's key",
        col(Method::GET, "/api/v1/backup").bearer(&key),
        Status(401),
    );
    c.add(
        "the HR page session",
        col(Method::GET, "/api/v1/backup").cookie(&w.hr_session),
        Status(401),
    );
    c.add_as(
        "wrong method",
        col(Method::POST, "/api/v1/backup").bearer(&admin),
        Status(405),
        Body::Json,
    );

    c.route(
        Server::Collector,
        Method::GET,
        "/api/v1/export/events",
        Body::Json,
    );
    let export = "/api/v1/export/events?from=2026-01-01&to=2026-01-31";
    c.add("no admin token", col(Method::GET, export), Status(401));
    c.add(
        "an HR token",
        col(Method::GET, export).bearer(&w.hr),
        Status(401),
    );
    c.add(
        "the kiosk's key",
        col(Method::GET, export).bearer(&key),
        Status(401),
    );
    for (what, q) in [
        ("no days", ""),
        ("a day that is not a date", "?from=2026-13-01&to=2026-12-31"),
        ("markup as a day", "?from=%3Cscript%3E&to=2026-12-31"),
        ("to before from", "?from=2026-02-01&to=2026-01-01"),
        (
            "an unknown format",
            "?from=2026-01-01&to=2026-01-31&format=xml",
        ),
        ("an enormous year", "?from=99999999-01-01&to=2026-01-31"),
    ] {
        c.add(
            what,
            col(Method::GET, &format!("/api/v1/export/events{q}")).bearer(&admin),
            Status(422),
        );
    }
    c.add_as(
        "wrong method",
        col(Method::POST, export).bearer(&admin),
        Status(405),
        Body::Json,
    );

    c.route(Server::Collector, Method::PUT, "/api/v1/roster", Body::Json);
    c.add(
        "no admin token",
        col(Method::PUT, "/api/v1/roster")
            .body_as("text/csv", b"nip,name,office_id,pin\n".to_vec()),
        Status(401),
    );
    c.add(
        "an HR token",
        col(Method::PUT, "/api/v1/roster").bearer(&w.hr).json("[]"),
        Status(401),
    );
    c.add(
        "XML",
        col(Method::PUT, "/api/v1/roster")
            .bearer(&admin)
            .body_as("application/xml", b"<roster/>".to_vec()),
        Status(415),
    );
    c.add(
        "no content type",
        col(Method::PUT, "/api/v1/roster")
            .bearer(&admin)
            .bare_body(b"[]".to_vec()),
        Status(415),
    );
    c.add(
        "a JSON object, not a list",
        col(Method::PUT, "/api/v1/roster")
            .bearer(&admin)
            .json(r#"{"nip":"198204102008012005"}"#),
        Status(400),
    );
    c.add(
        "truncated JSON",
        col(Method::PUT, "/api/v1/roster")
            .bearer(&admin)
            .json(r#"[{"nip":"1982"#),
        Status(400),
    );
    c.add(
        "10,000 nested arrays",
        col(Method::PUT, "/api/v1/roster")
            .bearer(&admin)
            .json(nested(10_000)),
        Status(400),
    );
    c.add(
        "CSV without office_id",
        col(Method::PUT, "/api/v1/roster").bearer(&admin).body_as(
            "text/csv",
            b"nip,name,pin\n198204102008012005,Rina,4711\n".to_vec(),
        ),
        Status(400),
    );
    c.add(
        "empty CSV",
        col(Method::PUT, "/api/v1/roster")
            .bearer(&admin)
            .body_as("text/csv", Vec::new()),
        Status(400),
    );
    c.add(
        "a CSV header of invalid UTF-8",
        col(Method::PUT, "/api/v1/roster").bearer(&admin).body_as(
            "text/csv",
            [
                b"nip,na".to_vec(),
                vec![0xff, 0xfe],
                b"me,office_id,pin\n198204102008012005,Rina,sawahlunto,4711\n".to_vec(),
            ]
            .concat(),
        ),
        Status(400),
    );
    c.add(
        "over 10 MiB",
        col(Method::PUT, "/api/v1/roster")
            .bearer(&admin)
            .body_as("text/csv", vec![b'a'; 10 * 1024 * 1024 + 10]),
        Status(413),
    );

    c.route(
        Server::Collector,
        Method::POST,
        "/api/v1/tokens",
        Body::Json,
    );
    c.add(
        "no admin token",
        col(Method::POST, "/api/v1/tokens").json(r#"{"role":"hr"}"#),
        Status(401),
    );
    c.add(
        "an HR token makes itself more",
        col(Method::POST, "/api/v1/tokens")
            .bearer(&w.hr)
            .json(r#"{"role":"hr"}"#),
        Status(401),
    );
    c.add(
        "an expired token",
        col(Method::POST, "/api/v1/tokens")
            .bearer(&w.expired)
            .json(r#"{"role":"hr"}"#),
        Status(401),
    );
    c.add(
        "role admin",
        col(Method::POST, "/api/v1/tokens")
            .bearer(&admin)
            .json(r#"{"role":"admin"}"#),
        Status(422),
    );
    c.add(
        "negative days",
        col(Method::POST, "/api/v1/tokens")
            .bearer(&admin)
            .json(r#"{"role":"hr","expires_in_days":-1}"#),
        Status(422),
    );
    c.add(
        "enormous days",
        col(Method::POST, "/api/v1/tokens")
            .bearer(&admin)
            .json(r#"{"role":"hr","expires_in_days":99999999999999999999999}"#),
        Status(400),
    );
    c.add(
        "i64::MAX days",
        col(Method::POST, "/api/v1/tokens")
            .bearer(&admin)
            .json(format!(r#"{{"role":"hr","expires_in_days":{}}}"#, i64::MAX)),
        Status(422),
    );
    c.add(
        "a head of path traversal",
        col(Method::POST, "/api/v1/tokens")
            .bearer(&admin)
            .json(r#"{"role":"head","office_id":"../../etc"}"#),
        Status(422),
    );
    c.add(
        "role as a list",
        col(Method::POST, "/api/v1/tokens")
            .bearer(&admin)
            .json(r#"{"role":["hr"]}"#),
        Status(400),
    );

    c.route(
        Server::Collector,
        Method::DELETE,
        "/api/v1/tokens/{token_id}",
        Body::Json,
    );
    c.add(
        "no admin token",
        col(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", uuid::Uuid::now_v7()),
        ),
        Status(401),
    );
    c.add(
        "path traversal",
        col(Method::DELETE, &format!("/api/v1/tokens/{TRAVERSAL}")).bearer(&admin),
        Status(404),
    );
    c.add(
        "an unknown token",
        col(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", uuid::Uuid::now_v7()),
        )
        .bearer(&admin),
        Status(404),
    );
    c.add_as(
        "wrong method",
        col(
            Method::GET,
            &format!("/api/v1/tokens/{}", uuid::Uuid::now_v7()),
        )
        .bearer(&admin),
        Status(405),
        Body::Json,
    );

    let reports = [
        (
            "/api/v1/reports/offices",
            "/api/v1/reports/offices".to_owned(),
        ),
        (
            "/api/v1/reports/offices/{office_id}",
            format!("/api/v1/reports/offices/{OFFICE}"),
        ),
        (
            "/api/v1/reports/summary",
            "/api/v1/reports/summary".to_owned(),
        ),
        ("/api/v1/reports/asn", "/api/v1/reports/asn".to_owned()),
        (
            "/api/v1/reports/asn/{asn_ref}",
            format!("/api/v1/reports/asn/{}", w.asn1_ref),
        ),
        ("/api/v1/reports/skm", "/api/v1/reports/skm".to_owned()),
        (
            "/api/v1/reports/skm.xlsx",
            "/api/v1/reports/skm.xlsx".to_owned(),
        ),
    ];
    for (template, base) in reports {
        c.route(Server::Collector, Method::GET, template, Body::Json);
        let at = |query: &str| col(Method::GET, &format!("{base}?office_id={OFFICE}&{query}"));
        c.add("no token", at(&q), Status(401));
        c.add(
            "a forged token",
            at(&q).bearer(&"f".repeat(64)),
            Status(401),
        );
        c.add("an expired token", at(&q).bearer(&w.expired), Status(401));
        c.add("a revoked token", at(&q).bearer(&w.revoked), Status(401));
        c.add("an ASN session", at(&q).cookie(&w.asn1), Status(401));
        c.add(
            "a day of month 45",
            at("from=2026-12-45&to=2027-01-01").bearer(&w.hr),
            Status(400),
        );
        c.add(
            "the year 99999",
            at("from=99999-01-01&to=99999-02-01").bearer(&w.hr),
            Status(400),
        );
        c.add(
            "to before from",
            at("from=2026-02-01&to=2026-01-01").bearer(&w.hr),
            Status(422),
        );
        c.add(
            "an unknown preset",
            at("preset=selamanya").bearer(&w.hr),
            Status(400),
        );
        c.add(
            "the head of another office",
            at(&q).bearer(&w.other_head),
            Status(403),
        );
    }
    c.route(
        Server::Collector,
        Method::GET,
        "/api/v1/reports/offices",
        Body::Json,
    );
    c.add(
        "an office of path traversal",
        col(
            Method::GET,
            &format!("/api/v1/reports/offices?office_id=../../etc&{q}"),
        )
        .bearer(&w.hr),
        Status(400),
    );
    c.add(
        "ten years",
        col(
            Method::GET,
            "/api/v1/reports/offices?from=2016-01-01&to=2026-01-01",
        )
        .bearer(&w.hr),
        Status(422),
    );
    c.add(
        "a query of invalid UTF-8",
        col(
            Method::GET,
            &format!("/api/v1/reports/offices?office_id=%FF%FE&{q}"),
        )
        .bearer(&w.hr),
        Status(400),
    );
    c.add(
        "a repeated parameter",
        col(
            Method::GET,
            &format!("/api/v1/reports/offices?{q}&from=2026-01-01"),
        )
        .bearer(&w.hr),
        Status(400),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/api/v1/reports/offices/{office_id}",
        Body::Json,
    );
    c.add(
        "path traversal",
        col(
            Method::GET,
            &format!("/api/v1/reports/offices/{TRAVERSAL}?{q}"),
        )
        .bearer(&w.hr),
        Status(404),
    );
    c.add(
        "a head asking for an office that does not exist",
        col(Method::GET, &format!("/api/v1/reports/offices/nowhere?{q}")).bearer(&w.head),
        Status(403),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/api/v1/reports/asn/{asn_ref}",
        Body::Json,
    );
    c.add(
        "a NIP instead of the reference",
        col(
            Method::GET,
            &format!("/api/v1/reports/asn/{}?office_id={OFFICE}&{q}", ASN1.0),
        )
        .bearer(&w.hr),
        Status(404),
    );
    c.add(
        "path traversal",
        col(
            Method::GET,
            &format!("/api/v1/reports/asn/{TRAVERSAL}?office_id={OFFICE}&{q}"),
        )
        .bearer(&w.hr),
        Status(404),
    );
    c.add(
        "no office",
        col(
            Method::GET,
            &format!("/api/v1/reports/asn/{}?{q}", w.asn1_ref),
        )
        .bearer(&w.hr),
        Status(400),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/api/v1/reports/skm",
        Body::Json,
    );
    c.add(
        "no office",
        col(Method::GET, &format!("/api/v1/reports/skm?{q}")).bearer(&w.hr),
        Status(400),
    );
    c.add(
        "an unknown office",
        col(
            Method::GET,
            &format!("/api/v1/reports/skm?office_id=nowhere&{q}"),
        )
        .bearer(&w.hr),
        Status(404),
    );

    c.route(
        Server::Collector,
        Method::GET,
        "/api/v1/reports/offices/{office_id}/live",
        Body::Json,
    );
    let live = format!("/api/v1/reports/offices/{OFFICE}/live");
    c.add("no token", col(Method::GET, &live), Status(401));
    c.add(
        "the head of another office",
        col(Method::GET, &live).bearer(&w.other_head),
        Status(403),
    );
    c.add(
        "path traversal",
        col(
            Method::GET,
            &format!("/api/v1/reports/offices/{TRAVERSAL}/live"),
        )
        .bearer(&w.hr),
        Status(404),
    );
    c.add(
        "raw path traversal",
        col(
            Method::GET,
            &format!("/api/v1/reports/offices/{RAW_TRAVERSAL}/live"),
        )
        .bearer(&w.hr)
        .raw(),
        Status(404),
    );

    c.route(Server::Collector, Method::POST, "/api/v1/users", Body::Json);
    let user = |name: &str, password: &str| {
        j!({"username": name, "password": password, "role": "hr"}).to_string()
    };
    c.add(
        "no admin token",
        col(Method::POST, "/api/v1/users").json(user("baru.satu", PASSWORD)),
        Status(401),
    );
    c.add(
        "an HR token",
        col(Method::POST, "/api/v1/users")
            .bearer(&w.hr)
            .json(user("baru.satu", PASSWORD)),
        Status(401),
    );
    c.add(
        "a name of markup",
        col(Method::POST, "/api/v1/users")
            .bearer(&admin)
            .json(user("<script>alert(1)</script>", PASSWORD)),
        Status(422),
    );
    c.add(
        "a name of path traversal",
        col(Method::POST, "/api/v1/users")
            .bearer(&admin)
            .json(user("../../etc", PASSWORD)),
        Status(422),
    );
    c.add(
        "a name with control characters",
        col(Method::POST, "/api/v1/users")
            .bearer(&admin)
            .json(user("baru\u{0}\u{7}", PASSWORD)),
        Status(422),
    );
    c.add(
        "a short password",
        col(Method::POST, "/api/v1/users")
            .bearer(&admin)
            .json(user("baru.dua", "pendek")),
        Status(422),
    );
    c.add(
        "a 10,000 character password",
        col(Method::POST, "/api/v1/users")
            .bearer(&admin)
            .json(user("baru.dua", &"p".repeat(10_000))),
        Status(422),
    );
    c.add(
        "role root",
        col(Method::POST, "/api/v1/users")
            .bearer(&admin)
            .json(j!({"username": "baru.tiga", "password": PASSWORD, "role": "root"}).to_string()),
        Status(422),
    );
    c.add(
        "a head without an office",
        col(Method::POST, "/api/v1/users")
            .bearer(&admin)
            .json(j!({"username": "baru.tiga", "password": PASSWORD, "role": "head"}).to_string()),
        Status(422),
    );
    c.add(
        "a taken name",
        col(Method::POST, "/api/v1/users")
            .bearer(&admin)
            .json(user(HR_USER, PASSWORD)),
        Status(409),
    );
    c.add(
        "truncated JSON",
        col(Method::POST, "/api/v1/users")
            .bearer(&admin)
            .json(r#"{"username":"baru"#),
        Status(400),
    );

    c.route(
        Server::Collector,
        Method::DELETE,
        "/api/v1/users/{username}",
        Body::Json,
    );
    c.add(
        "no admin token",
        col(Method::DELETE, &format!("/api/v1/users/{HR_USER}")),
        Status(401),
    );
    c.add(
        "the user's own session",
        col(Method::DELETE, &format!("/api/v1/users/{HR_USER}")).cookie(&w.hr_session),
        Status(401),
    );
    c.add(
        "path traversal",
        col(Method::DELETE, &format!("/api/v1/users/{TRAVERSAL}")).bearer(&admin),
        Status(404),
    );
    c.add(
        "an unknown user",
        col(Method::DELETE, "/api/v1/users/tidak.ada").bearer(&admin),
        Status(404),
    );

    c.route(Server::Collector, Method::GET, "/masuk", Body::Any);
    c.add(
        "a 256 KiB header",
        col(Method::GET, "/masuk").header("X-Pad", &huge_header),
        AnyOf(TOO_BIG),
    );
    c.add_as(
        "wrong method",
        col(Method::PUT, "/masuk"),
        Status(405),
        Body::Json,
    );

    c.route(Server::Collector, Method::POST, "/masuk", Body::Page);
    let signin = |body: &str| col(Method::POST, "/masuk").form(body.to_owned());
    c.add(
        "from another site (Origin)",
        signin(&format!("username={HR_USER}&password={PASSWORD}"))
            .header("Origin", "http://evil.example"),
        Status(403),
    );
    c.add(
        "from another site (Sec-Fetch-Site)",
        signin(&format!("username={HR_USER}&password={PASSWORD}"))
            .header("Sec-Fetch-Site", "cross-site"),
        Status(403),
    );
    c.add(
        "an unknown user",
        signin(&format!("username=tidak.ada&password={PASSWORD}")),
        Status(401),
    );
    c.add(
        "a name of markup",
        signin("username=%3Cscript%3Ealert(1)%3C%2Fscript%3E&password=x"),
        Status(401),
    );
    c.add(
        "a name with control characters",
        signin("username=hr%00%07&password=x"),
        Status(401),
    );
    c.add("truncated", signin("username=hr.pu"), Status(401));
    c.add(
        "invalid UTF-8",
        col(Method::POST, "/masuk").body_as(
            "application/x-www-form-urlencoded",
            [
                b"username=".to_vec(),
                vec![0xff, 0xfe],
                b"&password=x".to_vec(),
            ]
            .concat(),
        ),
        Status(401),
    );
    c.add(
        "JSON instead of a form",
        col(Method::POST, "/masuk")
            .json(j!({"username": HR_USER, "password": PASSWORD}).to_string()),
        Status(401),
    );
    c.add(
        "over 64 KiB",
        signin(&format!("username=x&password={}", "p".repeat(70 * 1024))),
        Status(413),
    );

    c.route(Server::Collector, Method::POST, "/keluar", Body::Any);
    c.add(
        "a 256 KiB cookie",
        col(Method::POST, "/keluar").cookie(&format!("sesi={huge_header}")),
        AnyOf(TOO_BIG),
    );
    c.add_as(
        "wrong method",
        col(Method::GET, "/keluar"),
        Status(405),
        Body::Json,
    );

    c.route(Server::Collector, Method::GET, "/asn/masuk", Body::Any);
    c.add(
        "a 256 KiB header",
        col(Method::GET, "/asn/masuk").header("X-Pad", &huge_header),
        AnyOf(TOO_BIG),
    );
    c.add_as(
        "wrong method",
        col(Method::DELETE, "/asn/masuk"),
        Status(405),
        Body::Json,
    );

    c.route(Server::Collector, Method::POST, "/asn/masuk", Body::Page);
    let asn_signin = |body: &str| col(Method::POST, "/asn/masuk").form(body.to_owned());
    c.add(
        "from another site",
        asn_signin(&format!("nip={}&pin={}", ASN3.0, ASN3.1))
            .header("Origin", "http://evil.example"),
        Status(403),
    );
    c.add(
        "a NIP not on the roster",
        asn_signin("nip=199001012015031001&pin=1234"),
        Status(401),
    );
    c.add(
        "a malformed NIP",
        asn_signin("nip=12345&pin=1234"),
        Status(401),
    );
    c.add(
        "a NIP of path traversal",
        asn_signin("nip=..%2F..%2Fetc%2Fpasswd&pin=1234"),
        Status(401),
    );
    c.add(
        "a NIP of markup",
        asn_signin("nip=%3Cscript%3E&pin=1234"),
        Status(401),
    );
    c.add(
        "a PIN of 10,000 digits",
        asn_signin(&format!("nip={}&pin={}", ASN3.0, "1".repeat(10_000))),
        Status(401),
    );
    c.add(
        "no PIN",
        asn_signin(&format!("nip={}", ASN3.0)),
        Status(401),
    );
    c.add(
        "an inactive NIP with its right PIN",
        asn_signin(&format!("nip={}&pin={}", INACTIVE.0, INACTIVE.1)),
        Status(403),
    );
    c.add(
        "invalid UTF-8",
        col(Method::POST, "/asn/masuk").body_as(
            "application/x-www-form-urlencoded",
            [b"nip=".to_vec(), vec![0xff; 4], b"&pin=1".to_vec()].concat(),
        ),
        Status(401),
    );
    c.add(
        "over 64 KiB",
        asn_signin(&format!("nip=1&pin={}", "1".repeat(70 * 1024))),
        Status(413),
    );

    c.route(Server::Collector, Method::POST, "/asn/keluar", Body::Any);
    c.add(
        "a 256 KiB cookie",
        col(Method::POST, "/asn/keluar").cookie(&format!("sesi_asn={huge_header}")),
        AnyOf(TOO_BIG),
    );
    c.add_as(
        "wrong method",
        col(Method::GET, "/asn/keluar"),
        Status(405),
        Body::Json,
    );

    c.route(Server::Collector, Method::GET, "/asn", Body::Page);
    c.add(
        "no session",
        col(Method::GET, "/asn"),
        Redirect("/asn/masuk"),
    );
    c.add(
        "a forged ASN session",
        col(Method::GET, "/asn").cookie("sesi_asn=forged"),
        Redirect("/asn/masuk"),
    );
    c.add(
        "a staff session",
        col(Method::GET, "/asn").cookie(&w.hr_session),
        Redirect("/asn/masuk"),
    );
    c.add(
        "an HR token",
        col(Method::GET, "/asn").bearer(&w.hr),
        Redirect("/asn/masuk"),
    );
    c.add(
        "a day of month 45",
        col(Method::GET, "/asn?from=2026-01-45&to=2026-02-01").cookie(&w.asn1),
        Status(400),
    );
    c.add(
        "an unknown preset",
        col(Method::GET, "/asn?preset=selamanya").cookie(&w.asn1),
        Status(400),
    );

    c.route(
        Server::Collector,
        Method::POST,
        "/api/v1/ratings/{rating_id}/reply",
        Body::Json,
    );
    let reply = |r: shared::RatingId| col(Method::POST, &format!("/api/v1/ratings/{r}/reply"));
    let text = |t: &str| j!({"text": t}).to_string();
    c.add(
        "no session",
        reply(rating).json(text("Jawaban")),
        Status(401),
    );
    c.add(
        "a forged ASN session",
        reply(rating)
            .cookie("sesi_asn=forged")
            .json(text("Jawaban")),
        Status(401),
    );
    c.add(
        "an HR token answers for the ASN",
        reply(rating).bearer(&w.hr).json(text("Jawaban")),
        Status(401),
    );
    c.add(
        "the head's session answers for the ASN",
        reply(rating).cookie(&w.head_session).json(text("Jawaban")),
        Status(401),
    );
    c.add(
        "another ASN",
        reply(rating).cookie(&w.asn2).json(text("Bukan saya")),
        Status(403),
    );
    c.add(
        "from another site",
        reply(rating)
            .cookie(&w.asn1)
            .header("Sec-Fetch-Site", "cross-site")
            .json(text("Jawaban")),
        Status(403),
    );
    c.add(
        "control characters",
        reply(rating)
            .cookie(&w.asn1)
            .json(text("Jawaban\u{0}\u{1b}[31m")),
        Status(422),
    );
    c.add(
        "an empty text",
        reply(rating).cookie(&w.asn1).json(text("   ")),
        Status(422),
    );
    c.add(
        "1,001 characters",
        reply(rating).cookie(&w.asn1).json(text(&"a".repeat(1001))),
        Status(422),
    );
    c.add(
        "a second reply",
        reply(w.replied).cookie(&w.asn1).json(text("Ubah jawaban")),
        Status(409),
    );
    c.add(
        "a rating id of path traversal",
        col(Method::POST, &format!("/api/v1/ratings/{TRAVERSAL}/reply"))
            .cookie(&w.asn1)
            .json(text("Jawaban")),
        Status(404),
    );
    c.add(
        "an unknown rating",
        reply(shared::RatingId(uuid::Uuid::now_v7()))
            .cookie(&w.asn1)
            .json(text("Jawaban")),
        Status(404),
    );
    c.add(
        "truncated JSON",
        reply(rating).cookie(&w.asn1).json(r#"{"text":"Jaw"#),
        Status(400),
    );
    c.add(
        "10,000 nested arrays",
        reply(rating).cookie(&w.asn1).json(nested(10_000)),
        Status(400),
    );
    c.add(
        "text/plain",
        reply(rating)
            .cookie(&w.asn1)
            .body_as("text/plain", b"Jawaban".to_vec()),
        Status(415),
    );
    c.add(
        "over 64 KiB",
        reply(rating).cookie(&w.asn1).json(padded_json("text", 70)),
        Status(413),
    );
    c.add_as(
        "a form of invalid UTF-8",
        reply(rating).cookie(&w.asn1).body_as(
            "application/x-www-form-urlencoded",
            [b"text=".to_vec(), vec![0xff, 0xfe]].concat(),
        ),
        Status(400),
        Body::Json,
    );
    c.add_as(
        "a form with control characters",
        reply(rating).cookie(&w.asn1).form("text=a%00b&next=/asn"),
        Status(422),
        Body::Page,
    );

    c.route(
        Server::Collector,
        Method::POST,
        "/api/v1/ratings/{rating_id}/review",
        Body::Json,
    );
    let review = |r: shared::RatingId| col(Method::POST, &format!("/api/v1/ratings/{r}/review"));
    let keep = r#"{"decision":"keep"}"#;
    c.add("no token", review(rating).json(keep), Status(401));
    c.add(
        "an ASN session",
        review(rating).cookie(&w.asn1).json(keep),
        Status(401),
    );
    c.add(
        "the admin token",
        review(rating).bearer(&admin).json(keep),
        Status(401),
    );
    c.add(
        "the head of another office",
        review(rating)
            .bearer(&w.other_head)
            .json(r#"{"decision":"exclude","reason":"abusive"}"#),
        Status(403),
    );
    c.add(
        "the head's session from another site",
        review(rating)
            .cookie(&w.head_session)
            .header("Origin", "http://evil.example")
            .json(keep),
        Status(403),
    );
    c.add(
        "decision delete",
        review(rating)
            .bearer(&w.hr)
            .json(r#"{"decision":"delete"}"#),
        Status(422),
    );
    c.add(
        "exclude without a reason",
        review(rating)
            .bearer(&w.hr)
            .json(r#"{"decision":"exclude"}"#),
        Status(422),
    );
    c.add(
        "a reason of path traversal",
        review(rating)
            .bearer(&w.hr)
            .json(r#"{"decision":"exclude","reason":"../../etc"}"#),
        Status(422),
    );
    c.add(
        "a note with control characters",
        review(rating)
            .bearer(&w.hr)
            .json(j!({"decision": "keep", "note": "catatan\u{7}"}).to_string()),
        Status(422),
    );
    c.add(
        "an unknown rating",
        review(shared::RatingId(uuid::Uuid::now_v7()))
            .bearer(&w.hr)
            .json(keep),
        Status(404),
    );
    c.add(
        "a rating id of path traversal",
        col(Method::POST, &format!("/api/v1/ratings/{TRAVERSAL}/review"))
            .bearer(&w.hr)
            .json(keep),
        Status(404),
    );
    c.add(
        "a flagged rating",
        review(w.flagged).bearer(&w.hr).json(keep),
        Status(409),
    );
    c.add(
        "decision as a number",
        review(rating).bearer(&w.hr).json(r#"{"decision":1}"#),
        Status(400),
    );
    c.add(
        "XML",
        review(rating)
            .bearer(&w.hr)
            .body_as("application/xml", b"<keep/>".to_vec()),
        Status(415),
    );
    c.add_as(
        "a form with a bad decision",
        review(rating)
            .bearer(&w.hr)
            .form("decision=hapus&next=/laporan"),
        Status(422),
        Body::Page,
    );

    c.route(
        Server::Collector,
        Method::GET,
        "/api/v1/followups",
        Body::Json,
    );
    c.add(
        "no token",
        col(Method::GET, "/api/v1/followups"),
        Status(401),
    );
    c.add(
        "an ASN session",
        col(Method::GET, "/api/v1/followups").cookie(&w.asn1),
        Status(401),
    );
    c.add(
        "an unknown status",
        col(Method::GET, "/api/v1/followups?status=closed").bearer(&w.hr),
        Status(400),
    );
    c.add(
        "an office of path traversal",
        col(Method::GET, "/api/v1/followups?office_id=..%2F..%2Fetc").bearer(&w.hr),
        Status(400),
    );
    c.add(
        "the head of another office",
        col(
            Method::GET,
            &format!("/api/v1/followups?office_id={OFFICE}"),
        )
        .bearer(&w.other_head),
        Status(403),
    );

    c.route(
        Server::Collector,
        Method::POST,
        "/api/v1/followups/{rating_id}",
        Body::Json,
    );
    let followup = col(Method::POST, &format!("/api/v1/followups/{}", w.complaint));
    c.add(
        "no token",
        followup.clone().json(r#"{"status":"in_progress"}"#),
        Status(401),
    );
    c.add(
        "the head of another office",
        followup
            .clone()
            .bearer(&w.other_head)
            .json(r#"{"status":"done","response":"x"}"#),
        Status(403),
    );
    c.add(
        "status closed",
        followup
            .clone()
            .bearer(&w.hr)
            .json(r#"{"status":"closed"}"#),
        Status(422),
    );
    c.add(
        "done without a response",
        followup
            .clone()
            .bearer(&w.head)
            .json(r#"{"status":"done"}"#),
        Status(409),
    );
    c.add(
        "a response with control characters",
        followup
            .clone()
            .bearer(&w.head)
            .json(j!({"status": "in_progress", "response": "\u{1b}[2J"}).to_string()),
        Status(422),
    );
    c.add(
        "a response of 1,001 characters",
        followup
            .clone()
            .bearer(&w.head)
            .json(j!({"status": "in_progress", "response": "r".repeat(1001)}).to_string()),
        Status(422),
    );
    c.add(
        "an unknown rating",
        col(
            Method::POST,
            &format!("/api/v1/followups/{}", uuid::Uuid::now_v7()),
        )
        .bearer(&w.hr)
        .json(r#"{"status":"in_progress"}"#),
        Status(404),
    );
    c.add(
        "path traversal",
        col(Method::POST, &format!("/api/v1/followups/{TRAVERSAL}"))
            .bearer(&w.hr)
            .json(r#"{"status":"in_progress"}"#),
        Status(404),
    );

    c.route(Server::Collector, Method::GET, "/api/v1/audit", Body::Json);
    c.add("no token", col(Method::GET, "/api/v1/audit"), Status(401));
    c.add(
        "an ASN session",
        col(Method::GET, "/api/v1/audit").cookie(&w.asn1),
        Status(401),
    );
    c.add(
        "a head asking for another office",
        col(Method::GET, "/api/v1/audit?office_id=pauh").bearer(&w.head),
        Status(403),
    );
    c.add(
        "a day that is no date",
        col(Method::GET, "/api/v1/audit?from=kemarin").bearer(&w.hr),
        Status(400),
    );
    c.add(
        "an office of path traversal",
        col(Method::GET, "/api/v1/audit?office_id=..%2F..%2Fetc").bearer(&w.hr),
        Status(404),
    );
    for m in [Method::DELETE, Method::PUT, Method::POST, Method::PATCH] {
        c.add(
            &format!("{m} (the trail is append-only)"),
            col(m.clone(), "/api/v1/audit").bearer(&admin),
            Status(405),
        );
    }

    for (template, path) in [
        ("/api/v1/reports/bias", format!("/api/v1/reports/bias?{q}")),
        (
            "/api/v1/reports/patterns",
            format!("/api/v1/reports/patterns?{q}"),
        ),
    ] {
        c.route(Server::Collector, Method::GET, template, Body::Json);
        c.add("no token", col(Method::GET, &path), Status(401));
        c.add(
            "a head",
            col(Method::GET, &path).bearer(&w.head),
            Status(403),
        );
        c.add(
            "a head's session",
            col(Method::GET, &path).cookie(&w.head_session),
            Status(403),
        );
        c.add(
            "a day of month 45",
            col(
                Method::GET,
                &format!("{template}?from=2026-01-45&to=2026-02-01"),
            )
            .bearer(&w.hr),
            Status(400),
        );
        c.add(
            "an unknown office",
            col(Method::GET, &format!("{template}?office_id=nowhere&{q}")).bearer(&w.hr),
            Status(404),
        );
    }

    let pages = [
        ("/laporan", format!("/laporan?office_id={OFFICE}&{q}")),
        (
            "/laporan/jejak",
            format!("/laporan/jejak?office_id={OFFICE}"),
        ),
        ("/laporan/bias", format!("/laporan/bias?{q}")),
        ("/laporan/{office_id}", format!("/laporan/{OFFICE}?{q}")),
        (
            "/laporan/{office_id}/tindak-lanjut",
            format!("/laporan/{OFFICE}/tindak-lanjut"),
        ),
        (
            "/laporan/{office_id}/asn/{asn_ref}",
            format!("/laporan/{OFFICE}/asn/{}?{q}", w.asn1_ref),
        ),
        (
            "/laporan/{office_id}/skm",
            format!("/laporan/{OFFICE}/skm?{q}"),
        ),
        (
            "/laporan/{office_id}/langsung",
            format!("/laporan/{OFFICE}/langsung"),
        ),
    ];
    for (template, path) in pages {
        c.route(Server::Collector, Method::GET, template, Body::Page);
        c.add(
            "no session",
            col(Method::GET, &path),
            Redirect("/masuk?next="),
        );
        c.add(
            "a forged session",
            col(Method::GET, &path).cookie("sesi=forged"),
            Redirect("/masuk?next="),
        );
        c.add(
            "an expired session",
            col(Method::GET, &path).cookie(&w.expired_session),
            Redirect("/masuk?next="),
        );
        c.add(
            "an ASN session",
            col(Method::GET, &path).cookie(&w.asn1),
            Redirect("/masuk?next="),
        );
        let (who, session) = if template == "/laporan/bias" {
            ("a head (HR only)", &w.head_session)
        } else {
            ("the head of another office", &w.other_head_session)
        };
        c.add(who, col(Method::GET, &path).cookie(session), Status(403));
    }
    c.route(Server::Collector, Method::GET, "/laporan", Body::Page);
    c.add(
        "an unknown preset",
        col(Method::GET, "/laporan?preset=selamanya").cookie(&w.hr_session),
        Status(400),
    );
    c.add(
        "to before from",
        col(Method::GET, "/laporan?from=2026-02-01&to=2026-01-01").cookie(&w.hr_session),
        Status(422),
    );
    c.add(
        "an office of path traversal",
        col(Method::GET, "/laporan?office_id=..%2F..%2Fetc").cookie(&w.hr_session),
        Status(400),
    );
    c.add(
        "a repeated parameter",
        col(Method::GET, &format!("/laporan?{q}&from=2026-01-01")).cookie(&w.hr_session),
        Status(400),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/laporan/{office_id}",
        Body::Page,
    );
    c.add(
        "path traversal",
        col(Method::GET, &format!("/laporan/{TRAVERSAL}")).cookie(&w.hr_session),
        Status(404),
    );
    c.add(
        "an unknown office",
        col(Method::GET, "/laporan/nowhere").cookie(&w.hr_session),
        Status(404),
    );
    c.add(
        "a day of month 45",
        col(
            Method::GET,
            &format!("/laporan/{OFFICE}?from=2026-01-45&to=2026-02-01"),
        )
        .cookie(&w.hr_session),
        Status(400),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/laporan/{office_id}/asn/{asn_ref}",
        Body::Page,
    );
    c.add(
        "a NIP instead of the reference",
        col(Method::GET, &format!("/laporan/{OFFICE}/asn/{}", ASN1.0)).cookie(&w.hr_session),
        Status(404),
    );
    c.add(
        "path traversal",
        col(Method::GET, &format!("/laporan/{OFFICE}/asn/{TRAVERSAL}")).cookie(&w.hr_session),
        Status(404),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/laporan/{office_id}/tindak-lanjut",
        Body::Page,
    );
    c.add(
        "path traversal",
        col(Method::GET, &format!("/laporan/{TRAVERSAL}/tindak-lanjut")).cookie(&w.hr_session),
        Status(404),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/laporan/{office_id}/langsung",
        Body::Page,
    );
    c.add(
        "an unknown office",
        col(Method::GET, "/laporan/nowhere/langsung").cookie(&w.hr_session),
        Status(404),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/laporan/{office_id}/skm",
        Body::Page,
    );
    c.add(
        "an unknown office",
        col(Method::GET, "/laporan/nowhere/skm").cookie(&w.hr_session),
        Status(404),
    );
    c.route(Server::Collector, Method::GET, "/laporan/jejak", Body::Page);
    c.add(
        "a head asking for another office",
        col(Method::GET, "/laporan/jejak?office_id=pauh").cookie(&w.head_session),
        Status(403),
    );
    c.add(
        "a day that is no date",
        col(Method::GET, "/laporan/jejak?from=kemarin").cookie(&w.hr_session),
        Status(400),
    );
    c.route(Server::Collector, Method::GET, "/laporan/bias", Body::Page);
    c.add(
        "a day of month 45",
        col(Method::GET, "/laporan/bias?from=2026-01-45&to=2026-02-01").cookie(&w.hr_session),
        Status(400),
    );

    c.route(
        Server::Collector,
        Method::GET,
        "/publik/{office_id}",
        Body::Page,
    );
    c.add(
        "path traversal",
        col(Method::GET, &format!("/publik/{TRAVERSAL}")),
        Status(404),
    );
    c.add_as(
        "raw path traversal",
        col(Method::GET, &format!("/publik/{RAW_TRAVERSAL}")).raw(),
        Status(404),
        Body::Json,
    );
    c.add(
        "an unknown office",
        col(Method::GET, "/publik/nowhere"),
        Status(404),
    );
    c.add(
        "an office of markup",
        col(Method::GET, "/publik/%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        Status(404),
    );
    c.add(
        "an unknown preset",
        col(Method::GET, &format!("/publik/{OFFICE}?preset=selamanya")),
        Status(400),
    );
    c.add(
        "a repeated parameter",
        col(
            Method::GET,
            &format!("/publik/{OFFICE}?preset=bulan&preset=tahun"),
        ),
        Status(400),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/publik/{office_id}/badge.svg",
        Body::Any,
    );
    c.add(
        "an unknown office",
        col(Method::GET, "/publik/nowhere/badge.svg"),
        Status(404),
    );
    c.add(
        "path traversal",
        col(Method::GET, &format!("/publik/{TRAVERSAL}/badge.svg")),
        Status(404),
    );
    c.add_as(
        "wrong method",
        col(Method::POST, &format!("/publik/{OFFICE}/badge.svg")),
        Status(405),
        Body::Json,
    );

    // Citizens' links.
    let expired_qr = rating_token(kiosk_id, &key, w.done[1].0, -60);
    let disabled_qr = rating_token(w.disabled.kiosk_id, &w.disabled.key, w.done[1].0, 3600);
    let wrong_key_qr = rating_token(kiosk_id, "not-the-key", w.done[1].0, 3600);
    let other_office_qr = rating_token(kiosk_id, &w.pauh.key, w.done[1].0, 3600);
    let link_as_qr = link_token(kiosk_id, &key, w.done[1].0, 3600);
    let tampered_qr = {
        let (payload, sig) = done_qr.split_once('.').expect("token");
        let mut p = payload.as_bytes().to_vec();
        let last = p.len() - 1;
        p[last] = if p[last] == b'A' { b'B' } else { b'A' };
        format!("{}.{sig}", String::from_utf8(p).expect("ascii"))
    };
    let forged = [
        (
            "random text",
            "Zm9yZ2VkLXRva2Vu.c2lnbmF0dXJl".to_owned(),
            401,
        ),
        ("signed with another key", wrong_key_qr.clone(), 401),
        (
            "signed with another office's key",
            other_office_qr.clone(),
            401,
        ),
        ("a ticket link at /r/", link_as_qr.clone(), 401),
        ("a tampered payload", tampered_qr.clone(), 401),
        ("truncated", done_qr[..done_qr.len() - 5].to_owned(), 401),
        ("expired", expired_qr.clone(), 410),
        ("of the disabled kiosk", disabled_qr.clone(), 410),
        ("already rated on the tablet", rated_qr.clone(), 409),
        ("path traversal", TRAVERSAL.to_owned(), 401),
    ];
    c.route(Server::Collector, Method::GET, "/r/{token}", Body::Page);
    for (what, token, status) in &forged {
        c.add(
            what,
            col(Method::GET, &format!("/r/{token}")),
            Status(*status),
        );
    }
    c.add(
        "a token of 10,000 characters",
        col(Method::GET, &format!("/r/{}", "A".repeat(10_000))),
        AnyOf(&[401, 414]),
    );
    c.add_as(
        "raw path traversal",
        col(Method::GET, &format!("/r/{RAW_TRAVERSAL}")).raw(),
        Status(404),
        Body::Json,
    );

    c.route(Server::Collector, Method::POST, "/r/{token}", Body::Page);
    let rate_form =
        |token: &str, body: &str| col(Method::POST, &format!("/r/{token}")).form(body.to_owned());
    for (what, token, status) in &forged[..8] {
        c.add(what, rate_form(token, "score=1"), Status(*status));
    }
    c.add(
        "already rated on the tablet",
        rate_form(&rated_qr, "score=1"),
        Status(409),
    );
    c.add(
        "from another site",
        rate_form(&done_qr, "score=1").header("Origin", "http://evil.example"),
        Status(403),
    );
    c.add("score 9", rate_form(&done_qr, "score=9"), Status(422));
    c.add(
        "a negative score",
        rate_form(&done_qr, "score=-1"),
        Status(422),
    );
    c.add(
        "an enormous score",
        rate_form(&done_qr, "score=99999999999999999999999"),
        Status(422),
    );
    c.add(
        "no score",
        rate_form(&done_qr, "comment=bagus"),
        Status(422),
    );
    c.add(
        "an answer of 99",
        rate_form(&done_qr, "score=4&u1=99"),
        Status(422),
    );
    c.add(
        "a comment of 501 characters",
        rate_form(&done_qr, &format!("score=4&comment={}", "k".repeat(501))),
        Status(422),
    );
    c.add(
        "over 64 KiB",
        rate_form(
            &done_qr,
            &format!("score=4&comment={}", "k".repeat(70 * 1024)),
        ),
        Status(413),
    );
    c.add(
        "invalid UTF-8",
        col(Method::POST, &format!("/r/{done_qr}")).body_as(
            "application/x-www-form-urlencoded",
            [b"score=4&comment=".to_vec(), vec![0xff, 0xfe]].concat(),
        ),
        Status(400),
    );
    c.add(
        "JSON instead of a form",
        col(Method::POST, &format!("/r/{done_qr}")).json(r#"{"score":4}"#),
        Status(415),
    );

    c.route(
        Server::Collector,
        Method::POST,
        "/api/v1/ratings/{token}",
        Body::Json,
    );
    let rate_json = |token: &str, body: &str| {
        col(Method::POST, &format!("/api/v1/ratings/{token}")).json(body.to_owned())
    };
    for (what, token, status) in &forged[..9] {
        c.add(what, rate_json(token, r#"{"score":1}"#), Status(*status));
    }
    c.add(
        "text/plain",
        col(Method::POST, &format!("/api/v1/ratings/{done_qr}"))
            .body_as("text/plain", b"{\"score\":4}".to_vec()),
        Status(415),
    );
    c.add(
        "truncated JSON",
        rate_json(&done_qr, r#"{"score":"#),
        Status(400),
    );
    c.add(
        "10,000 nested arrays",
        rate_json(&done_qr, &nested(10_000)),
        Status(400),
    );
    c.add(
        "score 1e400",
        rate_json(&done_qr, r#"{"score":1e400}"#),
        Status(400),
    );
    c.add(
        "score past i64",
        rate_json(&done_qr, r#"{"score":99999999999999999999}"#),
        Status(400),
    );
    c.add(
        "score i64::MIN",
        rate_json(&done_qr, &format!(r#"{{"score":{}}}"#, i64::MIN)),
        Status(422),
    );
    c.add(
        "score as text",
        rate_json(&done_qr, r#"{"score":"4"}"#),
        Status(400),
    );
    c.add(
        "ten answers",
        rate_json(&done_qr, r#"{"score":4,"answers":[4,4,4,4,4,4,4,4,4,4]}"#),
        Status(422),
    );
    c.add(
        "a negative answer",
        rate_json(&done_qr, r#"{"score":4,"answers":[-4,4,4,4,4,4,4,4,4]}"#),
        Status(422),
    );
    c.add(
        "a comment of 501 characters",
        rate_json(
            &done_qr,
            &j!({"score": 4, "comment": "k".repeat(501)}).to_string(),
        ),
        Status(422),
    );
    c.add(
        "over 64 KiB",
        rate_json(&done_qr, &padded_json("comment", 70)),
        Status(413),
    );
    c.add(
        "invalid UTF-8",
        col(Method::POST, &format!("/api/v1/ratings/{done_qr}"))
            .body_as("application/json", not_utf8()),
        Status(400),
    );

    let waiting_link = link_token(kiosk_id, &key, w.waiting, 3600);
    let done_link = link_token(kiosk_id, &key, w.done[1].0, 3600);
    let link_forged = [
        (
            "random text",
            "Zm9yZ2VkLXRva2Vu.c2lnbmF0dXJl".to_owned(),
            401,
        ),
        ("a rating token at /t/", done_qr.clone(), 401),
        (
            "signed with another key",
            link_token(kiosk_id, "not-the-key", w.waiting, 3600),
            401,
        ),
        ("expired", link_token(kiosk_id, &key, w.waiting, -60), 410),
        (
            "of the disabled kiosk",
            link_token(w.disabled.kiosk_id, &w.disabled.key, w.waiting, 3600),
            410,
        ),
        ("path traversal", TRAVERSAL.to_owned(), 401),
    ];
    c.route(Server::Collector, Method::GET, "/t/{token}", Body::Page);
    for (what, token, status) in &link_forged {
        c.add(
            what,
            col(Method::GET, &format!("/t/{token}")),
            Status(*status),
        );
    }
    c.route(Server::Collector, Method::POST, "/t/{token}", Body::Page);
    for (what, token, status) in &link_forged[..5] {
        c.add(
            what,
            col(Method::POST, &format!("/t/{token}")).form("score=1"),
            Status(*status),
        );
    }
    c.add(
        "before the service is completed",
        col(Method::POST, &format!("/t/{waiting_link}")).form("score=1"),
        Status(409),
    );
    c.add(
        "from another site",
        col(Method::POST, &format!("/t/{done_link}"))
            .form("score=1")
            .header("Sec-Fetch-Site", "cross-site"),
        Status(403),
    );
    c.add(
        "score 0",
        col(Method::POST, &format!("/t/{done_link}")).form("score=0"),
        Status(422),
    );
    c.add(
        "JSON instead of a form",
        col(Method::POST, &format!("/t/{done_link}")).json(r#"{"score":4}"#),
        Status(415),
    );
    c.route(
        Server::Collector,
        Method::GET,
        "/t/{token}/status",
        Body::Json,
    );
    for (what, token, status) in &link_forged {
        c.add(
            what,
            col(Method::GET, &format!("/t/{token}/status")),
            Status(*status),
        );
    }

    c.route(Server::Collector, Method::GET, "/static/{name}", Body::Json);
    c.add(
        "path traversal",
        col(Method::GET, &format!("/static/{TRAVERSAL}")),
        Status(404),
    );
    c.add(
        "raw path traversal",
        col(Method::GET, &format!("/static/{RAW_TRAVERSAL}")).raw(),
        Status(404),
    );
    c.add(
        "the source of a module",
        col(Method::GET, "/static/..%2Fpages%2Fticket.js"),
        Status(404),
    );
    c.add(
        "a NUL byte",
        col(Method::GET, "/static/ticket.js%00.png"),
        Status(404),
    );
    c.add(
        "a path of invalid UTF-8",
        col(Method::GET, "/static/%FF%FE").raw(),
        Status(404),
    );
    c.route(Server::Collector, Method::GET, "/favicon.svg", Body::Any);
    c.add(
        "a 256 KiB header",
        col(Method::GET, "/favicon.svg").header("X-Pad", &huge_header),
        AnyOf(TOO_BIG),
    );
    c.add_as(
        "wrong method",
        col(Method::POST, "/favicon.svg"),
        Status(405),
        Body::Json,
    );
    c.route(Server::Collector, Method::GET, "/favicon.ico", Body::Any);
    c.add(
        "a 256 KiB header",
        col(Method::GET, "/favicon.ico").header("X-Pad", &huge_header),
        AnyOf(TOO_BIG),
    );
    c.add_as(
        "wrong method",
        col(Method::DELETE, "/favicon.ico"),
        Status(405),
        Body::Json,
    );
    c.route(Server::Collector, Method::GET, "/nothing", Body::Json);
    c.add(
        "an unknown route",
        col(Method::GET, "/api/v1/nothing/here"),
        Status(404),
    );
    c.add(
        "a raw path out of the site",
        col(Method::GET, &format!("/{RAW_TRAVERSAL}")).raw(),
        Status(404),
    );
    c.add_as(
        "a request line with bytes that are no UTF-8",
        col(Method::GET, "/laporan/\u{00ff}\u{00fe}").raw(),
        AnyOf(&[400, 404]),
        Body::Any,
    );

    // ---------------------------------------------------------------- kiosk
    let tablet = w.tablet1.clone();
    let session = w.l1.clone();
    c.route(Server::Kiosk, Method::GET, "/", Body::Any);
    c.add(
        "a 256 KiB header",
        kio(Method::GET, "/").header("X-Pad", &huge_header),
        AnyOf(TOO_BIG),
    );
    c.add_as(
        "wrong method",
        kio(Method::DELETE, "/"),
        Status(405),
        Body::Json,
    );

    c.route(Server::Kiosk, Method::POST, "/take", Body::Page);
    c.add(
        "from another site",
        kio(Method::POST, "/take")
            .form("service=ktp")
            .header("Origin", "http://evil.example"),
        Status(403),
    );
    c.add(
        "an unknown service",
        kio(Method::POST, "/take").form("service=paspor"),
        Status(404),
    );
    c.add(
        "a service of markup",
        kio(Method::POST, "/take").form("service=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        Status(404),
    );
    c.add(
        "a service of path traversal",
        kio(Method::POST, "/take").form("service=..%2F..%2Fetc"),
        Status(404),
    );
    c.add_as(
        "no service",
        kio(Method::POST, "/take").form("layanan=ktp"),
        Status(400),
        Body::Json,
    );
    c.add(
        "invalid UTF-8 (read as an unknown service)",
        kio(Method::POST, "/take").body_as(
            "application/x-www-form-urlencoded",
            [b"service=".to_vec(), vec![0xff, 0xfe]].concat(),
        ),
        Status(404),
    );
    c.add_as(
        "JSON instead of a form",
        kio(Method::POST, "/take").json(r#"{"service":"ktp"}"#),
        Status(400),
        Body::Json,
    );
    c.add_as(
        "over 64 KiB",
        kio(Method::POST, "/take").form(format!("service=ktp&pad={}", "x".repeat(70 * 1024))),
        Status(413),
        Body::Json,
    );

    c.route(
        Server::Kiosk,
        Method::GET,
        "/ticket/{ticket_id}",
        Body::Page,
    );
    c.add(
        "an unknown ticket",
        kio(Method::GET, &format!("/ticket/{}", uuid::Uuid::now_v7())),
        Status(404),
    );
    c.add(
        "path traversal",
        kio(Method::GET, &format!("/ticket/{TRAVERSAL}")),
        Status(404),
    );
    c.add(
        "an id of markup",
        kio(Method::GET, "/ticket/%3Cscript%3E"),
        Status(404),
    );
    c.route(
        Server::Kiosk,
        Method::GET,
        "/ticket/{ticket_id}/print",
        Body::Page,
    );
    let print = format!("/ticket/{}/print", w.waiting);
    c.add(
        "a negative width",
        kio(Method::GET, &format!("{print}?width=-58")),
        Status(400),
    );
    c.add(
        "an enormous width",
        kio(Method::GET, &format!("{print}?width=99999999999999999999")),
        Status(400),
    );
    c.add(
        "a width of markup",
        kio(Method::GET, &format!("{print}?width=%3Cscript%3E")),
        Status(400),
    );
    c.add(
        "an unknown ticket",
        kio(
            Method::GET,
            &format!("/ticket/{}/print", uuid::Uuid::now_v7()),
        ),
        Status(404),
    );
    c.add_as(
        "raw path traversal",
        kio(Method::GET, &format!("/ticket/{RAW_TRAVERSAL}/print")).raw(),
        Status(404),
        Body::Json,
    );

    c.route(Server::Kiosk, Method::GET, "/tablet/{counter}", Body::Page);
    c.add(
        "an unknown counter",
        kio(Method::GET, "/tablet/L9"),
        Status(404),
    );
    c.add(
        "path traversal",
        kio(Method::GET, &format!("/tablet/{TRAVERSAL}")),
        Status(404),
    );
    c.add(
        "a forged pairing code",
        kio(Method::GET, "/tablet/L1?pair=forged"),
        Status(410),
    );
    c.add(
        "an empty pairing code",
        kio(Method::GET, "/tablet/L1?pair="),
        Status(410),
    );

    c.route(Server::Kiosk, Method::GET, "/static/{name}", Body::Json);
    c.add(
        "path traversal",
        kio(Method::GET, &format!("/static/{TRAVERSAL}")),
        Status(404),
    );
    c.add(
        "raw path traversal",
        kio(Method::GET, &format!("/static/{RAW_TRAVERSAL}")).raw(),
        Status(404),
    );
    c.add(
        "an unknown script",
        kio(Method::GET, "/static/evil.js"),
        Status(404),
    );

    for (template, page) in [
        ("/display", true),
        ("/dashboard", true),
        ("/api/dashboard", false),
        ("/api/dashboard/events", false),
        ("/api/display", false),
        ("/api/display/events", false),
    ] {
        c.route(
            Server::Kiosk,
            Method::GET,
            template,
            if page { Body::Page } else { Body::Json },
        );
        let path = template;
        c.add("no dashboard token", kio(Method::GET, path), Status(401));
        c.add(
            "a wrong token",
            kio(Method::GET, path).bearer("wrong"),
            Status(401),
        );
        c.add(
            "a wrong ?token=",
            kio(Method::GET, &format!("{path}?token=wrong")),
            Status(401),
        );
        c.add(
            "the operator token",
            kio(Method::GET, path).bearer(OPERATOR_TOKEN),
            Status(401),
        );
    }
    c.add_as(
        "wrong method",
        kio(Method::POST, "/api/display").bearer(DASH),
        Status(405),
        Body::Json,
    );

    c.route(Server::Kiosk, Method::GET, "/counter/{counter}", Body::Page);
    c.add(
        "an unknown counter",
        kio(Method::GET, "/counter/L9"),
        Status(404),
    );
    c.add(
        "path traversal",
        kio(Method::GET, &format!("/counter/{TRAVERSAL}")),
        Status(404),
    );
    c.add(
        "a counter of markup",
        kio(Method::GET, "/counter/%3Cscript%3E"),
        Status(404),
    );

    c.route(
        Server::Kiosk,
        Method::POST,
        "/counter/{counter}/login",
        Body::Page,
    );
    let login = |body: &str| kio(Method::POST, "/counter/L3/login").form(body.to_owned());
    c.add(
        "from another site",
        login(&format!("nip={}&pin={}", ASN3.0, ASN3.1)).header("Origin", "http://evil.example"),
        Status(403),
    );
    c.add(
        "a NIP not on the roster",
        login("nip=199001012015031001&pin=1234"),
        Status(401),
    );
    c.add("a malformed NIP", login("nip=12345&pin=1234"), Status(422));
    c.add(
        "a PIN of letters",
        login(&format!("nip={}&pin=abcd", ASN3.0)),
        Status(422),
    );
    c.add(
        "a PIN of 10,000 digits",
        login(&format!("nip={}&pin={}", ASN3.0, "1".repeat(10_000))),
        Status(422),
    );
    c.add(
        "an unknown counter",
        kio(Method::POST, "/counter/L9/login").form(format!("nip={}&pin={}", ASN3.0, ASN3.1)),
        Status(404),
    );
    c.add_as(
        "no PIN",
        login(&format!("nip={}", ASN3.0)),
        Status(400),
        Body::Json,
    );

    c.route(
        Server::Kiosk,
        Method::POST,
        "/counter/{counter}/logout",
        Body::Page,
    );
    c.add(
        "from another site",
        kio(Method::POST, "/counter/L1/logout")
            .cookie(&format!("kiosk_session={session}"))
            .header("Origin", "http://evil.example"),
        Status(403),
    );
    c.add(
        "an unknown counter",
        kio(Method::POST, "/counter/L9/logout"),
        Status(404),
    );

    let actions: [(&'static str, &'static str, String); 5] = [
        ("/counter/{counter}/next", "next", String::new()),
        (
            "/counter/{counter}/complete",
            "complete",
            format!("ticket_id={done_id}"),
        ),
        (
            "/counter/{counter}/abandon",
            "abandon",
            format!("ticket_id={done_id}"),
        ),
        ("/counter/{counter}/recall", "recall", String::new()),
        ("/counter/{counter}/break", "break", "on=1".to_owned()),
    ];
    for (template, action, form) in &actions {
        c.route(Server::Kiosk, Method::POST, template, Body::Page);
        let url = format!("/counter/L1/{action}");
        c.add(
            "no session",
            kio(Method::POST, &url).form(form.clone()),
            Status(401),
        );
        c.add(
            "a forged session",
            kio(Method::POST, &url)
                .cookie("kiosk_session=forged")
                .form(form.clone()),
            Status(401),
        );
        c.add(
            "another counter's session",
            kio(Method::POST, &url)
                .cookie(&format!("kiosk_session={}", w.l2))
                .form(form.clone()),
            Status(401),
        );
        c.add(
            "a tablet token",
            kio(Method::POST, &url).bearer(&tablet).form(form.clone()),
            Status(401),
        );
        c.add(
            "from another site",
            kio(Method::POST, &url)
                .cookie(&format!("kiosk_session={session}"))
                .header("Sec-Fetch-Site", "cross-site")
                .form(form.clone()),
            Status(403),
        );
    }
    c.route(
        Server::Kiosk,
        Method::POST,
        "/counter/{counter}/complete",
        Body::Page,
    );
    c.add(
        "a ticket of path traversal",
        kio(Method::POST, "/counter/L1/complete")
            .cookie(&format!("kiosk_session={session}"))
            .form(format!("ticket_id={TRAVERSAL}")),
        Status(404),
    );
    c.add(
        "a completed ticket",
        kio(Method::POST, "/counter/L1/complete")
            .cookie(&format!("kiosk_session={session}"))
            .form(format!("ticket_id={done_id}")),
        Status(409),
    );
    c.add_as(
        "no ticket",
        kio(Method::POST, "/counter/L1/complete")
            .cookie(&format!("kiosk_session={session}"))
            .form("id=1"),
        Status(400),
        Body::Json,
    );
    c.route(
        Server::Kiosk,
        Method::POST,
        "/counter/{counter}/abandon",
        Body::Page,
    );
    c.add(
        "an unknown ticket",
        kio(Method::POST, "/counter/L1/abandon")
            .cookie(&format!("kiosk_session={session}"))
            .form(format!("ticket_id={}", uuid::Uuid::now_v7())),
        Status(404),
    );
    c.route(
        Server::Kiosk,
        Method::POST,
        "/counter/{counter}/recall",
        Body::Page,
    );
    c.add(
        "nothing being served",
        kio(Method::POST, "/counter/L1/recall").cookie(&format!("kiosk_session={session}")),
        Status(409),
    );
    c.route(
        Server::Kiosk,
        Method::POST,
        "/counter/{counter}/break",
        Body::Page,
    );
    c.add_as(
        "no on",
        kio(Method::POST, "/counter/L1/break")
            .cookie(&format!("kiosk_session={session}"))
            .form("off=1"),
        Status(400),
        Body::Json,
    );
    c.route(
        Server::Kiosk,
        Method::POST,
        "/counter/{counter}/transfer",
        Body::Page,
    );
    let transfer_form = format!("ticket_id={done_id}&service=kk");
    c.add(
        "no session",
        kio(Method::POST, "/counter/L1/transfer").form(transfer_form.clone()),
        Status(401),
    );
    c.add(
        "another counter's session",
        kio(Method::POST, "/counter/L1/transfer")
            .cookie(&format!("kiosk_session={}", w.l2))
            .form(transfer_form.clone()),
        Status(401),
    );
    c.add(
        "a completed ticket",
        kio(Method::POST, "/counter/L1/transfer")
            .cookie(&format!("kiosk_session={session}"))
            .form(transfer_form.clone()),
        Status(409),
    );
    c.add(
        "a service of markup",
        kio(Method::POST, "/counter/L1/transfer")
            .cookie(&format!("kiosk_session={session}"))
            .form(format!("ticket_id={done_id}&service=%3Cb%3E")),
        Status(404),
    );
    c.add_as(
        "no service",
        kio(Method::POST, "/counter/L1/transfer")
            .cookie(&format!("kiosk_session={session}"))
            .form(format!("ticket_id={done_id}")),
        Status(400),
        Body::Json,
    );

    c.route(Server::Kiosk, Method::POST, "/api/tickets", Body::Json);
    c.add(
        "truncated JSON",
        kio(Method::POST, "/api/tickets").json(r#"{"service":"#),
        Status(400),
    );
    c.add(
        "text/plain",
        kio(Method::POST, "/api/tickets").body_as("text/plain", br#"{"service":"ktp"}"#.to_vec()),
        Status(415),
    );
    c.add(
        "no content type",
        kio(Method::POST, "/api/tickets").bare_body(br#"{"service":"ktp"}"#.to_vec()),
        Status(415),
    );
    c.add(
        "a form",
        kio(Method::POST, "/api/tickets").form("service=ktp"),
        Status(415),
    );
    c.add(
        "an unknown service",
        kio(Method::POST, "/api/tickets").json(r#"{"service":"paspor"}"#),
        Status(404),
    );
    c.add(
        "a service of markup",
        kio(Method::POST, "/api/tickets").json(r#"{"service":"<script>"}"#),
        Status(422),
    );
    c.add(
        "a service of path traversal",
        kio(Method::POST, "/api/tickets").json(r#"{"service":"../../etc"}"#),
        Status(422),
    );
    c.add(
        "a service of 10,000 characters",
        kio(Method::POST, "/api/tickets").json(j!({"service": "k".repeat(10_000)}).to_string()),
        Status(422),
    );
    c.add(
        "a number for the service",
        kio(Method::POST, "/api/tickets").json(r#"{"service":1e400}"#),
        Status(400),
    );
    c.add(
        "10,000 nested arrays",
        kio(Method::POST, "/api/tickets").json(nested(10_000)),
        Status(400),
    );
    c.add(
        "invalid UTF-8",
        kio(Method::POST, "/api/tickets").body_as("application/json", not_utf8()),
        Status(400),
    );
    c.add(
        "over 64 KiB",
        kio(Method::POST, "/api/tickets").json(padded_json("service", 70)),
        Status(413),
    );
    c.add_as(
        "wrong method",
        kio(Method::GET, "/api/tickets"),
        Status(405),
        Body::Json,
    );

    let ticket_routes = [
        (
            "/api/tickets/{ticket_id}/complete",
            "complete",
            Method::POST,
        ),
        ("/api/tickets/{ticket_id}/abandon", "abandon", Method::POST),
        (
            "/api/tickets/{ticket_id}/transfer",
            "transfer",
            Method::POST,
        ),
        ("/api/tickets/{ticket_id}/qr.svg", "qr.svg", Method::GET),
    ];
    for (template, action, method) in &ticket_routes {
        c.route(Server::Kiosk, method.clone(), template, Body::Json);
        let url = |id: &str| format!("/api/tickets/{id}/{action}");
        let body = |r: Req| {
            if *action == "transfer" {
                r.json(r#"{"service":"kk"}"#)
            } else {
                r
            }
        };
        c.add(
            "no session",
            body(kio(method.clone(), &url(&done_id.to_string()))),
            Status(401),
        );
        c.add(
            "a forged session",
            body(kio(method.clone(), &url(&done_id.to_string())).bearer("forged")),
            Status(401),
        );
        c.add(
            "a tablet token",
            body(kio(method.clone(), &url(&done_id.to_string())).bearer(&tablet)),
            Status(401),
        );
        c.add(
            "path traversal",
            body(kio(method.clone(), &url(TRAVERSAL)).bearer(&session)),
            Status(404),
        );
        c.add(
            "an unknown ticket",
            body(kio(method.clone(), &url(&uuid::Uuid::now_v7().to_string())).bearer(&session)),
            Status(404),
        );
    }
    c.route(
        Server::Kiosk,
        Method::POST,
        "/api/tickets/{ticket_id}/complete",
        Body::Json,
    );
    c.add(
        "a waiting ticket",
        kio(
            Method::POST,
            &format!("/api/tickets/{}/complete", w.waiting),
        )
        .bearer(&session),
        Status(409),
    );
    c.add(
        "a completed ticket",
        kio(Method::POST, &format!("/api/tickets/{done_id}/complete")).bearer(&session),
        Status(409),
    );
    c.route(
        Server::Kiosk,
        Method::POST,
        "/api/tickets/{ticket_id}/abandon",
        Body::Json,
    );
    c.add(
        "another counter's ticket",
        kio(Method::POST, &format!("/api/tickets/{}/abandon", w.waiting)).bearer(&session),
        Status(403),
    );
    c.route(
        Server::Kiosk,
        Method::POST,
        "/api/tickets/{ticket_id}/transfer",
        Body::Json,
    );
    c.add(
        "truncated JSON",
        kio(Method::POST, &format!("/api/tickets/{done_id}/transfer"))
            .bearer(&session)
            .json(r#"{"serv"#),
        Status(400),
    );
    c.add(
        "a service of markup",
        kio(Method::POST, &format!("/api/tickets/{done_id}/transfer"))
            .bearer(&session)
            .json(r#"{"service":"<b>"}"#),
        Status(422),
    );
    c.add(
        "a completed ticket",
        kio(Method::POST, &format!("/api/tickets/{done_id}/transfer"))
            .bearer(&session)
            .json(r#"{"service":"kk"}"#),
        Status(409),
    );
    c.route(
        Server::Kiosk,
        Method::GET,
        "/api/tickets/{ticket_id}/qr.svg",
        Body::Json,
    );
    c.add(
        "another counter's session",
        kio(Method::GET, &format!("/api/tickets/{done_id}/qr.svg")).bearer(&w.l2),
        Status(403),
    );
    c.add(
        "a waiting ticket",
        kio(Method::GET, &format!("/api/tickets/{}/qr.svg", w.waiting)).bearer(&session),
        Status(403),
    );

    c.route(
        Server::Kiosk,
        Method::POST,
        "/api/counters/{counter}/session",
        Body::Json,
    );
    let sign_in = |counter: &str, body: String| {
        kio(Method::POST, &format!("/api/counters/{counter}/session")).json(body)
    };
    let nip_pin = |nip: &str, pin: &str| j!({"nip": nip, "pin": pin}).to_string();
    c.add(
        "a malformed NIP",
        sign_in("L3", nip_pin("12345", "1234")),
        Status(422),
    );
    c.add(
        "a NIP with an impossible date",
        sign_in("L3", nip_pin("19820230 200801 2 005", "1234")),
        Status(422),
    );
    c.add(
        "a NIP of markup",
        sign_in("L3", nip_pin("<script>alert(1)</script>", "1234")),
        Status(422),
    );
    c.add(
        "a PIN of letters",
        sign_in("L3", nip_pin(ASN3.0, "abcd")),
        Status(422),
    );
    c.add(
        "a PIN of 10,000 digits",
        sign_in("L3", nip_pin(ASN3.0, &"1".repeat(10_000))),
        Status(422),
    );
    c.add(
        "a NIP not on the roster",
        sign_in("L3", nip_pin("199001012015031001", "1234")),
        Status(401),
    );
    c.add(
        "an inactive NIP",
        sign_in("L3", nip_pin(INACTIVE.0, INACTIVE.1)),
        Status(403),
    );
    c.add(
        "an unknown counter",
        sign_in("L9", nip_pin(ASN3.0, ASN3.1)),
        Status(404),
    );
    c.add(
        "a counter of path traversal",
        sign_in(TRAVERSAL, nip_pin(ASN3.0, ASN3.1)),
        Status(404),
    );
    c.add(
        "no PIN",
        sign_in("L3", j!({"nip": ASN3.0}).to_string()),
        Status(400),
    );
    c.add(
        "a number for the PIN",
        sign_in("L3", j!({"nip": ASN3.0, "pin": 6633}).to_string()),
        Status(400),
    );
    c.add(
        "text/plain",
        kio(Method::POST, "/api/counters/L3/session")
            .body_as("text/plain", nip_pin(ASN3.0, ASN3.1).into_bytes()),
        Status(415),
    );
    c.add(
        "10,000 nested arrays",
        sign_in("L3", nested(10_000)),
        Status(400),
    );
    c.add(
        "over 64 KiB",
        sign_in("L3", padded_json("nip", 70)),
        Status(413),
    );

    c.route(
        Server::Kiosk,
        Method::DELETE,
        "/api/counters/{counter}/session",
        Body::Json,
    );
    c.add(
        "no session",
        kio(Method::DELETE, "/api/counters/L1/session"),
        Status(401),
    );
    c.add(
        "another counter's session",
        kio(Method::DELETE, "/api/counters/L1/session").bearer(&w.l2),
        Status(403),
    );
    c.add(
        "a tablet token",
        kio(Method::DELETE, "/api/counters/L1/session").bearer(&tablet),
        Status(401),
    );

    for (template, action, body) in [
        ("/api/counters/{counter}/next", "next", None),
        ("/api/counters/{counter}/recall", "recall", None),
        (
            "/api/counters/{counter}/break",
            "break",
            Some(r#"{"on":true}"#),
        ),
    ] {
        c.route(Server::Kiosk, Method::POST, template, Body::Json);
        let url = format!("/api/counters/L1/{action}");
        let with_body = |r: Req| match body {
            Some(b) => r.json(b),
            None => r,
        };
        c.add(
            "no session",
            with_body(kio(Method::POST, &url)),
            Status(401),
        );
        c.add(
            "a forged session",
            with_body(kio(Method::POST, &url).bearer("forged")),
            Status(401),
        );
        c.add(
            "another counter's session",
            with_body(kio(Method::POST, &url).bearer(&w.l2)),
            Status(403),
        );
        c.add(
            "a tablet token",
            with_body(kio(Method::POST, &url).bearer(&tablet)),
            Status(401),
        );
        c.add(
            "the operator token",
            with_body(kio(Method::POST, &url).bearer(OPERATOR_TOKEN)),
            Status(401),
        );
        c.add(
            "a session for an unknown counter",
            with_body(kio(Method::POST, &format!("/api/counters/L9/{action}")).bearer(&session)),
            Status(403),
        );
    }
    c.route(
        Server::Kiosk,
        Method::POST,
        "/api/counters/{counter}/recall",
        Body::Json,
    );
    c.add(
        "nothing being served",
        kio(Method::POST, "/api/counters/L1/recall").bearer(&session),
        Status(409),
    );
    c.route(
        Server::Kiosk,
        Method::POST,
        "/api/counters/{counter}/break",
        Body::Json,
    );
    c.add(
        "on as text",
        kio(Method::POST, "/api/counters/L1/break")
            .bearer(&session)
            .json(r#"{"on":"ya"}"#),
        Status(400),
    );
    c.add(
        "truncated JSON",
        kio(Method::POST, "/api/counters/L1/break")
            .bearer(&session)
            .json(r#"{"on":tr"#),
        Status(400),
    );
    c.add(
        "text/plain",
        kio(Method::POST, "/api/counters/L1/break")
            .bearer(&session)
            .body_as("text/plain", b"on".to_vec()),
        Status(415),
    );

    c.route(
        Server::Kiosk,
        Method::GET,
        "/api/counters/{counter}/current",
        Body::Json,
    );
    c.add(
        "no tablet",
        kio(Method::GET, "/api/counters/L1/current"),
        Status(401),
    );
    c.add(
        "a forged tablet",
        kio(Method::GET, "/api/counters/L1/current").cookie("kiosk_tablet=forged"),
        Status(401),
    );
    c.add(
        "the counter's session",
        kio(Method::GET, "/api/counters/L1/current").bearer(&session),
        Status(401),
    );
    c.add(
        "another counter's tablet",
        kio(Method::GET, "/api/counters/L1/current").bearer(&w.tablet2),
        Status(403),
    );
    c.add(
        "a counter of path traversal",
        kio(Method::GET, &format!("/api/counters/{TRAVERSAL}/current")).bearer(&tablet),
        Status(404),
    );

    c.route(
        Server::Kiosk,
        Method::POST,
        "/api/counters/{counter}/tablets",
        Body::Json,
    );
    c.add(
        "no operator token",
        kio(Method::POST, "/api/counters/L1/tablets"),
        Status(401),
    );
    c.add(
        "the counter's session",
        kio(Method::POST, "/api/counters/L1/tablets").bearer(&session),
        Status(401),
    );
    c.add(
        "a tablet token",
        kio(Method::POST, "/api/counters/L1/tablets").bearer(&tablet),
        Status(401),
    );
    c.add(
        "the dashboard token",
        kio(Method::POST, "/api/counters/L1/tablets").bearer(DASH),
        Status(401),
    );
    c.add(
        "an unknown counter",
        kio(Method::POST, "/api/counters/L9/tablets").bearer(OPERATOR_TOKEN),
        Status(404),
    );
    c.add(
        "path traversal",
        kio(Method::POST, &format!("/api/counters/{TRAVERSAL}/tablets")).bearer(OPERATOR_TOKEN),
        Status(404),
    );
    c.route(
        Server::Kiosk,
        Method::DELETE,
        "/api/counters/{counter}/tablets",
        Body::Json,
    );
    c.add(
        "no operator token",
        kio(Method::DELETE, "/api/counters/L1/tablets"),
        Status(401),
    );
    c.add(
        "a tablet revokes its counter",
        kio(Method::DELETE, "/api/counters/L1/tablets").bearer(&tablet),
        Status(401),
    );
    c.add(
        "an unknown counter",
        kio(Method::DELETE, "/api/counters/L9/tablets").bearer(OPERATOR_TOKEN),
        Status(404),
    );

    c.route(Server::Kiosk, Method::POST, "/api/ratings", Body::Json);
    let rate = |body: String| kio(Method::POST, "/api/ratings").bearer(&tablet).json(body);
    let for_counter = |extra: serde_json::Value| {
        let mut b = j!({"counter": "L1", "score": 4});
        if let (Some(o), Some(e)) = (b.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        b.to_string()
    };
    c.add(
        "no tablet",
        kio(Method::POST, "/api/ratings").json(for_counter(j!({}))),
        Status(401),
    );
    c.add(
        "a forged tablet",
        kio(Method::POST, "/api/ratings")
            .bearer("forged")
            .json(for_counter(j!({}))),
        Status(401),
    );
    c.add(
        "the ASN's session",
        kio(Method::POST, "/api/ratings")
            .bearer(&session)
            .json(for_counter(j!({}))),
        Status(401),
    );
    c.add(
        "another counter's tablet",
        kio(Method::POST, "/api/ratings")
            .bearer(&w.tablet2)
            .json(for_counter(j!({}))),
        Status(403),
    );
    for score in ["0", "5", "-1", "-9223372036854775808"] {
        c.add(
            &format!("score {score}"),
            rate(format!(r#"{{"counter":"L1","score":{score}}}"#)),
            Status(422),
        );
    }
    c.add(
        "score 1e400",
        rate(r#"{"counter":"L1","score":1e400}"#.into()),
        Status(400),
    );
    c.add(
        "score past i64",
        rate(r#"{"counter":"L1","score":99999999999999999999}"#.into()),
        Status(400),
    );
    c.add(
        "score as text",
        rate(for_counter(j!({"score": "4"}))),
        Status(400),
    );
    c.add(
        "eight answers",
        rate(for_counter(j!({"answers": [4, 4, 4, 4, 4, 4, 4, 4]}))),
        Status(422),
    );
    c.add(
        "an answer of 5",
        rate(for_counter(j!({"answers": [4, 4, 4, 4, 4, 4, 4, 4, 5]}))),
        Status(422),
    );
    c.add(
        "a comment of 501 characters",
        rate(for_counter(j!({"comment": "k".repeat(501)}))),
        Status(422),
    );
    c.add(
        "a ticket of path traversal",
        rate(for_counter(j!({"ticket_id": "../../etc/passwd"}))),
        Status(422),
    );
    c.add(
        "an unknown ticket",
        rate(j!({"ticket_id": uuid::Uuid::now_v7(), "score": 4}).to_string()),
        Status(404),
    );
    c.add(
        "an unknown counter",
        rate(j!({"counter": "L9", "score": 4}).to_string()),
        Status(403),
    );
    c.add(
        "a ticket already rated",
        rate(j!({"ticket_id": w.done[5].0, "score": 1}).to_string()),
        Status(409),
    );
    c.add(
        "truncated JSON",
        rate(r#"{"counter":"L1","sco"#.into()),
        Status(400),
    );
    c.add("10,000 nested arrays", rate(nested(10_000)), Status(400));
    c.add(
        "invalid UTF-8",
        kio(Method::POST, "/api/ratings")
            .bearer(&tablet)
            .body_as("application/json", not_utf8()),
        Status(400),
    );
    c.add(
        "a form",
        kio(Method::POST, "/api/ratings")
            .bearer(&tablet)
            .form("score=4"),
        Status(415),
    );
    c.add("over 64 KiB", rate(padded_json("comment", 70)), Status(413));

    c.route(Server::Kiosk, Method::GET, "/api/backup", Body::Json);
    c.add(
        "no operator token",
        kio(Method::GET, "/api/backup"),
        Status(401),
    );
    c.add(
        "the dashboard token",
        kio(Method::GET, "/api/backup").bearer(DASH),
        Status(401),
    );
    c.add(
        "a counter session",
        kio(Method::GET, "/api/backup").bearer(&session),
        Status(401),
    );
    c.add(
        "a tablet token",
        kio(Method::GET, "/api/backup").bearer(&tablet),
        Status(401),
    );
    c.add(
        "the operator token as ?token=",
        kio(Method::GET, &format!("/api/backup?token={OPERATOR_TOKEN}")),
        Status(401),
    );

    c.route(Server::Kiosk, Method::GET, "/audio/{clip}", Body::Json);
    c.add(
        "path traversal",
        kio(Method::GET, &format!("/audio/{TRAVERSAL}")),
        Status(404),
    );
    c.add(
        "raw path traversal",
        kio(Method::GET, &format!("/audio/{RAW_TRAVERSAL}")).raw(),
        Status(404),
    );
    c.add(
        "a clip without .wav",
        kio(Method::GET, "/audio/chime"),
        Status(404),
    );
    c.add(
        "a source file",
        kio(Method::GET, "/audio/..%2Fsrc%2Faudio.rs.wav"),
        Status(404),
    );

    for (template, wrong) in [
        ("/favicon.svg", Method::POST),
        ("/favicon.ico", Method::PUT),
        ("/healthz", Method::POST),
        ("/metrics", Method::DELETE),
    ] {
        c.route(Server::Kiosk, Method::GET, template, Body::Any);
        c.add(
            "a 256 KiB header",
            kio(Method::GET, template).header("X-Pad", &huge_header),
            AnyOf(TOO_BIG),
        );
        c.add_as(
            "wrong method",
            kio(wrong, template),
            Status(405),
            Body::Json,
        );
    }
    c.route(Server::Kiosk, Method::GET, "/api/outbox", Body::Json);
    c.add_as(
        "a 256 KiB header",
        kio(Method::GET, "/api/outbox")
            .bearer(DASH)
            .header("X-Pad", &huge_header),
        AnyOf(TOO_BIG),
        Body::Any,
    );
    c.add(
        "wrong method",
        kio(Method::POST, "/api/outbox").bearer(DASH),
        Status(405),
    );
    c.route(Server::Kiosk, Method::GET, "/nothing", Body::Json);
    c.add(
        "an unknown route",
        kio(Method::GET, "/api/nothing"),
        Status(404),
    );
    c.add(
        "a raw path out of the site",
        kio(Method::GET, &format!("/{RAW_TRAVERSAL}")).raw(),
        Status(404),
    );
    c
}

/// What is wrong with the answer `res` for a case expecting `expect` and
/// `body`, if anything.
fn judge(expect: &Expect, body: Body, res: &Result<Resp, String>) -> Option<String> {
    let res = match res {
        Ok(r) => r,
        Err(e) => return Some(e.clone()),
    };
    let s = res.status;
    let excerpt = || res.text().chars().take(200).collect::<String>();
    if s >= 500 {
        return Some(format!("{s}: {}", excerpt()));
    }
    let status_ok = match expect {
        Status(x) => s == *x,
        AnyOf(xs) => xs.contains(&s),
        Redirect(prefix) => {
            s == 303
                && res
                    .header("location")
                    .is_some_and(|l| l.starts_with(prefix))
        }
    };
    if !status_ok {
        return Some(format!(
            "{s} (expected {expect:?}; location {:?}): {}",
            res.header("location"),
            excerpt()
        ));
    }
    if matches!(expect, Redirect(_)) {
        return None;
    }
    match body {
        Body::Json if res.error_body().is_none() => Some(format!(
            "{s} without a JSON error and message: {:?}",
            excerpt()
        )),
        Body::Page if !res.is_page() => Some(format!(
            "{s} is no HTML page: {:?} {:?}",
            res.header("content-type"),
            excerpt()
        )),
        _ => None,
    }
}

#[tokio::test]
async fn hostile_requests_to_every_route_get_a_4xx_leave_both_servers_healthy_and_change_nothing() {
    let started = Instant::now();
    let w = World::build().await;
    // The last ticket served at L1 is rated on its tablet: its QR link is
    // then one already used.
    let res =
        w.k.rate(&w.tablet1, &j!({"ticket_id": w.done[5].0, "score": 4}))
            .await;
    assert_eq!(res.status(), 201);
    w.settle().await;
    let built = started.elapsed();

    let corpus = corpus(&w);
    let mut failures = Vec::new();
    let mut known = Vec::new();
    let mut fixed = Vec::new();
    let mut covered = BTreeSet::new();
    let mut before = w.snapshot().await;
    let mut group_start = 0;
    for (i, case) in corpus.cases.iter().enumerate() {
        let res = w.send(&case.req).await;
        match (judge(&case.expect, case.body, &res), &case.known) {
            (None, Some((_, _, why))) => {
                fixed.push(format!("{} (was known: {why})", case.name));
            }
            (None, None) => {}
            (Some(wrong), Some((expect, body, why))) => match judge(expect, *body, &res) {
                None => known.push(format!("{}: {why}", case.name)),
                Some(also) => {
                    failures.push(format!("{}: {wrong}; nor as known: {also}", case.name))
                }
            },
            (Some(wrong), None) => failures.push(format!("{}: {wrong}", case.name)),
        }
        for server in [Server::Collector, Server::Kiosk] {
            if !w.healthy(server).await {
                failures.push(format!(
                    "{}: {} unhealthy afterwards",
                    case.name,
                    server.tag()
                ));
            }
        }
        covered.insert((
            case.route.0.tag(),
            case.req.method.to_string(),
            case.route.2,
        ));
        let last_of_group = corpus
            .cases
            .get(i + 1)
            .is_none_or(|next| next.route != case.route);
        if last_of_group {
            let after = w.snapshot().await;
            let changed = World::changed(&before, &after);
            if !changed.is_empty() {
                let names: Vec<&str> = corpus.cases[group_start..=i]
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect();
                failures.push(format!(
                    "state changed ({}) by one of: {names:#?}",
                    changed.join(", ")
                ));
            }
            before = after;
            group_start = i + 1;
        }
    }
    let missing: Vec<String> = registered_routes()
        .into_iter()
        .filter(|(s, m, p)| !covered.contains(&(s.tag(), m.to_string(), p.as_str())))
        .map(|(s, m, p)| format!("{} {m} {p}", s.tag()))
        .collect();
    println!(
        "hostile: {} cases, {} failures ({} known deviations from docs/API.md; {} routes; \
         world built in {:.1?}, cases ran in {:.1?})",
        corpus.cases.len(),
        failures.len(),
        known.len(),
        covered.len(),
        built,
        started.elapsed() - built
    );
    for k in &known {
        println!("  KNOWN {k}");
    }
    for f in &fixed {
        println!("  FIXED {f}: answered as documented now; drop the known note");
    }
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert!(
        missing.is_empty(),
        "routes without a hostile case: {missing:#?}"
    );
    assert!(corpus.cases.len() > 150, "{} cases", corpus.cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed",
        failures.len(),
        corpus.cases.len()
    );
    assert!(
        fixed.is_empty(),
        "known deviations now answered as documented: {fixed:#?}"
    );
}

/// A page as a signed-in viewer sees it (200, HTML).
async fn page(w: &World, server: Server, path: &str, cookie: Option<&str>) -> String {
    let mut req = Req::new(server, Method::GET, path);
    if let Some(c) = cookie {
        req = req.cookie(c);
    }
    let res = w.send(&req).await.expect("page");
    assert_eq!(res.status, 200, "{path}: {}", res.text());
    assert!(res.is_page(), "{path} is a page");
    res.text()
}

/// Asserts that `html` shows `raw` only as escaped text.
fn shown_as_text(html: &str, raw: &str, where_: &str) {
    let escaped = raw
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    assert!(
        !html.contains(raw),
        "{where_} shows the markup itself: {raw}"
    );
    assert!(
        html.contains(&escaped),
        "{where_} does not show {raw} as text"
    );
}

#[tokio::test]
async fn markup_in_names_comments_and_answers_is_shown_as_text_on_every_page_that_shows_it() {
    let w = World::build().await;
    let q = w.q.clone();

    // An office whose names are markup (with a control character).
    let office_name = "<script>alert(\"kantor\")</script>";
    let service_name = "<img src=x onerror=alert(1)>";
    let mut spec = serde_json::to_value(
        e2e::demo_data::offices()
            .into_iter()
            .find(|o| o.id == "pauh")
            .expect("pauh")
            .spec,
    )
    .expect("spec");
    spec["name"] = j!(format!("{office_name}\u{7}"));
    spec["services"][0]["name"] = j!(service_name);
    let res = w
        .send(
            &Req::new(Server::Collector, Method::PUT, "/api/v1/offices/xss-kantor")
                .bearer(&w.c.admin)
                .json(spec.to_string()),
        )
        .await
        .expect("office");
    assert_eq!(res.status, 200, "{}", res.text());
    let publik = page(&w, Server::Collector, "/publik/xss-kantor", None).await;
    shown_as_text(&publik, office_name, "/publik");
    let hr = Some(w.hr_session.as_str());
    let overview = page(&w, Server::Collector, &format!("/laporan?{q}"), hr).await;
    shown_as_text(&overview, office_name, "/laporan");
    let office = page(
        &w,
        Server::Collector,
        &format!("/laporan/xss-kantor?{q}"),
        hr,
    )
    .await;
    shown_as_text(&office, office_name, "/laporan/{office}");
    let skm = page(
        &w,
        Server::Collector,
        &format!("/laporan/xss-kantor/skm?{q}"),
        hr,
    )
    .await;
    shown_as_text(&skm, office_name, "/laporan/{office}/skm");
    for path in [
        format!("/api/v1/reports/skm.xlsx?office_id=xss-kantor&{q}"),
        format!("/api/v1/reports/offices?format=csv&{q}"),
    ] {
        let res = w
            .send(&Req::new(Server::Collector, Method::GET, path.clone()).bearer(&w.hr))
            .await
            .expect("export");
        assert_eq!(res.status, 200, "{path}: {}", res.text());
    }

    // An ASN whose roster name is markup, signed in at a counter.
    let session = w.k.sign_in("L3", MARKUP_ASN).await;
    let console = page(
        &w,
        Server::Kiosk,
        "/counter/L3",
        Some(&format!("kiosk_session={session}")),
    )
    .await;
    shown_as_text(&console, MARKUP_NAME, "the counter console");
    let dashboard = page(&w, Server::Kiosk, &format!("/dashboard?token={DASH}"), None).await;
    shown_as_text(&dashboard, MARKUP_NAME, "the kiosk dashboard");

    // A citizen's comment, the ASN's reply, the head's review note and
    // follow-up response, all markup.
    let comment = "<img src=x onerror=alert(2)>";
    let res = w
        .send(
            &Req::new(
                Server::Collector,
                Method::POST,
                format!("/api/v1/ratings/{}", w.done[2].1),
            )
            .json(j!({"score": 2, "comment": format!("{comment} \u{1b}[31m")}).to_string()),
        )
        .await
        .expect("rating");
    assert_eq!(res.status, 201, "{}", res.text());
    let reply = "<a href=\"javascript:alert(3)\">lihat</a>";
    let res = w
        .send(
            &Req::new(
                Server::Collector,
                Method::POST,
                format!("/api/v1/ratings/{}/reply", w.ratings[0]),
            )
            .cookie(&w.asn1)
            .json(j!({"text": reply}).to_string()),
        )
        .await
        .expect("reply");
    assert_eq!(res.status, 201, "{}", res.text());
    let note = "<iframe src=\"//evil.example\"></iframe>";
    let res = w
        .send(
            &Req::new(
                Server::Collector,
                Method::POST,
                format!("/api/v1/ratings/{}/review", w.ratings[0]),
            )
            .bearer(&w.head)
            .json(j!({"decision": "exclude", "reason": "abusive", "note": note}).to_string()),
        )
        .await
        .expect("review");
    assert_eq!(res.status, 200, "{}", res.text());
    let response = "<svg onload=alert(4)>";
    let res = w
        .send(
            &Req::new(
                Server::Collector,
                Method::POST,
                format!("/api/v1/followups/{}", w.complaint),
            )
            .bearer(&w.head)
            .json(j!({"status": "in_progress", "response": response}).to_string()),
        )
        .await
        .expect("follow-up");
    assert_eq!(res.status, 200, "{}", res.text());

    let head = Some(w.head_session.as_str());
    let evidence = page(
        &w,
        Server::Collector,
        &format!("/laporan/{OFFICE}/asn/{}?{q}&komentar=semua", w.asn1_ref),
        head,
    )
    .await;
    shown_as_text(&evidence, comment, "the evidence page (comment)");
    shown_as_text(&evidence, reply, "the evidence page (reply)");
    shown_as_text(&evidence, note, "the evidence page (review note)");
    let own = page(
        &w,
        Server::Collector,
        &format!("/asn?{q}&komentar=semua"),
        Some(&w.asn1),
    )
    .await;
    shown_as_text(&own, comment, "the ASN's own page (comment)");
    shown_as_text(&own, reply, "the ASN's own page (reply)");
    let followups = page(
        &w,
        Server::Collector,
        &format!("/laporan/{OFFICE}/tindak-lanjut"),
        head,
    )
    .await;
    shown_as_text(&followups, comment, "the follow-up list (comment)");
    shown_as_text(&followups, response, "the follow-up list (response)");
    let trail = page(&w, Server::Collector, "/laporan/jejak", head).await;
    shown_as_text(&trail, note, "the audit trail (review note)");
    assert!(
        !trail.contains(response) && !trail.contains(reply),
        "the audit trail shows markup"
    );
    println!(
        "markup: shown as text on every page; a control character in a comment is {} on the \
         evidence page",
        if evidence.contains('\u{1b}') {
            "kept as given"
        } else {
            "not shown"
        }
    );
}
