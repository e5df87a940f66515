//! A fault-injecting HTTP proxy on 127.0.0.1 between a kiosk and the
//! collector. It forwards each request on a fresh upstream connection and
//! can (a) let the collector apply a batch but cut the connection instead of
//! relaying the answer (a lost acknowledgement), (b) answer batches 503
//! without forwarding them (collector "down" for batches only), (c) hold
//! batches (a slow link), or (d) in seeded chaos, delay, drop, cut half way
//! through the request or the answer, or swallow the answer, batch by batch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Knobs and counters shared with the test.
#[derive(Default)]
pub struct Faults {
    /// Batch answers still to swallow after the collector applied them.
    pub swallow_batch_answers: AtomicU32,
    /// Answers actually swallowed.
    pub swallowed: AtomicU32,
    /// Refuse batches with 503 (not forwarded).
    pub block_batches: AtomicBool,
    /// Batches forwarded to the collector.
    pub batches_forwarded: AtomicU32,
    /// Milliseconds to hold each batch before forwarding it (slow link).
    pub batch_delay_ms: AtomicU32,
    /// Seeded random faults on batches, while set: each batch passes,
    /// waits, is dropped unsent, is cut mid-request, is cut mid-response, or
    /// has its answer swallowed after the collector applied it.
    pub chaos: std::sync::Mutex<Option<e2e::semester::Rng>>,
    /// Faults the chaos injected, by kind.
    pub delayed: AtomicU32,
    /// Batches dropped before reaching the collector.
    pub dropped: AtomicU32,
    /// Batches cut half way through the request.
    pub cut_requests: AtomicU32,
    /// Answers cut half way through.
    pub cut_responses: AtomicU32,
}

/// What the chaos does to one batch.
#[derive(Clone, Copy, PartialEq)]
enum Chaos {
    Pass,
    Delay(u64),
    Drop,
    CutRequest,
    CutResponse,
    Swallow,
}

impl Faults {
    fn chaos_pick(&self) -> Chaos {
        let mut guard = self.chaos.lock().unwrap_or_else(|e| e.into_inner());
        let Some(rng) = guard.as_mut() else {
            return Chaos::Pass;
        };
        match rng.below(10) {
            0..=3 => Chaos::Pass,
            4 | 5 => Chaos::Delay(rng.below(400)),
            6 => Chaos::Drop,
            7 => Chaos::CutRequest,
            8 => Chaos::CutResponse,
            _ => Chaos::Swallow,
        }
    }

    /// Faults injected by the chaos so far.
    pub fn injected(&self) -> u32 {
        self.delayed.load(Ordering::SeqCst)
            + self.dropped.load(Ordering::SeqCst)
            + self.cut_requests.load(Ordering::SeqCst)
            + self.cut_responses.load(Ordering::SeqCst)
            + self.swallowed.load(Ordering::SeqCst)
    }
}

/// A running proxy.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its faults.
    pub faults: Arc<Faults>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one HTTP/1.1 message (headers and a Content-Length body).
async fn read_message(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf);
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn serve(mut client: TcpStream, upstream: String, faults: Arc<Faults>) {
    while let Some(req) = read_message(&mut client).await {
        let is_batch = req.starts_with(b"POST /api/v1/batches ");
        if is_batch && faults.block_batches.load(Ordering::SeqCst) {
            let body = r#"{"error":"unavailable","message":"proxy: collector down"}"#;
            let res = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            if client.write_all(res.as_bytes()).await.is_err() {
                return;
            }
            continue;
        }
        let delay = faults.batch_delay_ms.load(Ordering::SeqCst);
        if is_batch && delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(u64::from(delay))).await;
        }
        let chaos = if is_batch {
            faults.chaos_pick()
        } else {
            Chaos::Pass
        };
        match chaos {
            Chaos::Delay(ms) => {
                faults.delayed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            Chaos::Drop => {
                faults.dropped.fetch_add(1, Ordering::SeqCst);
                return;
            }
            _ => {}
        }
        let Ok(mut up) = TcpStream::connect(&upstream).await else {
            return;
        };
        if chaos == Chaos::CutRequest {
            // Half the request, then both connections close.
            faults.cut_requests.fetch_add(1, Ordering::SeqCst);
            let _ = up.write_all(&req[..req.len() / 2]).await;
            return;
        }
        if up.write_all(&req).await.is_err() {
            return;
        }
        let Some(res) = read_message(&mut up).await else {
            return;
        };
        if chaos == Chaos::CutResponse {
            faults.cut_responses.fetch_add(1, Ordering::SeqCst);
            faults.batches_forwarded.fetch_add(1, Ordering::SeqCst);
            let _ = client.write_all(&res[..res.len() / 2]).await;
            return;
        }
        if is_batch {
            faults.batches_forwarded.fetch_add(1, Ordering::SeqCst);
            let swallow = chaos == Chaos::Swallow
                || faults
                    .swallow_batch_answers
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
            if swallow {
                faults.swallowed.fetch_add(1, Ordering::SeqCst);
                // The collector has applied it; the kiosk never hears so.
                return;
            }
        }
        if client.write_all(&res).await.is_err() {
            return;
        }
    }
}

/// Starts a proxy to `upstream_base` (`http://127.0.0.1:PORT`).
pub async fn start(upstream_base: &str) -> Proxy {
    let upstream = upstream_base.trim_start_matches("http://").to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let faults = Arc::new(Faults::default());
    let f = Arc::clone(&faults);
    let task = tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(serve(client, upstream.clone(), Arc::clone(&f)));
        }
    });
    Proxy { base, faults, task }
}
