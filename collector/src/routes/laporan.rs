//! The report pages for HR and office heads (`/laporan...`). Each one takes
//! its figures from the same report functions as the JSON routes in
//! [`super::reports`] and only lays them out. Without a session they send
//! the browser to `/masuk` and back; a head opening another office's page
//! gets 403.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::lang::{page_lang, query_lang};
use httpkit::{ApiError, PageResponse};
use shared::Lang;
use shared::fair::FairParams;

use super::reports::{
    ReportQuery, asn_rows_of, blocking, nip_of, no_asn, offices_in_scope, one_office, people_of,
    period, scope_name,
};
use crate::auth::{Viewer, viewer};
use crate::pages::laporan::{self, OfficeView, Overview, PeriodView, sort_offices};
use crate::pages::staff::{self, Who};
use crate::reports::{Period, asn_evidence, office_detail, scope_detail, skm_report};
use crate::startup::AppState;
use crate::store::Role;

/// The default period of the pages: this semester.
fn page_period(q: &ReportQuery) -> Result<Period, ApiError> {
    let mut q = q.clone();
    if q.preset.is_none() && q.from.is_none() && q.to.is_none() {
        q.preset = Some("semester".into());
    }
    period(&q)
}

fn view(p: Period, path: &str) -> PeriodView {
    PeriodView {
        from: p.from.to_string(),
        to: p.to.to_string(),
        path: path.to_owned(),
    }
}

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

    fn page(
        &self,
        status: StatusCode,
        title: &str,
        who: Option<Who<'_>>,
        body: maud::Markup,
    ) -> HttpResponse {
        PageResponse::new(status, self.lang, self.remember)
            .body(staff::page(self.lang, title, who, body))
    }

    fn error(&self, e: ApiError, who: Option<Who<'_>>) -> HttpResponse {
        let msg = e.msg.get(self.lang).to_owned();
        self.page(
            e.status,
            self.lang.pick("Tidak dapat ditampilkan", "Cannot be shown"),
            who,
            laporan::refusal(&msg),
        )
    }
}

/// The viewer, or the way to the sign-in page (and back here after).
async fn signed_in(req: &HttpRequest, state: &AppState) -> Result<Viewer, HttpResponse> {
    match viewer(req, state).await {
        Ok(v) => Ok(v),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            let here = match req.query_string() {
                "" => req.path().to_owned(),
                q => format!("{}?{q}", req.path()),
            };
            let next: String = here
                .bytes()
                .map(|b| match b {
                    b'&' => "%26".to_owned(),
                    b'?' => "%3F".to_owned(),
                    b'=' => "%3D".to_owned(),
                    b'#' => "%23".to_owned(),
                    b'%' => "%25".to_owned(),
                    b'+' => "%2B".to_owned(),
                    b' ' => "%20".to_owned(),
                    _ => (b as char).to_string(),
                })
                .collect();
            Err(HttpResponse::SeeOther()
                .insert_header((LOCATION, format!("/masuk?next={next}")))
                .finish())
        }
        Err(e) => Err(Reply::of(req).error(e, None)),
    }
}

/// The bar's account of the viewer, showing `scope`.
fn who<'a>(v: &'a Viewer, scope: &'a str) -> Who<'a> {
    Who {
        username: v.username.as_deref(),
        scope,
        hr: matches!(v.role, Role::Hr),
    }
}

fn scope_label(role: &Role, lang: Lang, offices: &[shared::Office]) -> String {
    match (role, offices.first()) {
        (Role::Head { .. }, Some(o)) => format!("{} {}", lang.pick("Kepala", "Head,"), o.name),
        _ => scope_name(role, lang).to_owned(),
    }
}

/// `GET /laporan`: every office of the viewer's scope for a period.
pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    let reply = Reply::of(&req);
    let lang = reply.lang;
    let v = match signed_in(&req, &state).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let result = async {
        let p = page_period(&q)?;
        let offices = offices_in_scope(&v.role, q.office_id.as_deref(), &state).await?;
        let mut rows = super::reports::office_rows(&state, &offices, p).await?;
        let sort = q.sort.as_deref().unwrap_or("name");
        let desc = q.dir.as_deref() == Some("desc");
        sort_offices(&mut rows, sort, desc);
        let db = state.store.database();
        let name = scope_name(&v.role, lang);
        let scope = offices.clone();
        let all = blocking(move || scope_detail(&db, &scope, name, p)).await?;
        Ok::<_, ApiError>((p, offices, rows, sort.to_owned(), desc, all))
    }
    .await;
    match result {
        Ok((p, offices, rows, sort, desc, all)) => {
            let label = scope_label(&v.role, lang, &offices);
            let who = who(&v, &label);
            let body = laporan::overview(
                lang,
                &Overview {
                    period: view(p, "/laporan"),
                    rows: &rows,
                    sort: (&sort, desc),
                    all: &all,
                },
            );
            reply.page(
                StatusCode::OK,
                lang.pick("Laporan", "Reports"),
                Some(who),
                body,
            )
        }
        Err(e) => reply.error(e, None),
    }
}

