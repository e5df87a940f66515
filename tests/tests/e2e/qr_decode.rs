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

/// Decodes the text of the first QR code in a PNG image (a browser
/// screenshot), the way a phone's camera would read the printed ticket.
pub fn decode_png(bytes: &[u8]) -> Result<String, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| format!("png: {e}"))?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("png: no buffer size")?];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("png: {e}"))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let stride = info.line_size;
    let luma = |x: usize, y: usize| -> u8 {
        let p = &buf[y * stride + x * channels..];
        match channels {
            1 | 2 => p[0],
            _ => ((u16::from(p[0]) * 3 + u16::from(p[1]) * 6 + u16::from(p[2])) / 10) as u8,
        }
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, luma);
    let grids = img.detect_grids();
    let grid = grids.first().ok_or("no QR code found in the image")?;
    let (_, text) = grid.decode().map_err(|e| format!("decode: {e:?}"))?;
    Ok(text)
}
