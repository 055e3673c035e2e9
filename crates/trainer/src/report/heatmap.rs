//! Attention matrices drawn as heatmaps, to PNG or SVG, with labelled axes, the value in each cell and a
//! colour scale.
//!
//! Nothing is read from the machine at run time: no font file, no system font. PNG text is drawn from the
//! public-domain 8x8 bitmap glyphs of the `font8x8` crate (ASCII, Latin-1 with French accents, Greek), scaled
//! 2x for labels; a character it does not cover is drawn as a hollow box, never dropped. SVG text is real
//! `<text>` elements in UTF-8, so any script shows as the viewer's fonts allow.
//!
//! Colours are viridis (perceptually uniform, readable in grey and by colour-blind readers), from the
//! `colorous` crate, on the fixed scale [0, 1] of attention weights: a value outside it takes the colour of
//! the nearer end, and its own value is still written in the cell. Each value is written with two decimals
//! when the cell is large enough, in black or white, whichever contrasts more with the cell (WCAG contrast
//! ratio).
//!
//! The PNG and the SVG of the same maps have the same geometry (the same width, height and cell places).
//!
//! # Example
//!
//! ```
//! use trainer::report::heatmap::{Heatmap, save};
//! let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
//! let map = Heatmap::new(
//!     "I love you -> je t' aime",
//!     words("je t' aime"),
//!     words("i love you"),
//!     vec![vec![0.93, 0.04, 0.03], vec![0.05, 0.10, 0.85], vec![0.02, 0.90, 0.08]],
//! )?;
//! let dir = tempfile::tempdir().unwrap();
//! save(&dir.path().join("attention.png"), "I love you -> je t' aime", &[map], 1)?;
//! assert!(dir.path().join("attention.png").is_file());
//! # Ok::<(), trainer::TrainError>(())
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use crate::TrainError;

/// Space around the picture.
const MARGIN: usize = 16;
/// Space between labels and the cells they name.
const GAP: usize = 6;
/// Space between two heatmaps of a grid.
const SLOT_GAP: usize = 32;
/// Space between the grid and the colour bar.
const BAR_GAP: usize = 24;
/// Width of the colour bar.
const BAR_W: usize = 20;
/// Shortest colour bar, for small matrices.
const BAR_MIN_H: usize = 120;
/// Length of a tick on the colour bar, and the space between it and its label (wide enough that the tick
/// does not read as a minus sign).
const TICK_LEN: usize = 5;
const TICK_GAP: usize = 8;
/// Bitmap glyphs are 8x8 pixels, drawn at a whole multiple of that.
const GLYPH: usize = 8;
/// Scale of the overall title.
const TITLE_SCALE: usize = 3;
/// Scale of labels, map titles and tick labels (when the cells are large enough for it).
const LABEL_SCALE: usize = 2;
/// Labels longer than this are cut, ending with "...".
const MAX_LABEL_CHARS: usize = 24;
/// Titles longer than this are cut, ending with "...".
const MAX_TITLE_CHARS: usize = 80;
/// Cell size bounds, in pixels.
const MIN_CELL: usize = 10;
const MAX_CELL: usize = 80;
/// Cells of a single heatmap share about this many pixels across; a grid's maps share twice that.
const SINGLE_TARGET: usize = 768;
/// Largest PNG drawn, per side and in all, so that a huge matrix is an error and not an exhausted memory.
const MAX_SIDE: usize = 32_000;
const MAX_PIXELS: usize = 100_000_000;

/// Colours not taken from the colour map.
const BACKGROUND: Rgb = Rgb(255, 255, 255);
const INK: Rgb = Rgb(0x22, 0x22, 0x22);
/// A cell without a finite value (only possible when `values` was changed after [`Heatmap::new`]).
const MISSING: Rgb = Rgb(0xbd, 0xbd, 0xbd);
const DARK_TEXT: Rgb = Rgb(0, 0, 0);
const LIGHT_TEXT: Rgb = Rgb(255, 255, 255);

/// What a character `font8x8` does not cover is drawn as: a hollow 7x7 box.
const REPLACEMENT: [u8; 8] = [0x7f, 0x41, 0x41, 0x41, 0x41, 0x41, 0x7f, 0x00];

/// The SVG font: monospaced, from the viewer's fonts (none is embedded).
const SVG_FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, monospace";

/// One matrix with its labels.
///
/// `values[r][c]` is the weight of column `c` for row `r`: for a translation, how much output word `r`
/// attended to source word `c`. Build it with [`Heatmap::new`], which checks the shape.
///
/// ```
/// use trainer::report::heatmap::Heatmap;
/// let map = Heatmap::new("a", vec!["x".into()], vec!["y".into(), "z".into()], vec![vec![0.25, 0.75]])?;
/// assert!(map.to_svg().contains(">0.75<"));
/// # Ok::<(), trainer::TrainError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Drawn above the map (unless it is the title of the whole picture).
    pub title: String,
    /// One label per row, drawn at the left.
    pub rows: Vec<String>,
    /// One label per column, drawn at the top.
    pub columns: Vec<String>,
    /// `rows.len()` rows of `columns.len()` finite values; the colour scale is [0, 1].
    pub values: Vec<Vec<f32>>,
}

impl Heatmap {
    /// Checks the shape (`values` is `rows.len()` x `columns.len()`, non-empty) and that values are finite.
    ///
    /// # Errors
    ///
    /// `TrainError::Input` saying what is wrong and where, the title quoted; row and column numbers count
    /// from 0.
    ///
    /// ```
    /// use trainer::report::heatmap::Heatmap;
    /// let err = Heatmap::new("x", vec!["a".into()], vec!["b".into()], vec![vec![f32::NAN]]).unwrap_err();
    /// assert_eq!(err.to_string(), r#"heatmap "x": value NaN at row 0, column 0 is not finite"#);
    /// ```
    pub fn new(
        title: impl Into<String>,
        rows: Vec<String>,
        columns: Vec<String>,
        values: Vec<Vec<f32>>,
    ) -> Result<Self, TrainError> {
        let map = Self {
            title: title.into(),
            rows,
            columns,
            values,
        };
        map.check()?;
        Ok(map)
    }

    /// The heatmap as an SVG document, titled with its own title.
    ///
    /// ```
    /// use trainer::report::heatmap::Heatmap;
    /// let map = Heatmap::new("a & b", vec!["x".into()], vec!["y".into()], vec![vec![1.0]])?;
    /// let svg = map.to_svg();
    /// assert!(svg.starts_with("<?xml") && svg.contains("a &amp; b") && svg.contains(">1.00<"));
    /// # Ok::<(), trainer::TrainError>(())
    /// ```
    #[must_use]
    pub fn to_svg(&self) -> String {
        grid_to_svg(&self.title, std::slice::from_ref(self), 1)
    }

    /// The heatmap as PNG bytes (8-bit RGB), titled with its own title.
    ///
    /// # Errors
    ///
    /// As [`grid_to_png`]: `TrainError::Input` if the heatmap's fields were changed into a bad shape or a
    /// non-finite value after [`Heatmap::new`], or if the matrix is too large to draw.
    ///
    /// ```
    /// use trainer::report::heatmap::Heatmap;
    /// let map = Heatmap::new("a", vec!["x".into()], vec!["y".into()], vec![vec![0.5]])?;
    /// assert!(map.to_png()?.starts_with(b"\x89PNG"));
    /// # Ok::<(), trainer::TrainError>(())
    /// ```
    pub fn to_png(&self) -> Result<Vec<u8>, TrainError> {
        grid_to_png(&self.title, std::slice::from_ref(self), 1)
    }

