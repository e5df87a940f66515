//! Reads a QR code back from the SVG the kiosk serves, with a standard
//! decoder (rqrr): the SVG path is rasterised module by module, then decoded
//! exactly as a camera image would be.

/// Decodes the text of the first QR code in `svg`.
pub fn decode_svg(svg: &str) -> Result<String, String> {
    let attr = |name: &str| -> Result<usize, String> {
        let key = format!(" {name}=\"");
        let start = svg.find(&key).ok_or(format!("no {name}"))? + key.len();
        let end = svg[start..].find('"').ok_or("unterminated")? + start;
        svg[start..end].parse().map_err(|e| format!("{name}: {e}"))
    };
    let (w, h) = (attr("width")?, attr("height")?);
    let d_start = svg.find(" d=\"").ok_or("no path")? + 4;
    let d_end = svg[d_start..].find('"').ok_or("unterminated path")? + d_start;
    let mut dark = vec![false; w * h];
    // Each rectangle is `M{left} {top}h{width}v{height}H{left}V{top}`.
    for rect in svg[d_start..d_end].split('M').filter(|r| !r.is_empty()) {
        let nums: Vec<usize> = rect
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|e| format!("path number {s:?}: {e}")))
            .collect::<Result<_, _>>()?;
        let [left, top, width, height, ..] = nums[..] else {
            return Err(format!("unexpected path segment {rect:?}"));
        };
        for y in top..(top + height).min(h) {
            for x in left..(left + width).min(w) {
                dark[y * w + x] = true;
            }
        }
    }
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(
            w,
            h,
            |x, y| if dark[y * w + x] { 0 } else { 255 },
        );
    let grids = img.detect_grids();
    let grid = grids.first().ok_or("no QR code found")?;
    let (_, text) = grid.decode().map_err(|e| format!("decode: {e:?}"))?;
    Ok(text)
}
