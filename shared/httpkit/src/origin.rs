//! Cross-site form posts. A page's form that works without signing in (the
//! entrance's "take a number", a sign-in form, a citizen's rating) could be
//! submitted by another site a browser visits. Browsers say where a request
//! comes from (`Origin`, `Sec-Fetch-Site`); a post from another site is
//! refused before it changes anything.

use actix_web::HttpRequest;
use actix_web::http::header;
use shared::Msg;

use crate::ApiError;

/// The host (and port) part of an origin such as `https://a.example:8080`.
fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// Refuses (403) a request that a browser says comes from another site.
/// `Sec-Fetch-Site` decides when the browser sends it (only `same-origin`
/// and `none`, a typed address or bookmark, pass: another port of the same
/// host is another server); otherwise `Origin` must name this host.
/// Requests with neither (scripts, old browsers) are let through: the check
/// is against browsers being used by another site, not against scripts,
/// which can send any header they like anyway.
pub fn check_same_origin(req: &HttpRequest) -> Result<(), ApiError> {
    let refuse = || {
        ApiError::forbidden(Msg::new(
            "Formulir ini hanya dapat dikirim dari halaman server ini sendiri.",
            "This form can only be sent from this server's own pages.",
        ))
    };
    if let Some(site) = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return if site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none") {
            Ok(())
        } else {
            Err(refuse())
        };
    }
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| refuse())?.trim();
    let info = req.connection_info();
    match origin_host(origin) {
        Some(host) if host.eq_ignore_ascii_case(info.host()) => Ok(()),
        _ => Err(refuse()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn post(headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = TestRequest::post()
            .uri("/take")
            .insert_header(("Host", "192.168.1.20:8081"));
        for h in headers {
            r = r.insert_header(*h);
        }
        r.to_http_request()
    }

    #[test]
    fn a_post_from_the_same_origin_or_without_origin_passes() {
        assert!(check_same_origin(&post(&[("Origin", "http://192.168.1.20:8081")])).is_ok());
        assert!(check_same_origin(&post(&[])).is_ok());
        assert!(check_same_origin(&post(&[("Sec-Fetch-Site", "same-origin")])).is_ok());
        // A browser's word about the site wins over an Origin of "null"
        // (sent under some referrer policies).
        assert!(
            check_same_origin(&post(&[
                ("Sec-Fetch-Site", "same-origin"),
                ("Origin", "null")
            ]))
            .is_ok()
        );
    }

    #[test]
    fn a_post_from_another_site_is_refused() {
        for h in [
            ("Origin", "http://evil.example"),
            ("Origin", "http://192.168.1.20:9999"),
            ("Origin", "null"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Site", "same-site"),
        ] {
            let e = check_same_origin(&post(&[h])).unwrap_err();
            assert_eq!(e.status.as_u16(), 403, "{h:?}");
        }
    }
}
