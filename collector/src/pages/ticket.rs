//! The ticket's phone link (`/t/{token}`), for a citizen waiting with a
//! phone in hand: the number, and where it stands (still being recorded,
//! "3 orang lagi sebelum Anda", called to which counter, skipped as a
//! no-show). Once the service is completed the route shows the rating form
//! of [`super::rate`] instead.
//!
//! The page is complete without JavaScript (it says how fresh it is); its
//! small script (`/static/ticket.js`) asks `/t/{token}/status` every few
//! seconds and updates the position in place, reloading when the state
//! changes. The status paragraph is an ARIA live region, so a screen reader
//! announces the change.
//!
//! Element ids for the tests: `#ticket` with `data-state` (`unknown`,
//! `waiting`, `called`, `completed`, `abandoned`), `#ticket-number`,
//! `#ahead`, `#counter-name`, `#rated`.

use maud::{Markup, html};
use shared::Lang;
use shared::wire::TicketLinkStatus;

use super::layout::page_with_script;

/// "N orang lagi sebelum Anda" and its English.
pub fn ahead_text(lang: Lang, ahead: u64) -> String {
    match (lang, ahead) {
        (Lang::Id, 0) => "Anda berikutnya. Bersiaplah.".into(),
        (Lang::En, 0) => "You are next. Please get ready.".into(),
        (Lang::Id, n) => format!("{n} orang lagi sebelum Anda"),
        (Lang::En, 1) => "1 person before you".into(),
        (Lang::En, n) => format!("{n} people before you"),
    }
}

/// What the page shows.
#[derive(Debug, Clone)]
pub struct TicketView<'a> {
    /// The page's language.
    pub lang: Lang,
    /// The office's name.
    pub office_name: &'a str,
    /// The service now (the last of a transferred visit).
    pub service_name: Option<&'a str>,
    /// Where the ticket stands.
    pub status: &'a TicketLinkStatus,
    /// Its status JSON, for the script (`/t/{token}/status`, relative).
    pub status_url: &'a str,
    /// The visit went on to another service.
    pub transferred: bool,
}

