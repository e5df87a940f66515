//! Who is calling: the ASN session of a counter (bearer token or the console
//! page's HttpOnly cookie), a paired tablet of a counter (bearer token or the
//! tablet page's HttpOnly cookie), the office IT operator, and the optional
//! dashboard token. Only SHA-256 digests of tokens are kept.

use std::future::{Ready, ready};

use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use argon2::password_hash::PasswordHash;
use argon2::{Argon2, PasswordVerifier};
use httpkit::cookie::{private_cookie, removal};
use httpkit::{ApiError, bearer_token};
use shared::Msg;
use shared::secret::{Pin, digests_equal, token_digest, token_digest_hex};

use crate::error::KioskError;
use crate::routes::AppState;
use crate::state::{Session, Tablet};

/// The cookie the counter console keeps its session in.
pub const SESSION_COOKIE: &str = "kiosk_session";
/// The cookie a paired tablet keeps its token in.
pub const TABLET_COOKIE: &str = "kiosk_tablet";
/// A paired tablet's cookie lives as long as browsers allow (about 400
/// days); the token works until the operator revokes it.
const TABLET_COOKIE_DAYS: i64 = 400;

/// SHA-256 of a token, hex: sessions and tablets are stored under this,
/// never the token.
pub fn token_hash(token: &str) -> String {
    token_digest_hex(token)
}

/// A fresh random token (256 bits, hex).
pub fn new_token() -> Result<String, KioskError> {
    httpkit::new_secret().map_err(|e| KioskError::Store(e.to_string()))
}

/// Checks a PIN against its argon2 hash (slow by design: call off the async
/// threads, through the PIN gate).
pub fn verify_pin(pin: &Pin, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(pin.expose().as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The token a request carries: the bearer token, else the cookie `name`.
fn token_of(req: &HttpRequest, cookie: &str) -> Option<String> {
    bearer_token(req)
        .map(str::to_owned)
        .or_else(|| req.cookie(cookie).map(|c| c.value().to_owned()))
}

/// The live session a request carries (bearer token, else the cookie).
pub fn session_of(req: &HttpRequest, app: &AppState) -> Option<Session> {
    let hash = token_hash(&token_of(req, SESSION_COOKIE)?);
    let now = app.store.clock().now();
    app.store.read(|s| s.session(&hash, now).cloned())
}

/// The paired tablet a request carries (bearer token, else the cookie).
pub fn tablet_of(req: &HttpRequest, app: &AppState) -> Option<Tablet> {
    let hash = token_hash(&token_of(req, TABLET_COOKIE)?);
    app.store.read(|s| s.tablet(&hash).cloned())
}

/// The cookie that carries a console's session.
pub fn session_cookie(req: &HttpRequest, token: &str) -> Cookie<'static> {
    private_cookie(
        req,
        SESSION_COOKIE,
        token,
        CookieDuration::hours(crate::state::SESSION_HOURS),
    )
}

/// A cookie that removes the session cookie.
pub fn session_cookie_removal() -> Cookie<'static> {
    removal(SESSION_COOKIE)
}

/// The cookie that pairs a tablet's browser.
pub fn tablet_cookie(req: &HttpRequest, token: &str) -> Cookie<'static> {
    private_cookie(
        req,
        TABLET_COOKIE,
        token,
        CookieDuration::days(TABLET_COOKIE_DAYS),
    )
}

fn app_of(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::unexpected("app state missing"))
}

/// The caller's live counter session.
#[derive(Debug, Clone)]
pub struct CounterSession(pub Session);

impl FromRequest for CounterSession {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(app_of(req).and_then(|app| {
            session_of(req, app)
                .map(CounterSession)
                .ok_or_else(|| KioskError::NotSignedIn.into())
        }))
    }
}

/// A paired tablet: the counter whose ratings it may send. An ASN's console
/// session is not a tablet, so the ASN cannot rate from the console.
#[derive(Debug, Clone)]
pub struct TabletAuth(pub Tablet);

impl FromRequest for TabletAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(app_of(req).and_then(|app| {
            tablet_of(req, app)
                .map(TabletAuth)
                .ok_or_else(|| KioskError::NoTablet.into())
        }))
    }
}

/// The office IT operator (pairs and revokes tablets). Put it first among a
/// handler's arguments so that a caller without the token learns nothing
/// else.
#[derive(Debug, Clone, Copy)]
pub struct OperatorAuth;

impl FromRequest for OperatorAuth {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(app_of(req).and_then(|app| {
            let ok = bearer_token(req)
                .is_some_and(|t| digests_equal(&token_digest(t), &app.operator_token_hash));
            if ok {
                Ok(OperatorAuth)
            } else {
                Err(KioskError::NotOperator.into())
            }
        }))
    }
}

/// Access to the dashboard and display: open unless `--dashboard-token` is
/// set, then the bearer token or `?token=` (for a wall screen).
#[derive(Debug, Clone, Copy)]
pub struct DashboardAccess;

impl FromRequest for DashboardAccess {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(app_of(req).and_then(|app| {
            let Some(expected) = &app.dashboard_token_hash else {
                return Ok(DashboardAccess);
            };
            let given = bearer_token(req)
                .map(str::to_owned)
                .or_else(|| httpkit::lang::query_param(req, "token"));
            if given.is_some_and(|g| digests_equal(&token_digest(&g), expected)) {
                Ok(DashboardAccess)
            } else {
                Err(ApiError::unauthorized(Msg::new(
                    "Dasbor ini memerlukan token. Buka dengan ?token=... atau header \
                     Authorization.",
                    "This dashboard needs a token. Open it with ?token=... or an \
                     Authorization header.",
                )))
            }
        }))
    }
}
