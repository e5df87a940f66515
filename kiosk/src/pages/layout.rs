//! The page shell (httpkit's, shared with the collector: the same security
//! headers and cookies), language handling, faces and small formatting
//! helpers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use httpkit::lang::{page_lang, query_lang};
use httpkit::{PageResponse, Shell};
use maud::{Markup, html};
use shared::{CounterId, Lang, TicketId};

use crate::routes::AppState;

const CSS: &str = include_str!("style.css");

/// Picks the text in the page's language.
pub fn t(lang: Lang, id: &'static str, en: &'static str) -> &'static str {
    lang.pick(id, en)
}

/// A page being answered: its language, whether to remember it, and the
/// same-origin scripts it runs.
#[derive(Clone, Copy)]
pub struct Page {
    /// The language to render in.
    pub lang: Lang,
    remember: bool,
    /// Scripts served by this kiosk (`/static/...`); none by default.
    pub scripts: &'static [&'static str],
}

impl Page {
    /// The page language of a request (`?lang=`, then the cookie).
    pub fn of(req: &HttpRequest) -> Page {
        Page {
            lang: page_lang(req),
            remember: query_lang(req).is_some(),
            scripts: &[],
        }
    }

    /// Wraps `content` in the shell and answers with `status`.
    pub fn render(
        &self,
        status: StatusCode,
        title: &str,
        extra_query: &str,
        content: Markup,
    ) -> HttpResponse {
        self.render_with(status, title, extra_query, None, content)
    }

    /// Like `render`, with extra `<head>` content (a refresh).
    pub fn render_with(
        &self,
        status: StatusCode,
        title: &str,
        extra_query: &str,
        head: Option<Markup>,
        content: Markup,
    ) -> HttpResponse {
        let lang = self.lang;
        let shell = Shell {
            brand: Some(t(lang, "Layanan Publik", "Public Service")),
            scripts: self.scripts,
            lang_query: extra_query,
            ..Shell::new(lang, title, CSS)
        };
        PageResponse::new(status, lang, self.remember).body(shell.render(head, content))
    }

    /// A page with the floor's live view (its styles added).
    pub fn render_floor(&self, title: &str, extra_query: &str, content: Markup) -> HttpResponse {
        let lang = self.lang;
        let shell = Shell {
            brand: Some(t(lang, "Layanan Publik", "Public Service")),
            scripts: self.scripts,
            lang_query: extra_query,
            extra_css: httpkit::floor::CSS,
            ..Shell::new(lang, title, CSS)
        };
        PageResponse::new(StatusCode::OK, lang, self.remember).body(shell.render(None, content))
    }

    /// A wall screen (the display board): no top bar, its own stylesheet.
    pub fn render_screen(&self, title: &str, css: &str, content: Markup) -> HttpResponse {
        let shell = Shell {
            scripts: self.scripts,
            bare: true,
            ..Shell::new(self.lang, title, css)
        };
        PageResponse::new(StatusCode::OK, self.lang, self.remember)
            .body(shell.render(None, content))
    }

    /// A refusal as a page: the error's status and message.
    pub fn refusal(&self, e: httpkit::ApiError) -> HttpResponse {
        let lang = self.lang;
        let msg = e.msg.get(lang).to_owned();
        self.render(
            e.status,
            t(lang, "Tidak dapat diproses", "Could not be done"),
            "",
            html! {
                (error_box(&msg))
                p { a.button href="/" { (t(lang, "Kembali", "Back")) } }
            },
        )
    }
}

/// The counter named in a page's path, if this office has it.
pub fn counter_of(app: &AppState, raw: &str) -> Option<CounterId> {
    let id = CounterId::parse(raw).ok()?;
    app.store
        .read(|s| s.config.office().counter(&id).is_some())
        .then_some(id)
}

/// The 404 page for a counter this office does not have.
pub fn counter_not_found(page: &Page) -> HttpResponse {
    let lang = page.lang;
    page.render(
        StatusCode::NOT_FOUND,
        t(lang, "Loket tidak ditemukan", "Counter not found"),
        "",
        html! { (error_box(t(lang, "Loket ini tidak ada di kantor ini.", "This office has no such counter."))) },
    )
}

/// The page for a ticket this kiosk does not have: 410 for a ticket of an
/// earlier day it no longer keeps (see [`crate::state::missing_ticket`]),
/// 404 for an id it never had or one that does not parse.
pub fn ticket_not_found(page: &Page, id: Option<TicketId>) -> HttpResponse {
    let lang = page.lang;
    let back = html! { p { a.button href="/" { (t(lang, "Kembali", "Back")) } } };
    match id.map(crate::state::missing_ticket) {
        Some(crate::error::KioskError::TicketGone) => page.render(
            StatusCode::GONE,
            t(lang, "Tiket tidak tersedia lagi", "Ticket no longer available"),
            "",
            html! {
                (error_box(crate::error::ticket_gone_msg().get(lang)))
                (back)
            },
        ),
        _ => page.render(
            StatusCode::NOT_FOUND,
            t(lang, "Tidak ditemukan", "Not found"),
            "",
            html! {
                (error_box(t(lang, "Nomor antrean ini tidak ditemukan.", "This ticket was not found.")))
                (back)
            },
        ),
    }
}

/// A face for a score 1..=4, drawn inline (no emoji font needed).
pub fn face(score: u8) -> Markup {
    let (fill, mouth) = match score {
        1 => ("#e57373", "M22 50 Q36 36 50 50"),
        2 => ("#ffb74d", "M24 48 Q36 42 48 48"),
        3 => ("#aed581", "M24 44 Q36 52 48 44"),
        _ => ("#66bb6a", "M20 42 Q36 60 52 42"),
    };
    html! {
        svg viewBox="0 0 72 72" aria-hidden="true" {
            circle cx="36" cy="36" r="33" fill=(fill) stroke="#222" stroke-width="3" {}
            circle cx="25" cy="28" r="4" fill="#222" {}
            circle cx="47" cy="28" r="4" fill="#222" {}
            path d=(mouth) fill="none" stroke="#222" stroke-width="4" stroke-linecap="round" {}
        }
    }
}

pub use httpkit::floor::duration;

/// An error panel.
pub fn error_box(msg: &str) -> Markup {
    html! { p.error role="alert" { (msg) } }
}
