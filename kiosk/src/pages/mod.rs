//! Pages for people (maud, server-rendered, Bahasa Indonesia first): the
//! entrance screen, the counter tablet, the counter console and the
//! dashboard. Every text is written in both languages at the point of use
//! (`t(lang, id, en)`); no page loads anything from outside this server.

mod assets;
mod console;
mod dashboard;
mod display;
mod entrance;
mod layout;
mod print;
mod tablet;

use actix_web::web;

use crate::routes::resource;

/// Registers the page routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/").route(web::get().to(entrance::index)))
        .service(resource("/take").route(web::post().to(entrance::take)))
        .service(resource("/ticket/{ticket_id}").route(web::get().to(entrance::ticket)))
        .service(resource("/ticket/{ticket_id}/print").route(web::get().to(print::page)))
        .service(resource("/tablet/{counter}").route(web::get().to(tablet::page)))
        .service(resource("/static/{name}").route(web::get().to(assets::script)))
        .service(resource("/display").route(web::get().to(display::page)))
        .service(resource("/counter/{counter}").route(web::get().to(console::page)))
        .service(resource("/counter/{counter}/login").route(web::post().to(console::login)))
        .service(resource("/counter/{counter}/logout").route(web::post().to(console::logout)))
        .service(resource("/counter/{counter}/next").route(web::post().to(console::next)))
        .service(resource("/counter/{counter}/complete").route(web::post().to(console::complete)))
        .service(resource("/counter/{counter}/abandon").route(web::post().to(console::abandon)))
        .service(resource("/counter/{counter}/recall").route(web::post().to(console::recall)))
        .service(resource("/counter/{counter}/break").route(web::post().to(console::set_break)))
        .service(resource("/counter/{counter}/transfer").route(web::post().to(console::transfer)))
        .service(resource("/dashboard").route(web::get().to(dashboard::page)));
}
