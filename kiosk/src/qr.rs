//! Rating links and their QR codes.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use shared::KioskId;
use shared::sign::{QrClaims, TokenKind};
use shared::wire::KioskConfig;

use crate::state::Ticket;

/// The signed rating URL of a completed ticket:
/// `{collector public url}/r/{token}`, valid `qr_expiry_s` after completion.
pub fn rating_url(config: &KioskConfig, kiosk_id: KioskId, key: &str, ticket: &Ticket) -> String {
    let done = ticket.completed_at.unwrap_or(ticket.issued_at).as_second();
    let claims = QrClaims {
        kiosk_id,
        ticket_id: ticket.id,
        expires_at: done.saturating_add(i64::try_from(config.qr_expiry_s).unwrap_or(i64::MAX)),
    };
    format!(
        "{}/r/{}",
        config.public_url.trim_end_matches('/'),
        claims.sign(key)
    )
}

/// How long a ticket's phone link shows the queue: a working day. Its rating
/// window starts after that, as long as the QR rating's.
pub const TICKET_LINK_WAIT_S: i64 = 12 * 3600;

/// A ticket's phone link (printed on the ticket):
/// `{collector public url}/t/{token}`. It shows the live position while the
/// ticket waits and becomes the rating page once it is completed; valid
/// [`TICKET_LINK_WAIT_S`] plus `qr_expiry_s` after the ticket was taken.
pub fn ticket_link(config: &KioskConfig, kiosk_id: KioskId, key: &str, ticket: &Ticket) -> String {
    let claims = QrClaims {
        kiosk_id,
        ticket_id: ticket.id,
        expires_at: ticket
            .issued_at
            .as_second()
            .saturating_add(TICKET_LINK_WAIT_S)
            .saturating_add(i64::try_from(config.qr_expiry_s).unwrap_or(i64::MAX)),
    };
    format!(
        "{}/t/{}",
        config.public_url.trim_end_matches('/'),
        claims.sign_as(TokenKind::TicketLink, key)
    )
}

/// An SVG QR code as inline HTML (without the XML prolog, which HTML does
/// not take); empty when the text does not fit a QR code. The text is our
/// own signed URL, never user input.
pub fn inline_svg(text: &str) -> String {
    match svg(text) {
        Ok(svg) => svg.find("<svg").map(|i| svg[i..].to_owned()).unwrap_or(svg),
        Err(_) => String::new(),
    }
}

/// An SVG QR code of `text` (error correction M, quiet zone, at least
/// 264 px so a phone reads it from across a counter).
pub fn svg(text: &str) -> Result<String, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(264, 264)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_svg_is_an_svg_document() {
        let s = svg("http://127.0.0.1:8080/r/abc.def").unwrap();
        assert!(s.contains("<svg"));
        assert!(s.contains("</svg>"));
    }
}
