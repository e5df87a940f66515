//! Tickets: take a number; complete or abandon one; its QR code.

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, web};
use httpkit::{ApiError, JsonBody};
use shared::ServiceCode;
use shared::wire::{Completed, NewTicket, NewTransfer};

use super::{AppState, invalid_id, ticket_in_path};
use crate::auth::CounterSession;
use crate::error::KioskError;
use crate::qr;
use crate::state::{TicketStatus, missing_ticket};
use crate::store::new_ticket_id;

/// `POST /api/tickets`: a citizen takes a number.
pub async fn issue(
    app: web::Data<AppState>,
    body: JsonBody<NewTicket>,
) -> Result<HttpResponse, ApiError> {
    let service = ServiceCode::parse(&body.0.service).map_err(|_| invalid_id("service"))?;
    let id = new_ticket_id();
    let ticket = app
        .store
        .exec(move |tx| tx.issue_ticket(&service, id))
        .await?;
    app.tickets_issued.fetch_add(1, Ordering::Relaxed);
    let mut view = ticket.view();
    view.status = None;
    Ok(HttpResponse::Created().json(view))
}

/// `POST /api/tickets/{ticket_id}/complete`: service finished; answers the
/// rating link and its QR code.
pub async fn complete(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
) -> Result<HttpResponse, ApiError> {
    let id = ticket_in_path(&path)?;
    let ticket = app.store.exec(move |tx| tx.complete(&session, id)).await?;
    let config = app.store.read(|s| s.config.clone());
    let rating_url = qr::rating_url(&config.raw, app.kiosk_id, &app.kiosk_key, &ticket);
    let qr_svg = qr::svg(&rating_url).map_err(ApiError::unexpected)?;
    Ok(HttpResponse::Ok().json(Completed { rating_url, qr_svg }))
}

/// `POST /api/tickets/{ticket_id}/abandon`: a no-show.
pub async fn abandon(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
) -> Result<HttpResponse, ApiError> {
    let id = ticket_in_path(&path)?;
    let ticket = app.store.exec(move |tx| tx.abandon(&session, id)).await?;
    Ok(HttpResponse::Ok().json(ticket.view()))
}

/// `POST /api/tickets/{ticket_id}/transfer` `{"service"}`: the citizen served
/// here goes on to another service. This transaction is completed now; the
/// answer (201) is the visit's next ticket, with the same number, waiting
/// ahead of new arrivals for that service.
pub async fn transfer(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
    body: JsonBody<NewTransfer>,
) -> Result<HttpResponse, ApiError> {
    let id = ticket_in_path(&path)?;
    let service = ServiceCode::parse(&body.0.service).map_err(|_| invalid_id("service"))?;
    let new_id = new_ticket_id();
    let next = app
        .store
        .exec(move |tx| tx.transfer(&session, id, &service, new_id))
        .await?;
    Ok(HttpResponse::Created().json(next.view()))
}

