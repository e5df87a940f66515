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
    /// The ticket is already completed or abandoned.
    #[error("ticket already closed")]
    AlreadyClosed,
    /// Rating a ticket that is not completed.
    #[error("ticket not completed")]
    NotCompleted,
    /// The ticket was rated already.
    #[error("already rated")]
    AlreadyRated,
    /// Storage failed.
    #[error("storage: {0}")]
    Store(String),
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
            K::Store(e) => ApiError::unexpected(e),
        }
    }
}
