//! The ASN's reply, the head's review, follow-up, the audit trail, and HR's
//! bias audit and patterns (JSON routes; the pages post the same forms).
//!
//! Who may do what:
//! - reply: the ASN the rating counts for, by their own session (`sesi_asn`);
//!   HR and heads cannot answer for them, another ASN gets 403.
//! - review and follow-up: the head of the rating's office or HR, by page
//!   session or bearer token; a head of another office gets 403.
//! - audit: HR all offices, a head their office's entries; nobody can edit
//!   or remove an entry (there is no such route: other methods get 405).
//! - bias and patterns: HR only.
//!
//! A change through a page session must come from this site's own pages
//! (`Origin`/`Sec-Fetch-Site`, 403 otherwise). Each route takes JSON, or the
//! page's form (`application/x-www-form-urlencoded`, answered with 303 back
//! to the page's `next`).

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::body::{media_type, parse_json, wrong_media_type};
use httpkit::lang::page_lang;
use httpkit::{ApiError, read_body};
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use shared::review::{
    AuditLog, ExclusionReason, FollowUpBody, FollowUpList, FollowUpStatus, PatternReport,
    ReplyBody, ReviewBody, ReviewDecision, staff_text,
};
use shared::secret::asn_ref;
use shared::{Msg, OfficeId, RatingId};

use super::reports::{
    ReportQuery, asn_rows_of, blocking, offices_in_scope, people_of, period, scope_name,
};
use crate::audit::{Filter, list};
use crate::auth::{Viewer, asn_session, bearer_token, viewer};
use crate::ingest::{Change, Refused};
use crate::reports::{Period, bias_report, patterns};
use crate::startup::AppState;
use crate::store::Role;

/// A request body: JSON, or a page's form.
enum Input {
    Json(Vec<u8>),
    Form(Vec<(String, String)>),
}

impl Input {
    async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Input, ApiError> {
        let body = read_body(req, &mut payload.into_inner()).await?;
        match media_type(req).as_deref() {
            Some("application/x-www-form-urlencoded") => {
                let text = std::str::from_utf8(&body).map_err(|_| {
                    ApiError::bad_request(Msg::new("Formulir bukan UTF-8", "The form is not UTF-8"))
                })?;
                let fields = web::Query::<Vec<(String, String)>>::from_query(text)
                    .map_err(|e| {
                        ApiError::bad_request(Msg::new(
                            format!("Formulir tidak sesuai: {e}"),
                            format!("Malformed form: {e}"),
                        ))
                    })?
                    .into_inner();
                Ok(Input::Form(fields))
            }
            Some("application/json") | None => Ok(Input::Json(body.to_vec())),
            Some(_) => Err(wrong_media_type(
                "application/json (atau/or application/x-www-form-urlencoded)",
            )),
        }
    }

    fn field(&self, name: &str) -> Option<String> {
        match self {
            Input::Form(f) => f
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty()),
            Input::Json(_) => None,
        }
    }

    /// The body: parsed JSON, or built from the form's fields.
    fn body<T: DeserializeOwned>(
        &self,
        from_form: impl FnOnce(&Input) -> T,
    ) -> Result<T, ApiError> {
        match self {
            Input::Json(b) => parse_json(b),
            Input::Form(_) => Ok(from_form(self)),
        }
    }

    fn is_form(&self) -> bool {
        matches!(self, Input::Form(_))
    }

    /// Where a form goes back to: a path of this site only.
    fn next(&self, default: &str) -> String {
        match self.field("next") {
            Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
            _ => default.to_owned(),
        }
    }
}

fn parse_rating_id(s: &str) -> Result<RatingId, ApiError> {
    uuid::Uuid::try_parse(s)
        .map(RatingId)
        .map_err(|_| no_rating())
}

fn no_rating() -> ApiError {
    ApiError::not_found(Msg::new("Penilaian ini tidak ada", "No such rating"))
}

fn refused(r: Refused, forbidden: Msg) -> ApiError {
    match r {
        Refused::NotFound => no_rating(),
        Refused::Forbidden => ApiError::forbidden(forbidden),
        Refused::Conflict(m) => ApiError::conflict("conflict", m),
    }
}

