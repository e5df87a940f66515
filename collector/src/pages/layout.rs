//! The collector's page style on the shell every page shares (httpkit's:
//! `<html lang>`, the viewport for phones, the language links, and the
//! security headers of [`PageResponse`]).
//!
//! Citizens' pages are for their own phones on mobile data: no JavaScript
//! needed (the ticket's live position has a small script, and works without
//! it), no fonts, no images to fetch (faces are inline SVG), everything in one
//! response of a few kilobytes. The CSS is written for a 360 px wide screen
//! first: touch targets are at least 48 px high, text is dark on white
//! (contrast at least 4.5:1), and the focus ring is visible.

pub use httpkit::PageResponse;
use httpkit::Shell;
use maud::Markup;
use shared::Lang;

/// The stylesheet: small enough to inline, so a page is one request.
const CSS: &str = r#"
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#eef1f4;color:#1a1a1a;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;overflow-wrap:break-word}
.top{max-width:40rem;margin:0 auto;display:flex;justify-content:flex-end;gap:.25rem;padding:0 .5rem}
.top nav{display:flex;gap:.25rem}
.top a{display:inline-flex;align-items:center;min-height:48px;padding:0 .75rem;color:#0b57d0;font-weight:600}
.top a[aria-current]{color:#1a1a1a;text-decoration:none}
main{max-width:40rem;margin:0 auto;padding:1rem 1rem 2.5rem;background:#fff;min-height:100vh}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 .25rem}
.office{margin:0 0 1rem;color:#4b5563;font-weight:600}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend{padding:0;font-weight:700}
.ask legend{font-size:1.25rem;margin-bottom:.75rem}
.faces{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:.375rem}
.face{position:relative;display:flex;flex-direction:column;align-items:center;gap:.25rem;min-height:48px;padding:.5rem .125rem;border:2px solid #c4c9d0;border-radius:.75rem;text-align:center;font-size:.875rem;line-height:1.25;cursor:pointer}
.face input{position:absolute;top:.25rem;left:.25rem;opacity:0;width:1px;height:1px;margin:0}
.face svg{width:3.5rem;height:3.5rem;border-radius:50%}
.face input:checked+svg{box-shadow:0 0 0 4px #0b57d0}
.face input:focus-visible+svg{outline:3px solid #1a1a1a;outline-offset:5px}
.face:has(input:checked){border-color:#0b57d0;background:#e8f0fe;font-weight:700}
details{margin-top:1.5rem;border:1px solid #c4c9d0;border-radius:.75rem;padding:0 .75rem}
summary{padding:.75rem 0;font-weight:700;cursor:pointer}
.hint{margin:0 0 .5rem;color:#4b5563}
.q{margin:0;padding:.75rem 0 1rem;border-top:1px solid #e1e4e8}
.q legend{margin-bottom:.5rem;font-weight:600}
.q .code{color:#4b5563;font-weight:700;margin-right:.25rem}
.opts{display:grid;grid-template-columns:1fr;gap:.375rem}
@media (min-width:30rem){.opts{grid-template-columns:1fr 1fr}}
.opt{display:flex;align-items:center;gap:.625rem;min-height:48px;padding:.5rem .625rem;border:1px solid #c4c9d0;border-radius:.5rem;cursor:pointer;line-height:1.25}
.opt input{flex:none;width:1.375rem;height:1.375rem;margin:0;accent-color:#0b57d0}
.opt:has(input:checked){border-color:#0b57d0;background:#e8f0fe}
.comment{display:block;margin-top:1.5rem}
.comment span{display:block;font-weight:700;margin-bottom:.375rem}
textarea{display:block;width:100%;min-height:6.5rem;padding:.625rem;font:inherit;color:inherit;border:1px solid #6b7280;border-radius:.5rem}
button{display:block;width:100%;min-height:52px;margin-top:1.25rem;padding:.5rem 1rem;font:inherit;font-size:1.125rem;font-weight:700;color:#fff;background:#0b57d0;border:0;border-radius:.75rem;cursor:pointer}
button.secondary{color:#0b57d0;background:#fff;border:2px solid #0b57d0;margin-top:.75rem}
input:focus-visible,textarea:focus-visible,button:focus-visible,summary:focus-visible,a:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
.error{margin:0 0 1rem;padding:.75rem;border-left:4px solid #c62828;border-radius:.25rem;background:#fdecea;color:#7f1d1d;font-weight:600}
.notice{text-align:center;padding-top:1.5rem}
.notice svg{width:4.5rem;height:4.5rem}
.notice p{color:#374151}
.summary{margin:1.25rem 0 0;text-align:left}
.summary dt{font-weight:700;color:#374151}
.summary dd{margin:0 0 .75rem}
blockquote{margin:.375rem 0 0;padding:.5rem .75rem;border-left:4px solid #c4c9d0;background:#f6f7f9;white-space:pre-wrap}
.ticket-label{margin:1rem 0 0;color:#374151}
.ticket-number{margin:0;font-size:3.5rem;font-weight:800;line-height:1.1;color:#0b4f8a;letter-spacing:.03em}
.service{margin:0 0 1rem;font-weight:700}
.state{border-radius:.75rem;background:#e8f0fe;padding:.75rem 1rem;margin:1rem 0}
.big-state{font-size:1.5rem;font-weight:800;margin:.25rem 0}
#ticket[data-state=called] .state{background:#d7f0dc}
#ticket[data-state=abandoned] .state{background:#fdecea}
"#;

/// A whole page: `<html lang>`, head, the language links and `content` in
/// `<main>`.
pub fn page(lang: Lang, title: &str, content: Markup) -> Markup {
    Shell::new(lang, title, CSS).render(None, content)
}

/// A page that runs one small same-origin script (the ticket's live
/// position); it must work without it.
pub fn page_with_script(lang: Lang, title: &str, script: &str, content: Markup) -> Markup {
    let scripts = [script];
    Shell {
        scripts: &scripts,
        ..Shell::new(lang, title, CSS)
    }
    .render(None, content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use maud::html;

    #[test]
    fn citizens_pages_run_no_script_and_load_nothing_external() {
        let html = page(Lang::En, "T", html! { p { "x" } }).into_string();
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{html}"
        );
        assert!(!html.contains("<script"), "pages need no JavaScript");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "nothing external"
        );
    }
}
