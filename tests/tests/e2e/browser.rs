//! Real Chromium for page tests: Debian's `/usr/lib/chromium/chromium`, driven
//! over the DevTools protocol by chromiumoxide (no driver process, never a
//! downloaded browser).
//!
//! Each test launches its own browser with a fresh profile directory, opens
//! [`Tab`]s at a device size, and closes the browser at the end. Every wait
//! polls the page with a deadline; nothing sleeps a fixed time to wait for
//! state. Every request a tab makes is recorded, so a test can assert that a
//! page loaded nothing from outside its own server.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::emulation::{
    SetDeviceMetricsOverrideParams, SetEmulatedMediaParams,
};
use chromiumoxide::cdp::browser_protocol::network::EventRequestWillBeSent;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, PrintToPdfParams, SetBypassCspParams, Viewport,
};
use chromiumoxide::cdp::js_protocol::runtime::EventExceptionThrown;
use chromiumoxide::layout::Point;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::{BrowserConfig, Page};
use futures_util::StreamExt;
use tempfile::TempDir;
use tokio::task::JoinHandle;

use crate::helpers::temp_dir;

/// The real Chromium binary. `/usr/bin/chromium` is a wrapper script that adds
/// its own flags, so it is not used.
pub const CHROMIUM: &str = "/usr/lib/chromium/chromium";

/// A citizen's phone (CSS pixels).
pub const PHONE: (u32, u32) = (360, 740);
/// The entrance screen and the counter tablet (CSS pixels).
pub const TABLET: (u32, u32) = (1280, 800);

/// The browser's locale: English, deliberately. Pages must show Bahasa
/// Indonesia until someone chooses English, whatever the device's language,
/// so the tests run in the browser most likely to expose a page that follows
/// `Accept-Language` instead.
pub const LOCALE: &str = "en-US";
/// The `Accept-Language` the browser sends.
const ACCEPT_LANGUAGE: &str = "en-US,en";

/// How long a wait lasts by default. Generous because the test machine has two
/// cores and other builds may be running; a passing wait returns as soon as
/// the state appears.
pub const WAIT: Duration = Duration::from_secs(15);

/// How often waits poll the page.
const POLL: Duration = Duration::from_millis(50);

/// A launched browser, or `None` (after a loud message) when Chromium is not
/// installed and `CI` is not set. On CI a missing browser is a failure, not a
/// skip, so the browser tests can never silently stop running there.
///
/// ```ignore
/// let Some(b) = browser_or_skip().await else { return };
/// ```
pub async fn browser_or_skip() -> Option<Browser> {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{CHROMIUM} is missing and CI is set: install it with \
             `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
             --no-install-recommends chromium`"
        );
        eprintln!(
            "\n==================================================\n\
             SKIPPED: chromium not installed ({CHROMIUM} is missing)\n\
             ==================================================\n"
        );
        return None;
    }
    Some(Browser::launch().await)
}

/// One Chromium process with its own profile directory.
pub struct Browser {
    inner: chromiumoxide::Browser,
    /// Drives the DevTools connection; it must be polled for anything to happen.
    handler: JoinHandle<()>,
    /// Deleted after the browser has exited (field order: dropped last).
    _profile: TempDir,
}

impl Browser {
    /// Launches headless Chromium with a fresh profile and no network
    /// chatter of its own.
    pub async fn launch() -> Browser {
        let profile = temp_dir();
        let config = BrowserConfig::builder()
            .chrome_executable(CHROMIUM)
            .disable_default_args()
            .new_headless_mode()
            .no_sandbox()
            // chromiumoxide adds the leading `--`: bare names only.
            .args([
                "disable-gpu",
                "disable-background-networking",
                "disable-component-update",
                "disable-sync",
                "no-first-run",
                "no-default-browser-check",
                "disable-dev-shm-usage",
                "disable-default-apps",
                "disable-domain-reliability",
                "disable-breakpad",
                "disable-client-side-phishing-detection",
                "metrics-recording-only",
            ])
            .arg(("password-store", "basic"))
            // Fixed, not inherited from the machine (see LOCALE).
            .arg(("lang", LOCALE))
            .arg(("accept-lang", ACCEPT_LANGUAGE))
            // Each tab sets its own device metrics.
            .viewport(None)
            .launch_timeout(Duration::from_secs(60))
            .user_data_dir(profile.path())
            .build()
            .expect("browser config");
        let (inner, mut handler) = chromiumoxide::Browser::launch(config)
            .await
            .unwrap_or_else(|e| panic!("{CHROMIUM} did not start: {e}"));
        let handler = tokio::spawn(async move {
            // Invalid messages are ignored by chromiumoxide; any error that
            // reaches here means the connection is gone.
            while let Some(event) = handler.next().await {
                if let Err(e) = event {
                    eprintln!("browser connection ended: {e}");
                    break;
                }
            }
        });
        Browser {
            inner,
            handler,
            _profile: profile,
        }
    }