    /// The checks of [`Heatmap::new`], again for a heatmap whose public fields may have been changed.
    fn check(&self) -> Result<(), TrainError> {
        let title = &self.title;
        let fail = |what: String| Err(TrainError::Input(format!("heatmap {title:?}: {what}")));
        if self.rows.is_empty() {
            return fail("no rows (one label per row is needed)".into());
        }
        if self.columns.is_empty() {
            return fail("no columns (one label per column is needed)".into());
        }
        if self.values.len() != self.rows.len() {
            return fail(format!(
                "expected {} rows of values (one per row label), found {}",
                self.rows.len(),
                self.values.len()
            ));
        }
        for (r, row) in self.values.iter().enumerate() {
            if row.len() != self.columns.len() {
                return fail(format!(
                    "row {r} has {} values, expected {} (one per column)",
                    row.len(),
                    self.columns.len()
                ));
            }
            if let Some((c, v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return fail(format!("value {v} at row {r}, column {c} is not finite"));
            }
        }
        Ok(())
    }

    /// The value at `(r, c)`, or `None` where the public fields were changed into a bad shape or value.
    fn value(&self, r: usize, c: usize) -> Option<f32> {
        self.values
            .get(r)
            .and_then(|row| row.get(c))
            .copied()
            .filter(|v| v.is_finite())
    }
}

/// Several heatmaps in a grid of `per_row` columns (layers down, heads across, say), with one shared colour
/// scale and an overall title; a single heatmap is a grid of one.
///
/// All maps share one cell size, so they compare at a glance. A map's own title is drawn above it unless it
/// is empty or equal to `title`. A `per_row` of 0 counts as 1. With no maps, the picture has only the
/// title and the colour scale. A cell whose value is missing or not finite (possible only when a map's
/// fields were changed after [`Heatmap::new`]) is drawn grey, without text.
///
/// ```
/// use trainer::report::heatmap::{Heatmap, grid_to_svg};
/// let chars = |s: &str| s.chars().map(String::from).collect::<Vec<_>>();
/// let head = |h: usize| Heatmap::new(format!("head {h}"), chars("chat"), chars("chat"), vec![vec![0.25; 4]; 4]);
/// let maps = (0..4).map(head).collect::<Result<Vec<_>, _>>()?;
/// let svg = grid_to_svg("layer 0", &maps, 2);
/// assert_eq!(svg.matches("<rect").count(), 4 * 16);
/// assert!(svg.contains(">head 3<"));
/// # Ok::<(), trainer::TrainError>(())
/// ```
#[must_use]
pub fn grid_to_svg(title: &str, maps: &[Heatmap], per_row: usize) -> String {
    let layout = Layout::new(title, maps, per_row);
    let mut svg = String::new();
    // Writing to a String cannot fail: the results of write! are ignored below.
    let _ = writeln!(svg, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{SVG_FONT}">"#,
        w = layout.width,
        h = layout.height
    );
    let _ = writeln!(svg, "<title>{}</title>", escape(title));
    let _ = write!(
        svg,
        r#"<defs><linearGradient id="heatmap-scale" x1="0" y1="1" x2="0" y2="0">"#
    );
    for i in 0..=20 {
        let t = i as f32 / 20.0;
        let _ = write!(svg, r#"<stop offset="{t:.2}" stop-color="{}"/>"#, colour(t).hex());
    }
    let _ = writeln!(svg, "</linearGradient></defs>");
    let _ = writeln!(
        svg,
        r#"<path d="M0 0H{}V{}H0Z" fill="{}"/>"#,
        layout.width,
        layout.height,
        BACKGROUND.hex()
    );
    if let Some(shown) = &layout.title {
        let size = GLYPH * TITLE_SCALE;
        svg_text(&mut svg, (MARGIN, MARGIN), size, Style::new("start", INK), shown, title);
        let _ = writeln!(svg);
    }
    let cell = layout.cell;
    let ls = layout.label_scale;
    for (map, place) in maps.iter().zip(&layout.maps) {
        let _ = writeln!(svg, "<g>");
        if let Some(shown) = &place.title {
            let at = (place.cells_x, place.title_y);
            svg_text(
                &mut svg,
                at,
                GLYPH * LABEL_SCALE,
                Style::new("start", INK),
                shown,
                &map.title,
            );
            let _ = writeln!(svg);
        }
        for (r, label) in map.rows.iter().enumerate() {
            let y = place.cells_y + r * cell + (cell - GLYPH * ls) / 2;
            let shown = cut(label, MAX_LABEL_CHARS);
            svg_text(
                &mut svg,
                (place.cells_x - GAP, y),
                GLYPH * ls,
                Style::new("end", INK),
                &shown,
                label,
            );
        }
        let _ = writeln!(svg);
        for (c, label) in map.columns.iter().enumerate() {
            let shown = cut(label, MAX_LABEL_CHARS);
            let cx = place.cells_x + c * cell + cell / 2;
            if layout.rotate_cols {
                // Turned a quarter left about the point just above the column's centre: the text's start
                // goes there and it reads upwards, its glyph box centred on the column.
                let top = place.cells_y - GAP - GLYPH * ls / 2;
                let style = Style {
                    turned: true,
                    ..Style::new("start", INK)
                };
                svg_text(&mut svg, (cx, top), GLYPH * ls, style, &shown, label);
            } else {
                let y = place.cells_y - GAP - GLYPH * ls;
                svg_text(&mut svg, (cx, y), GLYPH * ls, Style::new("middle", INK), &shown, label);
            }
        }
        let _ = writeln!(svg);
        for (r, row_label) in map.rows.iter().enumerate() {
            for (c, column_label) in map.columns.iter().enumerate() {
                let (x, y) = (place.cells_x + c * cell, place.cells_y + r * cell);
                let value = map.value(r, c);
                let fill = value.map_or(MISSING, colour);
                let tip = match value {
                    Some(v) => format!("{row_label} \u{2192} {column_label}: {v:.3}"),
                    None => format!("{row_label} \u{2192} {column_label}: no value"),
                };
                let _ = writeln!(
                    svg,
                    r#"<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{}"><title>{}</title></rect>"#,
                    fill.hex(),
                    escape(&tip)
                );
                if let Some(v) = value {
                    let text = format!("{v:.2}");
                    if value_scale(&text, cell).is_some() {
                        let size = svg_value_size(&text, cell);
                        let y = y + (cell - size) / 2;
                        svg_text(
                            &mut svg,
                            (x + cell / 2, y),
                            size,
                            Style::new("middle", text_on(fill)),
                            &text,
                            &text,
                        );
                        let _ = writeln!(svg);
                    }
                }
            }
        }
        let _ = writeln!(svg, "</g>");
    }
    let (bx, by, bh) = (layout.bar_x, layout.bar_y, layout.bar_h);
    let _ = writeln!(
        svg,
        r#"<path d="M{bx} {by}h{BAR_W}v{bh}h-{BAR_W}Z" fill="url(#heatmap-scale)" stroke="{}" stroke-width="1"/>"#,
        INK.hex()
    );
    for (t, label) in TICKS {
        let y = layout.tick_y(t);
        let _ = writeln!(
            svg,
            r#"<path d="M{} {y}h{TICK_LEN}" stroke="{}" stroke-width="2"/>"#,
            bx + BAR_W,
            INK.hex()
        );
        let x = bx + BAR_W + TICK_LEN + TICK_GAP;
        let at = (x, y - GLYPH * LABEL_SCALE / 2);
        svg_text(
            &mut svg,
            at,
            GLYPH * LABEL_SCALE,
            Style::new("start", INK),
            label,
            label,
        );
        let _ = writeln!(svg);
    }
    let _ = writeln!(svg, "</svg>");
    svg
}

/// Several heatmaps in a grid, as PNG bytes (8-bit RGB); the picture is the same as [`grid_to_svg`]'s,
/// with text in bitmap glyphs.
///
/// # Errors
///
/// `TrainError::Input` if `maps` is empty, if a map's fields were changed into a bad shape or a
/// non-finite value after [`Heatmap::new`], or if the picture would be too large (more than 32,000 pixels
/// a side or 100 million in all; write SVG for such matrices).
///
/// ```
/// use trainer::report::heatmap::{Heatmap, grid_to_png};
/// let one = Heatmap::new("head 0", vec!["a".into()], vec!["b".into()], vec![vec![1.0]])?;
/// let png = grid_to_png("layer 0", &[one.clone(), one], 2)?;
/// assert!(png.starts_with(b"\x89PNG"));
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn grid_to_png(title: &str, maps: &[Heatmap], per_row: usize) -> Result<Vec<u8>, TrainError> {
    if maps.is_empty() {
        return Err(TrainError::Input(format!(
            "heatmap grid {title:?}: no heatmaps to draw"
        )));
    }
    for map in maps {
        map.check()?;
    }
    let layout = Layout::new(title, maps, per_row);
    let (w, h) = (layout.width, layout.height);
    if w > MAX_SIDE || h > MAX_SIDE || w * h > MAX_PIXELS {
        return Err(TrainError::Input(format!(
            "heatmap grid {title:?}: the picture would be {w} x {h} pixels, more than a PNG is drawn for \
             ({MAX_SIDE} a side, {MAX_PIXELS} in all); write SVG instead"
        )));
    }
    let mut canvas = Canvas::new(w, h);
    if let Some(shown) = &layout.title {
        canvas.text(MARGIN, MARGIN, shown, TITLE_SCALE, INK);
    }
    let cell = layout.cell;
    let ls = layout.label_scale;
    for (map, place) in maps.iter().zip(&layout.maps) {
        if let Some(shown) = &place.title {
            canvas.text(place.cells_x, place.title_y, shown, LABEL_SCALE, INK);
        }
        for (r, label) in map.rows.iter().enumerate() {
            let shown = cut(label, MAX_LABEL_CHARS);
            let x = place.cells_x - GAP - text_width(&shown, ls);
            canvas.text(x, place.cells_y + r * cell + (cell - GLYPH * ls) / 2, &shown, ls, INK);
        }
        for (c, label) in map.columns.iter().enumerate() {
            let shown = cut(label, MAX_LABEL_CHARS);
            if layout.rotate_cols {
                let x = place.cells_x + c * cell + (cell - GLYPH * ls) / 2;
                canvas.text_up(x, place.cells_y - GAP, &shown, ls, INK);
            } else {
                let x = place.cells_x + c * cell + (cell - text_width(&shown, ls)) / 2;
                canvas.text(x, place.cells_y - GAP - GLYPH * ls, &shown, ls, INK);
            }
        }
        for r in 0..map.rows.len() {
            for c in 0..map.columns.len() {
                let (x, y) = (place.cells_x + c * cell, place.cells_y + r * cell);
                let value = map.value(r, c);
                let fill = value.map_or(MISSING, colour);
                canvas.fill(x, y, cell, cell, fill);
                if let Some(v) = value {
                    let text = format!("{v:.2}");
                    if let Some(s) = value_scale(&text, cell) {
                        let tx = x + (cell - text_width(&text, s)) / 2;
                        canvas.text(tx, y + (cell - GLYPH * s) / 2, &text, s, text_on(fill));
                    }
                }
            }
        }
    }
    let (bx, by, bh) = (layout.bar_x, layout.bar_y, layout.bar_h);
    for i in 0..bh {
        let t = 1.0 - i as f32 / (bh - 1) as f32;
        canvas.fill(bx, by + i, BAR_W, 1, colour(t));
    }
    canvas.outline(bx.saturating_sub(1), by.saturating_sub(1), BAR_W + 2, bh + 2, INK);
    for (t, label) in TICKS {
        let y = layout.tick_y(t);
        canvas.fill(bx + BAR_W, y - 1, TICK_LEN, 2, INK);
        canvas.text(
            bx + BAR_W + TICK_LEN + TICK_GAP,
            y - GLYPH * LABEL_SCALE / 2,
            label,
            LABEL_SCALE,
            INK,
        );
    }
    canvas.encode()
}

/// Writes `maps` to `path`, PNG or SVG by the extension (case-insensitive), atomically: a temporary file in
/// the same directory, then a rename, so a failure never leaves a half-written file. An unknown extension, a
/// missing parent directory, or an empty `maps` is `TrainError::Input` naming the path; a failed write is
/// `TrainError::Io` naming the path.
///
/// # Errors
///
/// As above; a map that cannot be drawn (see [`grid_to_png`]) is `TrainError::Input` naming the path too.
/// On any error, a file already at `path` is left as it was, and no temporary file is left.
///
/// ```
/// use trainer::report::heatmap::{Heatmap, save};
/// let map = Heatmap::new("t", vec!["é".into()], vec!["e".into()], vec![vec![0.5]])?;
/// let dir = tempfile::tempdir().unwrap();
/// save(&dir.path().join("map.SVG"), "t", &[map.clone()], 1)?;
/// assert!(std::fs::read_to_string(dir.path().join("map.SVG")).unwrap().contains(">é<"));
/// let err = save(&dir.path().join("map.jpg"), "t", &[map], 1).unwrap_err();
/// assert!(err.to_string().contains("unknown extension"));
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn save(path: &Path, title: &str, maps: &[Heatmap], per_row: usize) -> Result<(), TrainError> {
    let named = |what: String| format!("cannot write heatmap {:?}: {what}", path.display().to_string());
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let png = match extension.as_deref() {
        Some("png") => true,
        Some("svg") => false,
        _ => {
            return Err(TrainError::Input(named(
                "unknown extension (expected .png or .svg)".into(),
            )));
        }
    };
    if maps.is_empty() {
        return Err(TrainError::Input(named("no heatmaps to draw".into())));
    }
    let dir = match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Path::new("."),
        Some(p) => p,
        None => return Err(TrainError::Input(named("not a file path".into()))),
    };
    if !dir.is_dir() {
        let dir = dir.display().to_string();
        return Err(TrainError::Input(named(format!("directory {dir:?} does not exist"))));
    }
    let bytes = if png {
        grid_to_png(title, maps, per_row).map_err(|e| match e {
            TrainError::Io(what) => TrainError::Io(named(what)),
            other => TrainError::Input(named(other.to_string())),
        })?
    } else {
        for map in maps {
            map.check().map_err(|e| TrainError::Input(named(e.to_string())))?;
        }
        grid_to_svg(title, maps, per_row).into_bytes()
    };
    let io = |e: std::io::Error| TrainError::Io(named(e.to_string()));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".heatmap-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // An ordinary file's mode (less the umask), not the private 0600 of a temporary file.
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    // The temporary file is deleted when dropped, so each early return below leaves nothing behind.
    let mut file = builder.tempfile_in(dir).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// The colour scale's ticks: value and label.
const TICKS: [(f32, &str); 3] = [(0.0, "0"), (0.5, "0.5"), (1.0, "1")];

/// An 8-bit sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rgb(u8, u8, u8);

impl Rgb {
    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Relative luminance, as WCAG 2 defines it.
    fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.0) + 0.7152 * linear(self.1) + 0.0722 * linear(self.2)
    }
}

