//! Every route of the collector, registered in one place ([`configure`]);
//! one module per area. JSON handlers return `Result<_, ApiError>`; each
//! area's error enum converts into [`ApiError`], which picks status and
//! message. Page handlers ([`phone`], [`laporan`]) answer their refusals
//! with HTML pages carrying the same statuses.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, Resource, web};
use httpkit::{ApiError, BodyLimit};
use shared::Msg;

pub mod admin;
pub mod asn;
pub mod batches;
pub mod health;
pub mod kiosks;
pub mod laporan;
pub mod people;
pub mod phone;
pub mod publik;
pub mod reports;
pub mod review;

/// Roster imports may be large (docs/API.md: 10 MiB); other bodies keep httpkit's
/// 64 KiB default.
pub const ROSTER_BODY_LIMIT: usize = 10 * 1024 * 1024;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // A path segment that does not decode is an address that does not exist.
    cfg.app_data(web::PathConfig::default().error_handler(|_, _| {
        ApiError::not_found(Msg::new(
            "Alamat ini tidak ada. Periksa kembali alamatnya.",
            "There is nothing at this address. Check the address.",
        ))
        .into()
    }));
    cfg.app_data(web::QueryConfig::default().error_handler(|err, req| {
        let e = ApiError::bad_request(Msg::new(
            format!("Parameter alamat tidak sesuai: {err}"),
            format!("Malformed query parameters: {err}"),
        ));
        if req.path().starts_with("/api/") {
            return e.into();
        }
        // A page's refusal is a page, with the same status.
        let lang = httpkit::lang::page_lang(req);
        let page = crate::pages::layout::page(
            lang,
            lang.pick("Alamat tidak sesuai", "Malformed address"),
            maud::html! { p.error role="alert" { (e.msg.get(lang)) } },
        );
        let res = httpkit::PageResponse::new(StatusCode::BAD_REQUEST, lang, false).body(page);
        actix_web::error::InternalError::from_response(err, res).into()
    }));
    cfg.service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/metrics").route(web::get().to(health::metrics)))
        .service(resource("/api/v1/offices/{office_id}").route(web::put().to(admin::put_office)))
        .service(resource("/api/v1/kiosks").route(web::post().to(admin::create_kiosk)))
        .service(resource("/api/v1/kiosks/{kiosk_id}").route(web::get().to(admin::kiosk_status)))
        .service(
            resource("/api/v1/kiosks/{kiosk_id}/disable")
                .route(web::post().to(admin::disable_kiosk)),
        )
        .service(
            resource("/api/v1/kiosks/{kiosk_id}/key")
                .route(web::post().to(admin::rotate_kiosk_key)),
        )
        .service(resource("/api/v1/kiosks/{kiosk_id}/config").route(web::get().to(kiosks::config)))
        .service(
            resource("/api/v1/batches")
                .app_data(BodyLimit(batches::BATCH_BODY_LIMIT))
                .route(web::post().to(batches::post)),
        )
        .service(
            resource("/api/v1/roster")
                .app_data(BodyLimit(ROSTER_BODY_LIMIT))
                .route(web::put().to(admin::put_roster)),
        )
        .service(resource("/api/v1/tokens").route(web::post().to(admin::create_token)))
        .service(resource("/api/v1/backup").route(web::get().to(admin::backup)))
        .service(resource("/api/v1/export/events").route(web::get().to(admin::export_events)))
        .service(resource("/api/v1/tokens/{token_id}").route(web::delete().to(admin::revoke_token)))
        .service(resource("/api/v1/reports/offices").route(web::get().to(reports::offices)))
        .service(
            resource("/api/v1/reports/offices/{office_id}").route(web::get().to(reports::office)),
        )
        .service(
            resource("/api/v1/reports/offices/{office_id}/live")
                .route(web::get().to(reports::live)),
        )
        .service(resource("/api/v1/reports/summary").route(web::get().to(reports::summary)))
        .service(resource("/api/v1/reports/asn").route(web::get().to(reports::asn)))
        .service(resource("/api/v1/reports/asn/{asn_ref}").route(web::get().to(reports::evidence)))
        .service(resource("/api/v1/reports/skm").route(web::get().to(reports::skm)))
        .service(resource("/api/v1/reports/skm.xlsx").route(web::get().to(reports::skm_xlsx)))
        .service(resource("/api/v1/users").route(web::post().to(people::create_user)))
        .service(resource("/api/v1/users/{username}").route(web::delete().to(people::delete_user)))
        // People's pages.
        .service(
            resource("/masuk")
                .route(web::get().to(people::signin_page))
                .route(web::post().to(people::signin)),
        )
        .service(resource("/keluar").route(web::post().to(people::signout)))
        .service(
            resource("/asn/masuk")
                .route(web::get().to(asn::signin_page))
                .route(web::post().to(asn::signin)),
        )
        .service(resource("/asn/keluar").route(web::post().to(asn::signout)))
        .service(resource("/asn").route(web::get().to(asn::own_page)))
        .service(resource("/api/v1/ratings/{rating_id}/reply").route(web::post().to(review::reply)))
        .service(
            resource("/api/v1/ratings/{rating_id}/review").route(web::post().to(review::review)),
        )
        .service(resource("/api/v1/followups").route(web::get().to(review::followups)))
        .service(
            resource("/api/v1/followups/{rating_id}")
                .route(web::post().to(review::update_followup)),
        )
        .service(resource("/api/v1/audit").route(web::get().to(review::audit)))
        .service(resource("/api/v1/reports/bias").route(web::get().to(review::bias)))
        .service(resource("/api/v1/reports/patterns").route(web::get().to(review::patterns_route)))
        .service(resource("/laporan/jejak").route(web::get().to(laporan::audit)))
        .service(resource("/laporan/bias").route(web::get().to(laporan::bias)))
        .service(
            resource("/laporan/{office_id}/tindak-lanjut").route(web::get().to(laporan::followups)),
        )
        .service(resource("/laporan").route(web::get().to(laporan::overview)))
        .service(resource("/laporan/{office_id}").route(web::get().to(laporan::office)))
        .service(
            resource("/laporan/{office_id}/asn/{asn_ref}").route(web::get().to(laporan::evidence)),
        )
        .service(resource("/laporan/{office_id}/skm").route(web::get().to(laporan::skm)))
        .service(resource("/laporan/{office_id}/langsung").route(web::get().to(laporan::live)))
        .service(resource("/publik/{office_id}").route(web::get().to(publik::page)))
        .service(resource("/publik/{office_id}/badge.svg").route(web::get().to(publik::badge)))
        // Citizens' phones (public, POSTs rate limited per address).
        .service(
            resource("/r/{token}")
                .route(web::get().to(phone::rating_page))
                .route(web::post().to(phone::rating_form)),
        )
        .service(resource("/api/v1/ratings/{token}").route(web::post().to(phone::rating_json)))
        .service(
            resource("/t/{token}")
                .route(web::get().to(phone::ticket_link))
                .route(web::post().to(phone::ticket_form)),
        )
        .service(resource("/t/{token}/status").route(web::get().to(phone::ticket_status)))
        // Same-origin scripts and the icon.
        .service(resource("/static/{name}").route(web::get().to(script)))
        .service(resource("/favicon.svg").route(web::get().to(httpkit::page::favicon)))
        .service(resource("/favicon.ico").route(web::get().to(httpkit::page::favicon)));
}

/// `GET /static/{name}`: the pages' scripts (pages run no inline script).
async fn script(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let body = match path.as_str() {
        "ticket.js" => include_str!("../pages/ticket.js"),
        "floor.js" => httpkit::floor::SCRIPT,
        _ => {
            return Err(ApiError::not_found(Msg::new(
                "Berkas ini tidak ada",
                "There is no such file",
            )));
        }
    };
    Ok(httpkit::page::asset("text/javascript; charset=utf-8", body))
}

/// A resource that answers a JSON 405 to methods it does not take (actix's
/// default is an empty body, and docs/API.md wants every error in JSON).
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        Msg::new(
            "Alamat ini tidak menerima metode ini; lihat docs/API.md",
            "This address does not take this method; see docs/API.md",
        ),
    ))
}