/// `GET /laporan/{office_id}`: an office's figures and its ASN.
pub async fn office(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    let reply = Reply::of(&req);
    let lang = reply.lang;
    let v = match signed_in(&req, &state).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let result = async {
        let p = page_period(&q)?;
        let office = one_office(&v.role, &path, &state).await?;
        let (db, o) = (state.store.database(), office.clone());
        let detail = blocking(move || office_detail(&db, &o, p)).await?;
        let asn = asn_rows_of(&state, std::slice::from_ref(&office), p).await?;
        Ok::<_, ApiError>((p, office, detail, asn))
    }
    .await;
    let label_of = |o: &shared::Office| scope_label(&v.role, lang, std::slice::from_ref(o));
    match result {
        Ok((p, office, detail, asn)) => {
            let label = label_of(&office);
            let services: Vec<(String, String)> = office
                .services
                .iter()
                .map(|s| (s.code.to_string(), s.name.clone()))
                .collect();
            let body = laporan::office(
                lang,
                &OfficeView {
                    period: view(p, &format!("/laporan/{}", office.id)),
                    detail: &detail,
                    asn: &asn,
                    service_names: &services,
                    min_count: FairParams::default().min_count,
                },
            );
            let who = who(&v, &label);
            reply.page(StatusCode::OK, &office.name, Some(who), body)
        }
        Err(e) => reply.error(e, Some(who(&v, scope_name(&v.role, lang)))),
    }
}

/// `GET /laporan/{office_id}/langsung`: the office's floor today, near-live
/// (`?fragment=1`: only `div#live`, for the page's script).
pub async fn live(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let reply = Reply::of(&req);
    let lang = reply.lang;
    let v = match signed_in(&req, &state).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    match super::reports::live_of(&state, &v.role, &path).await {
        Ok((office, live)) => {
            let body = laporan::live(lang, &office, &live);
            if httpkit::lang::query_param(&req, "fragment").as_deref() == Some("1") {
                return PageResponse::new(StatusCode::OK, lang, false).body(body);
            }
            let label = scope_label(&v.role, lang, std::slice::from_ref(&office));
            let who = who(&v, &label);
            PageResponse::new(StatusCode::OK, lang, reply.remember).body(staff::page_with(
                lang,
                &format!(
                    "{} — {}",
                    lang.pick("Pantauan langsung", "Live view"),
                    office.name
                ),
                Some(who),
                true,
                body,
            ))
        }
        Err(e) => reply.error(e, Some(who(&v, scope_name(&v.role, lang)))),
    }
}

/// `GET /laporan/{office_id}/asn/{asn_ref}`: an ASN's evidence page.
pub async fn evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    let reply = Reply::of(&req);
    let lang = reply.lang;
    let v = match signed_in(&req, &state).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let (office_id, asn_ref) = path.into_inner();
    let result = async {
        let p = page_period(&q)?;
        let office = one_office(&v.role, &office_id, &state).await?;
        let nip = nip_of(&state, &asn_ref).await?;
        let people = people_of(&state, &office.id).await?;
        let (db, o) = (state.store.database(), office.clone());
        let found =
            blocking(move || asn_evidence(&db, &o, &nip, &people, p, FairParams::default()))
                .await?;
        Ok::<_, ApiError>((p, office, found.ok_or_else(no_asn)?))
    }
    .await;
    let who = who(&v, scope_name(&v.role, lang));
    let here = match req.query_string() {
        "" => req.path().to_owned(),
        qs => format!("{}?{qs}", req.path()),
    };
    match result {
        Ok((p, office, e)) => {
            let body = laporan::evidence(
                lang,
                &office.name,
                &view(p, &format!("/laporan/{}/asn/{}", office.id, asn_ref)),
                &e,
                FairParams::default().min_count,
                httpkit::lang::query_param(&req, "komentar").as_deref() == Some("semua"),
                &laporan::Actions {
                    reply: false,
                    review: true,
                    back: &here,
                    tz: Some(&office.tz),
                },
            );
            let title = format!("{} — {}", e.row.name, office.name);
            reply.page(StatusCode::OK, &title, Some(who), body)
        }
        Err(e) => reply.error(e, Some(who)),
    }
}

