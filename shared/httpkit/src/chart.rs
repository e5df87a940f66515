//! The frame of the pages' charts: plotters draws them as SVG into the page
//! (no script, no request to anywhere), and every chart gets a title
//! (`<title>`, `role="img"`) so a screen reader names it and a test finds it.
//! plotters escapes every text it draws, so a name cannot become markup.

use plotters::coord::Shift;
use plotters::prelude::*;
use shared::Lang;
use shared::wire::{HourFigures, QueuePoint};

/// A chart that could not be drawn (a plotters error, as text).
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

/// A plotters error as a [`ChartError`].
pub fn err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError(e.to_string())
}

/// The pages' blue.
pub const BLUE_: RGBColor = RGBColor(0x0b, 0x57, 0xd0);
/// Red: what pulls a figure down.
pub const RED_: RGBColor = RGBColor(0xc6, 0x28, 0x28);
/// Grey: references (an expectation).
pub const GREY: RGBColor = RGBColor(0x6b, 0x72, 0x80);
/// Green: a second series.
pub const GREEN_: RGBColor = RGBColor(0x1b, 0x7f, 0x3b);
/// Labels.
pub const FONT: (&str, u32) = ("sans-serif", 13);

/// Draws with `draw` on a `w` x `h` canvas and gives the SVG, labelled
/// `title` (escaped) for screen readers and tests, sized by its container.
pub fn svg(
    id: &str,
    title: &str,
    (w, h): (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    // Drop plotters' own `<svg ...>` opening tag (its size and namespace).
    let body = out
        .find('>')
        .map(|i| out[i + 1..].to_owned())
        .unwrap_or_default();
    let mut escaped = String::new();
    for c in title.chars() {
        match c {
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '&' => escaped.push_str("&amp;"),
            '"' => escaped.push_str("&quot;"),
            c => escaped.push(c),
        }
    }
    Ok(format!(
        "<svg class=\"chart\" id=\"{id}\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-labelledby=\"{id}-title\"><title id=\"{id}-title\">{escaped}</title>{body}"
    ))
}

/// Mean wait (minutes) by office-local hour of arrival, for the hours with
/// visits.
pub fn waits_by_hour(hours: &[HourFigures], lang: Lang) -> Result<String, ChartError> {
    let title = lang.pick(
        "Rata-rata lama menunggu (menit) menurut jam kedatangan",
        "Mean wait (minutes) by hour of arrival",
    );
    let shown: Vec<&HourFigures> = hours.iter().filter(|h| h.visits > 0).collect();
    let top = shown
        .iter()
        .filter_map(|h| h.wait_mean_s)
        .max()
        .unwrap_or(60) as f64
        / 60.0;
    svg("chart-hours", title, (720, 260), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d(
                (0..shown.len()).into_segmented(),
                0.0..(top * 1.15).max(1.0),
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .label_style(FONT)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => shown
                    .get(*i)
                    .map(|h| format!("{:02}", h.hour))
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(shown.iter().enumerate().map(|(i, h)| {
                let v = h.wait_mean_s.unwrap_or(0) as f64 / 60.0;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), v),
                    ],
                    BLUE_.filled(),
                );
                bar.set_margin(0, 0, 4, 4);
                bar
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// The queue's length through the day (office-local time), as a step line.
pub fn queue_through_day(points: &[QueuePoint], lang: Lang) -> Result<String, ChartError> {
    let title = lang.pick(
        "Panjang antrean sepanjang hari (orang menunggu)",
        "Queue length through the day (people waiting)",
    );
    let first = points.first().map(|p| p.minute).unwrap_or(8 * 60);
    let last = points
        .last()
        .map(|p| p.minute + 5)
        .unwrap_or(first + 60)
        .max(first + 60);
    let top = points.iter().map(|p| p.waiting).max().unwrap_or(0).max(4);
    svg("chart-queue", title, (720, 260), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d(u32::from(first)..u32::from(last), 0u32..(top + top / 5 + 1))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .label_style(FONT)
            .x_labels(8)
            .x_label_formatter(&|m| format!("{:02}:{:02}", m / 60, m % 60))
            .draw()
            .map_err(err)?;
        let mut steps = Vec::with_capacity(points.len() * 2);
        for p in points {
            let (m, w) = (u32::from(p.minute), p.waiting);
            steps.push((m, w));
            steps.push((m + 5, w));
        }
        chart
            .draw_series(
                AreaSeries::new(steps, 0, BLUE_.mix(0.25)).border_style(BLUE_.stroke_width(2)),
            )
            .map_err(err)?;
        Ok(())
    })
}
