//! The operator's routes (`Authorization: Bearer ADMIN_TOKEN`): offices,
//! kiosks (registration, status, disabling, key rotation), the ASN roster and
//! HR/head tokens (issue with an expiry, revoke).

use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::body::{media_type, wrong_media_type};
use httpkit::{ApiError, JsonBody, lang_of, read_body};
use jiff::Timestamp;
use shared::wire::{
    KioskCreated, KioskKey, NewKiosk, NewToken, OfficeSpec, RosterImport, RosterRejection,
    TokenCreated,
};
use shared::{KioskId, Msg, Office, OfficeId};

use crate::auth::{AdminAuth, NoRandomness, hash_token, new_secret};
use crate::roster::{self, HashError};
use crate::startup::AppState;
use crate::store::{KioskRecord, Role, StoreError, TokenRecord};

/// How long a token works when the request does not say.
pub const DEFAULT_TOKEN_DAYS: i64 = 365;
/// The longest a token may be issued for.
pub const MAX_TOKEN_DAYS: i64 = 3650;

/// Why an admin request was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The body is not what the route takes at all (400).
    #[error("malformed body: {}", .0.en)]
    BadBody(Msg),
    /// Well-formed, but a value is invalid (422).
    #[error("invalid value: {}", .0.en)]
    Invalid(Msg),
    /// The office named does not exist (404).
    #[error("office {0} does not exist")]
    UnknownOffice(OfficeId),
    /// No such kiosk (404).
    #[error("unknown kiosk")]
    UnknownKiosk,
    /// No such token (404).
    #[error("unknown token")]
    UnknownToken,
    /// The kiosk is disabled; a disabled kiosk gets no new key (409).
    #[error("kiosk disabled")]
    KioskDisabled,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No randomness for a key or token.
    #[error(transparent)]
    Random(#[from] NoRandomness),
    /// PINs could not be hashed.
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> ApiError {
        match e {
            AdminError::BadBody(msg) => ApiError::bad_request(msg),
            AdminError::Invalid(msg) => ApiError::invalid(msg),
            AdminError::UnknownOffice(id) | AdminError::Store(StoreError::UnknownOffice(id)) => {
                ApiError::not_found(Msg::new(
                    format!("Kantor {id} belum ada; buat dulu dengan PUT /api/v1/offices/{id}"),
                    format!(
                        "Office {id} does not exist; create it first with PUT /api/v1/offices/{id}"
                    ),
                ))
            }
            AdminError::UnknownKiosk => {
                ApiError::not_found(Msg::new("Kiosk tidak dikenal", "Unknown kiosk"))
            }
            AdminError::UnknownToken => ApiError::not_found(Msg::new(
                "Token tidak dikenal atau sudah dicabut",
                "Unknown or already revoked token",
            )),
            AdminError::KioskDisabled => ApiError::conflict(
                "kiosk_disabled",
                Msg::new(
                    "Kiosk ini sudah dinonaktifkan dan tidak mendapat kunci baru; daftarkan \
                     kiosk baru untuk kantornya (POST /api/v1/kiosks)",
                    "This kiosk is disabled and gets no new key; register a new kiosk for its \
                     office (POST /api/v1/kiosks)",
                ),
            ),
            other => ApiError::unexpected(other),
        }
    }
}

fn parse_office_id(s: &str) -> Result<OfficeId, AdminError> {
    OfficeId::parse(s.trim()).map_err(|e| AdminError::Invalid(e.msg()))
}

/// `PUT /api/v1/offices/{office_id}`: adds or replaces an office; 200 with
/// the office as stored.
pub async fn put_office(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    JsonBody(spec): JsonBody<OfficeSpec>,
) -> Result<HttpResponse, ApiError> {
    // An id that can never exist is a bad value (422), not an unknown one.
    let id = OfficeId::parse(&path).map_err(|e| AdminError::Invalid(e.msg()))?;
    let office = Office::parse(id, spec).map_err(AdminError::Invalid)?;
    let created = state
        .store
        .put_office(office.clone())
        .await
        .map_err(AdminError::from)?;
    tracing::info!(office_id = %office.id, created, "office saved");
    Ok(HttpResponse::Ok().json(office))
}

