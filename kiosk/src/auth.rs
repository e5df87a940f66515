//! Who is calling: the ASN session of a counter (bearer token or the console
//! page's HttpOnly cookie), and the optional dashboard token.

use std::future::{Ready, ready};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use argon2::password_hash::PasswordHash;
use argon2::{Argon2, PasswordVerifier};
use httpkit::ApiError;
use sha2::{Digest, Sha256};
use shared::Msg;

use crate::error::KioskError;
use crate::routes::AppState;
use crate::state::Session;

/// The cookie the counter console keeps its session in.
pub const SESSION_COOKIE: &str = "kiosk_session";

/// SHA-256 of a token, hex: sessions are stored under this, never the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random token (256 bits, hex).
pub fn new_token() -> Result<String, KioskError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| KioskError::Store(format!("no randomness: {e}")))?;
    Ok(hex::encode(b))
}

/// Checks a PIN against its argon2 hash (slow by design: call off the async
/// threads).
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
}

/// The live session a request carries (bearer token, else the cookie).
pub fn session_of(req: &HttpRequest, app: &AppState) -> Option<Session> {
    let token = bearer(req).or_else(|| req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()))?;
    let hash = token_hash(&token);
    let now = app.store.clock().now();
    app.store.read(|s| s.session(&hash, now).cloned())
}

/// The cookie that carries a console's session (HttpOnly, this site only).
pub fn session_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::hours(
            crate::state::SESSION_HOURS,
        ))
        .finish()
}

/// A cookie that removes the session cookie.
pub fn session_cookie_removal() -> Cookie<'static> {
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    gone
}

/// The caller's live counter session.
#[derive(Debug, Clone)]
pub struct CounterSession(pub Session);

impl FromRequest for CounterSession {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(app) = req.app_data::<web::Data<AppState>>() else {
            return ready(Err(ApiError::unexpected("app state missing")));
        };
        let found = session_of(req, app);
        ready(
            found
                .map(CounterSession)
                .ok_or_else(|| KioskError::NotSignedIn.into()),
        )
    }
}

/// Access to the dashboard: open unless `--dashboard-token` is set, then the
/// bearer token or `?token=` (for a wall screen).
#[derive(Debug, Clone, Copy)]
pub struct DashboardAccess;

impl FromRequest for DashboardAccess {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(app) = req.app_data::<web::Data<AppState>>() else {
            return ready(Err(ApiError::unexpected("app state missing")));
        };
        let Some(expected) = &app.dashboard_token else {
            return ready(Ok(DashboardAccess));
        };
        #[derive(serde::Deserialize)]
        struct Q {
            token: Option<String>,
        }
        let given = bearer(req).or_else(|| {
            web::Query::<Q>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.0.token)
        });
        let ok = given.is_some_and(|g| token_hash(&g) == token_hash(expected));
        ready(if ok {
            Ok(DashboardAccess)
        } else {
            Err(ApiError::unauthorized(Msg::new(
                "Dasbor ini memerlukan token. Buka dengan ?token=... atau header Authorization.",
                "This dashboard needs a token. Open it with ?token=... or an Authorization header.",
            )))
        })
    }
}
