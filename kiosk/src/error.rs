//! What can go wrong with a kiosk request, and how it is answered.

use httpkit::ApiError;
use shared::Msg;

/// A refused or failed kiosk operation.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    /// A value of the right type but not acceptable (422).
    #[error("invalid: {}", .0.en)]
    Invalid(Msg),
    /// The office has no such service.
    #[error("unknown service {0}")]
    UnknownService(String),
    /// The office has no such counter.
    #[error("unknown counter {0}")]
    UnknownCounter(String),
    /// No such ticket.
    #[error("unknown ticket")]
    UnknownTicket,
    /// A ticket of an earlier day the kiosk no longer keeps (410): the kiosk
    /// works with today's and yesterday's tickets, and prunes acknowledged
    /// ones past its retention.
    #[error("ticket no longer kept")]
    TicketGone,
    /// No valid session for this counter.
    #[error("not signed in")]
    NotSignedIn,
    /// NIP not on the roster, or wrong PIN.
    #[error("wrong NIP or PIN")]
    WrongPin,
    /// The NIP is deactivated on the roster.
    #[error("NIP not active")]
    Inactive,
    /// Too many wrong PINs: locked for this many more seconds.
    #[error("locked for {0} s")]
    Locked(u64),
    /// The counter is still serving a ticket.
    #[error("counter busy")]
    CounterBusy(String),
    /// The ticket belongs to another counter, or a service this counter does not serve.
    #[error("not this counter's ticket")]
    NotYourTicket,
    /// The ticket is not being served (cannot complete).
    #[error("ticket not being served")]
    NotServing,
    /// Nothing is being served at the counter (nothing to call again).
    #[error("nothing being served at this counter")]
    NothingServed,
    /// The ticket is already completed or abandoned.
    #[error("ticket already closed")]
    AlreadyClosed,
    /// Rating a ticket that is not completed.
    #[error("ticket not completed")]
    NotCompleted,
    /// The ticket was rated already.
    #[error("already rated")]
    AlreadyRated,
    /// The ticket no longer awaits a rating on this counter's tablet (the
    /// counter called its next ticket, or 10 minutes passed).
    #[error("rating on the tablet closed")]
    RatingClosed,
    /// A rating without a ticket at a counter where nobody is signed in.
    #[error("no ASN signed in at this counter")]
    NoStaff,
    /// A tablet token of another counter.
    #[error("this tablet is paired with another counter")]
    WrongTablet,
    /// No tablet token, or one that was revoked.
    #[error("tablet not paired")]
    NoTablet,
    /// A pairing link already used, expired, or for another counter.
    #[error("pairing link used or expired")]
    PairCodeInvalid,
    /// No operator token, or the wrong one.
    #[error("operator token missing or wrong")]
    NotOperator,
    /// A counter session used at another counter.
    #[error("this session belongs to another counter")]
    OtherCounter,
    /// Storage failed.
    #[error("storage: {0}")]
    Store(String),
    /// The database can no longer be written (disk full or failing); the
    /// kiosk restarts itself.
    #[error("storage cannot be written")]
    StorageUnavailable,
}

/// What a citizen or an ASN reads for a ticket the kiosk no longer keeps.
pub fn ticket_gone_msg() -> Msg {
    Msg::new(
        "Tiket ini sudah tidak tersedia di kiosk: kiosk hanya menyimpan tiket hari ini dan \
         kemarin. Untuk dilayani hari ini, ambil nomor antrean baru.",
        "This ticket is no longer available at the kiosk: the kiosk keeps only today's and \
         yesterday's tickets. To be served today, take a new number.",
    )
}