/// `POST /api/v1/kiosks`: registers a kiosk for an office; 201 with its id
/// and key (shown this once).
pub async fn create_kiosk(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<NewKiosk>,
) -> Result<HttpResponse, ApiError> {
    let office_id = parse_office_id(&body.office_id)?;
    let kiosk = KioskRecord {
        kiosk_id: KioskId(uuid::Uuid::now_v7()),
        office_id,
        key: new_secret().map_err(AdminError::from)?,
        created_at: Timestamp::now(),
        disabled_at: None,
        key_rotated_at: None,
    };
    state
        .store
        .insert_kiosk(kiosk.clone())
        .await
        .map_err(AdminError::from)?;
    tracing::info!(kiosk_id = %kiosk.kiosk_id, office_id = %kiosk.office_id, "kiosk registered");
    Ok(HttpResponse::Created().json(KioskCreated {
        kiosk_id: kiosk.kiosk_id,
        key: kiosk.key,
    }))
}

fn kiosk_in_path(raw: &str) -> Result<KioskId, AdminError> {
    KioskId::parse(raw).ok_or(AdminError::UnknownKiosk)
}

async fn kiosk_record(state: &AppState, id: KioskId) -> Result<KioskRecord, AdminError> {
    state.store.kiosk(id).await?.ok_or(AdminError::UnknownKiosk)
}

/// `GET /api/v1/kiosks/{kiosk_id}`: a kiosk's office, whether it is
/// disabled, and how far each of its databases' event logs has been applied
/// (for operators checking that forwarding works, and for spotting a wiped or
/// restored kiosk: each database has its own identity).
pub async fn kiosk_status(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = kiosk_in_path(&path)?;
    let kiosk = kiosk_record(&state, id).await?;
    let instances = state
        .store
        .read(move |db| Ok(crate::ingest::instances(db, id)?))
        .await
        .map_err(AdminError::from)?;
    let applied_through = instances.last().map(|i| i.applied_through).unwrap_or(0);
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "kiosk_id": kiosk.kiosk_id,
        "office_id": kiosk.office_id,
        "created_at": kiosk.created_at,
        "disabled_at": kiosk.disabled_at,
        "key_rotated_at": kiosk.key_rotated_at,
        "applied_through": applied_through,
        "instances": instances,
    })))
}

/// `POST /api/v1/kiosks/{kiosk_id}/disable`: a lost or stolen kiosk. From
/// now on its signatures are refused (401) and its QR tokens too (410);
/// what it sent before stays. Idempotent.
pub async fn disable_kiosk(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = kiosk_in_path(&path)?;
    let kiosk = state
        .store
        .disable_kiosk(id, Timestamp::now())
        .await
        .map_err(AdminError::from)?
        .ok_or(AdminError::UnknownKiosk)?;
    tracing::warn!(kiosk_id = %id, office_id = %kiosk.office_id, "kiosk disabled");
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "kiosk_id": kiosk.kiosk_id,
        "office_id": kiosk.office_id,
        "disabled_at": kiosk.disabled_at,
    })))
}

/// `POST /api/v1/kiosks/{kiosk_id}/key`: a new key (shown once); the old one
/// stops working at once, for signatures and for QR tokens it signed.
pub async fn rotate_kiosk_key(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = kiosk_in_path(&path)?;
    let kiosk = kiosk_record(&state, id).await?;
    if kiosk.disabled_at.is_some() {
        return Err(AdminError::KioskDisabled.into());
    }
    let key = new_secret().map_err(AdminError::from)?;
    state
        .store
        .set_kiosk_key(id, key.clone(), Timestamp::now())
        .await
        .map_err(AdminError::from)?
        .ok_or(AdminError::UnknownKiosk)?;
    tracing::warn!(kiosk_id = %id, "kiosk key rotated; the old key no longer works");
    Ok(HttpResponse::Ok().json(KioskKey { key }))
}

