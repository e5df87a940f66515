//! Ratings from a paired counter tablet.

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, web};
use httpkit::{ApiError, JsonBody};
use shared::rating::RatingValues;
use shared::wire::{NewRating, RatingCreated};
use shared::{CounterId, RatingId, TicketId};

use super::{AppState, invalid_id};
use crate::auth::TabletAuth;
use crate::state::RatingInput;

/// Parses a rating body into domain values (422 on any bad value).
pub fn parse_rating(body: NewRating) -> Result<RatingInput, ApiError> {
    let ticket_id = body
        .ticket_id
        .as_deref()
        .map(|t| TicketId::parse(t).ok_or_else(|| invalid_id("ticket_id")))
        .transpose()?;
    let counter = body
        .counter
        .as_deref()
        .map(|c| CounterId::parse(c).map_err(|_| invalid_id("counter")))
        .transpose()?;
    // The rules every channel shares (the collector's phone pages too).
    let v = RatingValues::parse(body.score, body.answers.as_deref(), body.comment.as_deref())
        .map_err(ApiError::invalid)?;
    Ok(RatingInput {
        ticket_id,
        counter,
        score: v.score,
        answers: v.answers,
        comment: v.comment,
    })
}

/// `POST /api/ratings` (a tablet of the counter): the ticket awaiting a
/// rating there, or a rating for the counter between tickets.
pub async fn create(
    TabletAuth(tablet): TabletAuth,
    app: web::Data<AppState>,
    body: JsonBody<NewRating>,
) -> Result<HttpResponse, ApiError> {
    let input = parse_rating(body.0)?;
    let id = RatingId(uuid::Uuid::now_v7());
    let rating = app
        .store
        .exec(move |tx| tx.rate(input, id, &tablet.counter))
        .await?;
    app.ratings_taken.fetch_add(1, Ordering::Relaxed);
    if rating.flagged {
        tracing::warn!(
            counter = ?rating.counter,
            "a burst of ratings without a ticket: this one is flagged"
        );
    }
    Ok(HttpResponse::Created().json(RatingCreated {
        rating_id: rating.rating_id,
    }))
}
