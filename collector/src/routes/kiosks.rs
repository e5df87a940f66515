//! Routes kiosks call, signed with their key (docs/API.md "Collector: kiosks
//! (signed)"): `X-Kiosk-Id`, `X-Timestamp` and `X-Signature`, the HMAC over
//! `timestamp "." body`.
//!
//! Every refusal is a 401 carrying `server_time`, so that a kiosk whose clock
//! drifted can tell and report it (clock skew is detected from the
//! collector's answers).

use actix_web::{HttpRequest, web};
use httpkit::ApiError;
use jiff::Timestamp;
use shared::sign::{
    HEADER_KIOSK_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, REPLAY_WINDOW_S, verify_request,
    within_window,
};
use shared::wire::KioskConfig;
use shared::{KioskId, Msg};

use crate::startup::AppState;
use crate::store::{KioskRecord, StoreError};

/// Why a kiosk request was refused.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    /// Missing, malformed, stale or wrong credentials (401).
    #[error("kiosk not authenticated: {}", .msg.en)]
    Unauthorized {
        /// What to fix.
        msg: Msg,
        /// The collector's clock, unix seconds.
        server_time: i64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<KioskError> for ApiError {
    fn from(e: KioskError) -> ApiError {
        match e {
            KioskError::Unauthorized { msg, server_time } => {
                ApiError::unauthorized(msg).with("server_time", server_time)
            }
            KioskError::Store(e) => ApiError::unexpected(e),
        }
    }
}

fn refuse(server_time: i64, id: &str, en: &str) -> KioskError {
    KioskError::Unauthorized {
        msg: Msg::new(id, en),
        server_time,
    }
}

fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Checks a signed kiosk request whose body is `body` (empty for a GET) at
/// unix time `now`, and gives the kiosk that signed it.
pub async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    body: &[u8],
    now: i64,
) -> Result<KioskRecord, KioskError> {
    let (Some(kiosk_id), Some(timestamp), Some(signature)) = (
        header(req, HEADER_KIOSK_ID),
        header(req, HEADER_TIMESTAMP),
        header(req, HEADER_SIGNATURE),
    ) else {
        return Err(refuse(
            now,
            "Permintaan kiosk harus ditandatangani: kirim header X-Kiosk-Id, X-Timestamp dan \
             X-Signature",
            "Kiosk requests must be signed: send the headers X-Kiosk-Id, X-Timestamp and \
             X-Signature",
        ));
    };
    let Ok(timestamp) = timestamp.parse::<i64>() else {
        return Err(refuse(
            now,
            "X-Timestamp harus waktu unix dalam detik",
            "X-Timestamp must be unix time in seconds",
        ));
    };
    if !within_window(timestamp, now) {
        return Err(KioskError::Unauthorized {
            msg: Msg::new(
                format!(
                    "Jam kiosk berbeda lebih dari {REPLAY_WINDOW_S} detik dari jam collector \
                     (lihat server_time): perbaiki jam kiosk"
                ),
                format!(
                    "The kiosk's clock is more than {REPLAY_WINDOW_S} s away from the \
                     collector's (see server_time): correct the kiosk's clock"
                ),
            ),
            server_time: now,
        });
    }
    // An unknown kiosk and a wrong signature get the same answer, so the
    // refusal does not tell a prober which kiosk ids exist.
    let not_accepted = || {
        refuse(
            now,
            "Id kiosk atau tanda tangan tidak diterima: periksa --kiosk-id dan --kiosk-key",
            "Kiosk id or signature not accepted: check --kiosk-id and --kiosk-key",
        )
    };
    let kiosk_id = KioskId::parse(kiosk_id).ok_or_else(not_accepted)?;
    let kiosk = state
        .store
        .kiosk(kiosk_id)
        .await?
        .ok_or_else(not_accepted)?;
    if !verify_request(&kiosk.key, timestamp, body, signature) {
        return Err(not_accepted());
    }
    if kiosk.disabled_at.is_some() {
        tracing::warn!(kiosk_id = %kiosk.kiosk_id, "a disabled kiosk tried to connect");
        return Err(refuse(
            now,
            "Kiosk ini sudah dinonaktifkan oleh operator collector; daftarkan kiosk baru untuk \
             kantor ini",
            "This kiosk has been disabled by the collector's operator; register a new kiosk for \
             this office",
        ));
    }
    Ok(kiosk)
}

