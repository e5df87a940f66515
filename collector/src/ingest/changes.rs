//! Changes people make to ratings after the fact: the ASN's reply, the
//! head's review (keep, or exclude from the ASN's score), and the follow-up
//! of complaints. They go through the ingest writer like everything else
//! that touches ratings and rollups, each in one transaction with its audit
//! entry; a refusal (not found, not theirs, already done) writes nothing.

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use shared::review::{ExclusionReason, FollowUpItem, FollowUpStatus};

use super::*;

/// (office id, rating id) -> [`FollowUpItem`] (JSON): a rating of 1 or 2
/// with a comment, for the head to follow up.
pub const FOLLOWUPS: TableDefinition<(&str, u128), &[u8]> = TableDefinition::new("followups");

/// A change to a rating, checked for form by the route.
#[derive(Debug, Clone)]
pub enum Change {
    /// The ASN answers a rating attributed to them.
    Reply {
        /// The rating.
        rating: RatingId,
        /// The ASN's office (from their session).
        office: OfficeId,
        /// The ASN.
        nip: Nip,
        /// How the trail names them (`asn:<asn_ref>`).
        actor: String,
        /// Their words.
        text: String,
        /// When.
        at: Timestamp,
    },
    /// A head (their office only) or HR (`scope` none) decides.
    Review {
        /// The rating.
        rating: RatingId,
        /// The reviewer's office, for a head.
        scope: Option<OfficeId>,
        /// Who.
        actor: String,
        /// Keep or exclude.
        decision: ReviewDecision,
        /// Why excluded.
        reason: Option<ExclusionReason>,
        /// Free text.
        note: Option<String>,
        /// When.
        at: Timestamp,
    },
    /// A head (or HR) moves a follow-up item on.
    FollowUp {
        /// The rating the item is about.
        rating: RatingId,
        /// The office, for a head.
        scope: Option<OfficeId>,
        /// Who.
        actor: String,
        /// The new status.
        status: FollowUpStatus,
        /// What the office did.
        response: Option<String>,
        /// When.
        at: Timestamp,
    },
    /// Whole day rollups added without events: history generated for the
    /// benchmarks and the demo (never a route: nothing checks them against
    /// events).
    AddRollups(Vec<crate::layout::RollupRow>),
}

/// Why a change was refused (nothing was written).
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// No such rating (or follow-up item).
    NotFound,
    /// Not the caller's: another ASN's rating, another office's.
    Forbidden,
    /// Not possible in its present state.
    Conflict(Msg),
}

/// What became of a change.
pub type ChangeOutcome = Result<(), Refused>;