/// `GET /laporan/{office_id}/skm`: the official SKM report, printable.
pub async fn skm(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    let reply = Reply::of(&req);
    let lang = reply.lang;
    let v = match signed_in(&req, &state).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let result = async {
        let p = page_period(&q)?;
        let office = one_office(&v.role, &path, &state).await?;
        let (db, o) = (state.store.database(), office.clone());
        let report = blocking(move || skm_report(&db, &o, p)).await?;
        Ok::<_, ApiError>((p, office, report))
    }
    .await;
    let who = who(&v, scope_name(&v.role, lang));
    match result {
        Ok((p, office, report)) => {
            let body = laporan::skm(
                lang,
                &report,
                &view(p, &format!("/laporan/{}/skm", office.id)),
            );
            reply.page(
                StatusCode::OK,
                &format!("SKM — {}", office.name),
                Some(who),
                body,
            )
        }
        Err(e) => reply.error(e, Some(who)),
    }
}

/// `GET /laporan/{office_id}/tindak-lanjut`: the office's follow-up items,
/// oldest first, with the forms to move them on.
pub async fn followups(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let reply = Reply::of(&req);
    let lang = reply.lang;
    let v = match signed_in(&req, &state).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let result = async {
        let office = one_office(&v.role, &path, &state).await?;
        let q = super::review::TrailQuery {
            office_id: Some(office.id.to_string()),
            ..Default::default()
        };
        let list = super::review::followups_of(&state, &v.role, &q).await?;
        Ok::<_, ApiError>((office, list))
    }
    .await;
    let who = who(&v, scope_name(&v.role, lang));
    match result {
        Ok((office, list)) => {
            let back = format!("/laporan/{}/tindak-lanjut", office.id);
            let body = crate::pages::review::followups(
                lang,
                &office.name,
                &list.items,
                &back,
                Some(&office.tz),
            );
            reply.page(
                StatusCode::OK,
                &format!(
                    "{} — {}",
                    lang.pick("Tindak lanjut", "Follow-up"),
                    office.name
                ),
                Some(who),
                body,
            )
        }
        Err(e) => reply.error(e, Some(who)),
    }
}

/// `GET /laporan/jejak?office_id=&from=&to=`: the audit trail (a head sees
/// their office's entries).
pub async fn audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<super::review::TrailQuery>,
) -> HttpResponse {
    let reply = Reply::of(&req);
    let lang = reply.lang;
    let v = match signed_in(&req, &state).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let who = who(&v, scope_name(&v.role, lang));
    match super::review::audit_of(&state, &v.role, &q).await {
        Ok(log) => {
            let query = req.query_string();
            let csv = if query.is_empty() {
                "/api/v1/audit?format=csv".to_owned()
            } else {
                format!("/api/v1/audit?{query}&format=csv")
            };
            let period = PeriodView {
                from: q.from.clone().unwrap_or_default(),
                to: q.to.clone().unwrap_or_default(),
                path: "/laporan/jejak".to_owned(),
            };
            let body = crate::pages::review::audit(lang, &log.entries, log.chain_ok, &period, &csv);
            reply.page(
                StatusCode::OK,
                lang.pick("Jejak audit", "Audit trail"),
                Some(who),
                body,
            )
        }
        Err(e) => reply.error(e, Some(who)),
    }
}

/// `GET /laporan/bias?from=&to=`: HR's bias audit and patterns worth a look.
pub async fn bias(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    let reply = Reply::of(&req);
    let lang = reply.lang;
    let v = match signed_in(&req, &state).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let who = who(&v, scope_name(&v.role, lang));
    let result = async {
        let p = page_period(&q)?;
        let b = super::review::bias_of(&state, &v.role, &q, p, lang).await?;
        let found = super::review::patterns_of(&state, &v.role, &q, p).await?;
        Ok::<_, ApiError>((p, b, found))
    }
    .await;
    match result {
        Ok((p, b, found)) => {
            let body = crate::pages::review::bias(
                lang,
                &b,
                &found,
                &view(p, "/laporan/bias"),
                |office, asn| format!("/laporan/{office}/asn/{asn}?from={}&to={}", p.from, p.to),
            );
            reply.page(
                StatusCode::OK,
                lang.pick("Audit bias", "Bias audit"),
                Some(who),
                body,
            )
        }
        Err(e) => reply.error(e, Some(who)),
    }
}
