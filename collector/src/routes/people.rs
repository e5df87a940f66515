//! People's accounts: the operator creates and removes the users of the
//! report pages (`POST /api/v1/users`, `DELETE /api/v1/users/{username}`),
//! and they sign in and out (`GET/POST /masuk`, `POST /keluar`) to a page
//! session kept in an HttpOnly, SameSite=Strict cookie.
//!
//! A sign-in is checked in this order: the form comes from this site (403),
//! the address has sign-ins left (429), a place in the password gate (429);
//! then argon2 (against a decoy hash when the user does not exist, so the
//! answer's timing says nothing of which names exist), and the outcome is
//! recorded: five wrong passwords in a row lock the user for five minutes.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::cookie::{private_cookie, removal};
use httpkit::lang::{page_lang, query_lang, query_param};
use httpkit::{ApiError, JsonBody, PageResponse, read_body};
use jiff::Timestamp;
use shared::wire::{NewUser, UserCreated};
use shared::{Lang, Msg, OfficeId};

use crate::auth::{AdminAuth, SESSION_COOKIE, SESSION_HOURS, hash_token, new_secret, web_session};
use crate::pages::staff;
use crate::people::{check_password, decoy_hash, hash_password, username, verify_password};
use crate::startup::AppState;
use crate::store::{LoginOutcome, Role, UserRecord, WebSession};

fn role_words(role: &Role) -> (&'static str, Option<String>) {
    match role {
        Role::Hr => ("hr", None),
        Role::Head { office_id } => ("head", Some(office_id.to_string())),
    }
}

/// `POST /api/v1/users` (admin): 201 with the user; 409 when the name is
/// taken; 422 for a bad name, password, role or office; 404 for an office
/// that does not exist.
pub async fn create_user(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let name = username(&body.username).map_err(ApiError::invalid)?;
    check_password(&body.password).map_err(ApiError::invalid)?;
    let role = match (body.role.as_str(), body.office_id.as_deref()) {
        ("hr", None) => Role::Hr,
        ("head", Some(o)) => Role::Head {
            office_id: OfficeId::parse(o).map_err(|e| ApiError::invalid(e.msg()))?,
        },
        _ => {
            return Err(ApiError::invalid(Msg::new(
                "role harus \"hr\" (tanpa office_id) atau \"head\" dengan office_id",
                "role must be \"hr\" (without office_id) or \"head\" with an office_id",
            )));
        }
    };
    let password = body.password;
    let password_hash = web::block(move || hash_password(&password))
        .await
        .map_err(ApiError::unexpected)?
        .map_err(ApiError::unexpected)?;
    let user = UserRecord {
        username: name.clone(),
        role: role.clone(),
        password_hash,
        created_at: Timestamp::now(),
        failures: 0,
        locked_until: None,
    };
    let created = state.store.create_user(user).await.map_err(|e| match e {
        crate::store::StoreError::UnknownOffice(id) => ApiError::not_found(Msg::new(
            format!("Kantor {id} tidak ada"),
            format!("No office {id}"),
        )),
        other => ApiError::unexpected(other),
    })?;
    if !created {
        return Err(ApiError::conflict(
            "exists",
            Msg::new(
                format!("Nama pengguna {name} sudah dipakai"),
                format!("The username {name} is taken"),
            ),
        ));
    }
    tracing::info!(username = %name, ?role, "user created");
    let (role, office_id) = role_words(&role);
    Ok(HttpResponse::Created().json(UserCreated {
        username: name,
        role: role.to_owned(),
        office_id,
    }))
}

/// `DELETE /api/v1/users/{username}` (admin): 204; their sessions end.
pub async fn delete_user(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = username(&path).map_err(|_| no_user())?;
    if !state
        .store
        .delete_user(name.clone())
        .await
        .map_err(ApiError::unexpected)?
    {
        return Err(no_user());
    }
    tracing::warn!(username = %name, "user removed");
    Ok(HttpResponse::NoContent().finish())
}

