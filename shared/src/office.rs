//! An office's configuration: its time zone, services (with ticket prefix and
//! published service standard) and counters. Validated once, from the
//! operator's `PUT /api/v1/offices/{id}` body, and trusted everywhere after.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::Msg;
use crate::ids::{CounterId, OfficeId, ServiceCode};
use crate::ticket::ServicePrefix;
use crate::time::OfficeTz;
use crate::wire::{OfficeSpec, OfficeWire};

/// Longest office, service or counter name, in characters.
pub const NAME_MAX_CHARS: usize = 100;

/// A validated office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "OfficeWire")]
pub struct Office {
    /// Its id.
    pub id: OfficeId,
    /// Display name, e.g. "Disdukcapil Kota Sawahlunto".
    pub name: String,
    /// IANA time zone.
    pub tz: OfficeTz,
    /// Services offered.
    pub services: Vec<Service>,
    /// Counters (loket).
    pub counters: Vec<Counter>,
}

/// A service type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Its code.
    pub code: ServiceCode,
    /// Display name, e.g. "KTP-el".
    pub name: String,
    /// Ticket prefix.
    pub prefix: ServicePrefix,
    /// Published service standard, issue to completion, in minutes.
    pub target_minutes: u32,
}

/// A counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// Its id.
    pub id: CounterId,
    /// Display name, e.g. "Loket 1".
    pub name: String,
    /// Services it calls tickets for.
    pub services: Vec<ServiceCode>,
}

fn valid_name(field: &str, s: &str) -> Result<String, Msg> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > NAME_MAX_CHARS {
        return Err(Msg::new(
            format!("{field} wajib diisi, paling banyak {NAME_MAX_CHARS} karakter"),
            format!("{field} is required, at most {NAME_MAX_CHARS} characters"),
        ));
    }
    Ok(t.to_owned())
}

impl Office {
    /// Validates an office definition.
    pub fn parse(id: OfficeId, spec: OfficeSpec) -> Result<Office, Msg> {
        let tz = OfficeTz::parse(&spec.tz).map_err(|e| e.msg())?;
        let name = valid_name("name", &spec.name)?;
        if spec.services.is_empty() || spec.counters.is_empty() {
            return Err(Msg::new(
                "Kantor harus memiliki paling sedikit satu layanan dan satu loket",
                "An office needs at least one service and one counter",
            ));
        }
        let mut services = Vec::with_capacity(spec.services.len());
        let (mut codes, mut prefixes) = (HashSet::new(), HashSet::new());
        for s in spec.services {
            let code = ServiceCode::parse(&s.code).map_err(|e| e.msg())?;
            let prefix = ServicePrefix::parse(&s.prefix).map_err(|e| e.msg())?;
            if !(1..=1440).contains(&s.target_minutes) {
                return Err(Msg::new(
                    format!("target_minutes layanan {code} harus 1 sampai 1440 menit"),
                    format!("target_minutes of service {code} must be 1 to 1440 minutes"),
                ));
            }
            if !codes.insert(code.clone()) || !prefixes.insert(prefix.clone()) {
                return Err(Msg::new(
                    format!("Kode atau awalan layanan {code} dipakai dua kali"),
                    format!("Service code or prefix of {code} is used twice"),
                ));
            }
            services.push(Service {
                name: valid_name("services[].name", &s.name)?,
                code,
                prefix,
                target_minutes: s.target_minutes as u32,
            });
        }
        let mut counters = Vec::with_capacity(spec.counters.len());
        let mut counter_ids = HashSet::new();
        for c in spec.counters {
            let id = CounterId::parse(&c.id).map_err(|e| e.msg())?;
            if !counter_ids.insert(id.clone()) {
                return Err(Msg::new(
                    format!("Loket {id} didefinisikan dua kali"),
                    format!("Counter {id} is defined twice"),
                ));
            }
            let mut served = Vec::with_capacity(c.services.len());
            for code in &c.services {
                let code = ServiceCode::parse(code).map_err(|e| e.msg())?;
                if !codes.contains(&code) {
                    return Err(Msg::new(
                        format!("Loket {id} melayani layanan {code} yang tidak ada di kantor ini"),
                        format!(
                            "Counter {id} serves service {code}, which this office does not have"
                        ),
                    ));
                }
                if !served.contains(&code) {
                    served.push(code);
                }
            }
            if served.is_empty() {
                return Err(Msg::new(
                    format!("Loket {id} harus melayani paling sedikit satu layanan"),
                    format!("Counter {id} must serve at least one service"),
                ));
            }
            counters.push(Counter {
                name: valid_name("counters[].name", &c.name)?,
                id,
                services: served,
            });
        }
        Ok(Office {
            id,
            name,
            tz,
            services,
            counters,
        })
    }

    /// A service by code.
    pub fn service(&self, code: &ServiceCode) -> Option<&Service> {
        self.services.iter().find(|s| &s.code == code)
    }

    /// A counter by id.
    pub fn counter(&self, id: &CounterId) -> Option<&Counter> {
        self.counters.iter().find(|c| &c.id == id)
    }

    /// The definition this office was parsed from.
    pub fn to_spec(&self) -> OfficeSpec {
        OfficeSpec::from(self)
    }
}

impl TryFrom<OfficeWire> for Office {
    type Error = String;
    fn try_from(w: OfficeWire) -> Result<Office, String> {
        let id = OfficeId::parse(&w.id).map_err(|e| e.to_string())?;
        Office::parse(id, w.spec).map_err(|m| m.en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{CounterSpec, ServiceSpec};

    fn spec() -> OfficeSpec {
        OfficeSpec {
            name: "Disdukcapil Kota Sawahlunto".into(),
            tz: "Asia/Jakarta".into(),
            services: vec![
                ServiceSpec {
                    code: "ktp".into(),
                    name: "KTP-el".into(),
                    prefix: "A".into(),
                    target_minutes: 30,
                },
                ServiceSpec {
                    code: "kk".into(),
                    name: "Kartu Keluarga".into(),
                    prefix: "B".into(),
                    target_minutes: 45,
                },
            ],
            counters: vec![CounterSpec {
                id: "L1".into(),
                name: "Loket 1".into(),
                services: vec!["ktp".into(), "kk".into()],
            }],
        }
    }

    fn id() -> OfficeId {
        OfficeId::parse("sawahlunto").unwrap()
    }

    #[test]
    fn a_valid_office_parses_and_round_trips_through_json() {
        let office = Office::parse(id(), spec()).unwrap();
        let json = serde_json::to_string(&office).unwrap();
        let back: Office = serde_json::from_str(&json).unwrap();
        assert_eq!(back, office);
        assert_eq!(back.to_spec(), spec());
    }

    #[test]
    fn a_counter_serving_an_unknown_service_is_rejected() {
        let mut s = spec();
        s.counters[0].services.push("akta".into());
        assert!(Office::parse(id(), s).unwrap_err().en.contains("akta"));
    }

    #[test]
    fn duplicate_prefixes_unknown_zones_and_bad_targets_are_rejected() {
        let mut s = spec();
        s.services[1].prefix = "A".into();
        assert!(Office::parse(id(), s).is_err());
        let mut s = spec();
        s.tz = "Asia/Bandung".into();
        assert!(Office::parse(id(), s).is_err());
        let mut s = spec();
        s.services[0].target_minutes = 0;
        assert!(Office::parse(id(), s).is_err());
    }
}