/// The answer to a change: JSON, or back to the page for a form (with a
/// page carrying the message when refused).
fn answer(
    req: &HttpRequest,
    input: &Input,
    default_next: &str,
    result: Result<(StatusCode, serde_json::Value), ApiError>,
) -> HttpResponse {
    match (result, input.is_form()) {
        (Ok(_), true) => HttpResponse::SeeOther()
            .insert_header((LOCATION, input.next(default_next)))
            .finish(),
        (Ok((status, body)), false) => HttpResponse::build(status).json(body),
        (Err(e), true) => {
            let lang = page_lang(req);
            let back = input.next(default_next);
            httpkit::PageResponse::new(e.status, lang, false).body(crate::pages::staff::page(
                lang,
                lang.pick("Tidak dapat disimpan", "Could not be saved"),
                None,
                maud::html! {
                    div.card {
                        h1 { (lang.pick("Tidak dapat disimpan", "Could not be saved")) }
                        p.error role="alert" { (e.msg.get(lang)) }
                        p { a href=(back) { (lang.pick("Kembali", "Back")) } }
                    }
                },
            ))
        }
        (Err(e), false) => e.render(page_lang(req)),
    }
}

/// Applies a change through the ingest writer; a refusal becomes its 4xx
/// (`forbidden`: what a 403 says).
async fn apply(state: &AppState, change: Change, forbidden: Msg) -> Result<(), ApiError> {
    state
        .store
        .ingest()
        .change(change)
        .await
        .map_err(ApiError::unexpected)?
        .map_err(|r| refused(r, forbidden))
}

/// A head or HR, by session (from this site's pages only) or token.
async fn reviewer(req: &HttpRequest, state: &AppState) -> Result<Viewer, ApiError> {
    let v = viewer(req, state).await?;
    if bearer_token(req).is_none() {
        httpkit::check_same_origin(req)?;
    }
    Ok(v)
}

/// `POST /api/v1/ratings/{rating_id}/reply` (the ASN, by session):
/// `{"text"}`, 201.
pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let input = match Input::read(&req, payload).await {
        Ok(i) => i,
        Err(e) => return e.render(page_lang(&req)),
    };
    let result = async {
        let Some((session, _)) = asn_session(&req, &state).await? else {
            return Err(ApiError::unauthorized(Msg::new(
                "Menanggapi memerlukan masuk sebagai ASN (/asn/masuk)",
                "Answering needs an ASN sign-in (/asn/masuk)",
            )));
        };
        httpkit::check_same_origin(&req)?;
        let rating = parse_rating_id(&path)?;
        let text = input
            .body(|input| ReplyBody {
                text: input.field("text").unwrap_or_default(),
            })?
            .text;
        let text = staff_text(&text, true)
            .map_err(ApiError::invalid)?
            .unwrap_or_default();
        let key = state
            .store
            .asn_ref_key()
            .await
            .map_err(ApiError::unexpected)?;
        let me = asn_ref(&key, &session.nip);
        let at = Timestamp::now();
        apply(
            &state,
            Change::Reply {
                rating,
                office: session.office_id.clone(),
                nip: session.nip.clone(),
                actor: format!("asn:{me}"),
                text: text.clone(),
                at,
            },
            Msg::new(
                "Anda hanya dapat menanggapi penilaian atas layanan Anda sendiri",
                "You can answer only ratings of your own service",
            ),
        )
        .await?;
        tracing::info!(%rating, actor = %me, "ASN replied to a rating");
        Ok((
            StatusCode::CREATED,
            serde_json::json!({"rating_id": rating, "reply": {"text": text, "at": at}}),
        ))
    }
    .await;
    answer(&req, &input, "/asn", result)
}

/// `POST /api/v1/ratings/{rating_id}/review` (head of that office or HR):
/// `{"decision": "keep"|"exclude", "reason", "note"}`, 200.
pub async fn review(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let input = match Input::read(&req, payload).await {
        Ok(i) => i,
        Err(e) => return e.render(page_lang(&req)),
    };
    let result = async {
        let v = reviewer(&req, &state).await?;
        let rating = parse_rating_id(&path)?;
        let body = input.body(|input| ReviewBody {
            decision: input.field("decision").unwrap_or_default(),
            reason: input.field("reason"),
            note: input.field("note"),
        })?;
        let decision = ReviewDecision::parse(&body.decision).map_err(ApiError::invalid)?;
        let reason = match (decision, body.reason.as_deref().filter(|r| !r.is_empty())) {
            (ReviewDecision::Exclude, None) => {
                return Err(ApiError::invalid(Msg::new(
                    "Mengeluarkan penilaian memerlukan alasan: abusive, not_about_service atau \
                     wrong_counter",
                    "Excluding a rating needs a reason: abusive, not_about_service or \
                     wrong_counter",
                )));
            }
            (_, Some(r)) => Some(ExclusionReason::parse(r).map_err(ApiError::invalid)?),
            (_, None) => None,
        };
        let note =
            staff_text(body.note.as_deref().unwrap_or(""), false).map_err(ApiError::invalid)?;
        let actor = v.actor();
        let at = Timestamp::now();
        apply(
            &state,
            Change::Review {
                rating,
                scope: v.role.office_scope().cloned(),
                actor: actor.clone(),
                decision,
                reason,
                note: note.clone(),
                at,
            },
            Msg::new(
                "Kepala unit hanya meninjau penilaian kantornya sendiri",
                "A head reviews their own office's ratings only",
            ),
        )
        .await?;
        tracing::info!(%rating, %actor, ?decision, "rating reviewed");
        Ok((
            StatusCode::OK,
            serde_json::json!({"rating_id": rating, "review": {
                "decision": decision, "reason": reason, "note": note, "by": actor, "at": at,
            }}),
        ))
    }
    .await;
    answer(&req, &input, "/laporan", result)
}