/// The two forms a roster import comes in.
#[derive(Debug, Clone, Copy)]
enum RosterFormat {
    Csv,
    Json,
}

/// `PUT /api/v1/roster`: adds or updates ASN by NIP from CSV or JSON; 200
/// with the count imported and the rows refused (with their lines).
pub async fn put_roster(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let format = match media_type(&req).as_deref() {
        Some("text/csv") => RosterFormat::Csv,
        Some("application/json") => RosterFormat::Json,
        _ => return Err(wrong_media_type("text/csv atau/or application/json")),
    };
    let body = read_body(&req, &mut payload.into_inner()).await?;
    let offices = state.store.office_ids().await.map_err(AdminError::from)?;

    // Parsing 10 MiB and argon2 on every PIN take seconds of CPU: keep them
    // off the async workers.
    let (rows, rejected) = web::block(move || -> Result<_, AdminError> {
        let lines = match format {
            RosterFormat::Csv => roster::parse_csv(&body),
            RosterFormat::Json => roster::parse_json(&body),
        }
        .map_err(AdminError::BadBody)?;
        let (valid, rejected) = roster::validate(lines, &offices);
        Ok((roster::hash_pins(valid)?, rejected))
    })
    .await
    .map_err(ApiError::unexpected)??;

    let imported = if rows.is_empty() {
        0
    } else {
        state
            .store
            .import_roster(rows)
            .await
            .map_err(AdminError::from)?
    };
    tracing::info!(imported, rejected = rejected.len(), "roster imported");
    let lang = lang_of(&req);
    Ok(HttpResponse::Ok().json(RosterImport {
        imported,
        rejected: rejected
            .into_iter()
            .map(|r| RosterRejection {
                line: r.line,
                error: r.error.get(lang).to_owned(),
            })
            .collect(),
    }))
}

/// `POST /api/v1/tokens`: issues an HR token (all offices) or an office
/// head's token (one office); 201 with the token, of which only the hash is
/// kept.
pub async fn create_token(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<NewToken>,
) -> Result<HttpResponse, ApiError> {
    let role = match (body.role.as_str(), body.office_id.as_deref()) {
        ("hr", None) => Role::Hr,
        ("hr", Some(_)) => {
            // Refuse rather than ignore: whoever sent an office expects a
            // token limited to it, and an HR token sees every office.
            return Err(AdminError::Invalid(Msg::new(
                "Token hr melihat semua kantor: hapus office_id, atau gunakan role head",
                "An hr token sees every office: leave office_id out, or use role head",
            ))
            .into());
        }
        ("head", Some(office_id)) => Role::Head {
            office_id: parse_office_id(office_id)?,
        },
        ("head", None) => {
            return Err(AdminError::Invalid(Msg::new(
                "Token head memerlukan office_id kantor yang dipimpin",
                "A head token needs the office_id of the office it heads",
            ))
            .into());
        }
        _ => {
            return Err(AdminError::Invalid(Msg::new(
                "role harus \"hr\" atau \"head\"",
                "role must be \"hr\" or \"head\"",
            ))
            .into());
        }
    };
    let days = body.expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(AdminError::Invalid(Msg::new(
            format!("expires_in_days harus 1 sampai {MAX_TOKEN_DAYS}"),
            format!("expires_in_days must be 1 to {MAX_TOKEN_DAYS}"),
        ))
        .into());
    }
    let token = new_secret().map_err(AdminError::from)?;
    let now = Timestamp::now();
    let record = TokenRecord {
        token_id: uuid::Uuid::now_v7(),
        role: role.clone(),
        created_at: now,
        expires_at: now + jiff::SignedDuration::from_hours(24 * days),
    };
    state
        .store
        .insert_token(hash_token(&token), record.clone())
        .await
        .map_err(AdminError::from)?;
    tracing::info!(?role, token_id = %record.token_id, %record.expires_at, "token issued");
    Ok(HttpResponse::Created().json(TokenCreated {
        token,
        token_id: record.token_id.to_string(),
        expires_at: Some(record.expires_at),
    }))
}

