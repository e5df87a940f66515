//! The project documents its own HTTP interface in `docs/API.md`: every route
//! either server registers must be listed there with its method, so the
//! document cannot fall behind the code.

const API_DOC: &str = include_str!("../../../docs/API.md");

/// Where the routes are registered (one `configure` per area).
const REGISTRIES: [(&str, &str); 3] = [
    (
        "collector/src/routes/mod.rs",
        include_str!("../../../collector/src/routes/mod.rs"),
    ),
    (
        "kiosk/src/routes/mod.rs",
        include_str!("../../../kiosk/src/routes/mod.rs"),
    ),
    (
        "kiosk/src/pages/mod.rs",
        include_str!("../../../kiosk/src/pages/mod.rs"),
    ),
];

/// (method, path) of every `resource("...")` with its `web::get()`-style
/// routes, read from a registry's source.
fn registered(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in source.split("resource(\"").skip(1) {
        let Some((path, rest)) = part.split_once('"') else {
            continue;
        };
        if !path.starts_with('/') {
            continue;
        }
        for method in ["get", "post", "put", "delete"] {
            if rest.contains(&format!("web::{method}()")) {
                out.push((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    out
}

#[test]
fn every_registered_route_is_documented_with_its_method() {
    let mut missing = Vec::new();
    let mut seen = 0;
    for (file, source) in REGISTRIES {
        for (method, path) in registered(source) {
            seen += 1;
            let listed = [format!("`{method} {path}`"), format!("`{method} {path}?")]
                .iter()
                .any(|s| API_DOC.contains(s.as_str()));
            if !listed {
                missing.push(format!("{method} {path} ({file})"));
            }
        }
    }
    assert!(seen > 40, "the registries were read: {seen} routes");
    assert!(missing.is_empty(), "not in docs/API.md: {missing:#?}");
}

#[test]
fn the_route_reader_finds_methods_and_paths() {
    let src = r#"cfg.service(resource("/a/{id}").route(web::get().to(x)).route(web::post().to(y)))
        .service(web::resource("/b").route(web::delete().to(z)));"#;
    assert_eq!(
        registered(src),
        [
            ("GET".to_owned(), "/a/{id}".to_owned()),
            ("POST".to_owned(), "/a/{id}".to_owned()),
            ("DELETE".to_owned(), "/b".to_owned()),
        ]
    );
}
