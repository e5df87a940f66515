//! Charts for the report pages, drawn as SVG by plotters (no script, no
//! request to anywhere: the drawing is part of the page). Each chart is
//! given a title (`<title>`, `role="img"`), so a screen reader names it and a
//! test finds it; each takes the same values the page's JSON route returns.
//!
//! plotters escapes every text it draws (`<`, `&`), so a name from the
//! roster cannot become markup.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use shared::Lang;
use shared::wire::{AsnReportRow, SkmElement, WeekFigures};

use httpkit::chart::{BLUE_, ChartError, FONT, GREEN_, GREY, RED_, err, svg};

/// NRR per element U1..U9 (1..4), the weakest three in red.
pub fn nrr_bars(
    elements: &[SkmElement],
    weakest: &[String],
    lang: Lang,
) -> Result<String, ChartError> {
    let title = lang.pick(
        "NRR per unsur pelayanan (merah: tiga terendah)",
        "NRR per service element (red: the three lowest)",
    );
    svg("chart-nrr", title, (720, 280), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(36)
            .build_cartesian_2d((0..elements.len()).into_segmented(), 0.0..4.0f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .y_labels(5)
            .label_style(FONT)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => {
                    elements.get(*i).map(|e| e.code.clone()).unwrap_or_default()
                }
                _ => String::new(),
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(elements.iter().enumerate().filter_map(|(i, e)| {
                let v = e.nrr?;
                let color = if weakest.contains(&e.code) {
                    RED_
                } else {
                    BLUE_
                };
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), v),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, 8, 8);
                Some(bar)
            }))
            .map_err(err)?;
        chart
            .draw_series(elements.iter().enumerate().filter_map(|(i, e)| {
                let v = e.nrr?;
                Some(Text::new(
                    format!("{v:.2}"),
                    (SegmentValue::CenterOf(i), v + 0.05),
                    FONT.into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                ))
            }))
            .map_err(err)?;
        Ok(())
    })
}

pub use httpkit::chart::waits_by_hour;

/// The weekly trend: median wait (minutes) and mean quick score (1..4),
/// one line each on its own scale.
pub fn weekly_trend(weeks: &[WeekFigures], lang: Lang) -> Result<String, ChartError> {
    let title = lang.pick(
        "Tren mingguan: median menunggu (menit, biru) dan rata-rata nilai (1-4, hijau)",
        "Weekly trend: median wait (minutes, blue) and mean score (1-4, green)",
    );
    let n = weeks.len().max(1);
    let wait_top = weeks
        .iter()
        .filter_map(|w| w.wait_p50_s)
        .max()
        .unwrap_or(60) as f64
        / 60.0;
    svg("chart-weeks", title, (720, 260), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .right_y_label_area_size(36)
            .build_cartesian_2d(0..n, 0.0..(wait_top * 1.2).max(1.0))
            .map_err(err)?
            .set_secondary_coord(0..n, 1.0..4.0f64);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .label_style(FONT)
            .x_labels(n.min(10))
            .x_label_formatter(&|i| {
                weeks
                    .get(*i)
                    .map(|w| w.week_start.get(5..).unwrap_or("").to_owned())
                    .unwrap_or_default()
            })
            .draw()
            .map_err(err)?;
        chart
            .configure_secondary_axes()
            .label_style(FONT)
            .y_labels(4)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                weeks
                    .iter()
                    .enumerate()
                    .filter_map(|(i, w)| Some((i, w.wait_p50_s? as f64 / 60.0))),
                BLUE_.stroke_width(3),
            ))
            .map_err(err)?;
        chart
            .draw_secondary_series(LineSeries::new(
                weeks
                    .iter()
                    .enumerate()
                    .filter_map(|(i, w)| Some((i, w.score_mean?))),
                GREEN_.stroke_width(3),
            ))
            .map_err(err)?;
        Ok(())
    })
}

