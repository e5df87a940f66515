//! The official SKM report as a spreadsheet, in the layout of PermenPAN-RB
//! 14/2017: the unit and period, population, respondents and the minimum
//! sample, per element the sum of answers, NRR and weighted NRR (x 1/9), the
//! IKM and its conversion (x 25), mutu and kinerja, and a follow-up section
//! for the three weakest elements. The numbers are written as the report
//! holds them (full precision, formatted for reading), so a spreadsheet
//! reader finds exactly what the JSON report says.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use shared::wire::SkmReport;

/// The workbook's bytes.
pub fn skm_workbook(r: &SkmReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let int = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0");
    let nrr = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.000");
    let weighted = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.0000");
    let two = Format::new().set_bold().set_num_format("0.00");

    let ws = book.add_worksheet();
    ws.set_name("SKM")?;
    ws.set_column_width(0, 8)?;
    ws.set_column_width(1, 44)?;
    ws.set_column_width(2, 16)?;
    ws.set_column_width(3, 12)?;
    ws.set_column_width(4, 16)?;

    ws.write_with_format(
        0,
        0,
        "LAPORAN HASIL SURVEI KEPUASAN MASYARAKAT (SKM)",
        &title,
    )?;
    ws.write(1, 0, "Berdasarkan PermenPAN-RB Nomor 14 Tahun 2017")?;
    let info: [(&str, String); 5] = [
        ("Unit pelayanan", r.name.clone()),
        ("Kode unit", r.office_id.clone()),
        ("Periode", format!("{} s.d. {}", r.from, r.to)),
        ("Populasi (layanan selesai)", r.population.to_string()),
        ("Responden (survei lengkap)", r.respondents.to_string()),
    ];
    let mut row = 3;
    for (label, value) in info {
        ws.write_with_format(row, 0, label, &bold)?;
        ws.write(row, 2, value)?;
        row += 1;
    }
    ws.write_with_format(row, 0, "Sampel minimum (Krejcie-Morgan)", &bold)?;
    ws.write(row, 2, r.sample_min as f64)?;
    if r.sample_short {
        ws.write(row, 3, "Responden kurang dari sampel minimum")?;
    }
    row += 2;

    for (c, h) in [
        "Unsur",
        "Nama unsur",
        "Jumlah nilai",
        "NRR",
        "NRR tertimbang (x 1/9)",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(row, c as u16, *h, &head)?;
    }
    row += 1;
    for e in &r.elements {
        ws.write_with_format(row, 0, e.code.as_str(), &cell)?;
        ws.write_with_format(row, 1, e.name.as_str(), &cell)?;
        ws.write_with_format(row, 2, e.sum as f64, &int)?;
        match (e.nrr, e.nrr_weighted) {
            (Some(n), Some(w)) => {
                ws.write_with_format(row, 3, n, &nrr)?;
                ws.write_with_format(row, 4, w, &weighted)?;
            }
            _ => {
                ws.write_with_format(row, 3, "-", &cell)?;
                ws.write_with_format(row, 4, "-", &cell)?;
            }
        }
        row += 1;
    }
    ws.write_with_format(row, 1, "Jumlah NRR tertimbang (IKM)", &head)?;
    match r.nrr_weighted_total {
        Some(t) => ws.write_with_format(row, 4, t, &weighted)?,
        None => ws.write_with_format(row, 4, "-", &cell)?,
    };
    row += 2;

    ws.write_with_format(row, 0, "IKM unit pelayanan (konversi x 25)", &bold)?;
    match r.ikm {
        Some(v) => ws.write_with_format(row, 2, v, &two)?,
        None => ws.write(row, 2, "belum ada responden")?,
    };
    row += 1;
    ws.write_with_format(row, 0, "Mutu pelayanan", &bold)?;
    ws.write(row, 2, r.grade.as_deref().unwrap_or("-"))?;
    row += 1;
    ws.write_with_format(row, 0, "Kinerja unit pelayanan", &bold)?;
    ws.write(row, 2, r.kinerja.as_deref().unwrap_or("-"))?;
    row += 1;
    ws.write(
        row,
        0,
        "Mutu: A sangat baik (88,31-100), B baik (76,61-88,30), C kurang baik (65,00-76,60), D tidak baik (25,00-64,99)",
    )?;
    row += 2;

    ws.write_with_format(row, 0, "RENCANA TINDAK LANJUT", &title)?;
    row += 1;
    for (c, h) in [
        "No",
        "Unsur terendah",
        "NRR",
        "Rencana tindak lanjut",
        "Waktu / penanggung jawab",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(row, c as u16, *h, &head)?;
    }
    row += 1;
    for (i, code) in r.weakest.iter().enumerate() {
        let e = r.elements.iter().find(|e| &e.code == code);
        ws.write_with_format(row, 0, (i + 1) as f64, &int)?;
        ws.write_with_format(
            row,
            1,
            e.map(|e| format!("{} {}", e.code, e.name))
                .unwrap_or_default(),
            &cell,
        )?;
        match e.and_then(|e| e.nrr) {
            Some(n) => ws.write_with_format(row, 2, n, &nrr)?,
            None => ws.write_with_format(row, 2, "-", &cell)?,
        };
        ws.write_with_format(row, 3, "", &cell)?;
        ws.write_with_format(row, 4, "", &cell)?;
        row += 1;
    }
    row += 1;
    ws.write_with_format(
        row,
        0,
        "TINDAK LANJUT PENGADUAN (nilai 1-2 dengan komentar)",
        &title,
    )?;
    row += 1;
    let f = &r.followup;
    let lines: [(&str, Option<f64>); 5] = [
        ("Butir dibuka", Some(f.opened as f64)),
        ("Sedang ditangani", Some(f.in_progress as f64)),
        ("Selesai", Some(f.done as f64)),
        ("Tingkat tindak lanjut (selesai / dibuka)", f.rate),
        ("Median waktu penyelesaian (jam)", f.close_p50_h),
    ];
    for (label, v) in lines {
        ws.write_with_format(row, 0, label, &cell)?;
        match v {
            Some(v) => ws.write_with_format(row, 2, v, &nrr)?,
            None => ws.write_with_format(row, 2, "-", &cell)?,
        };
        row += 1;
    }
    book.save_to_buffer()
}