    /// Opens `url` in a new tab of `width` x `height` CSS pixels (a touch
    /// device below 800 px wide) and waits for it to load. Requests are
    /// recorded from before the navigation.
    pub async fn new_page(&self, url: &str, width: u32, height: u32) -> Tab {
        let page = self.inner.new_page("about:blank").await.expect("new tab");
        page.execute(SetDeviceMetricsOverrideParams::new(
            width,
            height,
            1.0,
            width < 800,
        ))
        .await
        .expect("device metrics");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let mut sent = page
            .event_listener::<EventRequestWillBeSent>()
            .await
            .expect("network events");
        let log = Arc::clone(&requests);
        let request_recorder = tokio::spawn(async move {
            while let Some(ev) = sent.next().await {
                log.lock()
                    .expect("request log")
                    .push(ev.request.url.clone());
            }
        });
        let js_errors = Arc::new(Mutex::new(Vec::new()));
        let mut thrown = page
            .event_listener::<EventExceptionThrown>()
            .await
            .expect("exception events");
        let log = Arc::clone(&js_errors);
        let error_recorder = tokio::spawn(async move {
            while let Some(ev) = thrown.next().await {
                let d = &ev.exception_details;
                let what = d
                    .exception
                    .as_ref()
                    .and_then(|e| e.description.clone())
                    .unwrap_or_else(|| d.text.clone());
                let at = d.url.clone().unwrap_or_default();
                log.lock().expect("error log").push(format!(
                    "{what} (at {at}:{}:{})",
                    d.line_number + 1,
                    d.column_number + 1
                ));
            }
        });
        let tab = Tab {
            page,
            requests,
            js_errors,
            recorders: [request_recorder, error_recorder],
        };
        tab.goto(url).await;
        tab
    }

    /// Closes the browser and waits for the process to exit.
    pub async fn close(mut self) {
        if let Err(e) = self.inner.close().await {
            eprintln!("browser close: {e}; killing it");
            self.inner.kill().await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.inner.wait()).await;
        self.handler.abort();
    }
}

/// One tab at a fixed device size.
pub struct Tab {
    page: Page,
    /// Every URL this tab requested (Network.requestWillBeSent), in order.
    requests: Arc<Mutex<Vec<String>>>,
    /// Every uncaught JavaScript exception (Runtime.exceptionThrown).
    js_errors: Arc<Mutex<Vec<String>>>,
    recorders: [JoinHandle<()>; 2],
}

impl Drop for Tab {
    fn drop(&mut self) {
        for r in &self.recorders {
            r.abort();
        }
    }
}

/// A JavaScript string literal for `s`.
fn js_str(s: &str) -> String {
    serde_json::to_string(s).expect("string to JSON")
}

/// The scheme, host and port of an absolute http(s) URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

