//! The client's address, for per-address limits. Normally the TCP peer. When
//! the server runs behind a reverse proxy the operator names (its addresses),
//! the proxy's `X-Forwarded-For` is believed, read from the right: the first
//! address that is not one of the trusted proxies is the client. A header
//! from anyone else is ignored, since a client can write whatever it likes
//! there.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;

/// The address a request's per-client limits are kept for.
pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|s| s.parse::<IpAddr>())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted_proxies.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(peer: &str, xff: Option<&str>) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(format!("{peer}:5000").parse().unwrap());
        if let Some(x) = xff {
            r = r.insert_header(("X-Forwarded-For", x));
        }
        r.to_http_request()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let ip = client_ip(&req("203.0.113.9", Some("1.2.3.4")), &[]);
        assert_eq!(ip.to_string(), "203.0.113.9");
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_forwarded_address_is_the_client() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let ip = client_ip(&req("10.0.0.2", Some("6.6.6.6, 198.51.100.7")), &[proxy]);
        assert_eq!(
            ip.to_string(),
            "198.51.100.7",
            "the client cannot prepend a fake one"
        );
        let ip = client_ip(&req("10.0.0.2", None), &[proxy]);
        assert_eq!(ip, proxy, "no header: the proxy itself");
        let ip = client_ip(&req("10.0.0.2", Some("garbage")), &[proxy]);
        assert_eq!(ip, proxy);
    }
}
