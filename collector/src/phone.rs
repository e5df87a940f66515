//! A citizen's phone rating, whichever link it came through: the QR code the
//! counter shows after the service (`/r/{token}`, a rating token) or the
//! ticket's phone link printed at the entrance (`/t/{token}`, a ticket-link
//! token). Both are checked the same way and in the same order, so pages and
//! JSON always agree:
//! 1. the token parses, is of the link's kind, its kiosk is known, and the
//!    kiosk's key signed it, else 401 (an unknown kiosk looks exactly like a
//!    bad signature, so a prober learns nothing about which kiosk ids exist;
//!    a ticket link is never a rating token, nor the other way round);
//! 2. it has not expired and its kiosk is not disabled (410);
//! 3. the kiosk's office exists (404: the signature is genuine, so calling
//!    the link forged would mislead whoever reads the logs);
//! 4. the ticket (of that kiosk's office: a token of one office never
//!    reaches another's tickets) has no rating yet, from the tablet or a
//!    phone (409, saying which);
//! 5. submissions only: the per-address rate limit (429 with
//!    `Retry-After`). Genuine and refused tokens have separate budgets, so a
//!    flood of forged tokens from a shared carrier address does not lock out
//!    the genuine citizens behind it.
//!
//! The rating is then stored through the ingest writer, which checks "not
//! yet rated" again inside its write transaction: of two concurrent
//! submissions exactly one succeeds. A rating that reaches the collector
//! before the ticket's completion counts for the office, never for an ASN.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use httpkit::ApiError;
use jiff::Timestamp;
use shared::rating::RatingValues;
use shared::sign::{QrClaims, TokenKind, UnverifiedQr};
use shared::wire::Channel;
use shared::{Msg, Office, OfficeId, RatingId, TicketId};

use crate::pages::rate::wording;
use crate::startup::AppState;
use crate::store::{KioskRecord, NewQrRating, QrRatingError, StoreError};