/// `POST /api/v1/followups/{rating_id}` (head of that office or HR):
/// `{"status", "response"}`, 200.
pub async fn update_followup(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let input = match Input::read(&req, payload).await {
        Ok(i) => i,
        Err(e) => return e.render(page_lang(&req)),
    };
    let result = async {
        let v = reviewer(&req, &state).await?;
        let rating = parse_rating_id(&path)?;
        let body = input.body(|input| FollowUpBody {
            status: input.field("status").unwrap_or_default(),
            response: input.field("response"),
        })?;
        let status = FollowUpStatus::parse(&body.status).map_err(ApiError::invalid)?;
        let response =
            staff_text(body.response.as_deref().unwrap_or(""), false).map_err(ApiError::invalid)?;
        let actor = v.actor();
        apply(
            &state,
            Change::FollowUp {
                rating,
                scope: v.role.office_scope().cloned(),
                actor: actor.clone(),
                status,
                response: response.clone(),
                at: Timestamp::now(),
            },
            Msg::new(
                "Kepala unit hanya menindaklanjuti kantornya sendiri",
                "A head follows up their own office only",
            ),
        )
        .await?;
        tracing::info!(%rating, %actor, status = status.code(), "follow-up updated");
        Ok((
            StatusCode::OK,
            serde_json::json!({"rating_id": rating, "status": status, "response": response}),
        ))
    }
    .await;
    answer(&req, &input, "/laporan", result)
}

/// The query of the follow-up list and the audit trail.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TrailQuery {
    /// One office (a head: theirs, whatever is asked).
    pub office_id: Option<String>,
    /// First day (office-local; WIB for entries of no office).
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// `open`, `in_progress` or `done` (follow-up list).
    pub status: Option<String>,
    /// `csv` for CSV (audit trail).
    pub format: Option<String>,
}

fn optional_day(field: &str, v: Option<&str>) -> Result<Option<jiff::civil::Date>, ApiError> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            ApiError::bad_request(Msg::new(
                format!("{field} harus tanggal YYYY-MM-DD, diterima {s:?}"),
                format!("{field} must be a YYYY-MM-DD date, got {s:?}"),
            ))
        }),
    }
}

/// The audit entries a viewer may read, with the chain check.
pub async fn audit_of(state: &AppState, role: &Role, q: &TrailQuery) -> Result<AuditLog, ApiError> {
    let office = match (role, q.office_id.as_deref().filter(|s| !s.is_empty())) {
        (Role::Head { office_id }, asked) => {
            if asked.is_some_and(|a| a != office_id.as_str()) {
                return Err(super::reports::not_your_office());
            }
            Some(office_id.clone())
        }
        (Role::Hr, Some(a)) => Some(OfficeId::parse(a).map_err(|_| super::reports::no_office(a))?),
        (Role::Hr, None) => None,
    };
    let from = optional_day("from", q.from.as_deref())?;
    let to = optional_day("to", q.to.as_deref())?;
    let offices = offices_in_scope(&Role::Hr, None, state).await?;
    let zones: std::collections::HashMap<String, shared::OfficeTz> = offices
        .into_iter()
        .map(|o| (o.id.to_string(), o.tz))
        .collect();
    let db = state.store.database();
    let (entries, chain_ok) = web::block(move || {
        let wib = shared::OfficeTz::parse("Asia/Jakarta").ok();
        let f = Filter {
            office: office.as_ref(),
            from,
            to,
        };
        list(&db, &f, |e| {
            let tz = e
                .office_id
                .as_ref()
                .and_then(|o| zones.get(o))
                .or(wib.as_ref());
            match tz {
                Some(tz) => tz.day_of(e.at),
                None => e.at.to_zoned(jiff::tz::TimeZone::UTC).date(),
            }
        })
    })
    .await
    .map_err(ApiError::unexpected)?
    .map_err(ApiError::unexpected)?;
    Ok(AuditLog { entries, chain_ok })
}

