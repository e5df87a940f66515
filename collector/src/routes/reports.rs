//! Reports for HR (all offices) and office heads (their own office only), by
//! a page session or a script's bearer token:
//! `GET /api/v1/reports/offices` and `.../asn` (JSON, or CSV with
//! `Accept: text/csv` or `&format=csv`), an office's detail
//! (`.../offices/{office_id}`), the scope taken together (`.../summary`), an
//! ASN's evidence (`.../asn/{asn_ref}`), and the official SKM report as JSON
//! (`.../skm`) and as a spreadsheet (`.../skm.xlsx`). Read from rollups only;
//! the pages call the same functions.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::ApiError;
use jiff::civil::Date;
use serde::Deserialize;
use shared::fair::FairParams;
use shared::wire::{AsnReport, AsnReportRow, OfficeReport, OfficeReportRow, PeriodFigures};
use shared::{Msg, Nip, Office, OfficeId};

use crate::auth::{Viewer, viewer};
use crate::reports::{
    People, Period, asn_evidence, asn_rows, office_detail, office_row, preset, scope_detail,
    skm_report,
};
use crate::startup::AppState;
use crate::store::{Role, StoreError};

/// Longest period a report covers.
const MAX_DAYS: i32 = 2 * 366;

/// The query of every report.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportQuery {
    /// First day, office-local.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// Instead of the dates: `bulan`, `triwulan`, `semester` or `tahun`
    /// (this month, quarter, semester, year).
    pub preset: Option<String>,
    /// One office only.
    pub office_id: Option<String>,
    /// `csv` for CSV.
    pub format: Option<String>,
    /// Page tables: the column to sort by.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
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

/// Today in WIB, the reference for presets across offices.
pub fn today_wib() -> Date {
    shared::OfficeTz::parse("Asia/Jakarta")
        .map(|tz| tz.day_of(jiff::Timestamp::now()))
        .unwrap_or_else(|_| {
            jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date()
        })
}

/// The period asked for: a preset, or both dates.
pub fn period(q: &ReportQuery) -> Result<Period, ApiError> {
    if let Some(name) = q.preset.as_deref().filter(|p| !p.is_empty()) {
        return preset(name, today_wib()).ok_or_else(|| {
            ApiError::bad_request(Msg::new(
                "preset harus bulan, triwulan, semester atau tahun",
                "preset must be bulan, triwulan, semester or tahun",
            ))
        });
    }
    let (from, to) = (day("from", q.from.as_deref())?, day("to", q.to.as_deref())?);
    if to < from || (to - from).get_days() >= MAX_DAYS {
        return Err(ApiError::invalid(Msg::new(
            format!("Periode harus from <= to dan paling lama {MAX_DAYS} hari"),
            format!("The period needs from <= to and at most {MAX_DAYS} days"),
        )));
    }
    Ok(Period { from, to })
}

fn bad_office(o: &str) -> ApiError {
    ApiError::bad_request(Msg::new(
        format!("office_id {o:?} tidak sah"),
        format!("office_id {o:?} is not valid"),
    ))
}

/// 403 for a head asking for another office.
pub fn not_your_office() -> ApiError {
    ApiError::forbidden(Msg::new(
        "Kepala unit hanya melihat kantornya sendiri",
        "An office head sees their own office only",
    ))
}

/// 404 for an office that does not exist.
pub fn no_office(id: &str) -> ApiError {
    ApiError::not_found(Msg::new(
        format!("Kantor {id} tidak ada"),
        format!("No office {id}"),
    ))
}

/// Whether the viewer may see `office`.
pub fn may_see(role: &Role, office: &OfficeId) -> bool {
    match role {
        Role::Hr => true,
        Role::Head { office_id } => office_id == office,
    }
}

/// The offices the viewer may see and asked for, with their definitions.
pub async fn offices_in_scope(
    role: &Role,
    asked: Option<&str>,
    state: &AppState,
) -> Result<Vec<Office>, ApiError> {
    let asked = asked
        .filter(|o| !o.is_empty())
        .map(|o| OfficeId::parse(o).map_err(|_| bad_office(o)))
        .transpose()?;
    let ids: Vec<OfficeId> = match (role, asked) {
        (Role::Head { office_id }, Some(a)) if &a != office_id => return Err(not_your_office()),
        (Role::Head { office_id }, _) => vec![office_id.clone()],
        (Role::Hr, Some(a)) => vec![a],
        (Role::Hr, None) => state
            .store
            .office_ids()
            .await
            .map_err(store_err)?
            .into_iter()
            .collect(),
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let office = state
            .store
            .office(id.clone())
            .await
            .map_err(store_err)?
            .ok_or_else(|| no_office(id.as_str()))?;
        out.push(office);
    }
    Ok(out)
}

