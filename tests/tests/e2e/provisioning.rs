//! Provisioning through the collector's admin API, and kiosks starting from
//! the configuration it serves.

use reqwest::{Method, StatusCode};
use shared::wire::{ErrorBody, RosterImport};

use crate::helpers::*;

#[tokio::test]
async fn a_roster_with_a_bad_line_imports_the_good_rows_and_names_the_bad_line() {
    let collector = spawn_collector().await;
    let office = e2e::demo_data::offices()
        .into_iter()
        .find(|o| o.id == OFFICE)
        .unwrap();
    assert_eq!(
        collector.put_office(OFFICE, &office.spec).await.status(),
        StatusCode::OK
    );
    let csv = format!(
        "nip,name,office_id,pin\n{},Rina Marlina,{OFFICE},{}\n19820230 200801 2 005,Salah Tanggal,{OFFICE},1234\n{},Andi Saputra,{OFFICE},{}\n",
        ASN1.0, ASN1.1, ASN2.0, ASN2.1
    );
    let res = collector
        .admin(Method::PUT, "/api/v1/roster")
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let import: RosterImport = json(res).await;
    assert_eq!(import.imported, 2);
    assert_eq!(import.rejected.len(), 1);
    assert_eq!(import.rejected[0].line, 3, "line 1 is the header");

    // The kiosk gets exactly the good rows: both ASN sign in.
    let creds = collector.create_kiosk(OFFICE).await;
    let dir = temp_dir();
    let kiosk = spawn_kiosk(kiosk_settings(&collector.base, &creds, dir.path()), creds).await;
    kiosk.sign_in("L1", ASN1).await;
    kiosk.sign_in("L2", ASN2).await;
    let res = kiosk.sign_in_raw("L1", "198202302008012005", "1234").await;
    assert!(res.status().is_client_error());
}

#[tokio::test]
async fn admin_routes_refuse_a_missing_or_wrong_token() {
    let collector = spawn_collector().await;
    let office = e2e::demo_data::offices().remove(0);
    let url = format!("{}/api/v1/offices/{}", collector.base, office.id);
    let res = collector
        .http
        .put(&url)
        .json(&office.spec)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: ErrorBody = json(res).await;
    assert!(!body.message.is_empty());
    let res = collector
        .http
        .put(&url)
        .bearer_auth("wrong")
        .json(&office.spec)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = collector
        .http
        .post(format!("{}/api/v1/kiosks", collector.base))
        .json(&serde_json::json!({"office_id": office.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_kiosk_restarts_from_its_cached_configuration_when_the_collector_is_down() {
    let collector = spawn_collector().await;
    let creds = provision(&collector, OFFICE).await;
    let dir = temp_dir();
    let kiosk = KioskProcess::start(&collector.base, &creds, dir.path(), &[]).await;
    assert_eq!(kiosk.take_ticket("ktp").await.number, "A-001");
    kiosk.kill9().await;

    collector.stop();
    let base = collector.base.clone();
    drop(collector);
    // Nothing answers at the collector's address now.
    assert!(
        client()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err()
    );

    let kiosk = KioskProcess::start(&base, &creds, dir.path(), &[]).await;
    assert_eq!(
        kiosk.take_ticket("ktp").await.number,
        "A-002",
        "numbering survives the restart"
    );
    let session = kiosk.sign_in("L1", ASN1).await;
    let called = kiosk.call_next("L1", &session).await;
    assert_eq!(called.number, "A-001");
}

#[tokio::test]
async fn a_kiosk_that_never_reached_the_collector_does_not_start_and_says_why() {
    let collector = spawn_collector().await;
    let creds = provision(&collector, OFFICE).await;
    let dir = temp_dir();
    // Port 9 (discard) on loopback: nothing listens there.
    let settings = kiosk_settings("http://127.0.0.1:9", &creds, dir.path());
    let err = match kiosk::Application::build(settings).await {
        Ok(_) => panic!("started without any configuration"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("needs the collector once"), "{err}");
}

#[tokio::test]
async fn a_kiosk_with_a_wrong_key_is_refused_its_configuration() {
    let collector = spawn_collector().await;
    let mut creds = provision(&collector, OFFICE).await;
    creds.key = "not-the-key".into();
    let dir = temp_dir();
    let settings = kiosk_settings(&collector.base, &creds, dir.path());
    let err = match kiosk::Application::build(settings).await {
        Ok(_) => panic!("started with a forged key"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("401"), "{err}");
}

#[tokio::test]
async fn roster_changes_reach_the_kiosk_on_its_next_refresh_and_a_deactivated_asn_is_signed_out() {
    let collector = spawn_collector().await;
    let creds = provision(&collector, OFFICE).await;
    let dir = temp_dir();
    let mut settings = kiosk_settings(&collector.base, &creds, dir.path());
    settings.config_refresh = std::time::Duration::from_millis(200);
    let kiosk = spawn_kiosk(settings, creds).await;
    let session = kiosk.sign_in("L2", ASN2).await;
    // A new ASN joins; ASN2 leaves the office.
    let rows = vec![
        shared::wire::RosterRow {
            nip: "199501012020121001".into(),
            name: "Rahmat Hidayat".into(),
            office_id: OFFICE.into(),
            pin: "246810".into(),
            active: None,
        },
        shared::wire::RosterRow {
            nip: ASN2.0.into(),
            name: "Andi Saputra".into(),
            office_id: OFFICE.into(),
            pin: ASN2.1.into(),
            active: Some(false),
        },
    ];
    assert!(collector.put_roster(&rows).await.rejected.is_empty());
    eventually(
        "the new ASN to be able to sign in",
        std::time::Duration::from_secs(20),
        || async {
            (kiosk
                .sign_in_raw("L1", "199501012020121001", "246810")
                .await
                .status()
                == StatusCode::OK)
                .then_some(())
        },
    )
    .await;
    eventually(
        "the deactivated ASN to be signed out",
        std::time::Duration::from_secs(20),
        || async {
            let d = kiosk.dashboard().await;
            (d.counters.iter().find(|c| c.counter == "L2")?.status == "closed").then_some(())
        },
    )
    .await;
    let res = kiosk
        .req(Method::POST, "/api/counters/L2/next")
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        kiosk.sign_in_raw("L2", ASN2.0, ASN2.1).await.status(),
        StatusCode::FORBIDDEN,
        "inactive"
    );
}
