//! Citizens' phones (public; submissions rate limited per address):
//! - `GET /r/{token}`, `POST /r/{token}`: the rating page of the QR code a
//!   counter shows after the service, and its form;
//! - `POST /api/v1/ratings/{token}`: the same as JSON;
//! - `GET /t/{token}`, `POST /t/{token}`: the ticket's phone link (printed
//!   at the entrance): its live position while it waits, then, once the
//!   service is completed, the same rating form for the visit's last ticket;
//! - `GET /t/{token}/status`: where the ticket stands, as JSON (the page's
//!   script asks it every few seconds).
//!
//! The checks and rules are [`crate::phone`]'s, the form [`crate::rating_form`]'s,
//! the wording [`crate::pages`]'. Every refusal is a page with the same
//! status as the JSON route; a refused form (422) is shown again with the
//! citizen's choices and the message in `.error`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::body::{media_type, parse_json, wrong_media_type};
use httpkit::lang::{page_lang, query_lang};
use httpkit::{ApiError, read_body};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use shared::rating::RatingValues;
use shared::sign::TokenKind;
use shared::wire::{RatingCreated, TicketLinkStatus};
use shared::{Comment, Lang, Office, TicketId};

use crate::ingest::TicketRec;
use crate::pages::layout::PageResponse;
use crate::pages::rate::{RateForm, Thanks, error_page, rate_page, thanks_page, wording};
use crate::pages::ticket::{TicketView, ticket_page};
use crate::phone::{RateError, Target, check_token, limit, not_rated, record};
use crate::rating_form::{PostedForm, Unreadable};
use crate::startup::AppState;
use crate::store::KioskRecord;

#[cfg(test)]
mod tests;

const FORM_MEDIA_TYPE: &str = "application/x-www-form-urlencoded";

/// How this request's pages are answered: in the language asked for, and
/// remembering it when it was chosen with `?lang=`.
#[derive(Debug, Clone, Copy)]
struct Reply {
    lang: Lang,
    remember: bool,
    kind: TokenKind,
}

impl Reply {
    fn of(req: &HttpRequest, kind: TokenKind) -> Reply {
        Reply {
            lang: page_lang(req),
            remember: query_lang(req).is_some(),
            kind,
        }
    }

    fn page(self, status: StatusCode, markup: maud::Markup) -> HttpResponse {
        PageResponse::new(status, self.lang, self.remember).body(markup)
    }

    fn error(self, e: RateError) -> HttpResponse {
        if let RateError::Store(cause) = &e {
            tracing::error!(error = %cause, "phone rating page failed");
        }
        let (title, detail) = wording(&e, self.kind);
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

// ---------------------------------------------------------------- /r/

/// A rating token that may still rate its ticket (checks 1 to 4).
async fn rating_target(state: &AppState, token: &str, now: Timestamp) -> Result<Target, RateError> {
    let target = check_token(state, token, TokenKind::Rating, now).await?;
    not_rated(state, &target.office.id, target.claims.ticket_id).await?;
    Ok(target)
}

/// `GET /r/{token}`: the rating form, or the page saying why not.
pub async fn rating_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    let reply = Reply::of(&req, TokenKind::Rating);
    match rating_target(&state, &token, Timestamp::now()).await {
        Ok(target) => reply.page(
            StatusCode::OK,
            rate_page(&RateForm::new(reply.lang, &target.office.name, &token)),
        ),
        Err(e) => reply.error(e),
    }
}

/// `POST /r/{token}`: stores the rating and thanks the citizen, or shows the
/// form again with what to fix (422), or the page saying why not.
pub async fn rating_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let now = Timestamp::now();
    let reply = Reply::of(&req, TokenKind::Rating);
    if let Err(e) = httpkit::check_same_origin(&req) {
        return reply.error(RateError::Request(e));
    }
    let checked = rating_target(&state, &token, now).await;
    match limit(&req, &state, checked) {
        Ok(target) => {
            let ticket = target.claims.ticket_id;
            let to = Rated {
                kiosk: &target.kiosk,
                office: &target.office,
                ticket,
                action: &token,
            };
            form_flow(&req, &state, reply, &to, payload, now).await
        }
        Err(e) => reply.error(e),
    }
}

