//! The frame of the pages for HR staff and office heads: the shared shell
//! with a wider stylesheet (tables and charts, a laptop first but readable on
//! a phone), a bar with the signed-in user and sign-out, the period picker,
//! and a print stylesheet (A4, no navigation) for reports that are filed or
//! taken to a performance conversation.

use httpkit::Shell;
use maud::{Markup, html};
use shared::Lang;

/// The stylesheet of the staff pages.
pub const CSS: &str = r#"
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#eef1f4;color:#1a1a1a;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header.top{display:flex;justify-content:space-between;align-items:center;gap:.5rem;flex-wrap:wrap;padding:.25rem 1rem;background:#0b4f8a;color:#fff}
header.top .brand{font-weight:700}
header.top nav{display:flex;gap:.25rem}
header.top a{color:#fff;display:inline-flex;align-items:center;min-height:44px;padding:0 .5rem}
header.top a[aria-current]{text-decoration:none;font-weight:700}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.25rem 0 .5rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
a{color:#0b57d0}
.muted{color:#4b5563}
nav.staff{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;margin-bottom:.75rem}
nav.staff form{margin:0}
nav.staff .who{color:#374151}
button,.button{font:inherit;font-weight:700;min-height:44px;padding:.4rem 1rem;border:0;border-radius:8px;background:#0b57d0;color:#fff;cursor:pointer;text-decoration:none;display:inline-flex;align-items:center}
button.secondary,.button.secondary{background:#fff;color:#0b57d0;border:2px solid #0b57d0}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
form.period{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;background:#fff;padding:.75rem;border-radius:10px;margin-bottom:1rem}
form.period label{display:flex;flex-direction:column;font-size:.9rem;font-weight:600}
input,select{font:inherit;min-height:44px;padding:.3rem .5rem;border:1px solid #6b7280;border-radius:6px;background:#fff}
.presets{display:flex;flex-wrap:wrap;gap:.4rem}
.card{background:#fff;border-radius:10px;padding:1rem;margin-bottom:1rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.table-wrap{overflow-x:auto;background:#fff;border-radius:10px;margin-bottom:1rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{padding:.45rem .6rem;border-bottom:1px solid #e1e4e8;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
#offices td:first-child{min-width:13rem}
th{background:#f6f7f9;font-weight:700;white-space:nowrap}
th a{color:#1a1a1a}
th[aria-sort] a{color:#0b57d0}
td.l,th.l{text-align:left}
.prev{display:block;font-size:.8rem;color:#4b5563}
.up{color:#1b7f3b}.down{color:#c62828}
.short{color:#c62828;font-weight:700}
.grade{font-weight:800}
.band{font-weight:700}
td .band{white-space:nowrap}
.band.di_atas_ekspektasi{color:#1b7f3b}.band.di_bawah_ekspektasi{color:#c62828}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.75rem;margin-bottom:1rem}
.figure{background:#fff;border-radius:10px;padding:.75rem 1rem}
.figure .v{font-size:1.6rem;font-weight:800}
.figure .k{font-size:.85rem;color:#4b5563}
svg.chart{display:block;width:100%;height:auto;max-width:46rem;background:#fff;border-radius:8px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
.rule{border-left:5px solid #0b57d0;background:#e8f0fe;padding:.75rem 1rem;border-radius:6px}
.error{margin:0 0 1rem;padding:.75rem;border-left:4px solid #c62828;border-radius:.25rem;background:#fdecea;color:#7f1d1d;font-weight:600}
blockquote{margin:.25rem 0 .75rem;padding:.5rem .75rem;border-left:4px solid #c4c9d0;background:#f6f7f9;white-space:pre-wrap;overflow-wrap:break-word}
.signin{max-width:26rem;margin:2rem auto}
.signin label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.signin input{width:100%}
ol.weak li{margin-bottom:.25rem}
@media (max-width:40rem){main{padding:.5rem}th,td{padding:.35rem .4rem;font-size:.85rem}h1{font-size:1.25rem}}
@media print{
  @page{size:A4;margin:14mm}
  header.top,nav.staff,form.period,.noprint{display:none!important}
  body{background:#fff;font-size:10.5pt}
  main{max-width:none;padding:0}
  .card,.figure,.table-wrap{box-shadow:none;border:1px solid #c4c9d0;break-inside:avoid}
  .charts{grid-template-columns:1fr 1fr}
  svg.chart{max-width:100%}
  tr{break-inside:avoid}
  a{color:#1a1a1a;text-decoration:none}
}
"#;

/// Who is signed in, for the bar at the top.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    /// The user's name (absent when a bearer token reads the page).
    pub username: Option<&'a str>,
    /// What they see, in words ("Semua kantor", an office's name).
    pub scope: &'a str,
    /// Central HR (who also sees the bias audit).
    pub hr: bool,
}

/// A staff page: the shell, the bar with the user and sign-out, `content`.
pub fn page(lang: Lang, title: &str, who: Option<Who<'_>>, content: Markup) -> Markup {
    page_with(lang, title, who, false, content)
}

/// A staff page with the floor's live view (its styles and script).
pub fn page_with(
    lang: Lang,
    title: &str,
    who: Option<Who<'_>>,
    floor: bool,
    content: Markup,
) -> Markup {
    let css = if floor {
        [super::review::CSS, httpkit::floor::CSS].concat()
    } else {
        super::review::CSS.to_owned()
    };
    let shell = Shell {
        brand: Some(lang.pick(
            "Laporan Survei Kepuasan Masyarakat",
            "Public Satisfaction Reports",
        )),
        scripts: if floor { &["/static/floor.js"] } else { &[] },
        extra_css: &css,
        ..Shell::new(lang, title, CSS)
    };
    shell.render(
        None,
        html! {
            @if let Some(w) = who {
                nav.staff aria-label=(lang.pick("Menu", "Menu")) {
                    span {
                        a href="/laporan" { (lang.pick("Laporan", "Reports")) } " · "
                        a href="/laporan/jejak" { (lang.pick("Jejak audit", "Audit trail")) }
                        @if w.hr { " · " a href="/laporan/bias" { (lang.pick("Audit bias", "Bias audit")) } }
                    }
                    span.who {
                        @if let Some(u) = w.username { (u) " · " }
                        (w.scope)
                    }
                    @if w.username.is_some() {
                        form method="post" action="/keluar" {
                            button.secondary type="submit" { (lang.pick("Keluar", "Sign out")) }
                        }
                    }
                }
            }
            (content)
        },
    )
}

/// A page of the staff stylesheet with its own bar (`nav`), for the ASN's
/// pages.
pub fn page_for(lang: Lang, title: &str, nav: Markup, content: Markup) -> Markup {
    let shell = Shell {
        brand: Some(lang.pick("Halaman ASN", "ASN page")),
        extra_css: super::review::CSS,
        ..Shell::new(lang, title, CSS)
    };
    shell.render(
        None,
        html! {
            (nav)
            (content)
        },
    )
}

/// The sign-in page.
pub fn signin(lang: Lang, next: &str, username: &str, error: Option<&str>) -> Markup {
    page(
        lang,
        lang.pick("Masuk", "Sign in"),
        None,
        html! {
            div.signin.card {
                h1 { (lang.pick("Masuk ke laporan", "Sign in to the reports")) }
                p.muted { (lang.pick(
                    "Untuk petugas BKPSDM/Biro SDM dan kepala unit layanan. Akun dibuat oleh operator.",
                    "For central HR staff and heads of service offices. Accounts are made by the operator.")) }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form #signin method="post" action="/masuk" {
                    input type="hidden" name="next" value=(next);
                    label for="username" { (lang.pick("Nama pengguna", "Username")) }
                    input #username name="username" type="text" autocomplete="username" required value=(username);
                    label for="password" { (lang.pick("Kata sandi", "Password")) }
                    input #password name="password" type="password" autocomplete="current-password" required;
                    p { button type="submit" { (lang.pick("Masuk", "Sign in")) } }
                    p.muted { (lang.pick("Lima kali salah mengunci akun selama 5 menit.", "Five wrong passwords lock the account for 5 minutes.")) }
                }
            }
        },
    )
}
