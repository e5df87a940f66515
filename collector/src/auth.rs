//! Who may call what: the admin token extractor and the HR / office-head
//! bearer tokens. The pieces both servers share (the bearer parser, token
//! digests, random secrets) live in `httpkit` and `shared::secret` and are
//! re-exported here under the names the collector uses.
//!
//! Bearer tokens are 256 random bits, so a plain SHA-256 is enough to store
//! them safely (there is nothing to brute-force); PINs, which are short, get
//! argon2 instead (see [`crate::roster`]).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use httpkit::ApiError;
use jiff::Timestamp;
use shared::Msg;

pub use httpkit::auth::{NoRandomness, bearer_token, fill_random, new_secret};
pub use shared::secret::{digests_equal as hashes_equal, token_digest as hash_token};

use crate::startup::AppState;
use crate::store::{AsnSession, Role, TokenCheck, TokenRecord, WebSession};

/// The cookie of a signed-in page session (HR staff, office heads).
pub const SESSION_COOKIE: &str = "sesi";
/// How long a page session lasts.
pub const SESSION_HOURS: i64 = 12;

/// Why a caller was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No admin token, or the wrong one.
    #[error("missing or wrong admin token")]
    NotAdmin,
    /// The app was built without its state (a programming error).
    #[error("application state is missing")]
    NoState,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        match e {
            AuthError::NotAdmin => ApiError::unauthorized(Msg::new(
                "Token admin tidak ada atau salah. Kirim header Authorization: Bearer TOKEN \
                 (token dicetak saat collector pertama kali dijalankan dan disimpan di \
                 DIR/admin-token).",
                "Missing or wrong admin token. Send Authorization: Bearer TOKEN (the token \
                 was printed at the collector's first start and saved in DIR/admin-token).",
            )),
            AuthError::NoState => ApiError::unexpected(e),
        }
    }
}

/// Proof that the request carries the admin token. Put it first among a
/// handler's arguments so that a caller without the token learns nothing
/// else (not even whether the body was valid).
#[derive(Debug, Clone, Copy)]
pub struct AdminAuth;

impl FromRequest for AdminAuth {
    type Error = ApiError;
    type Future = Ready<Result<AdminAuth, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(admin(req).map_err(ApiError::from))
    }
}

fn admin(req: &HttpRequest) -> Result<AdminAuth, AuthError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or(AuthError::NoState)?;
    let token = bearer_token(req).ok_or(AuthError::NotAdmin)?;
    if hashes_equal(&hash_token(token), &state.admin_token_hash) {
        Ok(AdminAuth)
    } else {
        Err(AuthError::NotAdmin)
    }
}

/// Who is reading a report: by a signed-in page session, or by a script's
/// bearer token.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewer {
    /// What they may see.
    pub role: Role,
    /// The signed-in user, for a page session.
    pub username: Option<String>,
    /// The token's id, for a bearer token.
    pub token_id: Option<uuid::Uuid>,
}

impl Viewer {
    /// How the audit trail names them: the username, or `token:<id>`.
    pub fn actor(&self) -> String {
        match (&self.username, self.token_id) {
            (Some(u), _) => u.clone(),
            (None, Some(t)) => format!("token:{t}"),
            (None, None) => "unknown".to_owned(),
        }
    }
}

/// The cookie of a signed-in ASN's session (their own page only; never
/// accepted where HR and heads are).
pub const ASN_SESSION_COOKIE: &str = "sesi_asn";

/// The ASN session a request carries, if it is live.
pub async fn asn_session(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<(AsnSession, [u8; 32])>, ApiError> {
    let Some(cookie) = req.cookie(ASN_SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = hash_token(cookie.value());
    Ok(state
        .store
        .asn_session(hash, Timestamp::now())
        .await
        .map_err(ApiError::unexpected)?
        .map(|s| (s, hash)))
}

/// The page session a request carries, if it is live.
pub async fn web_session(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<(WebSession, [u8; 32])>, ApiError> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = hash_token(cookie.value());
    Ok(state
        .store
        .web_session(hash, Timestamp::now())
        .await
        .map_err(ApiError::unexpected)?
        .map(|s| (s, hash)))
}

/// The reader of a report: a bearer token (scripts) first, else the page
/// session. 401 without either, for an unknown, revoked or expired token,
/// or a session that ended.
pub async fn viewer(req: &HttpRequest, state: &AppState) -> Result<Viewer, ApiError> {
    if bearer_token(req).is_none()
        && let Some((session, _)) = web_session(req, state).await?
    {
        return Ok(Viewer {
            role: session.role,
            username: Some(session.username),
            token_id: None,
        });
    }
    let token = viewer_token(req, state).await?;
    Ok(Viewer {
        role: token.role,
        username: None,
        token_id: Some(token.token_id),
    })
}

/// An HR or office-head bearer token's record: 401 without one, for an
/// unknown or revoked one, and for one past its expiry.
pub async fn viewer_token(req: &HttpRequest, state: &AppState) -> Result<TokenRecord, ApiError> {
    let Some(token) = bearer_token(req) else {
        return Err(ApiError::unauthorized(Msg::new(
            "Laporan memerlukan masuk (/masuk) atau token HR atau kepala unit \
             (Authorization: Bearer ...)",
            "Reports need a sign-in (/masuk) or an HR or office-head token \
             (Authorization: Bearer ...)",
        )));
    };
    let found = state
        .store
        .token_role(hash_token(token), Timestamp::now())
        .await
        .map_err(ApiError::unexpected)?;
    found.map_err(|check| match check {
        TokenCheck::Unknown => ApiError::unauthorized(Msg::new(
            "Token tidak dikenal atau sudah dicabut",
            "Unknown or revoked token",
        )),
        TokenCheck::Expired => ApiError::unauthorized(Msg::new(
            "Token sudah kedaluwarsa: minta token baru kepada operator",
            "The token has expired: ask the operator for a new one",
        )),
    })
}