fn no_user() -> ApiError {
    ApiError::not_found(Msg::new("Pengguna tidak ada", "No such user"))
}

/// Where to go after signing in: a path of this site only (never another
/// site, whatever `next` says).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/laporan".to_owned(),
    }
}

fn reply(req: &HttpRequest, status: StatusCode, markup: maud::Markup) -> HttpResponse {
    PageResponse::new(status, page_lang(req), query_lang(req).is_some()).body(markup)
}

/// `GET /masuk`: the sign-in form (or straight on, when signed in).
pub async fn signin_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let next = safe_next(query_param(&req, "next").as_deref());
    if matches!(web_session(&req, &state).await, Ok(Some(_))) {
        return HttpResponse::SeeOther()
            .insert_header((LOCATION, next))
            .finish();
    }
    reply(
        &req,
        StatusCode::OK,
        staff::signin(page_lang(&req), &next, "", None),
    )
}

fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    std::str::from_utf8(body)
        .ok()
        .and_then(|t| web::Query::<Vec<(String, String)>>::from_query(t).ok())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

/// A field of a posted form.
pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Why a sign-in form was turned away before its secret was checked.
pub(crate) struct Refusal {
    /// The status to answer.
    pub status: StatusCode,
    /// Why, for the form.
    pub msg: Msg,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u64>,
}

/// What every sign-in form checks before its secret (staff and ASN alike):
/// it comes from this site's page (403), this address has sign-ins left
/// (429); then its fields.
pub(crate) async fn signin_form(
    req: &HttpRequest,
    state: &AppState,
    payload: web::Payload,
) -> Result<Vec<(String, String)>, Refusal> {
    httpkit::check_same_origin(req).map_err(|e| Refusal {
        status: StatusCode::FORBIDDEN,
        msg: e.msg,
        retry_after: None,
    })?;
    let ip = httpkit::client::client_ip(req, &state.trusted_proxies);
    state.login_limiter.check(ip).map_err(|retry| Refusal {
        status: StatusCode::TOO_MANY_REQUESTS,
        msg: Msg::new(
            "Terlalu banyak percobaan masuk dari jaringan ini. Coba lagi sebentar lagi.",
            "Too many sign-ins from this network. Try again in a moment.",
        ),
        retry_after: Some(retry.0),
    })?;
    let body = read_body(req, &mut payload.into_inner())
        .await
        .map_err(|e| Refusal {
            status: e.status,
            msg: e.msg,
            retry_after: None,
        })?;
    Ok(form_fields(&body))
}

/// `res` with a `Retry-After` header when `secs` is given.
pub(crate) fn retry_after(mut res: HttpResponse, secs: Option<u64>) -> HttpResponse {
    if let Some(v) = secs.and_then(|s| s.to_string().parse().ok()) {
        res.headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, v);
    }
    res
}

/// "Locked, try again in N minutes", for an account (`what` = true) or a
/// NIP.
pub(crate) fn locked(secs: u64, account: bool) -> Msg {
    let m = secs.div_ceil(60);
    if account {
        Msg::new(
            format!(
                "Akun ini dikunci karena terlalu banyak kata sandi salah. Coba lagi dalam {m} \
                 menit."
            ),
            format!(
                "This account is locked after too many wrong passwords. Try again in {m} minutes."
            ),
        )
    } else {
        Msg::new(
            format!("NIP ini dikunci karena terlalu banyak PIN salah. Coba lagi dalam {m} menit."),
            format!("This NIP is locked after too many wrong PINs. Try again in {m} minutes."),
        )
    }
}

/// The sign-in forms' words for a server fault.
pub(crate) fn server_failed(lang: Lang) -> &'static str {
    lang.pick(
        "Terjadi kesalahan di server. Coba lagi sebentar lagi.",
        "The server failed. Try again in a moment.",
    )
}

