//! Request bodies: content type checked, size limited while streaming, parsed
//! into wire types with a message that says what was wrong.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use shared::Msg;

use crate::ApiError;

/// The largest body a route accepts, as app data (64 KiB when absent).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl Default for BodyLimit {
    fn default() -> Self {
        BodyLimit(64 * 1024)
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        Msg::new(
            format!(
                "Isi permintaan terlalu besar (paling banyak {} KiB)",
                limit / 1024
            ),
            format!("Request body too large (at most {} KiB)", limit / 1024),
        ),
    )
}

/// Reads the whole body, refusing more than the route's [`BodyLimit`].
pub async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<Bytes, ApiError> {
    let limit = req.app_data::<BodyLimit>().copied().unwrap_or_default().0;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(Msg::new(
                format!("Isi permintaan tidak terbaca: {e}"),
                format!("Could not read the request body: {e}"),
            ))
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// The media type of a request, lowercased, without parameters.
pub fn media_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// 415 naming what the route takes.
pub fn wrong_media_type(expected: &str) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        Msg::new(
            format!("Gunakan Content-Type: {expected}"),
            format!("Use Content-Type: {expected}"),
        ),
    )
}

/// Parses JSON bytes, answering 400 with serde's account of what is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let what = if e.is_data() { "" } else { " JSON" };
        ApiError::bad_request(Msg::new(
            format!("Isi permintaan tidak sesuai{what}: {e}"),
            format!("Malformed{what} body: {e}"),
        ))
    })
}

/// A JSON body of type `T`: 415 unless `Content-Type: application/json`,
/// 413 past the limit, 400 when it does not parse.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            if media_type(&req).as_deref() != Some("application/json") {
                return Err(wrong_media_type("application/json"));
            }
            let bytes = read_body(&req, &mut payload).await?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}