impl Cx<'_> {
    pub(super) fn apply_change(&mut self, c: Change) -> Result<ChangeOutcome, IngestError> {
        match c {
            Change::AddRollups(rows) => {
                self.rollups.add_rows(&rows)?;
                Ok(Ok(()))
            }
            Change::Reply {
                rating,
                office,
                nip,
                actor,
                text,
                at,
            } => {
                let Some(mut r) = self.rating(rating)? else {
                    return Ok(Err(Refused::NotFound));
                };
                if r.office != office || r.counted_for() != Some(&nip) {
                    return Ok(Err(Refused::Forbidden));
                }
                if r.reply.is_some() {
                    return Ok(Err(Refused::Conflict(Msg::new(
                        "Penilaian ini sudah Anda tanggapi; tanggapan tidak dapat diubah.",
                        "You have answered this rating already; an answer cannot be changed.",
                    ))));
                }
                r.reply = Some(RatingReply {
                    text: text.clone(),
                    at,
                });
                self.put_rating(&r)?;
                self.trail.append(
                    NewEntry::new(actor, "reply")
                        .at(at)
                        .office(&office)
                        .rating(rating)
                        .detail(text),
                )?;
                Ok(Ok(()))
            }
            Change::Review {
                rating,
                scope,
                actor,
                decision,
                reason,
                note,
                at,
            } => {
                let Some(mut r) = self.rating(rating)? else {
                    return Ok(Err(Refused::NotFound));
                };
                if scope.as_ref().is_some_and(|o| *o != r.office) {
                    return Ok(Err(Refused::Forbidden));
                }
                let Some(nip) = r.counted_for().cloned() else {
                    return Ok(Err(Refused::Conflict(Msg::new(
                        "Penilaian ini tidak dihitung untuk seorang ASN; tidak ada yang ditinjau.",
                        "This rating does not count for an ASN; there is nothing to review.",
                    ))));
                };
                let exclude = decision == ReviewDecision::Exclude;
                if exclude != r.excluded() {
                    self.score_for_nip(&r, &nip, if exclude { -1 } else { 1 })?;
                }
                let office = r.office.clone();
                r.review = Some(RatingReview {
                    decision,
                    reason,
                    note: note.clone(),
                    by: actor.clone(),
                    at,
                });
                self.put_rating(&r)?;
                let detail = match (reason, note) {
                    (Some(x), Some(n)) => format!("{}: {n}", x.code()),
                    (Some(x), None) => x.code().to_owned(),
                    (None, Some(n)) => n,
                    (None, None) => String::new(),
                };
                let mut e = NewEntry::new(
                    actor,
                    if exclude {
                        "review_exclude"
                    } else {
                        "review_keep"
                    },
                )
                .at(at)
                .office(&office)
                .rating(rating);
                if !detail.is_empty() {
                    e = e.detail(detail);
                }
                self.trail.append(e)?;
                Ok(Ok(()))
            }
            Change::FollowUp {
                rating,
                scope,
                actor,
                status,
                response,
                at,
            } => {
                let office = match self.rating(rating)? {
                    Some(r) => r.office,
                    None => return Ok(Err(Refused::NotFound)),
                };
                if scope.as_ref().is_some_and(|o| *o != office) {
                    return Ok(Err(Refused::Forbidden));
                }
                let key = (office.as_str(), rating.as_u128());
                let Some(mut item) = self
                    .followups_t
                    .get(key)?
                    .map(|v| serde_json::from_slice::<FollowUpItem>(v.value()))
                    .transpose()?
                else {
                    return Ok(Err(Refused::NotFound));
                };
                if status == FollowUpStatus::Done && response.is_none() && item.response.is_none() {
                    return Ok(Err(Refused::Conflict(Msg::new(
                        "Tulis tindak lanjutnya sebelum menandai selesai.",
                        "Write the response before marking it done.",
                    ))));
                }
                item.status = status;
                if response.is_some() {
                    item.response = response.clone();
                }
                item.updated_at = Some(at);
                item.updated_by = Some(actor.clone());
                item.closed_at = (status == FollowUpStatus::Done).then_some(at);
                self.followups_t
                    .insert(key, serde_json::to_vec(&item)?.as_slice())?;
                let detail = match response {
                    Some(t) => format!("{}: {t}", status.code()),
                    None => status.code().to_owned(),
                };
                self.trail.append(
                    NewEntry::new(actor, "followup")
                        .at(at)
                        .office(&office)
                        .rating(rating)
                        .detail(detail),
                )?;
                Ok(Ok(()))
            }
        }
    }

    /// Takes a counted rating out of its ASN's score (`sign` -1, counting
    /// the exclusion) or puts it back (`sign` 1). The office's counts are
    /// untouched: the citizen's voice about the office stays in its SKM.
    fn score_for_nip(&mut self, r: &RatingRec, nip: &Nip, sign: i8) -> Result<(), IngestError> {
        let office = r.office.clone();
        let (day, service) = match r.event.ticket_id {
            Some(tid) => {
                let Some(rec) = self.ticket(&office, tid)?.map(|t| t.clone()) else {
                    return Ok(());
                };
                let Some(done) = rec.completed_at else {
                    return Ok(());
                };
                self.tally_ticket_rating(&r.event, &rec, false, Some(nip), sign)?;
                (self.day(&office, done)?, rec.service.to_string())
            }
            None => {
                let day = self.day(&office, r.event.submitted_at.min(r.received_at))?;
                let s = usize::from(r.event.score.get() - 1);
                let n = self.nip_rollup(&office, nip, &day, "")?;
                if sign > 0 {
                    n.session_scores[s] += 1;
                } else {
                    n.session_scores[s] = n.session_scores[s].saturating_sub(1);
                }
                (day, String::new())
            }
        };
        let n = self.nip_rollup(&office, nip, &day, &service)?;
        if sign > 0 {
            n.excluded = n.excluded.saturating_sub(1);
        } else {
            n.excluded += 1;
        }
        Ok(())
    }

    /// Opens a follow-up item for a rating of 1 or 2 with a comment.
    pub(super) fn open_followup(&mut self, r: &RatingRec) -> Result<(), IngestError> {
        let Some(comment) = &r.event.comment else {
            return Ok(());
        };
        if r.event.score.get() > 2 {
            return Ok(());
        }
        let key = (r.office.as_str(), r.event.rating_id.as_u128());
        if self.followups_t.get(key)?.is_some() {
            return Ok(());
        }
        // The complaint was made when the citizen sent it (bounded by its
        // arrival): a kiosk that forwards late does not shorten the wait.
        let opened_at = r.event.submitted_at.min(r.received_at);
        let day = self.day(&r.office, opened_at)?;
        let item = FollowUpItem {
            rating_id: r.event.rating_id,
            office_id: r.office.to_string(),
            day,
            score: r.event.score.get(),
            comment: comment.as_str().to_owned(),
            opened_at,
            status: FollowUpStatus::Open,
            response: None,
            updated_at: None,
            updated_by: None,
            closed_at: None,
        };
        self.followups_t
            .insert(key, serde_json::to_vec(&item)?.as_slice())?;
        Ok(())
    }
}

/// The follow-up status of each of `ratings` of `office` that has an item
/// (point lookups: an evidence page asks for its own ratings only).
pub fn followup_statuses(
    db: &Database,
    office: &OfficeId,
    ratings: impl IntoIterator<Item = RatingId>,
) -> Result<HashMap<RatingId, FollowUpStatus>, IngestError> {
    let r = db.begin_read()?;
    let t = r.open_table(FOLLOWUPS)?;
    let mut out = HashMap::new();
    for id in ratings {
        if let Some(v) = t.get((office.as_str(), id.as_u128()))? {
            out.insert(
                id,
                serde_json::from_slice::<FollowUpItem>(v.value())?.status,
            );
        }
    }
    Ok(out)
}

/// An office's follow-up items, oldest first.
pub fn followups(db: &Database, office: &OfficeId) -> Result<Vec<FollowUpItem>, IngestError> {
    let r = db.begin_read()?;
    let t = r.open_table(FOLLOWUPS)?;
    let o = office.as_str();
    let mut out = Vec::new();
    for row in t.range((o, 0u128)..=(o, u128::MAX))? {
        let (_, v) = row?;
        out.push(serde_json::from_slice::<FollowUpItem>(v.value())?);
    }
    out.sort_by(|a, b| {
        a.opened_at
            .cmp(&b.opened_at)
            .then(a.rating_id.cmp(&b.rating_id))
    });
    Ok(out)
}
