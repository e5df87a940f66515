//! The frame of the pages' charts: plotters draws them as SVG into the page
//! (no script, no request to anywhere), and every chart gets a title
//! (`<title>`, `role="img"`) so a screen reader names it and a test finds it.
//! plotters escapes every text it draws, so a name cannot become markup.

use plotters::coord::Shift;
use plotters::prelude::*;

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
