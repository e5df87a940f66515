//! Pairing counter tablets (the office IT operator's job, with the operator
//! token): a tablet token for scripts and a one-time pairing link to open on
//! the tablet; revoking every tablet of a counter.

use actix_web::{HttpResponse, web};
use httpkit::ApiError;
use shared::wire::TabletPaired;

use super::{AppState, counter_in_path};
use crate::auth::{OperatorAuth, new_token, token_hash};

/// `POST /api/counters/{counter}/tablets`: 201 `{tablet_token, pair_url}`.
pub async fn pair(
    _operator: OperatorAuth,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let counter = counter_in_path(&path)?;
    let (token, code) = (new_token()?, new_token()?);
    let (token_h, code_h) = (token_hash(&token), token_hash(&code));
    let c = counter.clone();
    let pair_expires_at = app
        .store
        .exec(move |tx| tx.pair_tablet(&c, token_h, code_h))
        .await?;
    tracing::info!(%counter, %pair_expires_at, "tablet pairing link created");
    Ok(HttpResponse::Created().json(TabletPaired {
        tablet_token: token,
        pair_url: format!("/tablet/{counter}?pair={code}"),
        pair_expires_at,
    }))
}

/// `DELETE /api/counters/{counter}/tablets`: every tablet of the counter
/// stops working (204); pair again to use one.
pub async fn revoke(
    _operator: OperatorAuth,
    app: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let counter = counter_in_path(&path)?;
    let c = counter.clone();
    let revoked = app.store.exec(move |tx| tx.revoke_tablets(&c)).await?;
    tracing::warn!(%counter, revoked, "tablets of the counter revoked");
    Ok(HttpResponse::NoContent().finish())
}