/// `POST /api/v1/ratings/{token}` body. Unknown fields are ignored
/// (docs/API.md: fields may be added).
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
    /// The values, by the rating rules every channel shares.
    pub fn validate(&self) -> Result<RatingValues, RateError> {
        RatingValues::parse(self.score, self.answers.as_deref(), self.comment.as_deref())
            .map_err(RateError::Invalid)
    }
}

/// `POST /api/v1/ratings/{token}`: 201 `{"rating_id"}`; 409 already rated,
/// 410 expired, 401 forged, 415/400/413 for the body, 422 invalid values,
/// 429 rate limited.
pub async fn rating_json(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let now = Timestamp::now();
    let checked = rating_target(&state, &token, now).await;
    let target = limit(&req, &state, checked)?;
    if media_type(&req).as_deref() != Some("application/json") {
        return Err(wrong_media_type("application/json"));
    }
    let body = read_body(&req, &mut payload.into_inner()).await?;
    let values = parse_json::<QrRatingBody>(&body)?.validate()?;
    let rating_id = record(&state, &target.kiosk, target.claims.ticket_id, values, now).await?;
    Ok(HttpResponse::Created().json(RatingCreated { rating_id }))
}

// ---------------------------------------------------------------- the form

/// What a submitted form rates.
struct Rated<'a> {
    kiosk: &'a KioskRecord,
    office: &'a Office,
    ticket: TicketId,
    /// Where the form posts (relative to the page).
    action: &'a str,
}

/// Reads, checks and stores a posted rating form: the thank-you page, the
/// form again with what to fix (422), or the refusal page.
async fn form_flow(
    req: &HttpRequest,
    state: &AppState,
    mut reply: Reply,
    to: &Rated<'_>,
    payload: web::Payload,
    now: Timestamp,
) -> HttpResponse {
    if media_type(req).as_deref() != Some(FORM_MEDIA_TYPE) {
        return reply.error(RateError::Request(wrong_media_type(FORM_MEDIA_TYPE)));
    }
    let form = match read_body(req, &mut payload.into_inner()).await {
        Ok(body) => PostedForm::parse(&body)
            .map_err(|Unreadable| RateError::Request(ApiError::bad_request(Unreadable::msg()))),
        Err(e) => Err(RateError::Request(e)),
    };
    let form = match form {
        Ok(f) => f,
        Err(e) => return reply.error(e),
    };
    // Answer in the language of the page the citizen filled in.
    if let Some(lang) = form.lang
        && query_lang(req).is_none()
    {
        reply.lang = lang;
    }
    let values = match form.validate() {
        Ok(v) => v,
        Err(refusal) => {
            let (score, answers) = form.choices();
            let again = RateForm {
                score,
                answers,
                comment: &form.comment,
                error: Some(refusal.msg.get(reply.lang)),
                survey_incomplete: refusal.survey_incomplete,
                ..RateForm::new(reply.lang, &to.office.name, to.action)
            };
            return reply.page(StatusCode::UNPROCESSABLE_ENTITY, rate_page(&again));
        }
    };
    match record(state, to.kiosk, to.ticket, values.clone(), now).await {
        Ok(_) => reply.page(
            StatusCode::OK,
            thanks_page(&Thanks {
                lang: reply.lang,
                office_name: &to.office.name,
                score: values.score,
                survey: values.answers.is_some(),
                comment: values.comment.as_ref().map(Comment::as_str),
            }),
        ),
        Err(e) => reply.error(e),
    }
}

// ---------------------------------------------------------------- /t/