impl Tab {
    /// Navigates to `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.page
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("navigating to {url}: {e}"));
    }

    /// The tab's current URL.
    pub async fn url(&self) -> String {
        self.eval("location.href")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page's language: `<html lang>`.
    pub async fn html_lang(&self) -> String {
        self.eval("document.documentElement.lang")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Evaluates a JavaScript expression (promises are awaited) and returns its
    /// JSON value (`null` for `undefined`).
    pub async fn eval(&self, js: &str) -> serde_json::Value {
        self.try_eval(js)
            .await
            .unwrap_or_else(|e| panic!("evaluating `{js}`: {e}"))
    }

    /// Like [`Tab::eval`], but an error (e.g. the page is navigating) is
    /// returned instead of failing the test.
    async fn try_eval(&self, js: &str) -> Result<serde_json::Value, String> {
        let result = self.page.evaluate(js).await.map_err(|e| e.to_string())?;
        Ok(result.value().cloned().unwrap_or(serde_json::Value::Null))
    }

    /// Polls the JavaScript expression `js` until it is `true`, or fails the
    /// test after `timeout` with `what`, the URL and the page text.
    pub async fn wait_until(&self, what: &str, js: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            // Errors while a new document loads just mean "not yet".
            if self.try_eval(js).await == Ok(serde_json::Value::Bool(true)) {
                return;
            }
            if Instant::now() >= deadline {
                let url = self.try_eval("location.href").await;
                let text = self
                    .try_eval("document.body ? document.body.innerText.slice(0, 800) : ''")
                    .await;
                panic!(
                    "timed out after {timeout:?} waiting for {what}\n  url: {url:?}\n  \
                     page text: {text:?}\n  JavaScript errors: {:?}",
                    self.js_errors()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until an element matches `selector`.
    pub async fn wait_for(&self, selector: &str, timeout: Duration) {
        let js = format!("document.querySelector({}) !== null", js_str(selector));
        self.wait_until(&format!("`{selector}` to exist"), &js, timeout)
            .await;
    }

    /// JavaScript: is the first element matching `selector` shown? Rendered
    /// with a non-empty box, and neither it nor an ancestor `display: none`,
    /// `visibility: hidden` or skipped by `content-visibility` (the content of
    /// a closed `<details>`).
    fn visible_js(selector: &str) -> String {
        format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return false; \
             const r = e.getBoundingClientRect(); \
             return e.checkVisibility({{ visibilityProperty: true }}) \
             && r.width > 0 && r.height > 0; }})()",
            js_str(selector)
        )
    }

    /// Waits until the first element matching `selector` is shown (see
    /// `visible_js`).
    pub async fn wait_visible(&self, selector: &str, timeout: Duration) {
        self.wait_until(
            &format!("`{selector}` to be visible"),
            &Self::visible_js(selector),
            timeout,
        )
        .await;
    }

    /// Whether the first element matching `selector` is shown now.
    pub async fn is_visible(&self, selector: &str) -> bool {
        self.eval(&Self::visible_js(selector)).await == serde_json::Value::Bool(true)
    }

    /// Clicks the first element matching `selector` with the mouse, as a
    /// person would: waits until it is shown, scrolled into view and not
    /// covered at its centre by anything else, then presses and releases the
    /// left button there.
    pub async fn click(&self, selector: &str) {
        let point = self.clickable_point(selector).await;
        self.page
            .click(point)
            .await
            .unwrap_or_else(|e| panic!("clicking `{selector}`: {e}"));
    }

    /// Where a click on `selector` would land on it (see [`Tab::click`]).
    async fn clickable_point(&self, selector: &str) -> Point {
        // Answers [x, y] when clickable, else why not.
        let js = format!(
            "(() => {{ const e = document.querySelector({sel}); if (!e) return 'absent'; \
             if (!e.checkVisibility({{ visibilityProperty: true }})) return 'hidden'; \
             e.scrollIntoView({{ block: 'center', inline: 'center' }}); \
             const r = e.getBoundingClientRect(); \
             if (r.width === 0 || r.height === 0) return 'empty box'; \
             const x = r.left + r.width / 2, y = r.top + r.height / 2; \
             const hit = document.elementFromPoint(x, y); \
             if (!hit || !(e === hit || e.contains(hit))) \
               return 'covered by ' + (hit ? hit.outerHTML.slice(0, 120) : 'nothing'); \
             return [x, y]; }})()",
            sel = js_str(selector)
        );
        let deadline = Instant::now() + WAIT;
        loop {
            let answer = self.try_eval(&js).await;
            if let Ok(serde_json::Value::Array(xy)) = &answer
                && let [Some(x), Some(y)] = [xy[0].as_f64(), xy[1].as_f64()]
            {
                return Point { x, y };
            }
            if Instant::now() >= deadline {
                panic!(
                    "`{selector}` never became clickable in {WAIT:?}: {answer:?}\n  url: {}\n  \
                     JavaScript errors: {:?}",
                    self.url().await,
                    self.js_errors()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Chooses a radio button or checkbox as a person would: by clicking the
    /// `<label>` around it (styled forms often hide the input itself), or the
    /// input when it has no label around it. Fails unless it ends up checked.
    pub async fn choose(&self, input_selector: &str) {
        self.wait_for(input_selector, WAIT).await;
        let labelled = self
            .eval(&format!(
                "document.querySelector({}).closest('label') !== null",
                js_str(input_selector)
            ))
            .await;
        if labelled == serde_json::Value::Bool(true) {
            // Mark the label so it can be clicked by selector.
            self.eval(&format!(
                "document.querySelectorAll('[data-e2e-click]').forEach(e => e.removeAttribute('data-e2e-click')); \
                 document.querySelector({}).closest('label').setAttribute('data-e2e-click', ''); true",
                js_str(input_selector)
            ))
            .await;
            self.click("[data-e2e-click]").await;
        } else {
            self.click(input_selector).await;
        }
        self.wait_until(
            &format!("`{input_selector}` to be checked"),
            &format!(
                "document.querySelector({}).checked === true",
                js_str(input_selector)
            ),
            WAIT,
        )
        .await;
    }

    /// Empties the field `selector`, clicks into it and types `text` key by
    /// key (a re-rendered form may come back filled in).
    pub async fn type_into(&self, selector: &str, text: &str) {
        self.wait_visible(selector, WAIT).await;
        self.eval(&format!(
            "document.querySelector({}).value = ''; true",
            js_str(selector)
        ))
        .await;
        self.click(selector).await;
        let focused = self
            .eval(&format!(
                "document.activeElement === document.querySelector({})",
                js_str(selector)
            ))
            .await;
        assert_eq!(
            focused,
            serde_json::Value::Bool(true),
            "`{selector}` has no focus"
        );
        // Key events go to the focused element.
        self.page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("finding `{selector}`: {e}"))
            .type_str(text)
            .await
            .unwrap_or_else(|e| panic!("typing into `{selector}`: {e}"));
        let value = self
            .eval(&format!(
                "document.querySelector({}).value",
                js_str(selector)
            ))
            .await;
        assert_eq!(
            value,
            serde_json::Value::String(text.to_owned()),
            "typed into `{selector}`"
        );
    }

    /// The trimmed visible text of the first element matching `selector`;
    /// fails the test if there is none.
    pub async fn text_of(&self, selector: &str) -> String {
        let v = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({}); return e ? e.innerText.trim() : null; }})()",
                js_str(selector)
            ))
            .await;
        match v {
            serde_json::Value::String(s) => s,
            _ => panic!("no element matches `{selector}` at {}", self.url().await),
        }
    }

    /// How many elements match `selector`.
    pub async fn count(&self, selector: &str) -> usize {
        let v = self
            .eval(&format!(
                "document.querySelectorAll({}).length",
                js_str(selector)
            ))
            .await;
        v.as_u64()
            .unwrap_or_else(|| panic!("count of `{selector}`: {v}")) as usize
    }

    /// Saves a PNG of the whole page (not only the viewport, at the tab's
    /// width) to `tests/artifacts/{name}.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
        std::fs::create_dir_all(&dir).expect("create tests/artifacts");
        let path = dir.join(format!("{name}.png"));
        // Chromiumoxide's `full_page` clears the device metrics afterwards,
        // which would turn a phone into a desktop: clip to the content instead.
        let size = self
            .eval("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            .await;
        let dim = |i: usize| size[i].as_f64().unwrap_or(1.0).max(1.0);
        let params = ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .capture_beyond_viewport(true)
            .clip(Viewport {
                x: 0.0,
                y: 0.0,
                width: dim(0),
                height: dim(1),
                scale: 1.0,
            })
            .build();
        self.page
            .save_screenshot(params, &path)
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        path
    }

    /// Makes this the tab in front (others are hidden, as on a real screen).
    pub async fn bring_to_front(&self) {
        self.page.bring_to_front().await.expect("bring to front");
    }

    /// Sets the tab's size in CSS pixels and its device pixel ratio (a
    /// printer's dots or a TV's pixels, for a sharper screenshot).
    pub async fn set_device(&self, width: u32, height: u32, scale: f64) {
        self.page
            .execute(SetDeviceMetricsOverrideParams::new(
                width, height, scale, false,
            ))
            .await
            .expect("device metrics");
    }

    /// A PNG of the element `selector` (at the device pixel ratio), also
    /// saved to `tests/artifacts/{name}.png`.
    pub async fn screenshot_of(&self, selector: &str, name: &str) -> Vec<u8> {
        let rect = self
            .eval(&format!(
                "(() => {{ const r = document.querySelector({}).getBoundingClientRect(); \
                 return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }})()",
                js_str(selector)
            ))
            .await;
        let v = |i: usize| rect[i].as_f64().unwrap_or(0.0);
        let params = ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .capture_beyond_viewport(true)
            .clip(Viewport {
                x: v(0),
                y: v(1),
                width: v(2).max(1.0),
                height: v(3).max(1.0),
                scale: 1.0,
            })
            .build();
        let bytes = self
            .page
            .screenshot(params)
            .await
            .unwrap_or_else(|e| panic!("screenshot of {selector}: {e}"));
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
        std::fs::create_dir_all(&dir).expect("create tests/artifacts");
        std::fs::write(dir.join(format!("{name}.png")), &bytes).expect("write screenshot");
        bytes
    }

    /// Lays the page out as for printing (`@media print`), or back.
    pub async fn emulate_print(&self, on: bool) {
        let media = if on { "print" } else { "" };
        self.page
            .execute(SetEmulatedMediaParams::builder().media(media).build())
            .await
            .expect("emulate media");
    }

    /// Prints the page to PDF on A4 (with the page's own `@page` rules) and
    /// keeps it as an artefact; gives the number of pages.
    pub async fn print_pdf(&self, name: &str) -> usize {
        let bytes = self.pdf(name).await;
        // Each page of a PDF is an object of `/Type /Page` (not `/Pages`).
        let text = String::from_utf8_lossy(&bytes);
        text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
    }

    /// The page printed to PDF (A4 unless the page's `@page` says
    /// otherwise), kept as `tests/artifacts/{name}.pdf`.
    pub async fn pdf(&self, name: &str) -> Vec<u8> {
        let params = PrintToPdfParams::builder()
            .paper_width(8.27)
            .paper_height(11.69)
            .prefer_css_page_size(true)
            .build();
        let bytes = self.page.pdf(params).await.expect("print to PDF");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
        std::fs::create_dir_all(&dir).expect("create tests/artifacts");
        std::fs::write(dir.join(format!("{name}.pdf")), &bytes).expect("write PDF");
        bytes
    }

    /// Every URL this tab has requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("request log").clone()
    }

    /// Every uncaught JavaScript exception on this tab so far.
    pub fn js_errors(&self) -> Vec<String> {
        self.js_errors.lock().expect("error log").clone()
    }

    /// Asserts that no script on this tab threw an uncaught exception.
    pub fn assert_no_js_errors(&self) {
        let errors = self.js_errors();
        assert!(
            errors.is_empty(),
            "uncaught JavaScript exceptions: {errors:#?}"
        );
    }

    /// Everything this tab loaded from outside the origin of its current page:
    /// URLs from the network log since the tab opened, and from the resource
    /// timing entries of the current document (which also list resources
    /// served from the memory cache). Inline `data:`/`blob:` URLs and
    /// `about:blank` load nothing from outside.
    pub async fn loads_outside_own_origin(&self) -> Vec<String> {
        let url = self.url().await;
        let origin = origin_of(&url).to_owned();
        // Network events reach the log through a task: wait until it has
        // caught up with at least the current document.
        let deadline = Instant::now() + WAIT;
        while !self.requests().iter().any(|u| origin_of(u) == origin) {
            assert!(
                Instant::now() < deadline,
                "the request log never saw {origin}: {:?}",
                self.requests()
            );
            tokio::time::sleep(POLL).await;
        }
        let resources = self
            .eval("performance.getEntriesByType('resource').map(e => e.name)")
            .await;
        let resources: Vec<String> = serde_json::from_value(resources).expect("resource names");
        let mut outside: Vec<String> = self
            .requests()
            .into_iter()
            .chain(resources)
            .filter(|u| {
                let inline = u.starts_with("data:") || u.starts_with("blob:") || u == "about:blank";
                !inline && origin_of(u) != origin
            })
            .collect();
        outside.sort();
        outside.dedup();
        outside
    }

    /// Asserts that everything this tab loaded came from the origin of its
    /// current page (see [`Tab::loads_outside_own_origin`]).
    pub async fn assert_loaded_only_from_own_origin(&self) {
        let outside = self.loads_outside_own_origin().await;
        assert!(
            outside.is_empty(),
            "{} loaded from outside its own server: {outside:#?}",
            self.url().await
        );
    }
}