/// The colour of a (finite) value: viridis, the scale [0, 1], clamped.
fn colour(v: f32) -> Rgb {
    let c = colorous::VIRIDIS.eval_continuous(f64::from(v.clamp(0.0, 1.0)));
    Rgb(c.r, c.g, c.b)
}

/// Black or white text, whichever has the higher WCAG contrast ratio with `background`.
fn text_on(background: Rgb) -> Rgb {
    let l = background.luminance();
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
        DARK_TEXT
    } else {
        LIGHT_TEXT
    }
}

/// The scale (2, else 1) at which `text` fits in a cell with room to spare, or `None` when it does not.
fn value_scale(text: &str, cell: usize) -> Option<usize> {
    [2, 1]
        .into_iter()
        .find(|&s| text_width(text, s) + 4 * s <= cell && GLYPH * s + 4 <= cell)
}

/// The SVG font size of a cell's value: where the PNG has room for its bitmap text, a monospaced font
/// (about 0.6 em a character) fills the cell's width less 8 pixels, at most 35% of its height and 16 pixels.
fn svg_value_size(text: &str, cell: usize) -> usize {
    let across = (cell - 8) as f64 / (0.6 * text.chars().count() as f64);
    across.min(0.35 * cell as f64).min(16.0) as usize
}

/// `text` cut to `max` characters, the last three of them "..." when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        text.chars().take(max - 3).chain("...".chars()).collect()
    }
}