/// `POST /masuk`: checks the password; a session cookie and on to `next`,
/// or the form again saying why not.
pub async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> HttpResponse {
    let lang = page_lang(&req);
    let again = |status: StatusCode, next: &str, name: &str, e: &Msg| {
        reply(
            &req,
            status,
            staff::signin(lang, next, name, Some(e.get(lang))),
        )
    };
    let fields = match signin_form(&req, &state, payload).await {
        Ok(f) => f,
        Err(r) => {
            return retry_after(again(r.status, "/laporan", "", &r.msg), r.retry_after);
        }
    };
    let next = safe_next(field(&fields, "next"));
    let given = field(&fields, "username").unwrap_or_default().to_owned();
    let password = field(&fields, "password").unwrap_or_default().to_owned();
    let wrong = Msg::new(
        "Nama pengguna atau kata sandi salah.",
        "Wrong username or password.",
    );
    let Ok(name) = username(&given) else {
        return again(StatusCode::UNAUTHORIZED, &next, &given, &wrong);
    };
    let pass = match state.password_gate.enter().await {
        Ok(p) => p,
        Err(e) => return again(e.status, &next, &given, &e.msg),
    };
    let user = match state.store.user(name.clone()).await {
        Ok(u) => u,
        Err(e) => return server_error(&req, e),
    };
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let ok = web::block(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
        && user.is_some();
    drop(pass);
    let outcome = match state
        .store
        .record_login(name.clone(), ok, Timestamp::now())
        .await
    {
        Ok(o) => o,
        Err(e) => return server_error(&req, e),
    };
    match outcome {
        LoginOutcome::Ok(user) => {
            let token = match new_secret() {
                Ok(t) => t,
                Err(e) => return server_error(&req, e),
            };
            let now = Timestamp::now();
            let session = WebSession {
                username: user.username.clone(),
                role: user.role,
                created_at: now,
                expires_at: now + jiff::SignedDuration::from_hours(SESSION_HOURS),
            };
            if let Err(e) = state
                .store
                .create_web_session(hash_token(&token), session)
                .await
            {
                return server_error(&req, e);
            }
            tracing::info!(username = %user.username, "signed in");
            HttpResponse::SeeOther()
                .insert_header((LOCATION, next))
                .cookie(private_cookie(
                    &req,
                    SESSION_COOKIE,
                    &token,
                    CookieDuration::hours(SESSION_HOURS),
                ))
                .finish()
        }
        LoginOutcome::Wrong => {
            tracing::warn!(username = %name, "wrong password");
            again(StatusCode::UNAUTHORIZED, &next, &given, &wrong)
        }
        LoginOutcome::Locked(secs) => retry_after(
            again(
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &given,
                &locked(secs, true),
            ),
            Some(secs),
        ),
    }
}

fn server_error(req: &HttpRequest, e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "sign-in failed");
    let lang = page_lang(req);
    reply(
        req,
        StatusCode::INTERNAL_SERVER_ERROR,
        staff::signin(lang, "/laporan", "", Some(server_failed(lang))),
    )
}

/// `POST /keluar`: ends the session and goes back to the sign-in page.
pub async fn signout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if httpkit::check_same_origin(&req).is_ok()
        && let Ok(Some((session, hash))) = web_session(&req, &state).await
    {
        if let Err(e) = state.store.end_web_session(hash).await {
            tracing::error!(error = %e, "sign-out failed");
        } else {
            tracing::info!(username = %session.username, "signed out");
        }
    }
    let lang: Lang = page_lang(&req);
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/masuk?lang={}", lang.tag())))
        .cookie(removal(SESSION_COOKIE))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn after_signing_in_the_browser_goes_only_to_a_path_of_this_site() {
        assert_eq!(
            safe_next(Some("/laporan/pauh?from=2026-01-01")),
            "/laporan/pauh?from=2026-01-01"
        );
        for evil in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "laporan",
        ] {
            assert_eq!(safe_next(Some(evil)), "/laporan", "{evil}");
        }
        assert_eq!(safe_next(None), "/laporan");
    }
}