// The harness itself, against a kiosk. These must be able to fail: the origin
// check has to notice a request to another server.

#[tokio::test]
async fn the_harness_opens_a_kiosk_page_at_phone_size_and_records_its_requests() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = crate::helpers::office().await;
    let tab = b
        .new_page(&format!("{}/", o.kiosk.base), PHONE.0, PHONE.1)
        .await;
    tab.wait_until(
        "the document to load",
        "document.readyState === 'complete'",
        WAIT,
    )
    .await;
    assert_eq!(tab.eval("window.innerWidth").await, serde_json::json!(360));
    assert_eq!(tab.eval("window.innerHeight").await, serde_json::json!(740));
    assert_eq!(
        tab.eval("navigator.language").await,
        serde_json::json!(LOCALE)
    );
    assert_eq!(
        tab.html_lang().await,
        "id",
        "Bahasa Indonesia first, even in an English browser"
    );
    assert_eq!(tab.url().await, format!("{}/", o.kiosk.base));
    assert!(
        tab.requests().contains(&format!("{}/", o.kiosk.base)),
        "{:?}",
        tab.requests()
    );
    tab.assert_loaded_only_from_own_origin().await;
    let png = tab.screenshot("harness-kiosk-root-phone").await;
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    // Still a phone after the screenshot.
    assert_eq!(tab.eval("window.innerWidth").await, serde_json::json!(360));
    b.close().await;
}

