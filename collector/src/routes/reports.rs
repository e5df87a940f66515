//! Reports for HR (all offices) and office heads (their own office only):
//! `GET /api/v1/reports/offices` and `GET /api/v1/reports/asn`, as JSON, or
//! CSV with `Accept: text/csv` or `&format=csv`. Read from rollups only.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::ApiError;
use jiff::civil::Date;
use serde::Deserialize;
use shared::fair::FairParams;
use shared::wire::{AsnReport, AsnReportRow, OfficeReport, OfficeReportRow, PeriodFigures};
use shared::{Msg, OfficeId};

use crate::auth::viewer_role;
use crate::reports::{Period, asn_rows, office_row};
use crate::startup::AppState;
use crate::store::{Role, StoreError};

/// Longest period a report covers.
const MAX_DAYS: i32 = 2 * 366;

/// The query of both reports.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    office_id: Option<String>,
    format: Option<String>,
}

fn store_err(e: StoreError) -> ApiError {
    ApiError::unexpected(e)
}

fn day(field: &str, v: Option<&str>) -> Result<Date, ApiError> {
    let v = v.ok_or_else(|| {
        ApiError::bad_request(Msg::new(
            format!("Parameter {field}=YYYY-MM-DD wajib diisi"),
            format!("The {field}=YYYY-MM-DD parameter is required"),
        ))
    })?;
    v.parse::<Date>().map_err(|_| {
        ApiError::bad_request(Msg::new(
            format!("{field} harus tanggal YYYY-MM-DD, diterima {v:?}"),
            format!("{field} must be a YYYY-MM-DD date, got {v:?}"),
        ))
    })
}

fn period(q: &ReportQuery) -> Result<Period, ApiError> {
    let (from, to) = (day("from", q.from.as_deref())?, day("to", q.to.as_deref())?);
    if to < from || (to - from).get_days() >= MAX_DAYS {
        return Err(ApiError::invalid(Msg::new(
            format!("Periode harus from <= to dan paling lama {MAX_DAYS} hari"),
            format!("The period needs from <= to and at most {MAX_DAYS} days"),
        )));
    }
    Ok(Period { from, to })
}

/// The offices the caller may see and asked for.
async fn offices_in_scope(
    role: &Role,
    asked: Option<&str>,
    state: &AppState,
) -> Result<Vec<OfficeId>, ApiError> {
    let asked = asked
        .map(|o| {
            OfficeId::parse(o).map_err(|_| {
                ApiError::bad_request(Msg::new(
                    format!("office_id {o:?} tidak sah"),
                    format!("office_id {o:?} is not valid"),
                ))
            })
        })
        .transpose()?;
    match (role, asked) {
        (Role::Head { office_id }, Some(a)) if &a != office_id => {
            Err(ApiError::forbidden(Msg::new(
                "Token kepala unit hanya melihat kantornya sendiri",
                "An office-head token sees its own office only",
            )))
        }
        (Role::Head { office_id }, _) => Ok(vec![office_id.clone()]),
        (Role::Hr, Some(a)) => Ok(vec![a]),
        (Role::Hr, None) => Ok(state
            .store
            .office_ids()
            .await
            .map_err(store_err)?
            .into_iter()
            .collect()),
    }
}

fn wants_csv(req: &HttpRequest, q: &ReportQuery) -> bool {
    q.format.as_deref() == Some("csv")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn figure_cells(f: &PeriodFigures) -> Vec<String> {
    vec![
        f.services.to_string(),
        f.ratings.to_string(),
        opt(f.ikm),
        f.ikm_responses.to_string(),
        opt(f.wait_p50_s),
        opt(f.wait_p90_s),
        opt(f.service_p50_s),
        opt(f.timeliness),
    ]
}

const FIGURE_COLUMNS: [&str; 8] = [
    "services",
    "ratings",
    "ikm",
    "ikm_responses",
    "wait_p50_s",
    "wait_p90_s",
    "service_p50_s",
    "timeliness",
];

fn csv_response(
    header_row: Vec<String>,
    rows: Vec<Vec<String>>,
    name: &str,
) -> Result<HttpResponse, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header_row).map_err(ApiError::unexpected)?;
    for r in rows {
        w.write_record(&r).map_err(ApiError::unexpected)?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec(); // BOM: Excel reads UTF-8 correctly.
    body.extend(w.into_inner().map_err(ApiError::unexpected)?);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .body(body))
}

