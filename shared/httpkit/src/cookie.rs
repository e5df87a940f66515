//! The cookies both servers set, built in one place so they carry the same
//! protections: sessions and device credentials are HttpOnly (no script can
//! read them), SameSite=Strict (no other site can make a browser send them),
//! scoped to the whole site, and Secure whenever the request came over HTTPS.

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use shared::Lang;

use crate::lang::LANG_COOKIE;

/// How long the language choice is remembered.
const LANG_COOKIE_DAYS: i64 = 365;

fn over_https(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

/// A credential cookie (session, paired device) living `max_age`.
pub fn private_cookie(
    req: &HttpRequest,
    name: &'static str,
    value: &str,
    max_age: Duration,
) -> Cookie<'static> {
    Cookie::build(name, value.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(over_https(req))
        .max_age(max_age)
        .finish()
}

/// A cookie that removes the cookie `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut gone = Cookie::build(name, "").path("/").finish();
    gone.make_removal();
    gone
}

/// The `lang` cookie remembering a choice made with `?lang=`: the whole site,
/// one year. Lax, not Strict: following a link from elsewhere should still
/// show the page in the chosen language.
pub fn lang_cookie(lang: Lang) -> Cookie<'static> {
    Cookie::build(LANG_COOKIE, lang.tag())
        .path("/")
        .max_age(Duration::days(LANG_COOKIE_DAYS))
        .same_site(SameSite::Lax)
        .http_only(true)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_private_cookie_is_http_only_strict_and_site_wide() {
        let req = TestRequest::default().to_http_request();
        let c = private_cookie(&req, "s", "v", Duration::hours(12)).to_string();
        for part in [
            "s=v",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Max-Age=43200",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!c.contains("Secure"), "plain HTTP on the office LAN: {c}");
        let https = TestRequest::default()
            .insert_header(("X-Forwarded-Proto", "https"))
            .to_http_request();
        assert!(
            private_cookie(&https, "s", "v", Duration::hours(1))
                .to_string()
                .contains("Secure")
        );
    }

    #[test]
    fn the_language_cookie_covers_the_site_for_a_year() {
        let c = lang_cookie(Lang::En).to_string();
        assert!(c.starts_with("lang=en"), "{c}");
        assert!(c.contains("Path=/"), "{c}");
        assert!(c.contains("Max-Age=31536000"), "{c}");
    }
}
