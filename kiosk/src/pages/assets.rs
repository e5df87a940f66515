//! The pages' scripts, served from `/static/{name}` (pages run no inline
//! script: the content security policy allows only this server's files).

use actix_web::{HttpResponse, web};
use httpkit::ApiError;
use shared::Msg;

/// Every script, by file name.
const SCRIPTS: &[(&str, &str)] = &[
    ("tablet.js", include_str!("tablet.js")),
    ("display.js", include_str!("display.js")),
    ("console.js", include_str!("console.js")),
    ("print.js", include_str!("print.js")),
    ("floor.js", httpkit::floor::SCRIPT),
];

/// `GET /static/{name}`.
pub async fn script(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let body = SCRIPTS
        .iter()
        .find(|(name, _)| *name == path.as_str())
        .map(|(_, body)| *body)
        .ok_or_else(|| {
            ApiError::not_found(Msg::new("Berkas ini tidak ada", "There is no such file"))
        })?;
    Ok(httpkit::page::asset("text/javascript; charset=utf-8", body))
}