/// `DELETE /api/v1/tokens/{token_id}`: the token is refused from now on
/// (204); 404 when there is no such token.
pub async fn revoke_token(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::try_parse(&path).map_err(|_| AdminError::UnknownToken)?;
    if !state
        .store
        .revoke_token(id)
        .await
        .map_err(AdminError::from)?
    {
        return Err(AdminError::UnknownToken.into());
    }
    tracing::warn!(token_id = %id, "token revoked");
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/backup` (admin): a consistent copy of the whole database,
/// taken from one read transaction while the collector keeps serving, as a
/// redb file (`application/octet-stream`). `collector backup --to FILE`
/// fetches it.
pub async fn backup(
    _admin: AdminAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    httpkit::backup::respond(
        state.store.database(),
        state.data_dir.clone(),
        "collector",
        crate::backup::tables,
    )
    .await
}

/// The query of `GET /api/v1/export/events`.
#[derive(Debug, serde::Deserialize)]
pub struct ExportQuery {
    /// First UTC day received (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Last UTC day received.
    pub to: Option<String>,
    /// `ndjson` (default) or `csv`.
    pub format: Option<String>,
}

/// `GET /api/v1/export/events?from=&to=&format=ndjson|csv` (admin): the raw
/// events received on those UTC days, streamed from one read transaction
/// (see [`crate::export`]).
pub async fn export_events(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    use crate::export::{Format, Sink};
    let day = |v: &Option<String>, name: &str| -> Result<jiff::civil::Date, ApiError> {
        let v = v.as_deref().ok_or_else(|| {
            ApiError::invalid(Msg::new(
                format!("parameter {name} wajib diisi (YYYY-MM-DD)"),
                format!("parameter {name} is required (YYYY-MM-DD)"),
            ))
        })?;
        v.parse::<jiff::civil::Date>().map_err(|_| {
            ApiError::invalid(Msg::new(
                format!("{name} bukan tanggal YYYY-MM-DD: {v:?}"),
                format!("{name} is not a YYYY-MM-DD date: {v:?}"),
            ))
        })
    };
    let (from, to) = (day(&q.from, "from")?, day(&q.to, "to")?);
    if to < from {
        return Err(ApiError::invalid(Msg::new(
            "to tidak boleh sebelum from",
            "to must not be before from",
        )));
    }
    let format = match q.format.as_deref() {
        None | Some("ndjson") => Format::Ndjson,
        Some("csv") => Format::Csv,
        Some(other) => {
            return Err(ApiError::invalid(Msg::new(
                format!("format {other:?} tidak dikenal: ndjson atau csv"),
                format!("unknown format {other:?}: ndjson or csv"),
            )));
        }
    };
    struct Chan(tokio::sync::mpsc::Sender<Result<web::Bytes, std::io::Error>>);
    impl Sink for Chan {
        fn send(&mut self, chunk: Vec<u8>) -> bool {
            self.0.blocking_send(Ok(web::Bytes::from(chunk))).is_ok()
        }
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let db = state.store.database();
    std::thread::spawn(move || {
        let mut sink = Chan(tx);
        match crate::export::export(&db, from, to, format, &mut sink) {
            Ok(rows) => tracing::info!(rows, %from, %to, "raw events exported"),
            Err(e) => {
                tracing::error!(error = %e, "raw event export failed");
                // The client sees a cut stream, not a complete-looking file.
                let _ = sink
                    .0
                    .blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let ext = if format == Format::Csv {
        "csv"
    } else {
        "ndjson"
    };
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"events-{from}-{to}.{ext}\""),
        ))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use argon2::Argon2;
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    use reqwest::Method;
    use serde_json::{Value, json};
    use shared::Nip;

    use super::*;
    use crate::test_support::{assert_error, office_json, spawn_app};

    #[tokio::test]
    async fn a_valid_office_is_answered_200_with_the_office_and_a_second_put_updates_it() {
        let app = spawn_app().await;
        let res = app.put_office("kupang", &office_json()).await;
        assert_eq!(res.status(), 200);
        let office: Value = res.json().await.unwrap();
        assert_eq!(office["id"], "kupang");
        assert_eq!(office["tz"], "Asia/Makassar");
        assert_eq!(office["services"][1]["prefix"], "B");
        assert_eq!(office["counters"][1]["services"], json!(["kk"]));

        let mut renamed = office_json();
        renamed["name"] = json!("Dukcapil Kupang");
        assert_eq!(app.put_office("kupang", &renamed).await.status(), 200);
        let stored = app
            .store
            .office(OfficeId::parse("kupang").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.name, "Dukcapil Kupang");
    }

    #[tokio::test]
    async fn an_invalid_office_is_422_with_the_reason_and_is_not_stored() {
        let app = spawn_app().await;
        let mut bad_tz = office_json();
        bad_tz["tz"] = json!("Asia/Bandung");
        let body = assert_error(app.put_office("kupang", &bad_tz).await, 422, "invalid").await;
        assert!(body["message"].as_str().unwrap().contains("Asia/Bandung"));
        let mut bad_counter = office_json();
        bad_counter["counters"][0]["services"] = json!(["akta"]);
        assert_error(app.put_office("kupang", &bad_counter).await, 422, "invalid").await;
        let mut negative = office_json();
        negative["services"][0]["target_minutes"] = json!(-5);
        assert_error(app.put_office("kupang", &negative).await, 422, "invalid").await;
        assert_eq!(
            app.store
                .office(OfficeId::parse("kupang").unwrap())
                .await
                .unwrap(),
            None
        );
        assert_eq!(app.store.counts().await.unwrap().offices, 0);
    }

    #[tokio::test]
    async fn a_malformed_office_id_in_the_path_is_422() {
        let app = spawn_app().await;
        let long = "x".repeat(33);
        assert_error(app.put_office(&long, &office_json()).await, 422, "invalid").await;
        assert_error(
            app.put_office("ka%20pang", &office_json()).await,
            422,
            "invalid",
        )
        .await;
    }

    #[tokio::test]
    async fn admin_routes_without_or_with_a_wrong_token_are_401_and_change_nothing() {
        let app = spawn_app().await;
        let routes = [
            (Method::PUT, "/api/v1/offices/kupang"),
            (Method::POST, "/api/v1/kiosks"),
            (Method::PUT, "/api/v1/roster"),
            (Method::POST, "/api/v1/tokens"),
        ];
        for (method, path) in routes {
            let url = format!("{}{path}", app.address);
            let none = app
                .client
                .request(method.clone(), &url)
                .json(&office_json());
            assert_error(none.send().await.unwrap(), 401, "unauthorized").await;
            let wrong = app
                .client
                .request(method.clone(), &url)
                .bearer_auth("not-the-token");
            let wrong = wrong.json(&office_json()).send().await.unwrap();
            assert_error(wrong, 401, "unauthorized").await;
            let basic = app
                .client
                .request(method, &url)
                .basic_auth("admin", Some(&app.admin_token));
            assert_error(
                basic.json(&office_json()).send().await.unwrap(),
                401,
                "unauthorized",
            )
            .await;
        }
        assert_eq!(app.store.counts().await.unwrap().offices, 0);
    }

    #[tokio::test]
    async fn malformed_json_and_wrong_types_are_400_and_a_wrong_content_type_is_415() {
        let app = spawn_app().await;
        let put = || app.admin(Method::PUT, "/api/v1/offices/kupang");
        let res = put()
            .header("Content-Type", "application/json")
            .body("{\"name\":")
            .send()
            .await;
        assert_error(res.unwrap(), 400, "bad_request").await;
        let mut wrong_type = office_json();
        wrong_type["services"][0]["target_minutes"] = json!("thirty");
        assert_error(
            app.put_office("kupang", &wrong_type).await,
            400,
            "bad_request",
        )
        .await;
        let mut missing = office_json();
        missing.as_object_mut().unwrap().remove("tz");
        assert_error(app.put_office("kupang", &missing).await, 400, "bad_request").await;
        let res = put()
            .header("Content-Type", "text/plain")
            .body(office_json().to_string());
        assert_error(res.send().await.unwrap(), 415, "unsupported_media_type").await;
        let res = app
            .admin(Method::POST, "/api/v1/kiosks")
            .json(&json!({"office_id": 7}));
        assert_error(res.send().await.unwrap(), 400, "bad_request").await;
        assert_eq!(app.store.counts().await.unwrap(), Default::default());
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_413() {
        let app = spawn_app().await;
        let mut big = office_json();
        big["name"] = json!("x".repeat(70 * 1024));
        assert_error(app.put_office("kupang", &big).await, 413, "too_large").await;
        let roster = format!("nip,name,office_id,pin\n{}", "x".repeat(10 * 1024 * 1024));
        assert_error(app.put_roster("text/csv", roster).await, 413, "too_large").await;
    }

    #[tokio::test]
    async fn errors_are_in_english_with_accept_language_en_and_indonesian_otherwise() {
        let app = spawn_app().await;
        let mut bad = office_json();
        bad["tz"] = json!("Asia/Bandung");
        let put = |lang: &'static str| {
            app.admin(Method::PUT, "/api/v1/offices/kupang")
                .header("Accept-Language", lang)
                .json(&bad)
                .send()
        };
        let en = assert_error(put("en").await.unwrap(), 422, "invalid").await;
        assert!(
            en["message"]
                .as_str()
                .unwrap()
                .starts_with("unknown time zone"),
            "{en}"
        );
        let id = assert_error(put("id-ID").await.unwrap(), 422, "invalid").await;
        assert!(
            id["message"].as_str().unwrap().starts_with("Zona waktu"),
            "{id}"
        );
        let res = app.client.post(format!("{}/api/v1/tokens", app.address));
        let res = res.header("Accept-Language", "en").send().await.unwrap();
        let body = assert_error(res, 401, "unauthorized").await;
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("Missing or wrong admin token")
        );
    }

    #[tokio::test]
    async fn a_kiosk_is_created_with_a_uuid_v7_and_a_random_key() {
        let app = spawn_app().await;
        app.given_office("kupang").await;
        let a = app.given_kiosk("kupang").await;
        let b = app.given_kiosk("kupang").await;
        assert_eq!(a.kiosk_id.0.get_version_num(), 7);
        assert_eq!(a.key.len(), 64);
        assert_ne!(a.key, b.key);
        let stored = app.store.kiosk(a.kiosk_id).await.unwrap().unwrap();
        assert_eq!(stored.key, a.key);
        assert_eq!(stored.office_id.as_str(), "kupang");
        assert_eq!(app.store.counts().await.unwrap().kiosks, 2);
    }

    #[tokio::test]
    async fn a_kiosk_for_an_unknown_office_is_404_and_for_a_malformed_one_422() {
        let app = spawn_app().await;
        let post = |office: &str| {
            app.admin(Method::POST, "/api/v1/kiosks")
                .json(&json!({ "office_id": office }))
                .send()
        };
        assert_error(post("nowhere").await.unwrap(), 404, "not_found").await;
        assert_error(post("no where").await.unwrap(), 422, "invalid").await;
        assert_eq!(app.store.counts().await.unwrap().kiosks, 0);
    }

    const ROSTER_CSV: &str = "nip,name,office_id,pin\n\
        196608011988031001,Budi Santoso,kupang,1234\n\
        1966080119880310,Siti Aminah,kupang,5678\n\
        198503122021212004,\"Lede, Maria\",alak,00004321\n\
        197202291998031001,Yohanes,nowhere,1111\n";

    #[tokio::test]
    async fn a_roster_csv_with_bad_lines_imports_the_others_and_reports_the_lines() {
        let app = spawn_app().await;
        app.given_office("kupang").await;
        app.given_office("alak").await;
        let res = app.put_roster("text/csv; charset=utf-8", ROSTER_CSV).await;
        assert_eq!(res.status(), 200);
        let import: RosterImport = res.json().await.unwrap();
        assert_eq!(import.imported, 2);
        let lines: Vec<u64> = import.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 5], "line 1 is the header");
        assert!(
            import.rejected[0]
                .error
                .starts_with("NIP terdiri dari 18 angka")
        );
        assert_eq!(app.store.counts().await.unwrap().roster_active, 2);
    }

    #[tokio::test]
    async fn roster_pins_are_stored_only_as_argon2_hashes_that_verify() {
        let app = spawn_app().await;
        app.given_office("kupang").await;
        app.given_office("alak").await;
        assert_eq!(app.put_roster("text/csv", ROSTER_CSV).await.status(), 200);
        let nip = Nip::parse("198503122021212004").unwrap();
        let (office, staff) = app.store.staff(nip).await.unwrap().unwrap();
        assert_eq!(office.as_str(), "alak");
        assert_eq!(staff.name, "Lede, Maria");
        assert!(staff.pin_hash.starts_with("$argon2id$"));
        let hash = PasswordHash::new(&staff.pin_hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"00004321", &hash)
                .is_ok()
        );
        assert!(Argon2::default().verify_password(b"4321", &hash).is_err());
        let file = std::fs::read(app.dir.path().join(crate::startup::DB_FILE)).unwrap();
        assert!(
            !file.windows(8).any(|w| w == b"00004321"),
            "the PIN is in the database file"
        );
    }

    #[tokio::test]
    async fn a_json_roster_reports_bad_entries_by_position_and_can_deactivate() {
        let app = spawn_app().await;
        app.given_office("kupang").await;
        let rows = json!([
            {"nip": "196608011988031001", "name": "Budi", "office_id": "kupang", "pin": "1234"},
            {"nip": "198503122021212004", "name": "Maria", "office_id": "kupang", "pin": "12"},
            {"nip": "198503122021212004", "name": "Maria", "office_id": "kupang"}
        ]);
        let res = app.put_roster("application/json", rows.to_string()).await;
        let import: RosterImport = res.json().await.unwrap();
        assert_eq!(import.imported, 1);
        let lines: Vec<u64> = import.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3]);

        let deactivate = json!([
            {"nip": "19660801 198803 1 001", "name": "Budi", "office_id": "kupang", "pin": "1234",
             "active": false}
        ]);
        let res = app
            .put_roster("application/json", deactivate.to_string())
            .await;
        assert_eq!(res.json::<RosterImport>().await.unwrap().imported, 1);
        assert_eq!(app.store.counts().await.unwrap().roster_active, 0);
    }

    #[tokio::test]
    async fn a_roster_in_another_format_is_415_and_one_that_is_no_roster_is_400() {
        let app = spawn_app().await;
        app.given_office("kupang").await;
        let res = app.put_roster("text/plain", ROSTER_CSV).await;
        assert_error(res, 415, "unsupported_media_type").await;
        let res = app
            .put_roster("application/json", r#"{"nip":"196608011988031001"}"#)
            .await;
        assert_error(res, 400, "bad_request").await;
        let res = app.put_roster("application/json", "[{").await;
        assert_error(res, 400, "bad_request").await;
        let res = app
            .put_roster("text/csv", "nip,name,pin\n196608011988031001,Budi,1234\n")
            .await;
        let body = assert_error(res, 400, "bad_request").await;
        assert!(body["message"].as_str().unwrap().contains("office_id"));
        assert_error(app.put_roster("text/csv", "").await, 400, "bad_request").await;
        assert_eq!(app.store.counts().await.unwrap().roster_active, 0);
    }

    #[tokio::test]
    async fn roster_line_errors_follow_accept_language() {
        let app = spawn_app().await;
        app.given_office("kupang").await;
        let res = app
            .admin(Method::PUT, "/api/v1/roster")
            .header("Content-Type", "text/csv")
            .header("Accept-Language", "en-US,en;q=0.9")
            .body("nip,name,office_id,pin\n196608011988031001,Budi,kupang,12\n")
            .send()
            .await
            .unwrap();
        let import: RosterImport = res.json().await.unwrap();
        assert_eq!(import.rejected[0].error, "pin must be 4 to 8 digits");
    }

    #[tokio::test]
    async fn tokens_are_issued_for_hr_and_heads_and_stored_only_as_hashes() {
        let app = spawn_app().await;
        app.given_office("kupang").await;
        let post = |body: Value| app.admin(Method::POST, "/api/v1/tokens").json(&body).send();
        let res = post(json!({"role": "hr"})).await.unwrap();
        assert_eq!(res.status(), 201);
        let hr: TokenCreated = res.json().await.unwrap();
        let now = Timestamp::now();
        assert_eq!(
            app.store
                .token_role(hash_token(&hr.token), now)
                .await
                .unwrap()
                .map(|t| t.role),
            Ok(Role::Hr)
        );
        assert_eq!(
            uuid::Uuid::try_parse(&hr.token_id)
                .unwrap()
                .get_version_num(),
            7
        );
        let days = hr.expires_at.unwrap().duration_since(now).as_hours() / 24;
        assert!((364..=365).contains(&days), "a year by default: {days}");
        let res = post(json!({"role": "head", "office_id": "kupang"}))
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let head: TokenCreated = res.json().await.unwrap();
        assert_ne!(head.token, hr.token);
        assert_eq!(
            app.store
                .token_role(hash_token(&head.token), now)
                .await
                .unwrap()
                .map(|t| t.role),
            Ok(Role::Head {
                office_id: OfficeId::parse("kupang").unwrap()
            })
        );
        let file = std::fs::read(app.dir.path().join(crate::startup::DB_FILE)).unwrap();
        assert!(
            !file.windows(64).any(|w| w == hr.token.as_bytes()),
            "a plain token is stored"
        );
    }

    #[tokio::test]
    async fn bad_token_requests_are_422_and_an_unknown_office_404() {
        let app = spawn_app().await;
        let post = |body: Value| app.admin(Method::POST, "/api/v1/tokens").json(&body).send();
        assert_error(
            post(json!({"role": "admin"})).await.unwrap(),
            422,
            "invalid",
        )
        .await;
        assert_error(post(json!({"role": "head"})).await.unwrap(), 422, "invalid").await;
        let res = post(json!({"role": "hr", "office_id": "kupang"}))
            .await
            .unwrap();
        assert_error(res, 422, "invalid").await;
        let res = post(json!({"role": "head", "office_id": "bad id"}))
            .await
            .unwrap();
        assert_error(res, 422, "invalid").await;
        let res = post(json!({"role": "head", "office_id": "nowhere"}))
            .await
            .unwrap();
        assert_error(res, 404, "not_found").await;
        assert_error(
            post(json!({"office_id": "x"})).await.unwrap(),
            400,
            "bad_request",
        )
        .await;
    }
}
