//! The ASN's own pages: sign-in with NIP and roster PIN (`/asn/masuk`), their
//! evidence page (`/asn`, the same page and figures HR sees, with a form to
//! answer each rating), sign-out (`/asn/keluar`).
//!
//! A sign-in is checked like the staff's: this site's form (403), sign-ins
//! left from this address (429), a place in the password gate (429), then
//! argon2 against the roster's PIN hash (a decoy hash for an unknown NIP, so
//! timing says nothing of who is on the roster); five wrong PINs in a row lock
//! the NIP for five minutes (and say so in the audit trail). Only an active
//! roster row may sign in. The session is its own cookie (`sesi_asn`), which
//! no report route accepts: an ASN reaches their own page and their replies,
//! nothing else.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::cookie::{private_cookie, removal};
use httpkit::lang::{page_lang, query_lang, query_param};
use httpkit::{ApiError, PageResponse};
use jiff::Timestamp;
use shared::fair::FairParams;
use shared::secret::asn_ref;
use shared::{Msg, Nip};
use std::sync::OnceLock;

use super::people::{field, locked, retry_after, server_failed, signin_form};
use super::reports::{ReportQuery, blocking, people_of};
use crate::auth::{ASN_SESSION_COOKIE, SESSION_HOURS, asn_session, hash_token, new_secret};
use crate::pages::laporan::{self, Actions, PeriodView};
use crate::pages::review::{asn_page, asn_signin};
use crate::people::verify_password;
use crate::reports::asn_evidence;
use crate::startup::AppState;
use crate::store::{AsnSession, PinCheck};

fn page(req: &HttpRequest, status: StatusCode, markup: maud::Markup) -> HttpResponse {
    PageResponse::new(status, page_lang(req), query_lang(req).is_some()).body(markup)
}

/// A PIN hash to check against for a NIP not on the roster (same cost as a
/// real one).
fn decoy_pin_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        shared::secret::Pin::parse("000000")
            .ok()
            .and_then(|p| crate::roster::hash_pin(&p).ok())
            .unwrap_or_default()
    })
}

/// `GET /asn/masuk`: the form (or straight on, when signed in).
pub async fn signin_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if matches!(asn_session(&req, &state).await, Ok(Some(_))) {
        return HttpResponse::SeeOther()
            .insert_header((LOCATION, "/asn"))
            .finish();
    }
    page(&req, StatusCode::OK, asn_signin(page_lang(&req), "", None))
}

/// `POST /asn/masuk`: checks NIP and PIN; a session and on to `/asn`, or
/// the form again saying why not.
pub async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> HttpResponse {
    let lang = page_lang(&req);
    let again = |status: StatusCode, nip: &str, e: &Msg| {
        page(&req, status, asn_signin(lang, nip, Some(e.get(lang))))
    };
    let fields = match signin_form(&req, &state, payload).await {
        Ok(f) => f,
        Err(r) => return retry_after(again(r.status, "", &r.msg), r.retry_after),
    };
    let given = field(&fields, "nip").unwrap_or_default().to_owned();
    let pin = field(&fields, "pin").unwrap_or_default().to_owned();
    let wrong = Msg::new("NIP atau PIN salah.", "Wrong NIP or PIN.");
    let shown: String = given
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == ' ')
        .take(24)
        .collect();
    let Ok(nip) = Nip::parse(&given) else {
        return again(StatusCode::UNAUTHORIZED, &shown, &wrong);
    };
    if pin.is_empty() || pin.len() > 16 {
        return again(StatusCode::UNAUTHORIZED, &shown, &wrong);
    }
    let pass = match state.password_gate.enter().await {
        Ok(p) => p,
        Err(e) => return again(e.status, &shown, &e.msg),
    };
    let staff = match state.store.staff(nip.clone()).await {
        Ok(s) => s,
        Err(e) => return failed(&req, e),
    };
    let hash = staff
        .as_ref()
        .map(|(_, s)| s.pin_hash.clone())
        .unwrap_or_else(|| decoy_pin_hash().to_owned());
    let pin_ok = web::block(move || verify_password(&pin, &hash))
        .await
        .unwrap_or(false);
    drop(pass);
    let Some((office_id, record)) = staff else {
        return again(StatusCode::UNAUTHORIZED, &shown, &wrong);
    };
    let key = match state.store.asn_ref_key().await {
        Ok(k) => k,
        Err(e) => return failed(&req, e),
    };
    let me = asn_ref(&key, &nip);
    let check = match state
        .store
        .record_asn_login(
            nip.clone(),
            office_id.clone(),
            format!("asn:{me}"),
            pin_ok,
            Timestamp::now(),
        )
        .await
    {
        Ok(c) => c,
        Err(e) => return failed(&req, e),
    };
    match check {
        PinCheck::Right if record.active => {}
        PinCheck::Right => {
            return again(
                StatusCode::FORBIDDEN,
                &shown,
                &Msg::new(
                    "NIP ini tidak aktif di daftar ASN. Hubungi operator kepegawaian.",
                    "This NIP is not active on the roster. Ask the HR operator.",
                ),
            );
        }
        PinCheck::Wrong => {
            tracing::warn!(asn = %me, "wrong PIN at the ASN sign-in");
            return again(StatusCode::UNAUTHORIZED, &shown, &wrong);
        }
        PinCheck::Locked(secs) => {
            return retry_after(
                again(StatusCode::TOO_MANY_REQUESTS, &shown, &locked(secs, false)),
                Some(secs),
            );
        }
    }
    let token = match new_secret() {
        Ok(t) => t,
        Err(e) => return failed(&req, e),
    };
    let now = Timestamp::now();
    let session = AsnSession {
        nip,
        office_id,
        created_at: now,
        expires_at: now + jiff::SignedDuration::from_hours(SESSION_HOURS),
    };
    if let Err(e) = state
        .store
        .create_asn_session(hash_token(&token), session)
        .await
    {
        return failed(&req, e);
    }
    tracing::info!(asn = %me, "ASN signed in");
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/asn"))
        .cookie(private_cookie(
            &req,
            ASN_SESSION_COOKIE,
            &token,
            CookieDuration::hours(SESSION_HOURS),
        ))
        .finish()
}

