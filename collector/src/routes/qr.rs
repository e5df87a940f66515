//! Citizens' QR ratings (docs/API.md "Collector: citizens"): the page at
//! `GET /r/{token}`, its form posted to `POST /r/{token}`, and the same as
//! JSON at `POST /api/v1/ratings/{token}`.
//!
//! Every request checks the token the same way and in the same order, so a
//! page and the JSON route always agree:
//! 1. the token parses, its kiosk is known, and the kiosk's key signed it,
//!    else 401 (an unknown kiosk looks exactly like a bad signature, so a
//!    prober learns nothing about which kiosk ids exist);
//! 2. it has not expired and its kiosk is not disabled (410);
//! 3. the kiosk's office exists (404: the signature is genuine, so calling
//!    the link forged would mislead whoever reads the logs; offices are
//!    never deleted today, so this is a guard for a later "remove office");
//! 4. the ticket (of that kiosk's office: a token of one office never
//!    reaches another's tickets) has no rating yet, from the tablet or a
//!    phone (409, saying which);
//! 5. POST only: the per-address rate limit (429 with `Retry-After`).
//!    Submissions with a genuine token and refused ones (forged, expired)
//!    have separate budgets, so a flood of forged tokens from a shared
//!    carrier address does not lock out the genuine citizens behind it.
//!
//! Then the body is read (415, 413, 400) and validated (422), and the rating
//! stored: the store checks "not yet rated" again inside the write
//! transaction, so two concurrent submissions cannot both succeed.
//!
//! Pages answer every refusal with their own HTML page and the same status
//! as the JSON route; a refused form (422) is shown again with the citizen's
//! choices and the message in `.error`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::body::{media_type, parse_json, wrong_media_type};
use httpkit::lang::{page_lang, query_lang};
use httpkit::{ApiError, read_body};
use jiff::Timestamp;
use serde::Deserialize;
use shared::sign::{QrClaims, UnverifiedQr};
use shared::skm::ELEMENTS;
use shared::wire::{Channel, RatingCreated};
use shared::{Comment, Lang, Msg, Office, OfficeId, RatingId, Score, SkmAnswers};

use crate::pages::layout::PageResponse;
use crate::pages::rate::{
    LANG_FIELD, RateForm, SKIP_SURVEY_FIELD, SKIP_SURVEY_VALUE, Thanks, error_page, rate_page,
    thanks_page,
};
use crate::startup::AppState;
use crate::store::{KioskRecord, NewQrRating, QrRatingError, StoreError};

const FORM_MEDIA_TYPE: &str = "application/x-www-form-urlencoded";

