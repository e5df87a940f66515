//! `POST /api/v1/batches`: a kiosk's events, applied exactly once.
//!
//! Checked in this order, and nothing is written unless all pass: JSON
//! content type (415), size (413, 4 MiB), signature and replay window (401,
//! also for a disabled kiosk), every event parses into the wire types (400:
//! the batch is refused whole), at most 1,000 events (413). Then the ingest
//! writer checks every new event against the kiosk's office (403 or 422, the
//! batch refused whole), applies what is new and moves the mark of the
//! kiosk's database (instance) in one transaction: 200 with the mark; 409
//! `gap` with it when the batch leaves a gap; 409 `diverged` with the last
//! matching sequence when the events overlapping the mark are not the ones
//! applied (a restored or copied kiosk database).

use actix_web::dev::Payload;
use actix_web::{HttpRequest, HttpResponse, web};
use httpkit::ApiError;
use httpkit::body::{media_type, read_body, wrong_media_type};
use jiff::Timestamp;
use serde_json::value::RawValue;
use shared::Msg;
use shared::wire::{Batch, BatchAck, Event, MAX_BATCH_EVENTS};

use super::kiosks::{KioskError, authenticate};
use crate::ingest::{BatchJob, BatchOutcome};
use crate::startup::AppState;

/// The largest batch body.
pub const BATCH_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// `POST /api/v1/batches`.
pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if media_type(&req).as_deref() != Some("application/json") {
        return Err(wrong_media_type("application/json"));
    }
    let mut inner: Payload = payload.into_inner();
    let body = read_body(&req, &mut inner).await?;
    let now = Timestamp::now().as_second();
    let kiosk = authenticate(&req, &state, &body, now).await?;
    let raw: Batch<&RawValue> = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(Msg::new(
            format!("Batch tidak sesuai bentuknya: {e}"),
            format!("Malformed batch: {e}"),
        ))
    })?;
    if raw.events.len() > MAX_BATCH_EVENTS {
        return Err(ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            Msg::new(
                format!("Satu batch paling banyak {MAX_BATCH_EVENTS} kejadian"),
                format!("A batch holds at most {MAX_BATCH_EVENTS} events"),
            ),
        ));
    }
    if raw.first_seq == 0 {
        return Err(ApiError::invalid(Msg::new(
            "first_seq dimulai dari 1",
            "first_seq starts at 1",
        )));
    }
    // Sequence numbers are u64 and never wrap: a batch whose last sequence
    // would pass u64::MAX (whatever a forged or broken kiosk claims) is
    // refused before anything adds to it.
    if raw.first_seq.checked_add(raw.events.len() as u64).is_none() {
        return Err(ApiError::invalid(Msg::new(
            "first_seq terlalu besar: urutan kejadian batch ini melampaui batas",
            "first_seq is too large: this batch's sequence numbers run past the limit",
        )));
    }
    let mut events = Vec::with_capacity(raw.events.len());
    for (i, e) in raw.events.iter().enumerate() {
        let event: Event = serde_json::from_str(e.get()).map_err(|err| {
            let seq = raw.first_seq + i as u64;
            ApiError::bad_request(Msg::new(
                format!(
                    "Kejadian ke-{i} (urutan {seq}) tidak sesuai: {err}; tidak ada yang diterapkan"
                ),
                format!("Event {i} (sequence {seq}) does not parse: {err}; nothing was applied"),
            ))
        })?;
        events.push((event, e.get().as_bytes().to_vec()));
    }
    let job = BatchJob {
        kiosk: kiosk.kiosk_id,
        office: kiosk.office_id.clone(),
        instance: raw.instance,
        first_seq: raw.first_seq,
        events,
        received_at: Timestamp::now(),
    };
    let outcome = state.store.ingest().batch(job).await.map_err(|e| {
        if state.store.ingest().storage_failed() {
            storage_unavailable()
        } else {
            KioskError::Store(e.into()).into()
        }
    })?;
    match outcome {
        BatchOutcome::Applied(m) => Ok(HttpResponse::Ok().json(BatchAck { applied_through: m })),
        BatchOutcome::Gap(m) => Err(ApiError::conflict(
            "gap",
            Msg::new(
                format!(
                    "Batch melompati urutan: collector sudah menerapkan sampai {m}; kirim ulang \
                     dari {}",
                    m + 1
                ),
                format!(
                    "The batch leaves a gap: the collector has applied through {m}; resend from {}",
                    m + 1
                ),
            ),
        )
        .with("applied_through", m)),
        BatchOutcome::Diverged(m) => {
            tracing::warn!(
                kiosk_id = %kiosk.kiosk_id,
                instance = ?raw.instance,
                matched_through = m,
                "a kiosk database sent other events than those applied under its identity \
                 (restored or copied?)"
            );
            Err(ApiError::conflict(
                "diverged",
                Msg::new(
                    format!(
                        "Kejadian sesudah urutan {m} berbeda dengan yang sudah diterapkan untuk \
                         basis data kiosk ini (dipulihkan dari cadangan atau disalin?): kirim \
                         kejadian mulai {} dengan identitas (instance) baru",
                        m + 1
                    ),
                    format!(
                        "The events after sequence {m} differ from those applied for this kiosk \
                         database (restored from a backup, or copied?): send the events from {} \
                         under a new instance",
                        m + 1
                    ),
                ),
            )
            .with("applied_through", m))
        }
        BatchOutcome::Refused(r) => {
            tracing::warn!(
                kiosk_id = %kiosk.kiosk_id,
                office_id = %kiosk.office_id,
                seq = r.seq,
                reason = %r.reason.en,
                "batch refused: an event does not belong to the kiosk's office"
            );
            let msg = Msg::new(
                format!(
                    "Kejadian ke-{} (urutan {}) ditolak: {}; tidak ada yang diterapkan dari batch \
                     ini",
                    r.index, r.seq, r.reason.id
                ),
                format!(
                    "Event {} (sequence {}) refused: {}; nothing of this batch was applied",
                    r.index, r.seq, r.reason.en
                ),
            );
            Err(if r.forbidden {
                ApiError::forbidden(msg)
            } else {
                ApiError::invalid(msg)
            }
            .with("seq", r.seq))
        }
    }
}

/// 503 while the collector cannot write its database (it restarts itself).
pub fn storage_unavailable() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
        Msg::new(
            "Collector tidak dapat menyimpan (disk penuh atau rusak); batch ini tidak diterapkan. \
             Kirim ulang nanti.",
            "The collector cannot write its storage (disk full or failing); this batch was not \
             applied. Send it again later.",
        ),
    )
    .with("retry_after_s", 30)
}
