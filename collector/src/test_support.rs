//! Test helpers: a real collector on 127.0.0.1 port 0 in a fresh temporary
//! directory, and request helpers (zero-to-production's `spawn_app`).

use reqwest::{Client, RequestBuilder, Response};
use serde_json::{Value, json};
use shared::wire::KioskCreated;

use crate::settings::Settings;
use crate::startup::Application;
use crate::store::Store;

/// A running collector.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The admin token (generated at start unless given).
    pub admin_token: String,
    /// Its database.
    pub store: Store,
    /// A plain client.
    pub client: Client,
    /// The data directory, removed when the test ends.
    pub dir: tempfile::TempDir,
    /// Stops the server when the test ends.
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Do not wait for the stop: dropping happens outside async code.
        drop(self.handle.stop(false));
    }
}

/// Starts a collector with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Starts a collector after `tweak` adjusted its settings.
pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    // reqwest is built without a default TLS provider; plain HTTP still
    // builds a TLS config, so install one (a second install is refused, fine).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::new(dir.path());
    settings.listen = "127.0.0.1:0".into();
    tweak(&mut settings);
    let given = settings.admin_token.clone();
    let app = Application::build(settings).await.unwrap();
    let admin_token = app
        .generated_admin_token()
        .map(str::to_owned)
        .or(given)
        .unwrap();
    let address = app.base_url().to_owned();
    let store = app.store();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        admin_token,
        store,
        client: Client::new(),
        dir,
        handle,
    }
}

/// An office of one service (ktp, prefix A) and one counter (L1), in WITA.
pub fn office_record(id: &str) -> shared::Office {
    let spec = shared::wire::OfficeSpec {
        name: format!("Kantor {id}"),
        tz: "Asia/Makassar".into(),
        services: vec![shared::wire::ServiceSpec {
            code: "ktp".into(),
            name: "KTP-el".into(),
            prefix: "A".into(),
            target_minutes: 30,
        }],
        counters: vec![shared::wire::CounterSpec {
            id: "L1".into(),
            name: "Loket 1".into(),
            services: vec!["ktp".into()],
        }],
    };
    shared::Office::parse(shared::OfficeId::parse(id).unwrap(), spec).unwrap()
}

/// A valid office definition with two services and two counters.
pub fn office_json() -> Value {
    json!({
        "name": "Disdukcapil Kota Kupang",
        "tz": "Asia/Makassar",
        "services": [
            {"code": "ktp", "name": "KTP-el", "prefix": "A", "target_minutes": 30},
            {"code": "kk", "name": "Kartu Keluarga", "prefix": "B", "target_minutes": 45}
        ],
        "counters": [
            {"id": "L1", "name": "Loket 1", "services": ["ktp", "kk"]},
            {"id": "L2", "name": "Loket 2", "services": ["kk"]}
        ]
    })
}

impl TestApp {
    /// A request to `path` with the admin token.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(&self.admin_token)
    }

    /// `PUT /api/v1/offices/{id}` with `body`.
    pub async fn put_office(&self, id: &str, body: &Value) -> Response {
        self.admin(reqwest::Method::PUT, &format!("/api/v1/offices/{id}"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Creates office `id` from [`office_json`], asserting success.
    pub async fn given_office(&self, id: &str) {
        let res = self.put_office(id, &office_json()).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }

    /// Registers a kiosk for `office_id`, asserting success.
    pub async fn given_kiosk(&self, office_id: &str) -> KioskCreated {
        let res = self
            .admin(reqwest::Method::POST, "/api/v1/kiosks")
            .json(&json!({ "office_id": office_id }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        res.json().await.unwrap()
    }

    /// `PUT /api/v1/roster` with `body` as `content_type`.
    pub async fn put_roster(&self, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
        self.admin(reqwest::Method::PUT, "/api/v1/roster")
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

/// Asserts an docs/API.md error body: the status, the code, and a message.
pub async fn assert_error(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status(), status);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}