/// Where a ticket link's visit stands: its status and its last ticket. A
/// completed visit says whether it was rated, and is `expired` once its
/// rating window (as long as a QR code's) has passed unrated.
async fn visit_status(
    state: &AppState,
    target: &Target,
    now: Timestamp,
) -> Result<(TicketLinkStatus, Option<(TicketId, TicketRec)>), RateError> {
    let (db, office, first) = (
        state.store.database(),
        target.office.clone(),
        target.claims.ticket_id,
    );
    let (mut status, last) = state
        .store
        .read(move |_| Ok(crate::floor::link_status(&db, &office, first, now)?))
        .await?;
    if let Some((id, rec)) = &last
        && let Some(done) = rec.completed_at
    {
        status.rated = state
            .store
            .standing_rating(target.office.id.clone(), *id)
            .await?
            .is_some();
        let window =
            SignedDuration::from_secs(i64::try_from(state.qr_expiry_s).unwrap_or(i64::MAX));
        if !status.rated && now > done + window {
            status.state = "expired".into();
        }
    }
    Ok((status, last))
}

/// `GET /t/{token}`: the position while the ticket waits, the rating form
/// once its visit is completed, or the page saying why not.
pub async fn ticket_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> HttpResponse {
    let reply = Reply::of(&req, TokenKind::TicketLink);
    let now = Timestamp::now();
    let shown = async {
        let target = check_token(&state, &token, TokenKind::TicketLink, now).await?;
        let (status, last) = visit_status(&state, &target, now).await?;
        Ok::<_, RateError>((target, status, last))
    }
    .await;
    let (target, status, last) = match shown {
        Ok(s) => s,
        Err(e) => return reply.error(e),
    };
    match status.state.as_str() {
        "expired" => reply.error(RateError::WindowClosed),
        "completed" if !status.rated => reply.page(
            StatusCode::OK,
            rate_page(&RateForm::new(reply.lang, &target.office.name, &token)),
        ),
        _ => {
            let service = last
                .as_ref()
                .and_then(|(_, t)| target.office.service(&t.service))
                .map(|s| s.name.as_str());
            let status_url = format!("{}/status", token.as_str());
            reply.page(
                StatusCode::OK,
                ticket_page(&TicketView {
                    lang: reply.lang,
                    office_name: &target.office.name,
                    service_name: service,
                    status: &status,
                    status_url: &status_url,
                    transferred: last
                        .as_ref()
                        .is_some_and(|(_, t)| t.transferred_from.is_some()),
                }),
            )
        }
    }
}

/// `POST /t/{token}`: the rating of a completed visit (its last ticket),
/// by the same form and rules as `/r/`; 409 before the service is
/// completed, 410 once the window has passed.
pub async fn ticket_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let now = Timestamp::now();
    let reply = Reply::of(&req, TokenKind::TicketLink);
    if let Err(e) = httpkit::check_same_origin(&req) {
        return reply.error(RateError::Request(e));
    }
    let checked = async {
        let target = check_token(&state, &token, TokenKind::TicketLink, now).await?;
        let (status, last) = visit_status(&state, &target, now).await?;
        match (status.state.as_str(), last) {
            ("expired", _) => Err(RateError::WindowClosed),
            ("completed", Some((id, _))) => {
                not_rated(&state, &target.office.id, id).await?;
                Ok((target, id))
            }
            _ => Err(RateError::NotCompleted),
        }
    }
    .await;
    match limit(&req, &state, checked) {
        Ok((target, ticket)) => {
            let to = Rated {
                kiosk: &target.kiosk,
                office: &target.office,
                ticket,
                action: &token,
            };
            form_flow(&req, &state, reply, &to, payload, now).await
        }
        Err(e) => reply.error(e),
    }
}

/// `GET /t/{token}/status`: [`TicketLinkStatus`] (401 forged, 410 expired).
pub async fn ticket_status(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let now = Timestamp::now();
    let status = async {
        let target = check_token(&state, &path, TokenKind::TicketLink, now).await?;
        Ok::<_, RateError>(visit_status(&state, &target, now).await?.0)
    }
    .await
    .map_err(|e| e.into_api(TokenKind::TicketLink))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(status))
}