impl From<KioskError> for ApiError {
    fn from(e: KioskError) -> ApiError {
        use KioskError as K;
        match e {
            K::Invalid(msg) => ApiError::invalid(msg),
            K::UnknownService(s) => ApiError::not_found(Msg::new(
                format!("Layanan {s:?} tidak ada di kantor ini"),
                format!("This office has no service {s:?}"),
            )),
            K::UnknownCounter(c) => ApiError::not_found(Msg::new(
                format!("Loket {c:?} tidak ada di kantor ini"),
                format!("This office has no counter {c:?}"),
            )),
            K::UnknownTicket => {
                ApiError::not_found(Msg::new("Tiket tidak ditemukan", "No such ticket"))
            }
            K::TicketGone => ApiError::new(
                actix_web::http::StatusCode::GONE,
                "ticket_gone",
                ticket_gone_msg(),
            ),
            K::NotSignedIn => ApiError::unauthorized(Msg::new(
                "Silakan masuk dengan NIP dan PIN di loket ini terlebih dahulu",
                "Sign in at this counter with your NIP and PIN first",
            )),
            K::WrongPin => ApiError::unauthorized(Msg::new(
                "NIP atau PIN salah. Setelah 5 kali salah, NIP dikunci 5 menit.",
                "Wrong NIP or PIN. After 5 wrong PINs the NIP is locked for 5 minutes.",
            )),
            K::Inactive => ApiError::forbidden(Msg::new(
                "NIP ini tidak aktif. Hubungi pengelola kepegawaian.",
                "This NIP is not active. Contact the HR administrator.",
            )),
            K::Locked(secs) => ApiError::too_many(
                secs,
                Msg::new(
                    format!(
                        "Terlalu banyak PIN salah. Coba lagi dalam {} menit.",
                        secs.div_ceil(60)
                    ),
                    format!(
                        "Too many wrong PINs. Try again in {} minutes.",
                        secs.div_ceil(60)
                    ),
                ),
            ),
            K::CounterBusy(n) => ApiError::conflict(
                "counter_busy",
                Msg::new(
                    format!("Tiket {n} masih dilayani. Selesaikan atau tandai tidak hadir dulu."),
                    format!("Ticket {n} is still being served. Complete or abandon it first."),
                ),
            ),
            K::NotYourTicket => ApiError::forbidden(Msg::new(
                "Tiket ini bukan untuk loket ini",
                "This ticket is not for this counter",
            )),
            K::NotServing => ApiError::conflict(
                "not_serving",
                Msg::new(
                    "Tiket ini belum dipanggil, jadi belum bisa diselesaikan",
                    "This ticket has not been called, so it cannot be completed",
                ),
            ),
            K::NothingServed => ApiError::conflict(
                "nothing_served",
                Msg::new(
                    "Belum ada tiket yang dipanggil di loket ini",
                    "No ticket has been called at this counter",
                ),
            ),
            K::AlreadyClosed => ApiError::conflict(
                "already_closed",
                Msg::new(
                    "Tiket ini sudah selesai atau ditandai tidak hadir",
                    "This ticket is already completed or abandoned",
                ),
            ),
            K::NotCompleted => ApiError::conflict(
                "not_completed",
                Msg::new(
                    "Tiket ini belum selesai dilayani, jadi belum bisa dinilai",
                    "This ticket has not been completed yet, so it cannot be rated",
                ),
            ),
            K::AlreadyRated => ApiError::conflict(
                "already_rated",
                Msg::new(
                    "Terima kasih, tiket ini sudah dinilai",
                    "Thank you, this ticket has already been rated",
                ),
            ),
            K::RatingClosed => ApiError::conflict(
                "rating_closed",
                Msg::new(
                    "Penilaian di tablet untuk tiket ini sudah ditutup: loket sudah memanggil \
                     tiket berikutnya atau sudah lewat 10 menit. Warga tetap dapat menilai lewat \
                     kode QR tiketnya.",
                    "Rating this ticket on the tablet is closed: the counter called its next \
                     ticket or 10 minutes passed. The citizen can still rate through the \
                     ticket's QR code.",
                ),
            ),
            K::NoStaff => ApiError::conflict(
                "no_staff",
                Msg::new(
                    "Loket ini sedang tutup: penilaian tanpa nomor antrean hanya diterima saat \
                     ada petugas yang masuk di loket.",
                    "This counter is closed: a rating without a ticket is taken only while an \
                     officer is signed in at the counter.",
                ),
            ),
            K::OtherCounter => ApiError::forbidden(Msg::new(
                "Sesi ini milik loket lain: masuk di loket ini dengan NIP dan PIN Anda.",
                "This session belongs to another counter: sign in at this counter with your NIP \
                 and PIN.",
            )),
            K::WrongTablet => ApiError::forbidden(Msg::new(
                "Tablet ini dipasangkan untuk loket lain.",
                "This tablet is paired with another counter.",
            )),
            K::NoTablet => ApiError::unauthorized(Msg::new(
                "Tablet ini belum dipasangkan dengan loket. Operator membuat tautan pemasangan \
                 dengan POST /api/counters/{loket}/tablets (token operator) lalu membukanya di \
                 tablet.",
                "This tablet is not paired with a counter. The operator creates a pairing link \
                 with POST /api/counters/{counter}/tablets (operator token) and opens it on \
                 the tablet.",
            )),
            K::PairCodeInvalid => ApiError::new(
                actix_web::http::StatusCode::GONE,
                "pair_code_invalid",
                Msg::new(
                    "Tautan pemasangan ini sudah dipakai atau kedaluwarsa (berlaku sekali, 15 \
                     menit). Minta operator membuat tautan baru.",
                    "This pairing link was already used or has expired (it works once, for 15 \
                     minutes). Ask the operator for a new one.",
                ),
            ),
            K::NotOperator => ApiError::unauthorized(Msg::new(
                "Perlu token operator kiosk (Authorization: Bearer ...): dicetak saat kiosk \
                 pertama kali dijalankan dan disimpan di DATA/operator-token.",
                "This needs the kiosk's operator token (Authorization: Bearer ...): printed at \
                 the kiosk's first start and kept in DATA/operator-token.",
            )),
            K::Store(e) => ApiError::unexpected(e),
            K::StorageUnavailable => ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                Msg::new(
                    "Kiosk tidak dapat menyimpan (disk penuh atau rusak); tidak ada yang \
                     tersimpan. Kiosk dimulai ulang; coba lagi sebentar lagi.",
                    "The kiosk cannot write its storage (disk full or failing); nothing was \
                     saved. The kiosk restarts; try again in a moment.",
                ),
            )
            .with("retry_after_s", 10),
        }
    }
}