/// `GET /api/tickets/{ticket_id}/qr.svg`: the QR code of a completed
/// ticket's rating link, for the counter that served it.
pub async fn qr_svg(
    app: web::Data<AppState>,
    path: web::Path<String>,
    CounterSession(session): CounterSession,
) -> Result<HttpResponse, ApiError> {
    let id = ticket_in_path(&path)?;
    let (ticket, config) = app
        .store
        .read(|s| (s.tickets.get(&id).cloned(), s.config.clone()));
    let ticket = ticket.ok_or_else(|| missing_ticket(id))?;
    if ticket.counter.as_ref() != Some(&session.counter) {
        return Err(KioskError::NotYourTicket.into());
    }
    if ticket.status != TicketStatus::Completed {
        return Err(KioskError::NotCompleted.into());
    }
    let url = qr::rating_url(&config.raw, app.kiosk_id, &app.kiosk_key, &ticket);
    let svg = qr::svg(&url).map_err(ApiError::unexpected)?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "no-store"))
        .body(svg))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use shared::{CounterId, Nip};

    use crate::auth::token_hash;
    use crate::clock::Clock;
    use crate::settings::Settings;
    use crate::startup::Application;
    use crate::state::tests::{config, ticket_id_made_days_ago};
    use crate::store;
    use crate::sync::housekeeping_once;

    #[tokio::test]
    async fn a_pruned_ticket_of_an_earlier_day_is_answered_410_in_indonesian_or_english() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("kiosk");
        let cfg = config("Asia/Jakarta");
        // The kiosk reached the collector once: its configuration is cached.
        drop(
            store::open(&data.join("kiosk.redb"))
                .unwrap()
                .start(cfg.clone(), Clock::default())
                .unwrap(),
        );
        let mut settings = Settings::new(
            data.clone(),
            "http://127.0.0.1:9".into(),
            cfg.kiosk_id,
            "kunci".into(),
        );
        settings.listen = "127.0.0.1:0".into();
        settings.operator_token = Some("operator".into());
        settings.startup_fetch_timeout = Duration::from_secs(2);
        settings.clock_correction = false;
        let app = loop {
            // The first store's writer lets go of the file once it ends.
            match Application::build(settings.clone()).await {
                Ok(app) => break app,
                Err(e) if format!("{e:#}").contains("opening") => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("{e:#}"),
            }
        };
        let base = format!("http://127.0.0.1:{}", app.port());
        let store = app.store();
        tokio::spawn(app.run_until_stopped());

        // A ticket served and acknowledged a month ago (its id says when).
        let id = ticket_id_made_days_ago(30);
        let l1 = CounterId::parse("L1").unwrap();
        let nip = Nip::parse("198812252015031003").unwrap();
        let (c, n) = (l1.clone(), nip.clone());
        store
            .exec(move |tx| {
                let s = tx.sign_in(&c, &n, true, token_hash("sesi-lama"))?;
                tx.issue_ticket(&shared::ServiceCode::parse("ktp").unwrap(), id)?;
                tx.call_next(&s)?;
                tx.complete(&s, id)?;
                let mark = tx.state.next_seq - 1;
                tx.set_acked(mark);
                Ok(())
            })
            .await
            .unwrap();
        store.clock().advance(10 * 86_400);
        let done = housekeeping_once(&store, Duration::from_secs(7 * 86_400)).await;
        assert_eq!(done.pruned.tickets, 1);
        let (c, n) = (l1.clone(), nip);
        store
            .exec(move |tx| {
                tx.sign_in(&c, &n, true, token_hash("sesi"))?;
                tx.pair_tablet(&c, token_hash("tablet"), token_hash("kode"))
            })
            .await
            .unwrap();

        let http = reqwest::Client::new();
        for path in [format!("/ticket/{id}"), format!("/ticket/{id}/print")] {
            let res = http.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 410, "{path}");
            let page = res.text().await.unwrap();
            assert!(
                page.contains("Tiket ini sudah tidak tersedia di kiosk"),
                "{path}: {page}"
            );
            let res = http
                .get(format!("{base}{path}?lang=en"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 410);
            assert!(res.text().await.unwrap().contains("no longer available"));
        }
        let never = uuid::Uuid::now_v7();
        let res = http
            .get(format!("{base}/ticket/{never}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404, "a ticket it never had");

        let bearer = |token: &str| format!("Bearer {token}");
        let calls = [
            http.post(format!("{base}/api/tickets/{id}/complete"))
                .header("Authorization", bearer("sesi")),
            http.post(format!("{base}/api/tickets/{id}/abandon"))
                .header("Authorization", bearer("sesi")),
            http.post(format!("{base}/api/tickets/{id}/transfer"))
                .header("Authorization", bearer("sesi"))
                .json(&serde_json::json!({"service": "akta"})),
            http.get(format!("{base}/api/tickets/{id}/qr.svg"))
                .header("Authorization", bearer("sesi")),
            http.post(format!("{base}/api/ratings"))
                .header("Authorization", bearer("tablet"))
                .json(&serde_json::json!({"ticket_id": id, "score": 4})),
        ];
        for call in calls {
            let res = call.send().await.unwrap();
            let url = res.url().path().to_owned();
            assert_eq!(res.status().as_u16(), 410, "{url}");
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["error"], "ticket_gone", "{url}");
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("Tiket ini sudah tidak tersedia"),
                "{url}: {body}"
            );
        }
        let res = http
            .post(format!("{base}/api/tickets/{id}/complete"))
            .header("Authorization", bearer("sesi"))
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 410);
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("This ticket is no longer available"),
            "{body}"
        );
    }
}