/// Why a QR rating was refused.
#[derive(Debug, thiserror::Error)]
pub enum RateError {
    /// Too many submissions from this address (429).
    #[error("rate limited, retry after {retry_after_s} s")]
    RateLimited {
        /// Seconds until the next submission is accepted.
        retry_after_s: u64,
    },
    /// The token is malformed, names an unknown kiosk, or was not signed by
    /// that kiosk's key (401).
    #[error("forged or malformed rating token")]
    Forged,
    /// The token's time is up (410).
    #[error("expired rating token")]
    Expired,
    /// The token's kiosk was disabled by the operator (410).
    #[error("the kiosk of this rating token is disabled")]
    Disabled,
    /// The token is genuine but its kiosk's office no longer exists (404).
    #[error("the office {0} of this rating token does not exist")]
    OfficeUnknown(OfficeId),
    /// The ticket already has a rating (409), given through this channel.
    #[error("ticket already rated")]
    AlreadyRated(Channel),
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
    fn status(&self) -> StatusCode {
        match self {
            RateError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            RateError::Forged => StatusCode::UNAUTHORIZED,
            RateError::Expired | RateError::Disabled => StatusCode::GONE,
            RateError::OfficeUnknown(_) => StatusCode::NOT_FOUND,
            RateError::AlreadyRated(_) => StatusCode::CONFLICT,
            RateError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            RateError::Request(e) => e.status,
            RateError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The class of the error page's `#error` section.
    fn page_class(&self) -> &'static str {
        match self {
            RateError::RateLimited { .. } => "rate-limited",
            RateError::Forged => "forged",
            RateError::Expired => "expired",
            RateError::Disabled => "revoked",
            RateError::OfficeUnknown(_) => "office-unknown",
            RateError::AlreadyRated(_) => "already-rated",
            RateError::Invalid(_) | RateError::Request(_) => "bad-request",
            RateError::Store(_) => "server-error",
        }
    }

    /// What happened (the page's heading) and what the citizen can do.
    fn texts(&self) -> (Msg, Msg) {
        match self {
            RateError::RateLimited { retry_after_s } => (
                Msg::new(
                    "Terlalu banyak penilaian dari jaringan Anda",
                    "Too many ratings from your network",
                ),
                Msg::new(
                    format!("Coba kirim lagi dalam {retry_after_s} detik."),
                    format!("Please send it again in {retry_after_s} seconds."),
                ),
            ),
            RateError::Forged => (
                Msg::new(
                    "Tautan penilaian ini tidak sah",
                    "This rating link is not valid",
                ),
                Msg::new(
                    "Pindai kembali kode QR yang diberikan petugas loket, atau mintalah kode \
                     yang baru.",
                    "Scan the QR code from the counter again, or ask the officer for a new one.",
                ),
            ),
            RateError::Expired => (
                Msg::new(
                    "Tautan penilaian ini sudah kedaluwarsa",
                    "This rating link has expired",
                ),
                Msg::new(
                    "Penilaian lewat kode QR hanya diterima dalam batas waktu tertentu setelah \
                     pelayanan. Anda tetap dapat menyampaikan masukan di kantor layanan.",
                    "Ratings by QR code are accepted only for a limited time after the service. \
                     You can still give your feedback at the office.",
                ),
            ),
            RateError::Disabled => (
                Msg::new(
                    "Tautan penilaian ini tidak berlaku lagi",
                    "This rating link is no longer valid",
                ),
                Msg::new(
                    "Perangkat antrean yang mencetaknya sudah dinonaktifkan oleh kantor. Anda \
                     tetap dapat menyampaikan masukan di kantor layanan.",
                    "The queue device that printed it has been disabled by the office. You can \
                     still give your feedback at the office.",
                ),
            ),
            RateError::OfficeUnknown(_) => (
                Msg::new(
                    "Kantor layanan untuk tautan ini tidak terdaftar",
                    "The office of this rating link is not registered",
                ),
                Msg::new(
                    "Penilaian tidak dapat diterima. Sampaikan masukan Anda langsung di kantor \
                     layanan.",
                    "The rating cannot be accepted. Please give your feedback at the office.",
                ),
            ),
            RateError::AlreadyRated(Channel::Tablet) => (
                Msg::new(
                    "Tiket ini sudah dinilai di tablet loket. Terima kasih.",
                    "This ticket has already been rated on the counter's tablet. Thank you.",
                ),
                Msg::new(
                    "Setiap tiket dapat dinilai satu kali, di tablet atau lewat kode QR; \
                     penilaian pertama yang disimpan.",
                    "Each ticket can be rated once, on the tablet or by QR code; the first rating \
                     is the one kept.",
                ),
            ),
            RateError::AlreadyRated(Channel::Qr) => (
                Msg::new(
                    "Tiket ini sudah dinilai. Terima kasih.",
                    "This ticket has already been rated. Thank you.",
                ),
                Msg::new(
                    "Setiap tiket dapat dinilai satu kali; penilaian pertama yang disimpan.",
                    "Each ticket can be rated once; the first rating is the one kept.",
                ),
            ),
            RateError::Invalid(msg) => (
                Msg::new("Penilaian belum lengkap", "The rating is incomplete"),
                msg.clone(),
            ),
            RateError::Request(e) => (
                Msg::new(
                    "Penilaian tidak dapat dibaca",
                    "The rating could not be read",
                ),
                e.msg.clone(),
            ),
            RateError::Store(_) => (
                Msg::new("Terjadi kesalahan di server", "The server failed"),
                Msg::new(
                    "Penilaian Anda belum tersimpan. Coba kirim lagi sebentar lagi.",
                    "Your rating was not saved. Please send it again in a moment.",
                ),
            ),
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
        let (title, detail) = e.texts();
        match e {
            RateError::RateLimited { retry_after_s } => {
                ApiError::too_many(retry_after_s, joined(&title, &detail))
            }
            RateError::Forged => ApiError::unauthorized(joined(&title, &detail)),
            RateError::Expired => {
                ApiError::new(StatusCode::GONE, "expired", joined(&title, &detail))
            }
            RateError::Disabled => {
                ApiError::new(StatusCode::GONE, "revoked", joined(&title, &detail))
            }
            RateError::OfficeUnknown(_) => ApiError::not_found(joined(&title, &detail)),
            RateError::AlreadyRated(_) => {
                ApiError::conflict("already_rated", joined(&title, &detail))
            }
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

// ---------------------------------------------------------------- checks

/// A token that passed every check: genuine, in time, of a known office,
/// for a ticket not yet rated.
#[derive(Debug)]
struct Target {
    kiosk: KioskRecord,
    office: Office,
    claims: QrClaims,
}

/// Checks a submission's token, and takes from the right per-address
/// budget: a genuine token's from the citizens', a refused one's from the
/// refusals'. The address is the TCP peer, or the client a configured
/// reverse proxy names (`X-Forwarded-For` from anyone else is ignored:
/// trusting it would let anyone choose a fresh bucket per request).
async fn check_submission(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
    now: Timestamp,
) -> Result<Target, RateError> {
    let ip = httpkit::client::client_ip(req, &state.trusted_proxies);
    let limited = |r: crate::ratelimit::RetryAfter| RateError::RateLimited { retry_after_s: r.0 };
    match check_token(state, token, now).await {
        Ok(target) => {
            state.qr_limiter.check(ip).map_err(limited)?;
            Ok(target)
        }
        Err(e @ RateError::Store(_)) => Err(e),
        Err(e) => {
            state.refused_limiter.check(ip).map_err(limited)?;
            Err(e)
        }
    }
}

/// Checks a token in the module's order (see the module docs).
async fn check_token(state: &AppState, token: &str, now: Timestamp) -> Result<Target, RateError> {
    let unverified = UnverifiedQr::parse(token).map_err(|_| RateError::Forged)?;
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
    if let Some(standing) = state
        .store
        .standing_rating(kiosk.office_id.clone(), claims.ticket_id)
        .await?
    {
        return Err(RateError::AlreadyRated(standing.event.channel));
    }
    Ok(Target {
        kiosk,
        office,
        claims,
    })
}

/// A rating's values, validated.
#[derive(Debug, Clone)]
struct RatingInput {
    score: Score,
    answers: Option<SkmAnswers>,
    comment: Option<Comment>,
}

/// Stores the rating; [`RateError::AlreadyRated`] when another submission
/// for the ticket won the race since [`check_token`].
async fn record(
    state: &AppState,
    target: &Target,
    input: RatingInput,
    now: Timestamp,
) -> Result<RatingId, RateError> {
    let new = NewQrRating {
        rating_id: RatingId(uuid::Uuid::now_v7()),
        kiosk_id: target.kiosk.kiosk_id,
        office_id: target.kiosk.office_id.clone(),
        ticket_id: target.claims.ticket_id,
        score: input.score,
        answers: input.answers,
        comment: input.comment,
        submitted_at: now,
    };
    let rating_id = state.store.record_qr_rating(new).await?;
    tracing::info!(
        %rating_id,
        kiosk_id = %target.kiosk.kiosk_id,
        office_id = %target.kiosk.office_id,
        "QR rating stored"
    );
    Ok(rating_id)
}

// ---------------------------------------------------------------- JSON

/// `POST /api/v1/ratings/{token}` body. Unknown fields are ignored (docs/API.md:
/// fields may be added).
#[derive(Debug, Clone, Deserialize)]
pub struct QrRatingBody {
    /// 1..=4.
    pub score: i64,
    /// U1..U9, each 1..=4.
    #[serde(default)]
    pub answers: Option<Vec<i64>>,
    /// At most 500 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

impl QrRatingBody {
    fn validate(self) -> Result<RatingInput, RateError> {
        let score = Score::new(self.score).map_err(|e| RateError::Invalid(e.msg()))?;
        let answers = self
            .answers
            .map(|a| SkmAnswers::new(&a))
            .transpose()
            .map_err(|e| RateError::Invalid(e.msg()))?;
        let comment = match self.comment {
            Some(c) => Comment::new(&c).map_err(|e| RateError::Invalid(e.msg()))?,
            None => None,
        };
        Ok(RatingInput {
            score,
            answers,
            comment,
        })
    }
}

/// `POST /api/v1/ratings/{token}`: 201 `{"rating_id"}`; 409 already rated,
/// 410 expired, 401 forged, 415/400/413 for the body, 422 invalid values,
/// 429 rate limited.
pub async fn submit_json(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let now = Timestamp::now();
    let target = check_submission(&req, &state, &token, now).await?;
    if media_type(&req).as_deref() != Some("application/json") {
        return Err(wrong_media_type("application/json"));
    }
    let body = read_body(&req, &mut payload.into_inner()).await?;
    let input = parse_json::<QrRatingBody>(&body)?.validate()?;
    let rating_id = record(&state, &target, input, now).await?;
    Ok(HttpResponse::Created().json(RatingCreated { rating_id }))
}

// ---------------------------------------------------------------- pages

/// How this request's pages are answered: in the language asked for, and
/// remembering it when it was chosen with `?lang=`.
#[derive(Debug, Clone, Copy)]
struct Reply {
    lang: Lang,
    remember: bool,
}

impl Reply {
    fn of(req: &HttpRequest) -> Reply {
        Reply {
            lang: page_lang(req),
            remember: query_lang(req).is_some(),
        }
    }

    fn page(self, status: StatusCode, markup: maud::Markup) -> HttpResponse {
        PageResponse::new(status, self.lang, self.remember).body(markup)
    }

    fn error(self, e: RateError) -> HttpResponse {
        if let RateError::Store(cause) = &e {
            tracing::error!(error = %cause, "QR rating page failed");
        }
        let (title, detail) = e.texts();
        let mut res = PageResponse::new(e.status(), self.lang, self.remember);
        if let RateError::RateLimited { retry_after_s } = e {
            res.retry_after_s = Some(retry_after_s);
        }
        res.body(error_page(
            self.lang,
            e.page_class(),
            title.get(self.lang),
            detail.get(self.lang),
        ))
    }
}

/// `GET /r/{token}`: the rating form, or the page saying why not.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    let reply = Reply::of(&req);
    match check_token(&state, &token, Timestamp::now()).await {
        Ok(target) => reply.page(
            StatusCode::OK,
            rate_page(&RateForm::new(reply.lang, &target.office.name, &token)),
        ),
        Err(e) => reply.error(e),
    }
}

/// The form as posted, before validation. Empty fields count as absent
/// (that is what a browser sends for an untouched textarea).
#[derive(Debug, Default)]
struct PostedForm {
    score: Option<String>,
    answers: [Option<String>; 9],
    comment: String,
    skip_survey: bool,
    lang: Option<Lang>,
}

/// A refused form: the message, and whether the survey was half answered.
#[derive(Debug)]
struct FormRefusal {
    msg: Msg,
    survey_incomplete: bool,
}

impl FormRefusal {
    fn new(msg: Msg) -> FormRefusal {
        FormRefusal {
            msg,
            survey_incomplete: false,
        }
    }
}

impl PostedForm {
    /// Parses an `application/x-www-form-urlencoded` body (400 when it is not
    /// one). The first of repeated fields counts; unknown fields are ignored.
    fn parse(body: &[u8]) -> Result<PostedForm, RateError> {
        let unreadable = || {
            RateError::Request(ApiError::bad_request(Msg::new(
                "Isi formulir tidak terbaca; kirim ulang dari halaman penilaian",
                "The form could not be read; send it again from the rating page",
            )))
        };
        let text = std::str::from_utf8(body).map_err(|_| unreadable())?;
        let pairs = web::Query::<Vec<(String, String)>>::from_query(text)
            .map_err(|_| unreadable())?
            .into_inner();
        let mut form = PostedForm::default();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "score" => &mut form.score,
                "comment" => {
                    if form.comment.is_empty() {
                        form.comment = value;
                    }
                    continue;
                }
                n if n == SKIP_SURVEY_FIELD => {
                    form.skip_survey |= value == SKIP_SURVEY_VALUE;
                    continue;
                }
                n if n == LANG_FIELD => {
                    form.lang = form.lang.or(Lang::from_tag(&value));
                    continue;
                }
                n => match element_index(n) {
                    Some(i) => &mut form.answers[i],
                    None => continue,
                },
            };
            let value = value.trim();
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value.to_owned());
            }
        }
        // Browsers send a textarea's line breaks as CRLF but count them as
        // one character against `maxlength`; count them as one here too.
        form.comment = form.comment.replace("\r\n", "\n");
        Ok(form)
    }

    /// The values, or why they are refused: the score first, then the
    /// survey, then the comment.
    fn validate(&self) -> Result<RatingInput, FormRefusal> {
        let score = match self.score.as_deref() {
            None => {
                return Err(FormRefusal::new(Msg::new(
                    "Pilih salah satu wajah untuk menilai pelayanan.",
                    "Choose one of the faces to rate the service.",
                )));
            }
            Some(s) => {
                let n = s.parse::<i64>().unwrap_or(0);
                Score::new(n).map_err(|e| FormRefusal::new(e.msg()))?
            }
        };
        let answers = if self.skip_survey {
            None
        } else {
            self.survey()?
        };
        let comment = Comment::new(&self.comment).map_err(|e| FormRefusal::new(e.msg()))?;
        Ok(RatingInput {
            score,
            answers,
            comment,
        })
    }

    /// The survey: none, or all nine. A partial survey is refused, naming
    /// what is missing (answers count only as a whole response).
    fn survey(&self) -> Result<Option<SkmAnswers>, FormRefusal> {
        let missing: Vec<&str> = ELEMENTS
            .iter()
            .zip(&self.answers)
            .filter(|(_, a)| a.is_none())
            .map(|(e, _)| e.code)
            .collect();
        if missing.len() == ELEMENTS.len() {
            return Ok(None);
        }
        if !missing.is_empty() {
            let list = missing.join(", ");
            return Err(FormRefusal {
                msg: Msg::new(
                    format!(
                        "Survei belum lengkap: jawab kesembilan pertanyaan (belum dijawab: {list}), \
                         atau kirim tanpa survei."
                    ),
                    format!(
                        "The survey is incomplete: answer all nine questions (not answered: \
                         {list}), or send without the survey."
                    ),
                ),
                survey_incomplete: true,
            });
        }
        let values: Vec<i64> = self
            .answers
            .iter()
            .map(|a| a.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0))
            .collect();
        SkmAnswers::new(&values)
            .map(Some)
            .map_err(|e| FormRefusal::new(e.msg()))
    }