/// The page while the ticket waits, is called, is skipped, or once rated.
pub fn ticket_page(v: &TicketView<'_>) -> Markup {
    let lang = v.lang;
    let s = v.status;
    let title = lang.pick("Tiket antrean", "Queue ticket");
    let content = html! {
        section #ticket data-state=(s.state) data-status=(v.status_url)
            data-ahead-0=(ahead_text(lang, 0)) data-ahead-1=(ahead_text(lang, 1))
            data-ahead-n=(ahead_text(lang, 1000).replace("1000", "{n}")) {
            h1 { (title) }
            p.office { (v.office_name) }
            @if let Some(n) = &s.number {
                p.ticket-label { (lang.pick("Nomor antrean Anda", "Your queue number")) }
                p #ticket-number.ticket-number { (n) }
            }
            @if let Some(service) = v.service_name {
                p.service { (service) }
            }
            @if v.transferred {
                p.hint { (lang.pick("Anda dialihkan ke layanan ini dengan nomor yang sama dan dilayani lebih dulu daripada pendatang baru.",
                    "You were sent on to this service with the same number and are served before new arrivals.")) }
            }
            div.state role="status" aria-live="polite" {
                @match s.state.as_str() {
                    "unknown" => {
                        p #pending.big-state { (lang.pick("Tiket Anda sedang dicatat", "Your ticket is being recorded")) }
                        p { (lang.pick("Kantor layanan belum mengirim data antrean ke server pusat; biasanya hanya beberapa detik. Halaman ini diperbarui sendiri.",
                            "The office has not yet sent its queue to the central server; this usually takes seconds. This page updates by itself.")) }
                    }
                    "waiting" => {
                        p #ahead.big-state { (ahead_text(lang, s.ahead.unwrap_or(0))) }
                        p { (lang.pick("Silakan menunggu; nomor Anda akan dipanggil di layar dan pengeras suara.",
                            "Please wait; your number will be called on the screen and over the speakers.")) }
                    }
                    "called" => {
                        p #called.big-state { (lang.pick("Nomor Anda dipanggil!", "Your number has been called!")) }
                        @if let Some(c) = &s.counter_name {
                            p { (lang.pick("Silakan ke", "Please go to")) " " strong #counter-name { (c) } }
                        }
                    }
                    "abandoned" => {
                        p #abandoned.big-state { (lang.pick("Nomor Anda sudah dilewati", "Your number was skipped")) }
                        p { (lang.pick("Nomor ini dipanggil tetapi tidak hadir di loket. Silakan ambil nomor baru di mesin antrean, atau tanyakan kepada petugas.",
                            "This number was called but nobody came to the counter. Please take a new number at the queue machine, or ask an officer.")) }
                    }
                    _ => {
                        p #rated.big-state { (lang.pick("Terima kasih, kunjungan ini sudah dinilai", "Thank you, this visit has been rated")) }
                        p { (lang.pick("Setiap kunjungan dapat dinilai satu kali. Halaman ini boleh ditutup.",
                            "Each visit can be rated once. You may close this page.")) }
                    }
                }
            }
            @if matches!(s.state.as_str(), "unknown" | "waiting" | "called") {
                p.hint #freshness { (lang.pick("Posisi dihitung dari data yang dikirim kantor beberapa detik lalu. Setelah dilayani, halaman ini menjadi halaman penilaian.",
                    "The position comes from data the office sent seconds ago. Once you are served, this page becomes the rating page.")) }
            }
        }
    };
    page_with_script(
        lang,
        &format!("{title} · {}", v.office_name),
        "/static/ticket.js",
        content,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: &str, ahead: Option<u64>) -> TicketLinkStatus {
        TicketLinkStatus {
            state: state.into(),
            number: Some("A-017".into()),
            ahead,
            counter_name: Some("Loket 2".into()),
            rated: false,
        }
    }

    fn html(s: &TicketLinkStatus, lang: Lang) -> String {
        ticket_page(&TicketView {
            lang,
            office_name: "Kantor Camat Alak",
            service_name: Some("KTP-el"),
            status: s,
            status_url: "tok/status",
            transferred: false,
        })
        .into_string()
    }

    #[test]
    fn a_waiting_ticket_says_how_many_are_before_it() {
        let h = html(&status("waiting", Some(3)), Lang::Id);
        assert!(h.contains(r#"data-state="waiting""#));
        assert!(h.contains(">3 orang lagi sebelum Anda<"), "{h}");
        assert!(
            h.contains(r#"<p class="ticket-number" id="ticket-number">A-017</p>"#)
                || h.contains("A-017")
        );
        assert!(h.contains(r#"role="status" aria-live="polite""#));
        assert!(h.contains(r#"<script src="/static/ticket.js" defer"#));
        let en = html(&status("waiting", Some(1)), Lang::En);
        assert!(en.contains(">1 person before you<"), "{en}");
        assert!(html(&status("waiting", Some(0)), Lang::Id).contains("Anda berikutnya"));
    }

    #[test]
    fn a_called_ticket_names_the_counter_and_a_skipped_one_says_what_to_do() {
        let h = html(&status("called", None), Lang::Id);
        assert!(h.contains("Nomor Anda dipanggil!"));
        assert!(
            h.contains(r#"<strong id="counter-name">Loket 2</strong>"#),
            "{h}"
        );
        let gone = html(&status("abandoned", None), Lang::Id);
        assert!(gone.contains("ambil nomor baru"));
        assert!(!gone.contains("freshness"));
    }

    #[test]
    fn the_script_gets_the_position_wording_in_the_pages_language() {
        let h = html(&status("waiting", Some(2)), Lang::Id);
        assert!(
            h.contains(r#"data-ahead-n="{n} orang lagi sebelum Anda""#),
            "{h}"
        );
        assert!(h.contains(r#"data-status="tok/status""#));
    }
}
