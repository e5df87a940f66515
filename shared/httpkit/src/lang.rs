//! The caller's language: `?lang=` first, then the `lang` cookie, then
//! `Accept-Language`; Indonesian by default.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use shared::Lang;

use crate::ApiError;

/// The cookie that remembers a page's language.
pub const LANG_COOKIE: &str = "lang";

/// The language a request asks for.
pub fn lang_of(req: &HttpRequest) -> Lang {
    if let Some(l) = query_lang(req) {
        return l;
    }
    if let Some(l) = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_tag(c.value()))
    {
        return l;
    }
    req.headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// The language of a page: `?lang=`, then the `lang` cookie, then
/// Indonesian. Unlike API errors, pages ignore `Accept-Language`: a public
/// tablet or a citizen's phone set to English still shows Bahasa Indonesia
/// first, with English one tap away.
pub fn page_lang(req: &HttpRequest) -> Lang {
    query_lang(req)
        .or_else(|| {
            req.cookie(LANG_COOKIE)
                .and_then(|c| Lang::from_tag(c.value()))
        })
        .unwrap_or_default()
}

/// The language named by `?lang=`, if any.
pub fn query_lang(req: &HttpRequest) -> Option<Lang> {
    query_param(req, "lang").as_deref().and_then(Lang::from_tag)
}

/// A query-string parameter, decoded.
pub fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.0.get(name).cloned())
}

/// Middleware: renders [`ApiError`] bodies in the caller's language.
pub async fn localize_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let lang = lang_of(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    if lang == Lang::Id {
        return Ok(res);
    }
    let rerendered = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|e| e.render(lang));
    Ok(match rerendered {
        Some(r) => res.into_response(r.map_into_boxed_body()),
        None => res,
    })
}