/// Width in pixels of `text` in bitmap glyphs at `scale`: one glyph per character.
fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * GLYPH * scale
}

/// The 8x8 bitmap of `c`: one byte per row, top first, bit 0 the leftmost pixel. ASCII, Latin-1 (U+00A0 to
/// U+00FF, with the French accented letters) and Greek (U+0390 to U+03C9) come from `font8x8`; whitespace is
/// blank; anything else, or a glyph the font leaves empty, is [`REPLACEMENT`].
fn glyph(c: char) -> [u8; 8] {
    use font8x8::legacy::{BASIC_LEGACY, GREEK_LEGACY, LATIN_LEGACY};
    if c.is_whitespace() {
        return [0; 8];
    }
    let code = c as usize;
    let found = match code {
        0..=0x7f => BASIC_LEGACY[code],
        0xa0..=0xff => LATIN_LEGACY[code - 0xa0],
        0x390..=0x3c9 => GREEK_LEGACY[code - 0x390],
        _ => [0; 8],
    };
    if found == [0; 8] { REPLACEMENT } else { found }
}

/// XML text with `& < > " '` escaped, and the characters XML 1.0 forbids replaced by U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// How an SVG `<text>` is set: its `text-anchor`, its colour, and whether it is turned a quarter left to
/// read upwards.
#[derive(Clone, Copy)]
struct Style {
    anchor: &'static str,
    fill: Rgb,
    turned: bool,
}

impl Style {
    const fn new(anchor: &'static str, fill: Rgb) -> Self {
        Self {
            anchor,
            fill,
            turned: false,
        }
    }
}