fn failed(req: &HttpRequest, e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "ASN sign-in failed");
    let lang = page_lang(req);
    page(
        req,
        StatusCode::INTERNAL_SERVER_ERROR,
        asn_signin(lang, "", Some(server_failed(lang))),
    )
}

/// `POST /asn/keluar`: ends the ASN's session.
pub async fn signout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if httpkit::check_same_origin(&req).is_ok()
        && let Ok(Some((_, hash))) = asn_session(&req, &state).await
        && let Err(e) = state.store.end_asn_session(hash).await
    {
        tracing::error!(error = %e, "ASN sign-out failed");
    }
    HttpResponse::SeeOther()
        .insert_header((
            LOCATION,
            format!("/asn/masuk?lang={}", page_lang(&req).tag()),
        ))
        .cookie(removal(ASN_SESSION_COOKIE))
        .finish()
}

/// `GET /asn`: the signed-in ASN's own evidence page.
pub async fn own_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
) -> HttpResponse {
    let lang = page_lang(&req);
    let session = match asn_session(&req, &state).await {
        Ok(Some((s, _))) => s,
        Ok(None) => {
            return HttpResponse::SeeOther()
                .insert_header((LOCATION, "/asn/masuk"))
                .finish();
        }
        Err(e) => return e.render(lang),
    };
    let result = async {
        let mut q = q.into_inner();
        if q.preset.is_none() && q.from.is_none() && q.to.is_none() {
            q.preset = Some("semester".into());
        }
        let p = super::reports::period(&q)?;
        let office = state
            .store
            .office(session.office_id.clone())
            .await
            .map_err(ApiError::unexpected)?
            .ok_or_else(|| super::reports::no_office(session.office_id.as_str()))?;
        let people = people_of(&state, &office.id).await?;
        let name = people
            .names
            .get(session.nip.as_str())
            .cloned()
            .unwrap_or_default();
        let (db, o, nip) = (state.store.database(), office.clone(), session.nip.clone());
        let found =
            blocking(move || asn_evidence(&db, &o, &nip, &people, p, FairParams::default()))
                .await?;
        Ok::<_, ApiError>((p, office, name, found))
    }
    .await;
    match result {
        Ok((p, office, name, found)) => {
            let here = match req.query_string() {
                "" => "/asn".to_owned(),
                qs => format!("/asn?{qs}"),
            };
            let view = PeriodView {
                from: p.from.to_string(),
                to: p.to.to_string(),
                path: "/asn".to_owned(),
            };
            let body = match &found {
                Some(e) => laporan::evidence(
                    lang,
                    &office.name,
                    &view,
                    e,
                    FairParams::default().min_count,
                    query_param(&req, "komentar").as_deref() == Some("semua"),
                    &Actions {
                        reply: true,
                        review: false,
                        back: &here,
                        tz: Some(&office.tz),
                    },
                ),
                None => maud::html! {
                    h1 { (name) }
                    (laporan::period_form(lang, &view))
                    p.card #no-evidence { (lang.pick(
                        "Belum ada layanan atau penilaian atas nama Anda pada periode ini.",
                        "There are no services or ratings in your name in this period.")) }
                },
            };
            page(
                &req,
                StatusCode::OK,
                asn_page(
                    lang,
                    lang.pick("Halaman saya", "My page"),
                    &name,
                    &office.name,
                    body,
                ),
            )
        }
        // A page's refusal is a page (a bad period, say), with its status.
        Err(e) => page(
            &req,
            e.status,
            asn_page(
                lang,
                lang.pick("Halaman saya", "My page"),
                "",
                session.office_id.as_str(),
                maud::html! { p.card.error role="alert" { (e.msg.get(lang)) } },
            ),
        ),
    }
}
