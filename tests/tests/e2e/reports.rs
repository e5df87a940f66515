//! HR reports: who may see what, period checks, CSV.

use reqwest::StatusCode;

use crate::helpers::*;

async fn head_token(c: &TestCollector, office: &str) -> String {
    let res = c
        .admin(reqwest::Method::POST, "/api/v1/tokens")
        .json(&serde_json::json!({"role": "head", "office_id": office}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    json::<shared::wire::TokenCreated>(res).await.token
}

#[tokio::test]
async fn reports_need_a_token_heads_see_only_their_office_and_csv_has_the_api_columns() {
    let c = spawn_collector().await;
    provision(&c, OFFICE).await;
    provision(&c, "walesi").await;
    let hr = hr_token(&c.base, &c.admin_token).await;
    let head = head_token(&c, OFFICE).await;
    let get = |path: &str, token: Option<&str>| {
        let mut r = client().get(format!("{}{path}", c.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let period = "from=2026-07-01&to=2026-12-31";
    let res = get(&format!("/api/v1/reports/offices?{period}"), None)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = get(&format!("/api/v1/reports/asn?{period}"), Some("nonsense"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let all: shared::wire::OfficeReport = json(
        get(&format!("/api/v1/reports/offices?{period}"), Some(&hr))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(all.rows.len(), 2, "HR sees every office");
    let own: shared::wire::OfficeReport = json(
        get(&format!("/api/v1/reports/offices?{period}"), Some(&head))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        own.rows
            .iter()
            .map(|r| r.office_id.as_str())
            .collect::<Vec<_>>(),
        [OFFICE]
    );
    let res = get(
        &format!("/api/v1/reports/asn?{period}&office_id=walesi"),
        Some(&head),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    for bad in [
        "from=2026-07-01",
        "from=2026-13-01&to=2026-12-31",
        "from=x&to=y",
    ] {
        let res = get(&format!("/api/v1/reports/offices?{bad}"), Some(&hr))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let res = get(
        "/api/v1/reports/offices?from=2026-12-31&to=2026-01-01",
        Some(&hr),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = get(
        &format!("/api/v1/reports/offices?{period}&office_id=nowhere"),
        Some(&hr),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let res = get(
        &format!("/api/v1/reports/asn?{period}&format=csv"),
        Some(&hr),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = res.text().await.unwrap();
    let header = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    for col in [
        "nip",
        "name",
        "office_id",
        "services",
        "ratings",
        "ratings_by_session",
        "response_rate",
        "score_mean",
        "expected",
        "score_adjusted",
        "ci_low",
        "ci_high",
        "band",
        "ikm",
        "ikm_responses",
        "wait_p50_s",
        "wait_p90_s",
        "service_p50_s",
        "timeliness",
    ] {
        assert!(
            header.split(',').any(|h| h == col),
            "missing {col} in {header}"
        );
    }
    let res = client()
        .get(format!("{}/api/v1/reports/offices?{period}", c.base))
        .bearer_auth(&hr)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    assert!(
        text.contains("ikm_sample_min") && text.contains(OFFICE),
        "{text}"
    );
}