/// An SVG `<text>` whose glyph box (`size` pixels tall) has its top at `top`, anchored at `x`; a turned one
/// turns about the middle of the box's anchored edge. The baseline sits at 0.8 of the box, where most fonts
/// put it for a box of one em, so no `dominant-baseline` support is needed. When `shown` was cut from
/// `full`, the full text is the element's tooltip.
fn svg_text(svg: &mut String, (x, top): (usize, usize), size: usize, style: Style, shown: &str, full: &str) {
    let baseline = top as f64 + 0.8 * size as f64;
    let turn = if style.turned {
        format!(r#" transform="rotate(-90 {x} {})""#, top + size / 2)
    } else {
        String::new()
    };
    let tip = if shown == full {
        String::new()
    } else {
        format!("<title>{}</title>", escape(full))
    };
    let _ = write!(
        svg,
        r#"<text x="{x}" y="{baseline:.1}" font-size="{size}" text-anchor="{}" fill="{}"{turn}>{tip}{}</text>"#,
        style.anchor,
        style.fill.hex(),
        escape(shown)
    );
}

/// Where everything goes, in pixels: one geometry for the PNG and the SVG.
#[derive(Debug)]
struct Layout {
    width: usize,
    height: usize,
    /// The overall title as shown (cut), if any.
    title: Option<String>,
    /// Side of one cell, the same in every map.
    cell: usize,
    /// Scale of row and column labels: 2, or 1 when cells are small.
    label_scale: usize,
    /// Whether column labels read upwards (when the longest does not fit across a cell).
    rotate_cols: bool,
    /// One per map, in order.
    maps: Vec<Place>,
    bar_x: usize,
    bar_y: usize,
    bar_h: usize,
}

/// Where one map goes.
#[derive(Debug)]
struct Place {
    /// The map's own title as shown, if drawn.
    title: Option<String>,
    /// Top of the map's title.
    title_y: usize,
    /// Top-left corner of the map's first cell.
    cells_x: usize,
    cells_y: usize,
}

impl Layout {
    fn new(title: &str, maps: &[Heatmap], per_row: usize) -> Self {
        let per_row = per_row.clamp(1, maps.len().max(1));
        let largest = maps
            .iter()
            .map(|m| m.rows.len().max(m.columns.len()))
            .max()
            .unwrap_or(1)
            .max(1);
        let target = if per_row == 1 {
            SINGLE_TARGET
        } else {
            (2 * SINGLE_TARGET / per_row).max(SINGLE_TARGET / 4)
        };
        let cell = (target / largest).clamp(MIN_CELL, MAX_CELL);
        let label_scale = if cell >= GLYPH * LABEL_SCALE + 2 {
            LABEL_SCALE
        } else {
            1
        };
        let char_w = GLYPH * label_scale;
        let longest = |labels: &[String]| labels.iter().map(|l| cut(l, MAX_LABEL_CHARS).chars().count()).max();
        let row_chars = maps.iter().filter_map(|m| longest(&m.rows)).max().unwrap_or(0);
        let col_chars = maps.iter().filter_map(|m| longest(&m.columns)).max().unwrap_or(0);
        let row_band = row_chars * char_w + GAP;
        let rotate_cols = col_chars * char_w + 2 > cell;
        let col_band = if rotate_cols { col_chars * char_w } else { char_w } + GAP;
        let map_titles: Vec<Option<String>> = maps
            .iter()
            .map(|m| (!m.title.is_empty() && m.title != title).then(|| cut(&m.title, MAX_TITLE_CHARS)))
            .collect();
        let title_band = if map_titles.iter().any(Option::is_some) {
            GLYPH * LABEL_SCALE + GAP
        } else {
            0
        };
        let widest_title = map_titles
            .iter()
            .flatten()
            .map(|t| text_width(t, LABEL_SCALE))
            .max()
            .unwrap_or(0);
        let max_rows = maps.iter().map(|m| m.rows.len()).max().unwrap_or(0);
        let max_cols = maps.iter().map(|m| m.columns.len()).max().unwrap_or(0);
        let slot_w = row_band + (max_cols * cell).max(widest_title);
        let slot_h = title_band + col_band + max_rows * cell;

        let shown_title = (!title.is_empty()).then(|| cut(title, MAX_TITLE_CHARS));
        let top = MARGIN + shown_title.as_ref().map_or(0, |_| GLYPH * TITLE_SCALE + 2 * GAP);
        let places: Vec<Place> = map_titles
            .into_iter()
            .enumerate()
            .map(|(i, map_title)| {
                let x = MARGIN + (i % per_row) * (slot_w + SLOT_GAP);
                let y = top + (i / per_row) * (slot_h + SLOT_GAP);
                Place {
                    title: map_title,
                    title_y: y,
                    cells_x: x + row_band,
                    cells_y: y + title_band + col_band,
                }
            })
            .collect();
        let grid_cols = per_row.min(maps.len());
        let grid_rows = maps.len().div_ceil(per_row);
        let grid_w = grid_cols * slot_w + grid_cols.saturating_sub(1) * SLOT_GAP;
        let grid_h = grid_rows * slot_h + grid_rows.saturating_sub(1) * SLOT_GAP;

        let bar_x = MARGIN + grid_w + BAR_GAP;
        let bar_y = places.first().map_or(top + GLYPH, |p| p.cells_y);
        let cells_bottom = places
            .iter()
            .zip(maps)
            .map(|(p, m)| p.cells_y + m.rows.len() * cell)
            .max();
        let bar_h = cells_bottom.map_or(0, |b| b - bar_y).max(BAR_MIN_H);
        let tick_labels_w = TICKS.iter().map(|(_, l)| text_width(l, LABEL_SCALE)).max().unwrap_or(0);
        let width = (bar_x + BAR_W + TICK_LEN + TICK_GAP + tick_labels_w + MARGIN)
            .max(2 * MARGIN + shown_title.as_deref().map_or(0, |t| text_width(t, TITLE_SCALE)));
        let height = (top + grid_h).max(bar_y + bar_h + GLYPH * LABEL_SCALE / 2) + MARGIN;
        Self {
            width,
            height,
            title: shown_title,
            cell,
            label_scale,
            rotate_cols,
            maps: places,
            bar_x,
            bar_y,
            bar_h,
        }
    }

    /// The pixel row of value `t` on the colour bar (1 at the top, 0 at the bottom).
    fn tick_y(&self, t: f32) -> usize {
        self.bar_y + ((1.0 - t) * (self.bar_h - 1) as f32).round() as usize
    }
}

/// An RGB picture being drawn.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Self {
        let pixels = [BACKGROUND.0, BACKGROUND.1, BACKGROUND.2].repeat(width * height);
        Self { width, height, pixels }
    }

    /// Fills a rectangle, clipped to the picture.
    fn fill(&mut self, x: usize, y: usize, w: usize, h: usize, colour: Rgb) {
        for row in y..(y + h).min(self.height) {
            for col in x..(x + w).min(self.width) {
                let i = 3 * (row * self.width + col);
                self.pixels[i..i + 3].copy_from_slice(&[colour.0, colour.1, colour.2]);
            }
        }
    }

    /// A one-pixel frame.
    fn outline(&mut self, x: usize, y: usize, w: usize, h: usize, colour: Rgb) {
        self.fill(x, y, w, 1, colour);
        self.fill(x, y + h - 1, w, 1, colour);
        self.fill(x, y, 1, h, colour);
        self.fill(x + w - 1, y, 1, h, colour);
    }

    /// Draws `text` left to right, its glyph boxes' top-left corner at `(x, y)`.
    fn text(&mut self, x: usize, y: usize, text: &str, scale: usize, colour: Rgb) {
        for (k, c) in text.chars().enumerate() {
            let left = x + k * GLYPH * scale;
            self.glyph(c, scale, colour, |gx, gy| (left + gx * scale, y + gy * scale));
        }
    }

    /// Draws `text` reading upwards (turned a quarter to the left), in a column whose left edge is `x`,
    /// starting at the bottom edge `bottom`.
    fn text_up(&mut self, x: usize, bottom: usize, text: &str, scale: usize, colour: Rgb) {
        for (k, c) in text.chars().enumerate() {
            let Some(top) = bottom.checked_sub((k + 1) * GLYPH * scale) else {
                break;
            };
            // Turning left: the glyph's top goes to the left, its left side to the bottom.
            self.glyph(c, scale, colour, |gx, gy| {
                (x + gy * scale, top + (GLYPH - 1 - gx) * scale)
            });
        }
    }

    /// Sets the pixels of `c`'s glyph, each a `scale` x `scale` square at `place(column, row)`.
    fn glyph(&mut self, c: char, scale: usize, colour: Rgb, place: impl Fn(usize, usize) -> (usize, usize)) {
        for (gy, bits) in glyph(c).into_iter().enumerate() {
            for gx in 0..GLYPH {
                if bits & (1 << gx) != 0 {
                    let (px, py) = place(gx, gy);
                    self.fill(px, py, scale, scale, colour);
                }
            }
        }
    }

    fn encode(&self) -> Result<Vec<u8>, TrainError> {
        let failed = |e: png::EncodingError| TrainError::Io(format!("heatmap: PNG encoding failed: {e}"));
        let side =
            |n: usize| u32::try_from(n).map_err(|_| TrainError::Input(format!("heatmap: {n} pixels is too large")));
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side(self.width)?, side(self.height)?);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Balanced);
        let mut writer = encoder.write_header().map_err(failed)?;
        writer.write_image_data(&self.pixels).map_err(failed)?;
        writer.finish().map_err(failed)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        text.split(' ').map(String::from).collect()
    }

    /// The example of the brief: "I love you" -> "je t' aime".
    fn example() -> Heatmap {
        let values = vec![vec![0.93, 0.04, 0.03], vec![0.05, 0.10, 0.85], vec![0.02, 0.90, 0.08]];
        Heatmap::new(
            "I love you -> je t' aime",
            labels("je t' aime"),
            labels("i love you"),
            values,
        )
        .unwrap()
    }

    /// A `n` x `n` identity matrix: 1.0 on the diagonal, 0.0 elsewhere.
    fn identity(n: usize) -> Heatmap {
        let names: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
        let values = (0..n)
            .map(|r| (0..n).map(|c| if r == c { 1.0 } else { 0.0 }).collect())
            .collect();
        Heatmap::new("identity", names.clone(), names, values).unwrap()
    }

    /// Decodes PNG bytes with the `png` crate: width, height and RGB pixels.
    fn decode(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(
            (info.color_type, info.bit_depth),
            (png::ColorType::Rgb, png::BitDepth::Eight)
        );
        pixels.truncate(info.buffer_size());
        (info.width as usize, info.height as usize, pixels)
    }

    fn pixel(image: &(usize, usize, Vec<u8>), x: usize, y: usize) -> Rgb {
        let i = 3 * (y * image.0 + x);
        Rgb(image.2[i], image.2[i + 1], image.2[i + 2])
    }

    /// How many pixels of the rectangle have `colour`.
    fn count(image: &(usize, usize, Vec<u8>), (x, y, w, h): (usize, usize, usize, usize), colour: Rgb) -> usize {
        (y..y + h)
            .flat_map(|py| (x..x + w).map(move |px| (px, py)))
            .filter(|&(px, py)| pixel(image, px, py) == colour)
            .count()
    }

    /// Asserts that `bitmap` is drawn at `(x, y)` in `INK`, `scale` pixels a glyph pixel, set bits and clear
    /// bits alike (clear ones show the background).
    fn assert_glyph_at(image: &(usize, usize, Vec<u8>), bitmap: [u8; 8], x: usize, y: usize, scale: usize, up: bool) {
        for (gy, bits) in bitmap.into_iter().enumerate() {
            for gx in 0..8 {
                let (px, py) = if up {
                    (x + gy * scale, y + (7 - gx) * scale)
                } else {
                    (x + gx * scale, y + gy * scale)
                };
                let want = if bits & (1 << gx) != 0 { INK } else { BACKGROUND };
                assert_eq!(pixel(image, px, py), want, "glyph pixel ({gx}, {gy}) at ({px}, {py})");
            }
        }
    }

    #[test]
    fn new_error_messages_say_what_and_where() {
        let err = |rows: &str, cols: &str, values: Vec<Vec<f32>>| {
            let split = |s: &str| if s.is_empty() { Vec::new() } else { labels(s) };
            match Heatmap::new("x", split(rows), split(cols), values) {
                Err(TrainError::Input(message)) => message,
                other => panic!("expected an input error, got {other:?}"),
            }
        };
        assert_eq!(
            err("", "a", vec![]),
            r#"heatmap "x": no rows (one label per row is needed)"#
        );
        assert_eq!(
            err("a", "", vec![vec![]]),
            r#"heatmap "x": no columns (one label per column is needed)"#
        );
        assert_eq!(
            err("a b", "c", vec![vec![0.5]]),
            r#"heatmap "x": expected 2 rows of values (one per row label), found 1"#
        );
        let short_row = vec![vec![0.0; 4], vec![0.0; 4], vec![0.0; 3]];
        assert_eq!(
            err("a b c", "w x y z", short_row),
            r#"heatmap "x": row 2 has 3 values, expected 4 (one per column)"#
        );
        assert_eq!(
            err("a b", "c", vec![vec![0.5], vec![f32::NAN]]),
            r#"heatmap "x": value NaN at row 1, column 0 is not finite"#
        );
        assert_eq!(
            err("a", "b c", vec![vec![0.5, f32::INFINITY]]),
            r#"heatmap "x": value inf at row 0, column 1 is not finite"#
        );
        // Titles are quoted as Rust strings: a quote inside is escaped, an accent is kept.
        let quoted = Heatmap::new("é \"q\"", vec![], vec![], vec![]).unwrap_err().to_string();
        assert_eq!(quoted, r#"heatmap "é \"q\"": no rows (one label per row is needed)"#);
        // Out-of-range but finite values are fine: the colour clamps, the text says the value.
        assert!(Heatmap::new("x", labels("a"), labels("b"), vec![vec![-2.5]]).is_ok());
    }

    #[test]
    fn viridis_from_colorous_has_the_published_end_colours() {
        // matplotlib's viridis table starts at (0.267004, 0.004874, 0.329415) and ends at
        // (0.993248, 0.906157, 0.143936): #440154 and #fde725 in 8 bits.
        assert_eq!(colour(0.0), Rgb(0x44, 0x01, 0x54));
        assert_eq!(colour(1.0), Rgb(0xfd, 0xe7, 0x25));
        assert_eq!(colour(-3.0), colour(0.0));
        assert_eq!(colour(7.0), colour(1.0));
        // WCAG contrast: #fde725 (luminance about 0.77) takes black text, #440154 (about 0.016) white.
        assert_eq!(text_on(colour(1.0)), DARK_TEXT);
        assert_eq!(text_on(colour(0.0)), LIGHT_TEXT);
    }

    #[test]
    fn png_size_is_the_layouts() {
        let map = example();
        let image = decode(&map.to_png().unwrap());
        let layout = Layout::new(&map.title, std::slice::from_ref(&map), 1);
        assert_eq!((image.0, image.1), (layout.width, layout.height));
        // By hand from the layout rules: 3 rows and columns -> cells of min(768 / 3, 80) = 80; row labels
        // "aime" (4 chars at 16 px) + 6 = 70; column labels fit across a cell, 16 + 6 = 22 tall; title band
        // 16 + 24 + 12 = 52. The width is the 24-character title at 24 px a character plus two margins,
        // 608 (wider than the bar's right end, 16 + 70 + 240 + 24 + 20 + 5 + 8 + 48 + 16 = 447); the
        // height is the bar's bottom 52 + 22 + 240, plus half a tick label (8) and a margin (16): 338.
        assert_eq!((layout.cell, layout.label_scale, layout.rotate_cols), (80, 2, false));
        assert_eq!((layout.maps[0].cells_x, layout.maps[0].cells_y), (86, 74));
        assert_eq!((image.0, image.1), (608, 338));
    }

    #[test]
    fn png_cells_have_the_colour_maps_colours() {
        // 22 x 22: cells of 768 / 22 = 34 pixels, too small for the value text, so the centre is bare.
        let map = identity(22);
        let layout = Layout::new(&map.title, std::slice::from_ref(&map), 1);
        assert_eq!(layout.cell, 34);
        assert_eq!(value_scale("1.00", layout.cell), None);
        let image = decode(&map.to_png().unwrap());
        let place = &layout.maps[0];
        let centre = |r: usize, c: usize| {
            let (x, y) = (
                place.cells_x + c * layout.cell + layout.cell / 2,
                place.cells_y + r * layout.cell + layout.cell / 2,
            );
            pixel(&image, x, y)
        };
        let at = |t: f64| {
            let c = colorous::VIRIDIS.eval_continuous(t);
            Rgb(c.r, c.g, c.b)
        };
        assert_eq!(centre(0, 0), at(1.0));
        assert_eq!(centre(21, 21), at(1.0));
        assert_eq!(centre(0, 1), at(0.0));
        assert_eq!(centre(21, 0), at(0.0));
        // The colour bar: 1 at its top row, 0 at its bottom one.
        let bar_x = layout.bar_x + BAR_W / 2;
        assert_eq!(pixel(&image, bar_x, layout.bar_y), at(1.0));
        assert_eq!(pixel(&image, bar_x, layout.bar_y + layout.bar_h - 1), at(0.0));
    }

    #[test]
    fn png_values_are_written_in_a_contrasting_colour() {
        let map = example();
        let layout = Layout::new(&map.title, std::slice::from_ref(&map), 1);
        let image = decode(&map.to_png().unwrap());
        let (place, cell) = (&layout.maps[0], layout.cell);
        let rect = |r: usize, c: usize| (place.cells_x + c * cell, place.cells_y + r * cell, cell, cell);
        // Above the text (a sixth of the way down) the cell has its colour.
        assert_eq!(
            pixel(&image, place.cells_x + cell / 2, place.cells_y + cell / 6),
            colour(0.93)
        );
        // "0.93" on a light cell in black, "0.04" on a dark one in white; the number of text pixels is the
        // bitmap's: the set bits of '0', '.', '9', '3' (and '0', '.', '0', '4') each drawn 2 x 2.
        let ink = |text: &str| {
            text.chars()
                .map(|c| glyph(c).iter().map(|b| b.count_ones() as usize).sum::<usize>())
                .sum::<usize>()
                * 4
        };
        assert_eq!(count(&image, rect(0, 0), DARK_TEXT), ink("0.93"));
        assert_eq!(count(&image, rect(0, 0), colour(0.93)), cell * cell - ink("0.93"));
        assert_eq!(count(&image, rect(0, 1), LIGHT_TEXT), ink("0.04"));
        assert_eq!(count(&image, rect(0, 1), DARK_TEXT), 0);
    }

    #[test]
    fn png_labels_and_titles_are_drawn() {
        let map = example();
        let layout = Layout::new(&map.title, std::slice::from_ref(&map), 1);
        let image = decode(&map.to_png().unwrap());
        let (place, cell) = (&layout.maps[0], layout.cell);
        // "je", right-aligned against the cells: 'j' (font8x8's bitmap) starts 2 glyphs of 16 px and the gap
        // to the left of the cells, centred in the 80 px row.
        let j = font8x8::legacy::BASIC_LEGACY['j' as usize];
        assert_glyph_at(&image, j, place.cells_x - GAP - 32, place.cells_y + 32, 2, false);
        // "love" centred over column 1: 64 px wide in an 80 px cell.
        let l = font8x8::legacy::BASIC_LEGACY['l' as usize];
        assert_glyph_at(&image, l, place.cells_x + cell + 8, place.cells_y - GAP - 16, 2, false);
        // Ink in each label area, the title and the tick labels.
        let row_labels = (MARGIN, place.cells_y, place.cells_x - MARGIN, 3 * cell);
        let column_labels = (place.cells_x, place.cells_y - GAP - 16, 3 * cell, 16);
        let title = (MARGIN, MARGIN, layout.width - 2 * MARGIN, 24);
        let ticks = (
            layout.bar_x + BAR_W + TICK_LEN + TICK_GAP,
            layout.bar_y - 8,
            48,
            layout.bar_h + 16,
        );
        for area in [row_labels, column_labels, title, ticks] {
            assert!(count(&image, area, INK) > 50, "no label drawn in {area:?}");
        }
        // 'I', the title's first letter, at 3x.
        let i = font8x8::legacy::BASIC_LEGACY['I' as usize];
        assert_glyph_at(&image, i, MARGIN, MARGIN, 3, false);
    }

    #[test]
    fn long_column_labels_read_upwards_and_stay_full_size() {
        // 12 x 12 of 12-character words: cells of 768 / 12 = 64 px, labels at 2x (16 px a character),
        // turned since 12 x 16 = 192 px does not fit across 64.
        let words: Vec<String> = (0..12).map(|i| format!("mot{i:02}abcdéfg")).collect();
        let values = vec![vec![1.0 / 12.0; 12]; 12];
        let map = Heatmap::new("long", words.clone(), words, values).unwrap();
        let layout = Layout::new(&map.title, std::slice::from_ref(&map), 1);
        assert_eq!((layout.cell, layout.label_scale, layout.rotate_cols), (64, 2, true));
        let place = &layout.maps[0];
        // Rows: 12 * 16 + 6 px of labels; columns: 12 * 16 + 6 px above the cells.
        assert_eq!(place.cells_x, MARGIN + 12 * 16 + GAP);
        assert_eq!(place.cells_y, MARGIN + 24 + 2 * GAP + 12 * 16 + GAP);
        let image = decode(&map.to_png().unwrap());
        assert_eq!((image.0, image.1), (layout.width, layout.height));
        // Column 3's first character, 'm', turned, its glyph box just above the cells, centred in the column.
        let m = font8x8::legacy::BASIC_LEGACY['m' as usize];
        assert_glyph_at(
            &image,
            m,
            place.cells_x + 3 * 64 + 24,
            place.cells_y - GAP - 16,
            2,
            true,
        );
        // Its 10th character, 'é', from the Latin-1 table, 9 glyphs further up.
        let e = font8x8::legacy::LATIN_LEGACY[0xe9 - 0xa0];
        assert_glyph_at(
            &image,
            e,
            place.cells_x + 3 * 64 + 24,
            place.cells_y - GAP - 16 * 10,
            2,
            true,
        );
    }

    #[test]
    fn french_letters_have_their_own_glyphs() {
        // font8x8's Latin-1 table (U+00A0..U+00FF) covers them: each differs from its bare letter, from the
        // replacement box and from blank.
        let pairs = "éeèeàaçcêeôoûuïiîiëeùuâaÉEÀAÇCÈEÊE";
        let chars: Vec<char> = pairs.chars().collect();
        for pair in chars.chunks(2) {
            let (accented, bare) = (glyph(pair[0]), glyph(pair[1]));
            assert_eq!(
                accented,
                font8x8::legacy::LATIN_LEGACY[pair[0] as usize - 0xa0],
                "{}",
                pair[0]
            );
            assert_ne!(accented, bare, "{}", pair[0]);
            assert_ne!(accented, REPLACEMENT, "{}", pair[0]);
            assert_ne!(accented, [0; 8], "{}", pair[0]);
        }
        assert_eq!(glyph('\''), font8x8::legacy::BASIC_LEGACY[0x27]);
        assert_eq!(glyph(' '), [0; 8]);
    }

    #[test]
    fn uncovered_characters_are_drawn_as_a_box() {
        // Neither CJK nor 'œ' (U+0153, Latin Extended-A) is in font8x8's ASCII, Latin-1 or Greek tables; a
        // control character has an empty bitmap there.
        for c in ['中', 'œ', '\u{1f600}', '\u{7}'] {
            assert_eq!(glyph(c), REPLACEMENT, "{c:?}");
        }
        let map = Heatmap::new("t", vec!["中".into()], vec!["a".into()], vec![vec![0.5]]).unwrap();
        let layout = Layout::new(&map.title, std::slice::from_ref(&map), 1);
        let image = decode(&map.to_png().unwrap());
        let place = &layout.maps[0];
        let y = place.cells_y + (layout.cell - 16) / 2;
        assert_glyph_at(&image, REPLACEMENT, place.cells_x - GAP - 16, y, 2, false);
    }

    #[test]
    fn svg_has_one_rect_per_cell_escaped_labels_and_values() {
        let svg = example().to_svg();
        assert!(svg.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#));
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<rect").count(), 9);
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        assert_eq!(svg.matches("<g>").count(), svg.matches("</g>").count());
        // A tooltip per cell, plus the document's title.
        assert_eq!(svg.matches("<title>").count(), 9 + 1);
        assert!(svg.contains("<title>je \u{2192} i: 0.930</title>"));
        // The apostrophe is escaped everywhere, never raw.
        assert!(svg.contains(">t&apos;</text>"));
        assert!(!svg.contains("t'"));
        assert!(svg.contains("I love you -&gt; je t&apos; aime"));
        for value in ["0.93", "0.04", "0.03", "0.05", "0.10", "0.85", "0.02", "0.90", "0.08"] {
            assert!(svg.contains(&format!(">{value}</text>")), "{value}");
        }
        // Same geometry as the PNG (608 x 338, see png_size_is_the_layouts).
        assert!(svg.contains(r#"width="608" height="338" viewBox="0 0 608 338""#));
        // The first cell where the layout puts it (see png_size_is_the_layouts), in the colour map's colour.
        assert!(svg.contains(&format!(
            r#"<rect x="86" y="74" width="80" height="80" fill="{}">"#,
            colour(0.93).hex()
        )));
    }

    #[test]
    fn svg_escapes_markup_and_keeps_accents() {
        assert_eq!(
            escape(r#"<a & "b" 'c'>"#),
            "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;"
        );
        assert_eq!(escape("a\u{0}b\u{ffff}"), "a\u{fffd}b\u{fffd}");
        let map = Heatmap::new(
            "a&b",
            labels("é t'"),
            labels("<x> \"y\""),
            vec![vec![0.1, 0.2], vec![0.3, 0.4]],
        )
        .unwrap();
        let svg = map.to_svg();
        assert!(svg.contains("<title>a&amp;b</title>"));
        assert!(svg.contains(">é</text>"));
        assert!(svg.contains(">t&apos;</text>"));
        assert!(svg.contains(">&lt;x&gt;</text>"));
        assert!(svg.contains(">&quot;y&quot;</text>"));
        assert!(!svg.contains("a&b") && !svg.contains("<x>"));
    }

    #[test]
    fn svg_turns_long_column_labels_and_cuts_very_long_ones() {
        let long = "abcdefghijklmnopqrstuvwxyz0123"; // 30 characters, cut to 21 + "..."
        let map = Heatmap::new(
            "t",
            vec!["r".into()],
            vec![long.into(), "b".into()],
            vec![vec![0.5, 0.5]],
        )
        .unwrap();
        let svg = map.to_svg();
        assert_eq!(cut(long, MAX_LABEL_CHARS), "abcdefghijklmnopqrstu...");
        assert!(svg.contains(&format!("<title>{long}</title>abcdefghijklmnopqrstu...</text>")));
        assert_eq!(svg.matches("transform=\"rotate(-90 ").count(), 2);
    }

    #[test]
    fn grid_of_maps_shares_one_scale_and_layout() {
        let chars: Vec<String> = "abcdef".chars().map(String::from).collect();
        let maps: Vec<Heatmap> = (0..8)
            .map(|i| {
                Heatmap::new(
                    format!("layer {} head {}", i / 4, i % 4),
                    chars.clone(),
                    chars.clone(),
                    vec![vec![1.0 / 6.0; 6]; 6],
                )
                .unwrap()
            })
            .collect();
        let layout = Layout::new("grid", &maps, 4);
        // 4 maps across: cells of 2 * 768 / 4 / 6 = 64 px; map 5 is second in the second row.
        assert_eq!(layout.cell, 64);
        assert_eq!(layout.maps[5].cells_x, layout.maps[1].cells_x);
        assert_eq!(
            layout.maps[5].cells_y,
            layout.maps[1].cells_y + layout.maps[4].cells_y - layout.maps[0].cells_y
        );
        assert!(layout.maps[4].cells_y > layout.maps[0].cells_y + 6 * 64);
        let image = decode(&grid_to_png("grid", &maps, 4).unwrap());
        assert_eq!((image.0, image.1), (layout.width, layout.height));
        let svg = grid_to_svg("grid", &maps, 4);
        assert_eq!(svg.matches("<rect").count(), 8 * 36);
        assert!(svg.contains(">layer 1 head 3</text>"));
        // A per_row of 0 counts as 1; the colour bar spans all maps' cells.
        assert_eq!(grid_to_svg("grid", &maps[..2], 0), grid_to_svg("grid", &maps[..2], 1));
        let last = layout.maps.last().unwrap();
        assert_eq!(layout.bar_y + layout.bar_h, last.cells_y + 6 * 64);
        // A map titled like the whole picture does not repeat the title.
        let single = example();
        assert!(
            Layout::new(&single.title, std::slice::from_ref(&single), 1).maps[0]
                .title
                .is_none()
        );
        assert!(
            Layout::new("other", std::slice::from_ref(&single), 1).maps[0]
                .title
                .is_some()
        );
    }

    #[test]
    fn empty_grids_and_bad_fields_do_not_panic() {
        let svg = grid_to_svg("nothing", &[], 3);
        assert_eq!(svg.matches("<rect").count(), 0);
        assert!(svg.ends_with("</svg>\n"));
        let err = grid_to_png("nothing", &[], 3).unwrap_err().to_string();
        assert_eq!(err, r#"heatmap grid "nothing": no heatmaps to draw"#);
        // Fields changed after `new`: the SVG draws a grey cell without text, the PNG refuses.
        let mut map = example();
        map.values[1].pop();
        map.values[2][0] = f32::NAN;
        let svg = map.to_svg();
        assert_eq!(svg.matches("<rect").count(), 9);
        assert_eq!(svg.matches(&format!("fill=\"{}\"", MISSING.hex())).count(), 2);
        assert!(svg.contains("aime \u{2192} i: no value"));
        let err = map.to_png().unwrap_err().to_string();
        assert_eq!(
            err,
            r#"heatmap "I love you -> je t' aime": row 1 has 2 values, expected 3 (one per column)"#
        );
    }

    #[test]
    fn png_refuses_pictures_too_large() {
        // 4000 columns: cells of the smallest size, 10 px, so 40,000 px of cells alone.
        let columns: Vec<String> = (0..4000).map(|_| "c".to_owned()).collect();
        let map = Heatmap::new("wide", vec!["r".into()], columns, vec![vec![0.5; 4000]]).unwrap();
        let layout = Layout::new("wide", std::slice::from_ref(&map), 1);
        let err = map.to_png().unwrap_err();
        assert!(matches!(err, TrainError::Input(_)));
        let expected = format!(
            "heatmap grid \"wide\": the picture would be {} x {} pixels, more than a PNG is drawn for (32000 a side, \
             100000000 in all); write SVG instead",
            layout.width, layout.height
        );
        assert_eq!(err.to_string(), expected);
        assert!(layout.width > 40_000);
    }

    #[test]
    fn save_writes_either_format_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        let maps = [example()];
        let png_path = dir.path().join("attention.PNG");
        save(&png_path, "I love you -> je t' aime", &maps, 1).unwrap();
        let written = std::fs::read(&png_path).unwrap();
        assert_eq!(written, grid_to_png("I love you -> je t' aime", &maps, 1).unwrap());
        assert_eq!(decode(&written).0, 608);
        let svg_path = dir.path().join("attention.svg");
        save(&svg_path, "I love you -> je t' aime", &maps, 1).unwrap();
        assert_eq!(
            std::fs::read_to_string(&svg_path).unwrap(),
            grid_to_svg("I love you -> je t' aime", &maps, 1)
        );
        // Only the two files: no temporary file is left.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        // Saving again replaces the file.
        save(&svg_path, "again", &maps, 1).unwrap();
        assert!(
            std::fs::read_to_string(&svg_path)
                .unwrap()
                .contains("<title>again</title>")
        );
    }

    #[test]
    fn save_errors_name_the_path_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let maps = [example()];
        let input = |path: &Path, maps: &[Heatmap]| match save(path, "t", maps, 1) {
            Err(TrainError::Input(message)) => message,
            other => panic!("expected an input error, got {other:?}"),
        };
        let jpg = dir.path().join("a.jpg");
        let named = |p: &Path| format!("cannot write heatmap {:?}", p.display().to_string());
        assert_eq!(
            input(&jpg, &maps),
            format!("{}: unknown extension (expected .png or .svg)", named(&jpg))
        );
        let bare = dir.path().join("png");
        assert_eq!(
            input(&bare, &maps),
            format!("{}: unknown extension (expected .png or .svg)", named(&bare))
        );
        let empty = dir.path().join("a.png");
        assert_eq!(input(&empty, &[]), format!("{}: no heatmaps to draw", named(&empty)));
        let missing = dir.path().join("no").join("a.svg");
        let no_dir = dir.path().join("no").display().to_string();
        assert_eq!(
            input(&missing, &maps),
            format!("{}: directory {no_dir:?} does not exist", named(&missing))
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        // A bad map leaves the file already there as it was, and no temporary file.
        let kept = dir.path().join("kept.svg");
        std::fs::write(&kept, "old").unwrap();
        let mut bad = example();
        bad.values[0][0] = f32::NAN;
        let message = input(&kept, &[bad]);
        assert_eq!(
            message,
            format!(
                "{}: heatmap \"I love you -> je t' aime\": value NaN at row 0, column 0 is not finite",
                named(&kept)
            )
        );
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        // A failed write (the path is a directory, so the rename fails) is an Io error naming the path,
        // and the temporary file is removed.
        let blocked = dir.path().join("blocked.png");
        std::fs::create_dir(&blocked).unwrap();
        match save(&blocked, "t", &maps, 1) {
            Err(TrainError::Io(message)) => {
                assert!(message.starts_with(&format!("{}: ", named(&blocked))), "{message}")
            }
            other => panic!("expected an io error, got {other:?}"),
        }
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["blocked.png", "kept.svg"]);
    }
}