    /// A choice to show again on the form: only 1..=4.
    fn choice(value: Option<&str>) -> Option<u8> {
        value
            .and_then(|v| v.parse::<u8>().ok())
            .filter(|v| (1..=4).contains(v))
    }
}

/// `u1`..`u9` -> 0..8.
fn element_index(name: &str) -> Option<usize> {
    let n: usize = name.strip_prefix('u')?.parse().ok()?;
    (1..=ELEMENTS.len()).contains(&n).then(|| n - 1)
}

/// `POST /r/{token}`: stores the rating and thanks the citizen, or shows the
/// form again with what to fix (422), or the page saying why not.
pub async fn submit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let now = Timestamp::now();
    let mut reply = Reply::of(&req);
    if let Err(e) = httpkit::check_same_origin(&req) {
        return reply.error(RateError::Request(e));
    }
    let target = match check_submission(&req, &state, &token, now).await {
        Ok(t) => t,
        Err(e) => return reply.error(e),
    };
    if media_type(&req).as_deref() != Some(FORM_MEDIA_TYPE) {
        return reply.error(RateError::Request(wrong_media_type(FORM_MEDIA_TYPE)));
    }
    let form = match read_body(&req, &mut payload.into_inner()).await {
        Ok(body) => PostedForm::parse(&body),
        Err(e) => Err(RateError::Request(e)),
    };
    let form = match form {
        Ok(f) => f,
        Err(e) => return reply.error(e),
    };
    // Answer in the language of the page the citizen filled in.
    if let Some(lang) = form.lang
        && query_lang(&req).is_none()
    {
        reply.lang = lang;
    }
    let input = match form.validate() {
        Ok(input) => input,
        Err(refusal) => {
            let mut answers = [None; 9];
            for (shown, given) in answers.iter_mut().zip(&form.answers) {
                *shown = PostedForm::choice(given.as_deref());
            }
            let again = RateForm {
                score: PostedForm::choice(form.score.as_deref()),
                answers,
                comment: &form.comment,
                error: Some(refusal.msg.get(reply.lang)),
                survey_incomplete: refusal.survey_incomplete,
                ..RateForm::new(reply.lang, &target.office.name, &token)
            };
            return reply.page(StatusCode::UNPROCESSABLE_ENTITY, rate_page(&again));
        }
    };
    match record(&state, &target, input.clone(), now).await {
        Ok(_) => reply.page(
            StatusCode::OK,
            thanks_page(&Thanks {
                lang: reply.lang,
                office_name: &target.office.name,
                score: input.score,
                survey: input.answers.is_some(),
                comment: input.comment.as_ref().map(Comment::as_str),
            }),
        ),
        Err(e) => reply.error(e),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::Response;
    use serde_json::{Value, json};
    use shared::TicketId;
    use shared::wire::{Channel, KioskCreated};

    use super::*;
    use crate::test_support::{TestApp, assert_error, spawn_with};

    const FORM: &str = "application/x-www-form-urlencoded";

    async fn app_with(tweak: impl FnOnce(&mut crate::Settings)) -> (TestApp, KioskCreated) {
        let app = spawn_with(tweak).await;
        app.given_office("kupang").await;
        let roster = "nip,name,office_id,pin\n196608011988031001,Budi,kupang,1234\n";
        assert_eq!(app.put_roster("text/csv", roster).await.status(), 200);
        let kiosk = app.given_kiosk("kupang").await;
        (app, kiosk)
    }

    async fn app() -> (TestApp, KioskCreated) {
        app_with(|_| {}).await
    }

    /// The rating that stands for a ticket of the test office, if any.
    async fn stored_rating(app: &TestApp, ticket: TicketId) -> Option<crate::ingest::RatingRec> {
        let kupang = OfficeId::parse("kupang").unwrap();
        app.store.standing_rating(kupang, ticket).await.unwrap()
    }

    fn token_for(kiosk: &KioskCreated, key: &str, expires_in_s: i64) -> (String, TicketId) {
        let ticket_id = TicketId(uuid::Uuid::now_v7());
        let claims = QrClaims {
            kiosk_id: kiosk.kiosk_id,
            ticket_id,
            expires_at: Timestamp::now().as_second() + expires_in_s,
        };
        (claims.sign(key), ticket_id)
    }

    /// A fresh, valid token for a new ticket of `kiosk`.
    fn token(kiosk: &KioskCreated) -> (String, TicketId) {
        token_for(kiosk, &kiosk.key, 3600)
    }

    /// Percent-encodes a form value.
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    impl TestApp {
        async fn get_page(&self, path: &str, headers: &[(&str, &str)]) -> Response {
            let mut req = self.client.get(format!("{}{path}", self.address));
            for (name, value) in headers {
                req = req.header(*name, *value);
            }
            req.send().await.unwrap()
        }

        async fn post_form(&self, token: &str, body: &str) -> Response {
            self.client
                .post(format!("{}/r/{token}", self.address))
                .header("Content-Type", FORM)
                .body(body.to_owned())
                .send()
                .await
                .unwrap()
        }

        async fn post_json(&self, token: &str, body: &Value) -> Response {
            self.client
                .post(format!("{}/api/v1/ratings/{token}", self.address))
                .json(body)
                .send()
                .await
                .unwrap()
        }
    }

    async fn page(res: Response, status: u16) -> String {
        assert_eq!(res.status(), status);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        res.text().await.unwrap()
    }

    fn all_nine(v: u8) -> String {
        (1..=9).map(|i| format!("&u{i}={v}")).collect()
    }

    #[tokio::test]
    async fn a_valid_link_shows_the_office_four_faces_and_nine_survey_elements_in_indonesian() {
        let (app, kiosk) = app().await;
        let (token, _) = token(&kiosk);
        let res = app.get_page(&format!("/r/{token}"), &[]).await;
        assert_eq!(res.headers()["cache-control"], "no-store, private");
        assert_eq!(res.headers()["referrer-policy"], "same-origin");
        assert!(
            res.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        assert!(
            res.headers().get("set-cookie").is_none(),
            "no ?lang=, no cookie"
        );
        let html = page(res, 200).await;
        assert!(html.contains(r#"<html lang="id">"#));
        assert!(html.contains("Disdukcapil Kota Kupang"));
        assert!(html.contains("Bagaimana pelayanan kami?"));
        assert_eq!(html.matches(r#"<label class="face">"#).count(), 4);
        for v in 1..=4 {
            assert!(html.contains(&format!(r#"type="radio" name="score" value="{v}""#)));
        }
        for label in Score::LABELS_ID {
            assert!(html.contains(&format!("<span>{label}</span>")), "{label}");
        }
        assert_eq!(
            html.matches("<fieldset class=\"q\" data-element=\"U")
                .count(),
            9
        );
        for (i, e) in ELEMENTS.iter().enumerate() {
            assert!(html.contains(&format!(r#"data-element="{}""#, e.code)));
            for v in 1..=4u8 {
                assert!(html.contains(&format!(r#"name="u{}" value="{v}""#, i + 1)));
                assert!(
                    html.contains(&format!("<span>{}</span>", e.labels_id[usize::from(v) - 1]))
                );
            }
        }
        assert!(html.contains("Survei Kepuasan Masyarakat (opsional)"));
        assert!(html.contains(r#"<textarea name="comment" maxlength="500""#));
        assert!(html.contains(&format!(
            r#"<form id="rate" method="post" action="{token}""#
        )));
        assert!(html.contains(r#"<button type="submit">Kirim</button>"#));
        assert!(html.contains(r#"class="lang-en" href="?lang=en""#));
        assert!(!html.contains("<script"), "no JavaScript");
        assert!(!html.contains("196608011988031001"), "never a NIP");
    }

    #[tokio::test]
    async fn the_english_link_shows_english_labels_and_remembers_the_choice_in_a_cookie() {
        let (app, kiosk) = app().await;
        let (token, _) = token(&kiosk);
        let res = app.get_page(&format!("/r/{token}?lang=en"), &[]).await;
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("lang=en"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(cookie.contains("Max-Age=31536000"), "{cookie}");
        assert_eq!(res.headers()["content-language"], "en");
        let html = page(res, 200).await;
        assert!(html.contains(r#"<html lang="en">"#));
        assert!(html.contains("How was our service?"));
        for label in Score::LABELS_EN {
            assert!(html.contains(&format!("<span>{label}</span>")), "{label}");
        }
        assert!(html.contains("<span>Very polite and friendly</span>"));
        assert!(html.contains(r#"<button type="submit">Send</button>"#));
        assert!(!html.contains("Bagaimana pelayanan kami?"));

        // The cookie alone keeps English; ?lang=id switches back.
        let html = page(
            app.get_page(&format!("/r/{token}"), &[("Cookie", "lang=en")])
                .await,
            200,
        )
        .await;
        assert!(html.contains("How was our service?"));
        let res = app
            .get_page(&format!("/r/{token}?lang=id"), &[("Cookie", "lang=en")])
            .await;
        assert!(
            res.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .starts_with("lang=id")
        );
        assert!(page(res, 200).await.contains("Bagaimana pelayanan kami?"));
    }

    #[tokio::test]
    async fn a_form_with_a_score_is_thanked_and_stored_as_a_complete_qr_rating() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        let res = app
            .post_form(&token, "lang=id&score=4&comment=Pelayanan+cepat")
            .await;
        let html = page(res, 200).await;
        assert!(html.contains(r#"id="thanks""#), "{html}");
        assert!(html.contains("Terima kasih atas penilaian Anda"));
        assert!(html.contains("Sangat baik"));

        let stored = stored_rating(&app, ticket_id).await.unwrap();
        assert_eq!(stored.kiosk, kiosk.kiosk_id);
        assert_eq!(stored.office.as_str(), "kupang");
        let r = &stored.event;
        assert_eq!(r.ticket_id, Some(ticket_id));
        assert_eq!(r.channel, Channel::Qr);
        assert_eq!((r.counter.as_ref(), r.nip.as_ref()), (None, None));
        assert_eq!(r.score.get(), 4);
        assert_eq!(r.answers, None);
        assert_eq!(r.comment.as_ref().unwrap().as_str(), "Pelayanan cepat");
        assert_eq!(r.rating_id.0.get_version_num(), 7);
        assert!((Timestamp::now() - r.submitted_at).get_seconds().abs() < 60);
        assert_eq!(app.store.counts().await.unwrap().qr_ratings, 1);
    }

    #[tokio::test]
    async fn the_full_survey_is_stored_with_the_rating() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        let body = format!("score=3{}&u4=1", all_nine(4)).replacen("u4=4", "u4=1", 1);
        let html = page(app.post_form(&token, &body).await, 200).await;
        assert!(html.contains("9 jawaban terkirim"));
        let stored = stored_rating(&app, ticket_id).await.unwrap();
        assert_eq!(
            stored.event.answers.unwrap().values(),
            [4, 4, 4, 1, 4, 4, 4, 4, 4]
        );
    }

    #[tokio::test]
    async fn a_second_rating_of_the_same_ticket_is_refused_politely_with_409() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        assert_eq!(app.post_form(&token, "score=2").await.status(), 200);

        let html = page(app.post_form(&token, "score=4").await, 409).await;
        assert!(
            html.contains(r#"id="error" class="notice already-rated""#),
            "{html}"
        );
        assert!(html.contains("Tiket ini sudah dinilai. Terima kasih."));
        // Scanning the code again says so at once, instead of a form to fill.
        let html = page(app.get_page(&format!("/r/{token}"), &[]).await, 409).await;
        assert!(html.contains("already-rated"));
        assert!(!html.contains(r#"id="rate""#));
        let res = app.post_json(&token, &json!({"score": 4})).await;
        assert_error(res, 409, "already_rated").await;
        let stored = stored_rating(&app, ticket_id).await.unwrap();
        assert_eq!(stored.event.score.get(), 2, "the first rating is kept");
    }

    #[tokio::test]
    async fn an_expired_link_is_410_on_the_page_the_form_and_the_json_route() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token_for(&kiosk, &kiosk.key, -1);
        let html = page(app.get_page(&format!("/r/{token}"), &[]).await, 410).await;
        assert!(html.contains(r#"class="notice expired""#), "{html}");
        assert!(html.contains("kedaluwarsa"));
        let html = page(app.post_form(&token, "score=4").await, 410).await;
        assert!(html.contains("expired"));
        assert_error(
            app.post_json(&token, &json!({"score": 4})).await,
            410,
            "expired",
        )
        .await;
        assert!(stored_rating(&app, ticket_id).await.is_none());
        // The expiry second itself is still accepted.
        let (token, _) = token_for(&kiosk, &kiosk.key, 2);
        assert_eq!(
            app.get_page(&format!("/r/{token}"), &[]).await.status(),
            200
        );
    }

    #[tokio::test]
    async fn a_link_signed_with_another_key_a_malformed_token_or_an_unknown_kiosk_is_401() {
        let (app, kiosk) = app().await;
        let (forged, ticket_id) = token_for(&kiosk, "not-the-kiosk-key", 3600);
        let unknown_kiosk = KioskCreated {
            kiosk_id: shared::KioskId(uuid::Uuid::now_v7()),
            key: kiosk.key.clone(),
        };
        let (unknown, _) = token(&unknown_kiosk);
        for bad in [forged.as_str(), unknown.as_str(), "not-a-token", "a.b"] {
            let html = page(app.get_page(&format!("/r/{bad}"), &[]).await, 401).await;
            assert!(html.contains(r#"class="notice forged""#), "{html}");
            assert!(html.contains("Tautan penilaian ini tidak sah"));
            let html = page(app.post_form(bad, "score=4").await, 401).await;
            assert!(html.contains("forged"));
            assert_error(
                app.post_json(bad, &json!({"score": 4})).await,
                401,
                "unauthorized",
            )
            .await;
        }
        assert!(stored_rating(&app, ticket_id).await.is_none());
        assert_eq!(app.store.counts().await.unwrap().qr_ratings, 0);
    }

    #[tokio::test]
    async fn the_json_route_answers_201_and_refuses_bad_bodies_with_400_415_and_422() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        let url = format!("{}/api/v1/ratings/{token}", app.address);
        let send = |ct: &'static str, body: &'static str| {
            app.client
                .post(&url)
                .header("Content-Type", ct)
                .body(body)
                .send()
        };
        assert_error(
            send("application/json", "{").await.unwrap(),
            400,
            "bad_request",
        )
        .await;
        for wrong_type in [
            r#"{"score":"4"}"#,
            r#"{"score":4,"answers":"x"}"#,
            r#"{"comment":1}"#,
        ] {
            let res = send("application/json", wrong_type).await.unwrap();
            assert_error(res, 400, "bad_request").await;
        }
        let res = send("text/plain", r#"{"score":4}"#).await.unwrap();
        assert_error(res, 415, "unsupported_media_type").await;
        let res = send(FORM, "score=4").await.unwrap();
        assert_error(res, 415, "unsupported_media_type").await;
        for invalid in [
            json!({"score": 0}),
            json!({"score": 5}),
            json!({"score": 4, "answers": vec![3; 8]}),
            json!({"score": 4, "answers": vec![3; 10]}),
            json!({"score": 4, "answers": [3, 3, 3, 3, 0, 3, 3, 3, 3]}),
            json!({"score": 4, "comment": "x".repeat(501)}),
        ] {
            assert_error(app.post_json(&token, &invalid).await, 422, "invalid").await;
        }
        assert!(stored_rating(&app, ticket_id).await.is_none());

        let body = json!({"score": 3, "answers": [4, 3, 2, 1, 4, 3, 2, 1, 4], "comment": "ok"});
        let res = app.post_json(&token, &body).await;
        assert_eq!(res.status(), 201);
        let created: Value = res.json().await.unwrap();
        let rating_id = created["rating_id"].as_str().unwrap();
        let stored = stored_rating(&app, ticket_id).await.unwrap();
        assert_eq!(stored.event.rating_id.to_string(), rating_id);
        assert_eq!(
            stored.event.answers.unwrap().values(),
            [4, 3, 2, 1, 4, 3, 2, 1, 4]
        );
        assert_error(app.post_json(&token, &body).await, 409, "already_rated").await;
    }

    #[tokio::test]
    async fn a_form_post_in_another_content_type_is_a_415_page_and_stores_nothing() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        let res = app
            .client
            .post(format!("{}/r/{token}", app.address))
            .json(&json!({"score": 4}))
            .send()
            .await
            .unwrap();
        let html = page(res, 415).await;
        assert!(html.contains(r#"class="notice bad-request""#), "{html}");
        assert!(html.contains("application/x-www-form-urlencoded"));
        assert!(stored_rating(&app, ticket_id).await.is_none());
    }

    #[tokio::test]
    async fn json_refusals_follow_accept_language() {
        let (app, kiosk) = app().await;
        let (token, _) = token_for(&kiosk, &kiosk.key, -10);
        let res = app
            .client
            .post(format!("{}/api/v1/ratings/{token}", app.address))
            .header("Accept-Language", "en")
            .json(&json!({"score": 4}))
            .send()
            .await
            .unwrap();
        let body = assert_error(res, 410, "expired").await;
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("This rating link has expired."),
            "{body}"
        );
    }

    #[tokio::test]
    async fn a_501_character_comment_is_422_and_500_characters_are_accepted() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        let long = "é".repeat(501);
        let html = page(
            app.post_form(&token, &format!("score=3&comment={}", enc(&long)))
                .await,
            422,
        )
        .await;
        assert!(html.contains(r#"class="error""#));
        assert!(html.contains("Komentar paling banyak 500 karakter"));
        assert!(
            html.contains(r#"name="score" value="3" checked"#),
            "the face stays chosen"
        );
        assert!(stored_rating(&app, ticket_id).await.is_none());

        // 499 characters and a line break the browser sends as CRLF: 500.
        let text = format!("{}\r\n", "a".repeat(499));
        let res = app
            .post_form(&token, &format!("score=3&comment={}", enc(&text)))
            .await;
        assert_eq!(res.status(), 200);
        let stored = stored_rating(&app, ticket_id).await.unwrap();
        assert_eq!(stored.event.comment.unwrap().as_str().chars().count(), 500);
    }

    #[tokio::test]
    async fn a_missing_score_is_422_with_the_form_and_the_message_in_the_error_paragraph() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        for body in ["", "score=", "comment=halo", "score=abc", "score=5"] {
            let html = page(app.post_form(&token, body).await, 422).await;
            assert!(
                html.contains(r#"<p class="error" id="form-error" role="alert">"#),
                "{body}"
            );
            assert!(html.contains(r#"<form id="rate""#), "{body}");
            assert_eq!(html.matches(r#"<label class="face">"#).count(), 4);
        }
        let html = page(app.post_form(&token, "comment=halo").await, 422).await;
        assert!(html.contains("Pilih salah satu wajah"));
        assert!(html.contains(">halo</textarea>"), "the comment is kept");
        let res = app
            .client
            .post(format!("{}/r/{token}", app.address))
            .header("Content-Type", FORM)
            .header("Cookie", "lang=en")
            .body("")
            .send()
            .await
            .unwrap();
        assert!(page(res, 422).await.contains("Choose one of the faces"));
        assert!(stored_rating(&app, ticket_id).await.is_none());
    }

    #[tokio::test]
    async fn a_partial_survey_is_422_and_can_then_be_sent_without_the_survey() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        let html = page(
            app.post_form(&token, "lang=en&score=4&u1=3&u2=4").await,
            422,
        )
        .await;
        assert!(html.contains(r#"class="error""#));
        assert!(
            html.contains("not answered: U3, U4, U5, U6, U7, U8, U9"),
            "{html}"
        );
        assert!(html.contains(r#"<details id="survey" open"#));
        assert!(html.contains(r#"name="u2" value="4" checked"#));
        assert!(html.contains(r#"name="survey" value="skip""#));
        assert!(stored_rating(&app, ticket_id).await.is_none());

        let res = app
            .post_form(&token, "lang=en&score=4&u1=3&u2=4&survey=skip")
            .await;
        let html = page(res, 200).await;
        assert!(
            html.contains("Thank you for your rating"),
            "in the page's language"
        );
        let stored = stored_rating(&app, ticket_id).await.unwrap();
        assert_eq!(stored.event.answers, None);
    }

    #[tokio::test]
    async fn a_comment_with_a_script_tag_is_escaped_on_every_page_that_shows_it() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        let evil = "<script>alert('x')</script></textarea><b>";
        // Refused (no score): the form shows the comment again, as text.
        let html = page(
            app.post_form(&token, &format!("comment={}", enc(evil)))
                .await,
            422,
        )
        .await;
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt;&lt;/textarea&gt;&lt;b&gt;"));
        // Accepted: the thank-you page repeats it, as text.
        let html = page(
            app.post_form(&token, &format!("score=1&comment={}", enc(evil)))
                .await,
            200,
        )
        .await;
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"));
        // Stored as given.
        let stored = stored_rating(&app, ticket_id).await.unwrap();
        assert_eq!(stored.event.comment.unwrap().as_str(), evil);
    }

    #[tokio::test]
    async fn submissions_past_the_rate_limit_get_429_with_retry_after() {
        let (app, kiosk) = app_with(|s| s.qr_rate_limit_per_min = 3).await;
        // Page and JSON submissions with genuine tokens share the address's
        // bucket; an invalid form counts too.
        let (first, _) = token(&kiosk);
        assert_eq!(app.post_form(&first, "").await.status(), 422);
        assert_eq!(app.post_form(&first, "score=4").await.status(), 200);
        let (other, _) = token(&kiosk);
        assert_eq!(
            app.post_json(&other, &json!({"score": 4})).await.status(),
            201
        );

        let (third, _) = token(&kiosk);
        let res = app.post_form(&third, "score=4").await;
        let retry: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=20).contains(&retry), "{retry}");
        let html = page(res, 429).await;
        assert!(html.contains(r#"class="notice rate-limited""#), "{html}");
        let res = app.post_json(&third, &json!({"score": 4})).await;
        assert!(res.headers().contains_key("retry-after"));
        assert_error(res, 429, "rate_limited").await;
        // Reading the page is not limited.
        assert_eq!(
            app.get_page(&format!("/r/{third}"), &[]).await.status(),
            200
        );
    }

    #[tokio::test]
    async fn a_flood_of_forged_tokens_does_not_drain_the_genuine_citizens_budget() {
        let (app, kiosk) = app_with(|s| s.qr_rate_limit_per_min = 3).await;
        let mut statuses = Vec::new();
        for _ in 0..10 {
            let (forged, _) = token_for(&kiosk, "not-the-key", 3600);
            statuses.push(
                app.post_json(&forged, &json!({"score": 1}))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        assert_eq!(&statuses[..3], [401, 401, 401]);
        assert!(statuses[3..].iter().all(|&s| s == 429), "{statuses:?}");
        // A citizen behind the same address still rates.
        let (genuine, ticket_id) = token(&kiosk);
        assert_eq!(app.post_form(&genuine, "score=4").await.status(), 200);
        assert!(stored_rating(&app, ticket_id).await.is_some());
    }

    #[tokio::test]
    async fn a_disabled_kiosks_links_are_410_and_store_nothing() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        let res = app
            .client
            .post(format!(
                "{}/api/v1/kiosks/{}/disable",
                app.address, kiosk.kiosk_id
            ))
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = page(app.get_page(&format!("/r/{token}"), &[]).await, 410).await;
        assert!(html.contains("tidak berlaku lagi"), "{html}");
        assert_error(
            app.post_json(&token, &json!({"score": 4})).await,
            410,
            "revoked",
        )
        .await;
        assert!(stored_rating(&app, ticket_id).await.is_none());
    }

    #[tokio::test]
    async fn two_concurrent_ratings_of_one_ticket_store_exactly_one() {
        let (app, kiosk) = app().await;
        let (token, ticket_id) = token(&kiosk);
        let app = std::sync::Arc::new(app);
        let mut tasks = Vec::new();
        for score in [1, 2, 3, 4, 1, 2, 3, 4] {
            let (app, token) = (app.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                app.post_json(&token, &json!({ "score": score }))
                    .await
                    .status()
                    .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        statuses.sort();
        assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
        assert!(stored_rating(&app, ticket_id).await.is_some());
        assert_eq!(app.store.counts().await.unwrap().qr_ratings, 1);
    }

    #[test]
    fn form_fields_u1_to_u9_name_the_nine_elements_and_nothing_else() {
        assert_eq!(element_index("u1"), Some(0));
        assert_eq!(element_index("u9"), Some(8));
        for other in ["u0", "u10", "u", "U1", "score", "u-1"] {
            assert_eq!(element_index(other), None, "{other}");
        }
    }
}