/// One office the viewer may see: 403 for another office of a head, 404 for
/// an office that does not exist.
pub async fn one_office(role: &Role, id: &str, state: &AppState) -> Result<Office, ApiError> {
    let oid = OfficeId::parse(id).map_err(|_| no_office(id))?;
    if !may_see(role, &oid) {
        return Err(not_your_office());
    }
    state
        .store
        .office(oid)
        .await
        .map_err(store_err)?
        .ok_or_else(|| no_office(id))
}

/// Names and the reference key for an office's ASN.
pub async fn people_of(state: &AppState, office: &OfficeId) -> Result<People, ApiError> {
    let roster = state
        .store
        .office_with_roster(office.clone())
        .await
        .map_err(store_err)?
        .map(|(_, r)| r)
        .unwrap_or_default();
    Ok(People {
        names: roster
            .into_iter()
            .map(|r| (r.nip.to_string(), r.name))
            .collect(),
        ref_key: state.asn_ref_key.clone(),
    })
}

/// Runs a report computation off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::ingest::IngestError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(ApiError::unexpected)?
        .map_err(ApiError::unexpected)
}

/// Every office's row of the scope.
pub async fn office_rows(
    state: &AppState,
    offices: &[Office],
    p: Period,
) -> Result<Vec<OfficeReportRow>, ApiError> {
    let mut rows = Vec::with_capacity(offices.len());
    for office in offices {
        let (db, office) = (state.store.database(), office.clone());
        rows.push(blocking(move || office_row(&db, &office, p)).await?);
    }
    Ok(rows)
}

/// Every ASN row of the scope's offices.
pub async fn asn_rows_of(
    state: &AppState,
    offices: &[Office],
    p: Period,
) -> Result<Vec<AsnReportRow>, ApiError> {
    let mut rows = Vec::new();
    for office in offices {
        let people = people_of(state, &office.id).await?;
        let (db, id) = (state.store.database(), office.id.clone());
        rows.extend(blocking(move || asn_rows(&db, &id, &people, p, FairParams::default())).await?);
    }
    Ok(rows)
}

/// Who may see what, for which period: the start of every report.
async fn scope(
    req: &HttpRequest,
    state: &AppState,
    q: &ReportQuery,
) -> Result<(Viewer, Period, Vec<Office>), ApiError> {
    let v = viewer(req, state).await?;
    let p = period(q)?;
    let offices = offices_in_scope(&v.role, q.office_id.as_deref(), state).await?;
    Ok((v, p, offices))
}

fn wants_csv(req: &HttpRequest, q: &ReportQuery) -> bool {
    q.format.as_deref() == Some("csv")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))
}

/// A number for a CSV cell with at most `decimals` decimals (no 16-digit
/// floats), empty when absent.
fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| {
        let s = format!("{x:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    })
    .unwrap_or_default()
}

fn int<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn figure_cells(f: &PeriodFigures) -> Vec<String> {
    vec![
        f.services.to_string(),
        f.ratings.to_string(),
        f.flagged.to_string(),
        num(f.ikm, 2),
        f.ikm_responses.to_string(),
        int(f.wait_p50_s),
        int(f.wait_p90_s),
        int(f.service_p50_s),
        num(f.timeliness, 3),
    ]
}

const FIGURE_COLUMNS: [&str; 9] = [
    "services",
    "ratings",
    "flagged",
    "ikm",
    "ikm_responses",
    "wait_p50_s",
    "wait_p90_s",
    "service_p50_s",
    "timeliness",
];

pub(crate) fn csv_response(
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
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// `GET /api/v1/reports/offices`.
pub async fn offices(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (_, p, offices) = scope(&req, &state, &q).await?;
    let rows = office_rows(&state, &offices, p).await?;
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
    let (_, p, offices) = scope(&req, &state, &q).await?;
    let rows = asn_rows_of(&state, &offices, p).await?;
    if !wants_csv(&req, &q) {
        return Ok(HttpResponse::Ok().json(AsnReport {
            from: p.from.to_string(),
            to: p.to.to_string(),
            rows,
        }));
    }
    let mut head: Vec<String> = vec![
        "asn_ref".into(),
        "nip".into(),
        "name".into(),
        "office_id".into(),
    ];
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
            let mut cells = vec![
                r.asn_ref.clone(),
                r.nip.clone(),
                r.name.clone(),
                r.office_id.clone(),
            ];
            cells.extend(figure_cells(&r.figures));
            cells.extend([
                r.ratings_by_session.to_string(),
                num(r.response_rate, 3),
                num(r.score_mean, 3),
                num(r.expected, 3),
                num(r.score_adjusted, 3),
                num(r.ci_low, 3),
                num(r.ci_high, 3),
                band_word(r.band),
            ]);
            cells.extend(figure_cells(&r.previous));
            cells
        })
        .collect();
    csv_response(head, body, "laporan-asn")
}