/// Each ASN's adjusted score with its 95% interval (line) against what the
/// office achieves on the same services (grey tick), on the 1..4 scale.
pub fn intervals(rows: &[&AsnReportRow], lang: Lang) -> Result<String, ChartError> {
    let title = lang.pick(
        "Skor disesuaikan dan selang 95% tiap ASN; garis abu-abu: ekspektasi kantor",
        "Each ASN's adjusted score and 95% interval; grey tick: the office's expectation",
    );
    let h = (60 + 40 * rows.len().max(1) as u32).max(150);
    svg("chart-intervals", title, (720, h), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(180)
            .build_cartesian_2d(1.0..4.0f64, (0..rows.len()).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .label_style(FONT)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => rows
                    .get(*i)
                    .map(|r| r.name.chars().take(24).collect())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(err)?;
        for (i, r) in rows.iter().enumerate() {
            let y = SegmentValue::CenterOf(i);
            if let (Some(lo), Some(hi)) = (r.ci_low, r.ci_high) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(lo.max(1.0), y.clone()), (hi.min(4.0), y.clone())],
                        BLUE_.stroke_width(3),
                    )))
                    .map_err(err)?;
            }
            if let Some(e) = r.expected {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(e, SegmentValue::Exact(i)), (e, SegmentValue::Exact(i + 1))],
                        GREY.stroke_width(2),
                    )))
                    .map_err(err)?;
            }
            if let Some(a) = r.score_adjusted {
                chart
                    .draw_series(std::iter::once(Circle::new((a, y), 6, BLUE_.filled())))
                    .map_err(err)?;
            }
        }
        Ok(())
    })
}

/// How many ratings gave each quick score 1..4.
pub fn score_distribution(counts: &[u64; 4], lang: Lang) -> Result<String, ChartError> {
    let title = lang.pick("Sebaran nilai 1-4", "Scores 1-4");
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let labels = shared::Score::LABELS_ID;
    svg("chart-scores", title, (480, 220), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d((0..4usize).into_segmented(), 0.0..top * 1.15)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(FONT)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => {
                    labels.get(*i).map(|l| (*l).to_owned()).unwrap_or_default()
                }
                _ => String::new(),
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, c)| {
                let color = if i < 2 { RED_ } else { BLUE_ };
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), *c as f64),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, 10, 10);
                bar
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// The IKM month by month (months without full responses left out).
pub fn monthly_ikm(months: &[(String, Option<f64>)], lang: Lang) -> Result<String, ChartError> {
    let title = lang.pick("IKM per bulan", "IKM by month");
    let n = months.len().max(1);
    svg("chart-months", title, (720, 240), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d(0..n, 25.0..100.0f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .label_style(FONT)
            .x_labels(n)
            .x_label_formatter(&|i| months.get(*i).map(|m| m.0.clone()).unwrap_or_default())
            .draw()
            .map_err(err)?;
        let points: Vec<(usize, f64)> = months
            .iter()
            .enumerate()
            .filter_map(|(i, (_, v))| Some((i, (*v)?)))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), BLUE_.stroke_width(3)))
            .map_err(err)?;
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 5, BLUE_.filled())))
            .map_err(err)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(code: &str, nrr: f64) -> SkmElement {
        SkmElement {
            code: code.into(),
            name: code.into(),
            sum: 0,
            nrr: Some(nrr),
            nrr_weighted: Some(nrr / 9.0),
        }
    }

    #[test]
    fn a_chart_is_inline_svg_with_a_title_and_no_outside_reference() {
        let els: Vec<SkmElement> = (1..=9)
            .map(|i| element(&format!("U{i}"), 2.5 + i as f64 / 10.0))
            .collect();
        let s = nrr_bars(&els, &["U1".into()], Lang::Id).unwrap();
        assert!(
            s.starts_with("<svg class=\"chart\" id=\"chart-nrr\""),
            "{}",
            &s[..80]
        );
        assert!(s.contains("<title id=\"chart-nrr-title\">NRR per unsur"));
        assert!(!s.contains("http"), "no namespace or link needed inline");
        assert!(s.contains("U9") && s.contains("2.60"), "bars are labelled");
    }

    #[test]
    fn a_name_with_markup_is_drawn_as_text() {
        let row = AsnReportRow {
            asn_ref: String::new(),
            nip: String::new(),
            name: "<script>alert(1)</script>".into(),
            office_id: "x".into(),
            figures: Default::default(),
            ratings_by_session: 0,
            response_rate: None,
            score_mean: Some(3.0),
            expected: Some(3.1),
            score_adjusted: Some(3.05),
            ci_low: Some(2.9),
            ci_high: Some(3.2),
            band: None,
            previous: Default::default(),
            by_service: Vec::new(),
            excluded: 0,
        };
        let s = intervals(&[&row], Lang::En).unwrap();
        assert!(!s.contains("<script>"), "{s}");
        assert!(s.contains("&lt;script&gt;"));
    }
}