/// Why a phone rating (or a ticket link) was refused.
#[derive(Debug, thiserror::Error)]
pub enum RateError {
    /// Too many submissions from this address (429).
    #[error("rate limited, retry after {retry_after_s} s")]
    RateLimited {
        /// Seconds until the next submission is accepted.
        retry_after_s: u64,
    },
    /// The token is malformed, of the other kind, names an unknown kiosk,
    /// or was not signed by that kiosk's key (401).
    #[error("forged or malformed token")]
    Forged,
    /// The token's time is up (410).
    #[error("expired token")]
    Expired,
    /// The token's kiosk was disabled by the operator (410).
    #[error("the kiosk of this token is disabled")]
    Disabled,
    /// The token is genuine but its kiosk's office no longer exists (404).
    #[error("the office {0} of this token does not exist")]
    OfficeUnknown(OfficeId),
    /// The ticket already has a rating (409), given through this channel.
    #[error("ticket already rated")]
    AlreadyRated(Channel),
    /// A ticket link's visit is not completed yet: nothing to rate (409).
    #[error("the visit is not completed yet")]
    NotCompleted,
    /// A ticket link's visit was completed too long ago to rate (410).
    #[error("the rating window of this visit has closed")]
    WindowClosed,
    /// Well-formed, but a value is invalid (422).
    #[error("invalid rating: {}", .0.en)]
    Invalid(Msg),
    /// The body could not be taken at all: wrong content type (415), too
    /// large (413) or malformed (400).
    #[error("unreadable request: {0}")]
    Request(ApiError),
    /// The store failed (500).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RateError {
    /// The HTTP status, the same for a page and for JSON.
    pub fn status(&self) -> StatusCode {
        match self {
            RateError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            RateError::Forged => StatusCode::UNAUTHORIZED,
            RateError::Expired | RateError::Disabled | RateError::WindowClosed => StatusCode::GONE,
            RateError::OfficeUnknown(_) => StatusCode::NOT_FOUND,
            RateError::AlreadyRated(_) | RateError::NotCompleted => StatusCode::CONFLICT,
            RateError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            RateError::Request(e) => e.status,
            RateError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The class of the error page's `#error` section.
    pub fn page_class(&self) -> &'static str {
        match self {
            RateError::RateLimited { .. } => "rate-limited",
            RateError::Forged => "forged",
            RateError::Expired | RateError::WindowClosed => "expired",
            RateError::Disabled => "revoked",
            RateError::OfficeUnknown(_) => "office-unknown",
            RateError::AlreadyRated(_) => "already-rated",
            RateError::NotCompleted => "not-completed",
            RateError::Invalid(_) | RateError::Request(_) => "bad-request",
            RateError::Store(_) => "server-error",
        }
    }
}

/// `title. detail` in both languages, for a JSON message.
fn joined(title: &Msg, detail: &Msg) -> Msg {
    let join = |t: &str, d: &str| {
        if t.ends_with('.') {
            format!("{t} {d}")
        } else {
            format!("{t}. {d}")
        }
    };
    Msg::new(join(&title.id, &detail.id), join(&title.en, &detail.en))
}

impl From<RateError> for ApiError {
    fn from(e: RateError) -> ApiError {
        e.into_api(TokenKind::Rating)
    }
}

impl RateError {
    /// The JSON refusal, worded for a link of `kind`.
    pub fn into_api(self, kind: TokenKind) -> ApiError {
        let e = self;
        let (title, detail) = wording(&e, kind);
        let msg = joined(&title, &detail);
        match e {
            RateError::RateLimited { retry_after_s } => ApiError::too_many(retry_after_s, msg),
            RateError::Forged => ApiError::unauthorized(msg),
            RateError::Expired | RateError::WindowClosed => {
                ApiError::new(StatusCode::GONE, "expired", msg)
            }
            RateError::Disabled => ApiError::new(StatusCode::GONE, "revoked", msg),
            RateError::OfficeUnknown(_) => ApiError::not_found(msg),
            RateError::AlreadyRated(_) => ApiError::conflict("already_rated", msg),
            RateError::NotCompleted => ApiError::conflict("not_completed", msg),
            RateError::Invalid(msg) => ApiError::invalid(msg),
            RateError::Request(e) => e,
            RateError::Store(e) => ApiError::unexpected(e),
        }
    }
}

impl From<QrRatingError> for RateError {
    fn from(e: QrRatingError) -> RateError {
        match e {
            QrRatingError::AlreadyRated(_) => RateError::AlreadyRated(Channel::Qr),
            QrRatingError::Store(e) => RateError::Store(e),
        }
    }
}

/// A token that passed checks 1 to 3: genuine, of the right kind, in time,
/// of a known office.
#[derive(Debug, Clone)]
pub struct Target {
    /// The kiosk that signed it.
    pub kiosk: KioskRecord,
    /// Its office.
    pub office: Office,
    /// What it says.
    pub claims: QrClaims,
}

/// Checks 1 to 3 of a token of `kind` (see the module docs).
pub async fn check_token(
    state: &AppState,
    token: &str,
    kind: TokenKind,
    now: Timestamp,
) -> Result<Target, RateError> {
    let unverified = UnverifiedQr::parse(token).map_err(|_| RateError::Forged)?;
    if unverified.kind() != kind {
        return Err(RateError::Forged);
    }
    let kiosk = state
        .store
        .kiosk(unverified.kiosk_id())
        .await?
        .ok_or(RateError::Forged)?;
    let claims = unverified
        .verify(&kiosk.key)
        .map_err(|_| RateError::Forged)?;
    if kiosk.disabled_at.is_some() {
        return Err(RateError::Disabled);
    }
    // The token's expiry is the last second it is accepted.
    if now.as_second() > claims.expires_at {
        return Err(RateError::Expired);
    }
    let office = state
        .store
        .office(kiosk.office_id.clone())
        .await?
        .ok_or_else(|| RateError::OfficeUnknown(kiosk.office_id.clone()))?;
    Ok(Target {
        kiosk,
        office,
        claims,
    })
}

/// Check 4: the ticket has no rating yet.
pub async fn not_rated(
    state: &AppState,
    office: &OfficeId,
    ticket: TicketId,
) -> Result<(), RateError> {
    match state.store.standing_rating(office.clone(), ticket).await? {
        Some(standing) => Err(RateError::AlreadyRated(standing.event.channel)),
        None => Ok(()),
    }
}

/// Check 5 for a submission: takes from the right per-address budget, a
/// genuine token's from the citizens', a refused one's from the refusals'.
/// The address is the TCP peer, or the client a configured reverse proxy
/// names (`X-Forwarded-For` from anyone else is ignored: trusting it would
/// let anyone choose a fresh bucket per request).
pub fn limit<T>(
    req: &HttpRequest,
    state: &AppState,
    checked: Result<T, RateError>,
) -> Result<T, RateError> {
    let ip = httpkit::client::client_ip(req, &state.trusted_proxies);
    let limited = |r: crate::ratelimit::RetryAfter| RateError::RateLimited { retry_after_s: r.0 };
    match checked {
        Ok(t) => {
            state.qr_limiter.check(ip).map_err(limited)?;
            Ok(t)
        }
        Err(e @ RateError::Store(_)) => Err(e),
        Err(e) => {
            state.refused_limiter.check(ip).map_err(limited)?;
            Err(e)
        }
    }
}

/// Stores the rating of `ticket`; [`RateError::AlreadyRated`] when another
/// submission for it won the race since the checks.
pub async fn record(
    state: &AppState,
    kiosk: &KioskRecord,
    ticket: TicketId,
    values: RatingValues,
    now: Timestamp,
) -> Result<RatingId, RateError> {
    let new = NewQrRating {
        rating_id: RatingId(uuid::Uuid::now_v7()),
        kiosk_id: kiosk.kiosk_id,
        office_id: kiosk.office_id.clone(),
        ticket_id: ticket,
        score: values.score,
        answers: values.answers,
        comment: values.comment,
        submitted_at: now,
    };
    let rating_id = state.store.record_qr_rating(new).await?;
    tracing::info!(
        %rating_id,
        kiosk_id = %kiosk.kiosk_id,
        office_id = %kiosk.office_id,
        "phone rating stored"
    );
    Ok(rating_id)
}
