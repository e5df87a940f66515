//! The published result of an office: `GET /publik/{office_id}` (a page)
//! and `GET /publik/{office_id}/badge.svg`. No sign-in; office figures only,
//! never anything about an ASN. Both may be cached for five minutes by
//! browsers and proxies, so a popular office website cannot load the
//! collector.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::lang::{page_lang, query_lang};
use httpkit::{ApiError, PageResponse};
use jiff::civil::Date;
use shared::OfficeId;

use super::reports::{ReportQuery, blocking, no_office, period, today_wib};
use crate::pages::{publik, staff};
use crate::reports::{Period, office_row, preset};
use crate::startup::AppState;

/// Seconds a public page or badge may be cached.
const CACHE_S: u32 = 300;

async fn office_of(state: &AppState, id: &str) -> Result<shared::Office, ApiError> {
    let oid = OfficeId::parse(id).map_err(|_| no_office(id))?;
    state
        .store
        .office(oid)
        .await
        .map_err(ApiError::unexpected)?
        .ok_or_else(|| no_office(id))
}

/// The period of a public view: asked for, else this semester.
fn public_period(q: &ReportQuery) -> Result<Period, ApiError> {
    if q.preset.is_none() && q.from.is_none() && q.to.is_none() {
        return preset("semester", today_wib()).ok_or_else(|| ApiError::unexpected("no semester"));
    }
    period(q)
}

/// The twelve months up to the period's last day.
fn months_to(to: Date) -> Vec<Period> {
    (0..12)
        .rev()
        .filter_map(|back| {
            let first = Date::new(to.year(), to.month(), 1)
                .ok()?
                .checked_sub(jiff::Span::new().months(back))
                .ok()?;
            let last = first
                .checked_add(jiff::Span::new().months(1))
                .ok()?
                .yesterday()
                .ok()?;
            Some(Period {
                from: first,
                to: last,
            })
        })
        .collect()
}

/// `GET /publik/{office_id}`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    let lang = page_lang(&req);
    let result = async {
        let office = office_of(&state, &path).await?;
        let p = public_period(&q)?;
        let (db, o) = (state.store.database(), office.clone());
        let row = blocking(move || office_row(&db, &o, p)).await?;
        let mut months = Vec::new();
        for m in months_to(p.to) {
            let (db, o) = (state.store.database(), office.clone());
            let r = blocking(move || office_row(&db, &o, m)).await?;
            months.push((m.from.to_string()[..7].to_owned(), r.figures.ikm));
        }
        Ok::<_, ApiError>((p, row, months))
    }
    .await;
    let mut res = PageResponse::new(StatusCode::OK, lang, query_lang(&req).is_some());
    match result {
        Ok((p, row, months)) => {
            res.public_max_age_s = Some(CACHE_S);
            let body = publik::page(
                lang,
                &publik::Public {
                    row: &row,
                    period: (p.from.to_string(), p.to.to_string()),
                    months: &months,
                },
            );
            res.body(staff::page(lang, &row.name, None, body))
        }
        Err(e) => {
            res.status = e.status;
            let msg = e.msg.get(lang).to_owned();
            res.body(staff::page(
                lang,
                "—",
                None,
                maud::html! { p.error role="alert" { (msg) } },
            ))
        }
    }
}

/// `GET /publik/{office_id}/badge.svg`.
pub async fn badge(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let office = office_of(&state, &path).await?;
    let p = public_period(&q)?;
    let (db, o) = (state.store.database(), office.clone());
    let row = blocking(move || office_row(&db, &o, p)).await?;
    let label = format!("{} – {}", p.from, p.to);
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={CACHE_S}")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(publik::badge(&row, &label)))
}