#[tokio::test]
async fn the_harness_notices_a_request_to_another_server_and_a_script_error() {
    let Some(b) = browser_or_skip().await else {
        return;
    };
    let o = crate::helpers::office().await;
    let tab = b
        .new_page(&format!("{}/", o.kiosk.base), TABLET.0, TABLET.1)
        .await;
    tab.assert_loaded_only_from_own_origin().await;
    // Our pages' Content-Security-Policy would block the request before it
    // is sent; lift it to see that the harness records what does go out.
    tab.page
        .execute(SetBypassCspParams::new(true))
        .await
        .expect("bypass CSP");
    tab.goto(&format!("{}/", o.kiosk.base)).await;
    // 127.0.0.2 is another origin that answers at once (refused); the request
    // is recorded when it is sent.
    tab.eval("fetch('http://127.0.0.2:9/font.woff2').catch(() => null).then(() => true)")
        .await;
    let foreign = "http://127.0.0.2:9/font.woff2".to_owned();
    crate::helpers::eventually("the foreign request to be logged", WAIT, || async {
        tab.requests().contains(&foreign).then_some(())
    })
    .await;
    assert_eq!(tab.loads_outside_own_origin().await, vec![foreign]);

    // An uncaught exception in a page script is recorded too.
    tab.assert_no_js_errors();
    tab.eval("setTimeout(() => { throw new Error('kaboom'); }, 0); true")
        .await;
    crate::helpers::eventually("the exception to be logged", WAIT, || async {
        (!tab.js_errors().is_empty()).then_some(())
    })
    .await;
    assert!(
        tab.js_errors()[0].contains("kaboom"),
        "{:?}",
        tab.js_errors()
    );
    b.close().await;
}

#[test]
fn origins_are_scheme_host_and_port() {
    assert_eq!(
        origin_of("http://127.0.0.1:8080/r/abc?x=1"),
        "http://127.0.0.1:8080"
    );
    assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    assert_ne!(
        origin_of("http://127.0.0.1:80800/x"),
        "http://127.0.0.1:8080"
    );
}