/// `GET /api/v1/audit?office_id=&from=&to=[&format=csv]` (HR; a head for
/// their office): the trail, oldest first.
pub async fn audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<TrailQuery>,
) -> Result<HttpResponse, ApiError> {
    let v = viewer(&req, &state).await?;
    let log = audit_of(&state, &v.role, &q).await?;
    if q.format.as_deref() == Some("csv") {
        let rows = log
            .entries
            .iter()
            .map(|e| {
                vec![
                    e.seq.to_string(),
                    e.at.to_string(),
                    e.actor.clone(),
                    e.action.clone(),
                    e.office_id.clone().unwrap_or_default(),
                    e.rating_id.map(|r| r.to_string()).unwrap_or_default(),
                    e.detail.clone().unwrap_or_default(),
                    e.hash.clone(),
                ]
            })
            .collect();
        let header = [
            "seq",
            "at",
            "actor",
            "action",
            "office_id",
            "rating_id",
            "detail",
            "hash",
        ];
        return super::reports::csv_response(
            header.iter().map(|s| (*s).to_owned()).collect(),
            rows,
            "audit",
        );
    }
    Ok(HttpResponse::Ok().json(log))
}

/// The follow-up items of the offices a viewer may see, oldest first.
pub async fn followups_of(
    state: &AppState,
    role: &Role,
    q: &TrailQuery,
) -> Result<FollowUpList, ApiError> {
    let offices = offices_in_scope(role, q.office_id.as_deref(), state).await?;
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(FollowUpStatus::parse)
        .transpose()
        .map_err(ApiError::bad_request)?;
    let mut items = Vec::new();
    for o in offices {
        let db = state.store.database();
        items.extend(blocking(move || crate::ingest::followups(&db, &o.id)).await?);
    }
    items.retain(|i| status.is_none_or(|s| i.status == s));
    items.sort_by_key(|i| i.opened_at);
    Ok(FollowUpList { items })
}

/// `GET /api/v1/followups?office_id=&status=` (HR; a head for their
/// office): follow-up items, oldest first.
pub async fn followups(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<TrailQuery>,
) -> Result<HttpResponse, ApiError> {
    let v = viewer(&req, &state).await?;
    Ok(HttpResponse::Ok().json(followups_of(&state, &v.role, &q).await?))
}

fn hr_only(role: &Role) -> Result<(), ApiError> {
    match role {
        Role::Hr => Ok(()),
        Role::Head { .. } => Err(ApiError::forbidden(Msg::new(
            "Audit bias dan pola hanya untuk HR pusat",
            "The bias audit and patterns are for central HR only",
        ))),
    }
}

/// HR's bias audit, as the page and the JSON show it.
pub async fn bias_of(
    state: &AppState,
    role: &Role,
    q: &ReportQuery,
    p: Period,
    lang: shared::Lang,
) -> Result<shared::review::BiasReport, ApiError> {
    hr_only(role)?;
    let offices = offices_in_scope(role, q.office_id.as_deref(), state).await?;
    let mut per_office = Vec::with_capacity(offices.len());
    for o in offices {
        let rows = asn_rows_of(state, std::slice::from_ref(&o), p).await?;
        per_office.push((o, rows));
    }
    Ok(bias_report(&per_office, p, scope_name(role, lang), lang))
}

/// The patterns worth a look, for HR, as the page and the JSON show them.
pub async fn patterns_of(
    state: &AppState,
    role: &Role,
    q: &ReportQuery,
    p: Period,
) -> Result<PatternReport, ApiError> {
    hr_only(role)?;
    let mut found = Vec::new();
    for o in offices_in_scope(role, q.office_id.as_deref(), state).await? {
        let people = people_of(state, &o.id).await?;
        let db = state.store.database();
        found.extend(blocking(move || patterns(&db, &o.id, &people, p)).await?);
    }
    Ok(PatternReport {
        from: p.from.to_string(),
        to: p.to.to_string(),
        patterns: found,
    })
}

/// `GET /api/v1/reports/bias?from=&to=[&office_id=]` (HR).
pub async fn bias(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let v = viewer(&req, &state).await?;
    let p = period(&q)?;
    Ok(HttpResponse::Ok().json(bias_of(&state, &v.role, &q, p, httpkit::lang_of(&req)).await?))
}

/// `GET /api/v1/reports/patterns?from=&to=[&office_id=]` (HR).
pub async fn patterns_route(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let v = viewer(&req, &state).await?;
    let p = period(&q)?;
    Ok(HttpResponse::Ok().json(patterns_of(&state, &v.role, &q, p).await?))
}