/// `GET /api/v1/reports/offices/{office_id}`: the office's row and the
/// figures behind its charts.
pub async fn office(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let v = viewer(&req, &state).await?;
    let p = period(&q)?;
    let office = one_office(&v.role, &path, &state).await?;
    let db = state.store.database();
    let detail = blocking(move || office_detail(&db, &office, p)).await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// An office's floor now, from forwarded events (the viewer's office, or any
/// for HR).
pub async fn live_of(
    state: &AppState,
    role: &Role,
    office_id: &str,
) -> Result<(Office, shared::wire::LiveOffice), ApiError> {
    let office = one_office(role, office_id, state).await?;
    let names = people_of(state, &office.id).await?.names;
    let (db, o) = (state.store.database(), office.clone());
    let now = jiff::Timestamp::now();
    let live = blocking(move || crate::floor::live(&db, &o, &names, now)).await?;
    Ok((office, live))
}

/// `GET /api/v1/reports/offices/{office_id}/live`: the office's floor now
/// (queue, counters, today's figures, tickets past their standard), as
/// fresh as its kiosks' last batch (`last_event_at`).
pub async fn live(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let v = viewer(&req, &state).await?;
    let (_, live) = live_of(&state, &v.role, &path).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(live))
}

/// The label of a scope taken together.
pub fn scope_name(role: &Role, lang: shared::Lang) -> &'static str {
    match role {
        Role::Hr => lang.pick("Semua kantor", "All offices"),
        Role::Head { .. } => lang.pick("Kantor Anda", "Your office"),
    }
}

/// `GET /api/v1/reports/summary`: the viewer's offices taken together.
pub async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (v, p, offices) = scope(&req, &state, &q).await?;
    let db = state.store.database();
    let name = scope_name(&v.role, shared::Lang::Id);
    let detail = blocking(move || scope_detail(&db, &offices, name, p)).await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// The office a single-office report names (`office_id` is required).
async fn asked_office(
    req: &HttpRequest,
    state: &AppState,
    q: &ReportQuery,
) -> Result<(Period, Office), ApiError> {
    let v = viewer(req, state).await?;
    let p = period(q)?;
    let id = q
        .office_id
        .as_deref()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(Msg::new(
                "Parameter office_id wajib diisi",
                "The office_id parameter is required",
            ))
        })?;
    Ok((p, one_office(&v.role, id, state).await?))
}

/// `GET /api/v1/reports/skm?office_id=&from=&to=`: the official SKM report.
pub async fn skm(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (p, office) = asked_office(&req, &state, &q).await?;
    let db = state.store.database();
    let report = blocking(move || skm_report(&db, &office, p)).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// `GET /api/v1/reports/skm.xlsx?office_id=&from=&to=`: the same as a
/// spreadsheet to file.
pub async fn skm_xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (p, office) = asked_office(&req, &state, &q).await?;
    let db = state.store.database();
    let report = blocking(move || skm_report(&db, &office, p)).await?;
    let bytes = crate::xlsx::skm_workbook(&report).map_err(ApiError::unexpected)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"skm-{}-{}-{}.xlsx\"",
                report.office_id, report.from, report.to
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

/// 404 for an ASN reference that names nobody (or nobody at that office).
pub fn no_asn() -> ApiError {
    ApiError::not_found(Msg::new(
        "ASN ini tidak ada dalam laporan kantor ini untuk periode itu",
        "This ASN is not in this office's report for that period",
    ))
}

/// The NIP behind an opaque reference.
pub async fn nip_of(state: &AppState, asn_ref: &str) -> Result<Nip, ApiError> {
    if asn_ref.len() != 20 || !asn_ref.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(no_asn());
    }
    state
        .store
        .nip_of_ref(asn_ref.to_owned())
        .await
        .map_err(store_err)?
        .ok_or_else(no_asn)
}

/// `GET /api/v1/reports/asn/{asn_ref}?office_id=&from=&to=`: the evidence
/// behind one ASN's figures at an office.
pub async fn evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (p, office) = asked_office(&req, &state, &q).await?;
    let nip = nip_of(&state, &path).await?;
    let people = people_of(&state, &office.id).await?;
    let db = state.store.database();
    let found =
        blocking(move || asn_evidence(&db, &office, &nip, &people, p, FairParams::default()))
            .await?;
    Ok(HttpResponse::Ok().json(found.ok_or_else(no_asn)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_numbers_have_a_few_decimals_at_most() {
        assert_eq!(num(Some(0.123_456_789_012_345_67), 3), "0.123");
        assert_eq!(num(Some(88.3), 2), "88.3");
        assert_eq!(num(Some(100.0), 2), "100");
        assert_eq!(num(Some(3.456_5), 2), "3.46");
        assert_eq!(num(None, 2), "");
    }
}