/// `GET /api/v1/kiosks/{kiosk_id}/config`: the kiosk's office, that office's
/// roster (PIN hashes, never PINs), the public URL and the QR expiry.
pub async fn config(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<KioskConfig>, ApiError> {
    let now = Timestamp::now().as_second();
    let kiosk = authenticate(&req, &state, b"", now).await?;
    if KioskId::parse(&path) != Some(kiosk.kiosk_id) {
        return Err(refuse(
            now,
            "X-Kiosk-Id tidak sama dengan id kiosk di alamat",
            "X-Kiosk-Id differs from the kiosk id in the address",
        )
        .into());
    }
    let (office, roster) = state
        .store
        .office_with_roster(kiosk.office_id.clone())
        .await
        .map_err(KioskError::from)?
        // Offices are never deleted, so a kiosk's office always exists.
        .ok_or_else(|| KioskError::Store(StoreError::UnknownOffice(kiosk.office_id.clone())))?;
    Ok(web::Json(KioskConfig {
        kiosk_id: kiosk.kiosk_id,
        office,
        roster,
        public_url: state.public_url.clone(),
        qr_expiry_s: state.qr_expiry_s,
    }))
}

#[cfg(test)]
mod tests {
    use reqwest::Response;
    use serde_json::Value;
    use shared::sign::sign_request;
    use shared::wire::KioskCreated;

    use super::*;
    use crate::test_support::{TestApp, assert_error, spawn_with};

    async fn app_with_kiosk() -> (TestApp, KioskCreated) {
        let app = spawn_with(|s| {
            s.public_url = Some("https://feedback.example.go.id/".into());
            s.qr_expiry_s = 3600;
        })
        .await;
        app.given_office("kupang").await;
        app.given_office("alak").await;
        let roster = "nip,name,office_id,pin,active\n\
            196608011988031001,Budi,kupang,1234,\n\
            198503122021212004,Maria,kupang,5678,tidak\n\
            197202291998031001,Yohanes,alak,1111,\n";
        assert_eq!(app.put_roster("text/csv", roster).await.status(), 200);
        let kiosk = app.given_kiosk("kupang").await;
        (app, kiosk)
    }

    async fn get_config(app: &TestApp, path_id: &str, headers: &[(&str, String)]) -> Response {
        let mut req = app
            .client
            .get(format!("{}/api/v1/kiosks/{path_id}/config", app.address));
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        req.send().await.unwrap()
    }

    fn signed(kiosk_id: &str, key: &str, ts: i64) -> Vec<(&'static str, String)> {
        vec![
            (HEADER_KIOSK_ID, kiosk_id.to_owned()),
            (HEADER_TIMESTAMP, ts.to_string()),
            (HEADER_SIGNATURE, sign_request(key, ts, b"")),
        ]
    }

    async fn assert_refused(res: Response) -> Value {
        assert!(
            res.headers().contains_key("date"),
            "a 401 carries a Date header"
        );
        let body = assert_error(res, 401, "unauthorized").await;
        let server_time = body["server_time"].as_i64().expect("server_time");
        assert!((server_time - Timestamp::now().as_second()).abs() < 60);
        body
    }

    #[tokio::test]
    async fn a_signed_config_request_gets_the_office_its_roster_and_the_public_url() {
        let (app, kiosk) = app_with_kiosk().await;
        let id = kiosk.kiosk_id.to_string();
        let now = Timestamp::now().as_second();
        let res = get_config(&app, &id, &signed(&id, &kiosk.key, now)).await;
        assert_eq!(res.status(), 200);
        let config: KioskConfig = res.json().await.unwrap();
        assert_eq!(config.kiosk_id, kiosk.kiosk_id);
        assert_eq!(config.office.id.as_str(), "kupang");
        assert_eq!(config.office.counters.len(), 2);
        assert_eq!(config.public_url, "https://feedback.example.go.id");
        assert_eq!(config.qr_expiry_s, 3600);
        let nips: Vec<&str> = config.roster.iter().map(|r| r.nip.as_str()).collect();
        assert_eq!(
            nips,
            ["196608011988031001", "198503122021212004"],
            "only kupang's roster"
        );
        assert!(config.roster[0].active);
        assert!(!config.roster[1].active);
        assert!(
            config
                .roster
                .iter()
                .all(|r| r.pin_hash.starts_with("$argon2id$"))
        );
        // A timestamp inside the window is fine even when the clocks differ.
        let res = get_config(&app, &id, &signed(&id, &kiosk.key, now - 200)).await;
        assert_eq!(res.status(), 200);
    }

    #[tokio::test]
    async fn a_bad_signature_is_401_with_server_time() {
        let (app, kiosk) = app_with_kiosk().await;
        let id = kiosk.kiosk_id.to_string();
        let now = Timestamp::now().as_second();
        let res = get_config(&app, &id, &signed(&id, "not-the-key", now)).await;
        assert_refused(res).await;
        let mut garbage = signed(&id, &kiosk.key, now);
        garbage[2].1 = "zz".into();
        assert_refused(get_config(&app, &id, &garbage).await).await;
        // Signed for another timestamp than the one sent.
        let mut shifted = signed(&id, &kiosk.key, now);
        shifted[1].1 = (now + 1).to_string();
        assert_refused(get_config(&app, &id, &shifted).await).await;
    }

    #[tokio::test]
    async fn a_stale_or_future_timestamp_is_401_with_server_time_even_when_signed() {
        let (app, kiosk) = app_with_kiosk().await;
        let id = kiosk.kiosk_id.to_string();
        let now = Timestamp::now().as_second();
        for ts in [now - 301 - 5, now + 301 + 5] {
            let res = get_config(&app, &id, &signed(&id, &kiosk.key, ts)).await;
            let body = assert_refused(res).await;
            assert!(body["message"].as_str().unwrap().contains("300"));
        }
        let mut not_a_number = signed(&id, &kiosk.key, now);
        not_a_number[1].1 = "yesterday".into();
        assert_refused(get_config(&app, &id, &not_a_number).await).await;
    }

    #[tokio::test]
    async fn an_unknown_kiosk_missing_headers_or_another_kiosks_path_are_401() {
        let (app, kiosk) = app_with_kiosk().await;
        let now = Timestamp::now().as_second();
        let unknown = KioskId(uuid::Uuid::now_v7()).to_string();
        assert_refused(get_config(&app, &unknown, &signed(&unknown, &kiosk.key, now)).await).await;
        assert_refused(get_config(&app, "not-a-uuid", &signed("not-a-uuid", "k", now)).await).await;
        let id = kiosk.kiosk_id.to_string();
        assert_refused(get_config(&app, &id, &[]).await).await;
        // Correctly signed by this kiosk, but asking for another kiosk's config.
        let other = app.given_kiosk("alak").await.kiosk_id.to_string();
        assert_refused(get_config(&app, &other, &signed(&id, &kiosk.key, now)).await).await;
    }

    #[tokio::test]
    async fn kiosk_refusals_follow_accept_language() {
        let (app, kiosk) = app_with_kiosk().await;
        let id = kiosk.kiosk_id.to_string();
        let mut headers = signed(&id, "wrong", Timestamp::now().as_second());
        headers.push(("Accept-Language", "en".into()));
        let body = assert_refused(get_config(&app, &id, &headers).await).await;
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("Kiosk id or signature")
        );
    }
}