/// Who may see what, for which period: the start of both reports.
async fn scope(
    req: &HttpRequest,
    state: &AppState,
    q: &ReportQuery,
) -> Result<(Period, Vec<OfficeId>), ApiError> {
    let role = viewer_role(req, state).await?;
    let p = period(q)?;
    let ids = offices_in_scope(&role, q.office_id.as_deref(), state).await?;
    Ok((p, ids))
}

fn no_office(id: &OfficeId) -> ApiError {
    ApiError::not_found(Msg::new(
        format!("Kantor {id} tidak ada"),
        format!("No office {id}"),
    ))
}

/// Runs a report computation off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::ingest::IngestError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(ApiError::unexpected)?
        .map_err(ApiError::unexpected)
}

/// `GET /api/v1/reports/offices`.
pub async fn offices(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (p, ids) = scope(&req, &state, &q).await?;
    let mut rows: Vec<OfficeReportRow> = Vec::with_capacity(ids.len());
    for id in ids {
        let office = state
            .store
            .office(id.clone())
            .await
            .map_err(store_err)?
            .ok_or_else(|| no_office(&id))?;
        let db = state.store.database();
        rows.push(blocking(move || office_row(&db, &office, p)).await?);
    }
    if !wants_csv(&req, &q) {
        return Ok(HttpResponse::Ok().json(OfficeReport {
            from: p.from.to_string(),
            to: p.to.to_string(),
            rows,
        }));
    }
    let mut head: Vec<String> = vec!["office_id".into(), "name".into()];
    head.extend(FIGURE_COLUMNS.iter().map(|c| c.to_string()));
    head.extend(["ikm_sample_min", "grade"].map(String::from));
    head.extend(FIGURE_COLUMNS.iter().map(|c| format!("previous_{c}")));
    let body = rows
        .iter()
        .map(|r| {
            let mut cells = vec![r.office_id.clone(), r.name.clone()];
            cells.extend(figure_cells(&r.figures));
            cells.push(r.ikm_sample_min.to_string());
            cells.push(r.grade.clone().unwrap_or_default());
            cells.extend(figure_cells(&r.previous));
            cells
        })
        .collect();
    csv_response(head, body, "laporan-kantor")
}

fn band_word(b: Option<shared::fair::Band>) -> String {
    b.and_then(|b| serde_json::to_value(b).ok())
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// `GET /api/v1/reports/asn`.
pub async fn asn(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (p, ids) = scope(&req, &state, &q).await?;
    let mut rows: Vec<AsnReportRow> = Vec::new();
    for id in ids {
        let (_, roster) = state
            .store
            .office_with_roster(id.clone())
            .await
            .map_err(store_err)?
            .ok_or_else(|| no_office(&id))?;
        let names: HashMap<String, String> = roster
            .into_iter()
            .map(|r| (r.nip.to_string(), r.name))
            .collect();
        let db = state.store.database();
        rows.extend(blocking(move || asn_rows(&db, &id, &names, p, FairParams::default())).await?);
    }
    if !wants_csv(&req, &q) {
        return Ok(HttpResponse::Ok().json(AsnReport {
            from: p.from.to_string(),
            to: p.to.to_string(),
            rows,
        }));
    }
    let mut head: Vec<String> = vec!["nip".into(), "name".into(), "office_id".into()];
    head.extend(FIGURE_COLUMNS.iter().map(|c| c.to_string()));
    head.extend(
        [
            "ratings_by_session",
            "response_rate",
            "score_mean",
            "expected",
            "score_adjusted",
            "ci_low",
            "ci_high",
            "band",
        ]
        .map(String::from),
    );
    head.extend(FIGURE_COLUMNS.iter().map(|c| format!("previous_{c}")));
    let body = rows
        .iter()
        .map(|r| {
            let mut cells = vec![r.nip.clone(), r.name.clone(), r.office_id.clone()];
            cells.extend(figure_cells(&r.figures));
            cells.extend([
                r.ratings_by_session.to_string(),
                opt(r.response_rate),
                opt(r.score_mean),
                opt(r.expected),
                opt(r.score_adjusted),
                opt(r.ci_low),
                opt(r.ci_high),
                band_word(r.band),
            ]);
            cells.extend(figure_cells(&r.previous));
            cells
        })
        .collect();
    csv_response(head, body, "laporan-asn")
}
