//! The one error type routes return. Route areas keep their own error enums
//! and convert into it; this type only maps to status, code and message.
//!
//! Every error is `{"error": "<code>", "message": "<text>"}` (docs/API.md). The
//! body is rendered in Indonesian here; [`crate::localize_errors`] renders it
//! again in English when the caller asked for English.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value};
use shared::{Lang, Msg};

/// An error answered to a caller.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code.
    pub code: &'static str,
    /// Text for people in both languages.
    pub msg: Msg,
    /// More fields for the body (`applied_through`, `server_time`).
    pub extra: Map<String, Value>,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.msg.en)
    }
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, msg: Msg) -> ApiError {
        ApiError {
            status,
            code,
            msg,
            extra: Map::new(),
            retry_after: None,
        }
    }

    /// Adds a field to the body.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    /// 400: malformed body or query.
    pub fn bad_request(msg: Msg) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", msg)
    }

    /// 401: missing or bad credentials or signature.
    pub fn unauthorized(msg: Msg) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", msg)
    }

    /// 403: authenticated but not allowed.
    pub fn forbidden(msg: Msg) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", msg)
    }

    /// 404: unknown id.
    pub fn not_found(msg: Msg) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", msg)
    }

    /// 409: state conflict.
    pub fn conflict(code: &'static str, msg: Msg) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, msg)
    }

    /// 422: well-formed but invalid values.
    pub fn invalid(msg: Msg) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", msg)
    }

    /// 429 with `Retry-After`.
    pub fn too_many(retry_after_s: u64, msg: Msg) -> ApiError {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", msg);
        e.retry_after = Some(retry_after_s.max(1));
        e
    }

    /// 500: a real server fault. The cause is logged, not shown.
    pub fn unexpected(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            Msg::new(
                "Terjadi kesalahan di server. Coba lagi; jika berulang, hubungi operator.",
                "The server failed. Try again; if it keeps happening, call the operator.",
            ),
        )
    }

    /// The response in `lang`.
    pub fn render(&self, lang: Lang) -> HttpResponse {
        let mut body = Map::new();
        body.insert("error".into(), Value::from(self.code));
        body.insert("message".into(), Value::from(self.msg.get(lang)));
        body.extend(self.extra.clone());
        let mut res = HttpResponse::build(self.status);
        if let Some(s) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, HeaderValue::from(s)));
        }
        res.insert_header((header::CONTENT_LANGUAGE, lang.tag()));
        res.json(Value::Object(body))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.render(Lang::Id)
    }
}

/// The JSON 404 for routes that do not exist.
pub async fn no_such_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(Msg::new(
        "Alamat ini tidak ada. Periksa kembali alamatnya.",
        "There is nothing at this address. Check the address.",
    )))
}
