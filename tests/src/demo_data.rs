//! Offices, services, counters and ASN for the demo and the tests: five real
//! places across the three Indonesian time zones.

use shared::wire::{CounterSpec, OfficeSpec, RosterRow, ServiceSpec};

/// One demo office.
pub struct DemoOffice {
    /// Office id.
    pub id: &'static str,
    /// Definition.
    pub spec: OfficeSpec,
    /// Its ASN: (NIP, name, PIN).
    pub staff: Vec<(&'static str, &'static str, &'static str)>,
}

fn service(code: &str, name: &str, prefix: &str, target_minutes: i64) -> ServiceSpec {
    ServiceSpec {
        code: code.into(),
        name: name.into(),
        prefix: prefix.into(),
        target_minutes,
    }
}

fn counter(id: &str, name: &str, services: &[&str]) -> CounterSpec {
    CounterSpec {
        id: id.into(),
        name: name.into(),
        services: services.iter().map(|s| (*s).into()).collect(),
    }
}

/// The five demo offices.
pub fn offices() -> Vec<DemoOffice> {
    vec![
        DemoOffice {
            id: "jakarta-pusat",
            spec: OfficeSpec {
                name: "Suku Dinas Dukcapil Jakarta Pusat".into(),
                tz: "Asia/Jakarta".into(),
                services: vec![
                    service("ktp", "KTP-el", "A", 30),
                    service("kk", "Kartu Keluarga", "B", 45),
                    service("akta", "Akta Kelahiran", "C", 60),
                    service("pindah", "Surat Pindah", "D", 45),
                ],
                counters: vec![
                    counter("L1", "Loket 1", &["ktp", "kk"]),
                    counter("L2", "Loket 2", &["ktp", "kk"]),
                    counter("L3", "Loket 3", &["akta"]),
                    counter("L4", "Loket 4", &["pindah", "kk"]),
                ],
            },
            staff: vec![
                ("198503122010012004", "Siti Rahmawati", "2580"),
                ("197911052005011003", "Budi Santoso", "1470"),
                ("199002282015032001", "Dewi Lestari", "3690"),
                ("198807172014021002", "Ahmad Fauzi", "8520"),
            ],
        },
        DemoOffice {
            id: "sawahlunto",
            spec: OfficeSpec {
                name: "Dinas Kependudukan dan Pencatatan Sipil Kota Sawahlunto".into(),
                tz: "Asia/Jakarta".into(),
                services: vec![
                    service("ktp", "KTP-el", "A", 30),
                    service("kk", "Kartu Keluarga", "B", 45),
                    service("akta", "Akta Kelahiran", "C", 60),
                ],
                counters: vec![
                    counter("L1", "Loket 1", &["ktp", "kk"]),
                    counter("L2", "Loket 2", &["akta", "kk"]),
                ],
            },
            staff: vec![
                ("198204102008012005", "Rina Marlina", "4711"),
                ("199106232019031007", "Andi Saputra", "5822"),
                ("198711032012122001", "Dian Puspita", "6633"),
            ],
        },
        DemoOffice {
            id: "pauh",
            spec: OfficeSpec {
                name: "Kantor Camat Pauh, Kota Padang".into(),
                tz: "Asia/Jakarta".into(),
                services: vec![
                    service("iumk", "Izin Usaha Mikro Kecil", "U", 60),
                    service("sktm", "Surat Keterangan Tidak Mampu", "S", 20),
                    service("legal", "Legalisasi Dokumen", "L", 15),
                ],
                counters: vec![
                    counter("L1", "Loket Perizinan", &["iumk"]),
                    counter("L2", "Loket Umum", &["sktm", "legal"]),
                ],
            },
            staff: vec![
                ("197708142006041002", "Yusrizal", "6933"),
                ("199312012020122003", "Nurul Hidayah", "7044"),
                ("198905212014031002", "Rizki Pratama", "7311"),
            ],
        },
        DemoOffice {
            id: "alak",
            spec: OfficeSpec {
                name: "Kantor Camat Alak, Kota Kupang".into(),
                tz: "Asia/Makassar".into(),
                services: vec![
                    service("ktp", "KTP-el", "A", 30),
                    service("kk", "Kartu Keluarga", "B", 45),
                    service("nib", "Izin Usaha (NIB)", "N", 60),
                ],
                counters: vec![
                    counter("L1", "Loket 1", &["ktp", "kk"]),
                    counter("L2", "Loket 2", &["nib"]),
                ],
            },
            staff: vec![
                ("198601192011012006", "Maria Ndolu", "1357"),
                ("198409302009031004", "Fransiskus Tefa", "2468"),
                ("199002142015032003", "Yuliana Bria", "3579"),
            ],
        },
        DemoOffice {
            id: "walesi",
            spec: OfficeSpec {
                name: "Kantor Distrik Walesi, Kabupaten Jayawijaya".into(),
                tz: "Asia/Jayapura".into(),
                services: vec![
                    service("ktp", "KTP-el", "A", 45),
                    service("akta", "Akta Kelahiran", "C", 60),
                ],
                counters: vec![counter("L1", "Loket 1", &["ktp", "akta"])],
            },
            staff: vec![
                ("198812252015031003", "Yohanes Wenda", "9753"),
                ("199204042018012002", "Ester Lokobal", "8642"),
                ("198606302010011005", "Markus Kogoya", "4455"),
            ],
        },
    ]
}

/// The roster rows of all demo offices.
pub fn roster() -> Vec<RosterRow> {
    offices()
        .iter()
        .flat_map(|o| {
            o.staff.iter().map(|(nip, name, pin)| RosterRow {
                nip: (*nip).into(),
                name: (*name).into(),
                office_id: o.id.into(),
                pin: (*pin).into(),
                active: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_office_and_nip_is_valid() {
        for o in offices() {
            let id = shared::OfficeId::parse(o.id).unwrap();
            shared::Office::parse(id, o.spec.clone()).unwrap();
            for (nip, _, pin) in &o.staff {
                shared::Nip::parse(nip).unwrap();
                assert!((4..=8).contains(&pin.len()));
            }
        }
    }
}
