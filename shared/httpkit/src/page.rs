//! The page shell both servers use, and the headers every page carries.
//!
//! Pages are server-rendered (maud) and load nothing from elsewhere. The
//! policy below lets a page run only scripts served by its own server (never
//! inline script), take styles from its own `<style>`, and be framed by
//! nobody; so a comment that slipped through escaping still could not run,
//! and a page cannot be overlaid by another site (clickjacking).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use shared::Lang;

use crate::cookie::lang_cookie;

/// What a page may load and do.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; media-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A page's frame: `<html lang>`, the head, the language links and `<main>`.
#[derive(Debug, Clone, Copy)]
pub struct Shell<'a> {
    /// The page's language.
    pub lang: Lang,
    /// `<title>`.
    pub title: &'a str,
    /// The server's stylesheet, inlined (one request per page).
    pub css: &'a str,
    /// A name shown at the top left, when the server has one.
    pub brand: Option<&'a str>,
    /// Same-origin scripts (paths), loaded deferred.
    pub scripts: &'a [&'a str],
    /// Appended to the `?lang=` links, e.g. `&token=...` for a wall screen.
    pub lang_query: &'a str,
    /// Without the top bar (a wall screen uses the whole screen; its
    /// language is chosen once, with `?lang=`).
    pub bare: bool,
    /// More styles after `css` (a shared view's, such as the floor's).
    pub extra_css: &'a str,
}

impl<'a> Shell<'a> {
    /// A shell with no brand, scripts or extra query.
    pub fn new(lang: Lang, title: &'a str, css: &'a str) -> Shell<'a> {
        Shell {
            lang,
            title,
            css,
            brand: None,
            scripts: &[],
            lang_query: "",
            bare: false,
            extra_css: "",
        }
    }

    /// The whole page around `content`; `head` is added to `<head>`.
    pub fn render(&self, head: Option<Markup>, content: Markup) -> Markup {
        let lang = self.lang;
        html! {
            (DOCTYPE)
            html lang=(lang.tag()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="robots" content="noindex, nofollow";
                    // Addresses may carry tokens: never send them to
                    // another site (same-origin also keeps the `Origin`
                    // of this server's own form posts, which they check).
                    meta name="referrer" content="same-origin";
                    title { (self.title) }
                    link rel="icon" href="/favicon.svg" type="image/svg+xml";
                    // Our own constant stylesheet; maud would escape the `>`
                    // of its selectors.
                    style { (PreEscaped(self.css)) (PreEscaped(self.extra_css)) }
                    @for src in self.scripts {
                        script src=(src) defer {}
                    }
                    @if let Some(h) = head { (h) }
                }
                body {
                    @if !self.bare { header.top {
                        @if let Some(b) = self.brand { span.brand { (b) } }
                        nav aria-label=(lang.pick("Bahasa", "Language")) {
                            // Relative links keep the page's own address (and
                            // work behind a proxy that adds a path prefix).
                            a.lang-id href={ "?lang=id" (self.lang_query) } hreflang="id" lang="id"
                                aria-current=[(lang == Lang::Id).then_some("true")] { "Bahasa Indonesia" }
                            a.lang-en href={ "?lang=en" (self.lang_query) } hreflang="en" lang="en"
                                aria-current=[(lang == Lang::En).then_some("true")] { "English" }
                        }
                    } }
                    main { (content) }
                }
            }
        }
    }
}

/// How a page is answered: status, language, and the headers every page
/// carries (no caching, no framing, no sniffing, no referrer).
#[derive(Debug, Clone, Copy)]
pub struct PageResponse {
    /// The status.
    pub status: StatusCode,
    /// The page's language (`Content-Language`).
    pub lang: Lang,
    /// Set the `lang` cookie to `lang` (the request chose it with `?lang=`).
    pub remember_lang: bool,
    /// Seconds for `Retry-After` (429).
    pub retry_after_s: Option<u64>,
    /// Seconds a shared cache may keep it; `None` (the default) for private
    /// pages, which are never stored.
    pub public_max_age_s: Option<u32>,
}

impl PageResponse {
    /// A private page with `status` in `lang`.
    pub fn new(status: StatusCode, lang: Lang, remember_lang: bool) -> PageResponse {
        PageResponse {
            status,
            lang,
            remember_lang,
            retry_after_s: None,
            public_max_age_s: None,
        }
    }

    /// The response builder with every header set, for a body to be added.
    pub fn builder(&self) -> actix_web::HttpResponseBuilder {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_LANGUAGE, self.lang.tag()))
            .insert_header(match self.public_max_age_s {
                None => CacheControl(vec![CacheDirective::NoStore, CacheDirective::Private]),
                Some(s) => CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(s)]),
            })
            .insert_header((header::REFERRER_POLICY, "same-origin"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"))
            .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY));
        if let Some(s) = self.retry_after_s {
            res.insert_header((header::RETRY_AFTER, s.max(1)));
        }
        if self.remember_lang {
            res.cookie(lang_cookie(self.lang));
        }
        res
    }

    /// The response carrying `markup` as HTML.
    pub fn body(self, markup: Markup) -> HttpResponse {
        self.builder()
            .content_type("text/html; charset=utf-8")
            .body(markup.into_string())
    }
}

/// The icon of both servers' pages (`/favicon.svg`): a speech bubble with a
/// tick, in the pages' blue.
pub const FAVICON_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect x="4" y="6" width="56" height="42" rx="10" fill="#0b4f8a"/><path d="M18 48 L14 60 L30 48 Z" fill="#0b4f8a"/><path d="M20 28 L28 36 L44 18" fill="none" stroke="#ffffff" stroke-width="6" stroke-linecap="round" stroke-linejoin="round"/></svg>"##;

/// `GET /favicon.svg` (and `/favicon.ico`, which browsers ask for by
/// themselves).
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON_SVG)
}

/// A same-origin static asset (a script), cached for an hour.
pub fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_names_its_language_and_links_to_both() {
        let html = Shell::new(Lang::En, "T", "p{}")
            .render(None, html! { p { "x" } })
            .into_string();
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{html}"
        );
        assert!(
            html.contains(r#"<a class="lang-id" href="?lang=id""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a class="lang-en" href="?lang=en""#),
            "{html}"
        );
        assert!(html.contains(r#"name="viewport""#));
        assert!(!html.contains("<script"), "no script unless asked for");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "nothing external"
        );
    }

    #[test]
    fn scripts_are_same_origin_files_never_inline() {
        let shell = Shell {
            scripts: &["/static/tablet.js"],
            ..Shell::new(Lang::Id, "T", "")
        };
        let html = shell.render(None, html! {}).into_string();
        assert!(
            html.contains(r#"<script src="/static/tablet.js" defer></script>"#),
            "{html}"
        );
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
        let script_src = CONTENT_SECURITY_POLICY
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert_eq!(script_src.trim(), "script-src 'self'", "no inline script");
    }

    #[test]
    fn every_page_carries_the_security_headers() {
        let res = PageResponse::new(StatusCode::OK, Lang::Id, false).body(html! { p { "x" } });
        let h = res.headers();
        for name in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
            "cache-control",
        ] {
            assert!(h.contains_key(name), "{name}");
        }
        assert!(
            h.get("content-security-policy")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("frame-ancestors")
        );
    }
}
