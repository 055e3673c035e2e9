//! Attention matrices drawn as heatmaps, to PNG or SVG, with labelled axes, the value in each cell and a
//! colour bar, one map or a grid of them (layers down, heads across).
//!
//! Drawn with `plotters`: one drawing ([`Picture`]) gives the PNG and the SVG, so the two never drift
//! apart. Text is set in DejaVu Sans, compiled into the program ([`crate::report::picture`]): nothing is
//! read from the machine, and any Latin, Greek or Cyrillic word shows as it is written.
//!
//! Colours are viridis (perceptually uniform, readable in grey and by colour-blind readers), from the
//! `colorous` crate, on the fixed scale [0, 1] of attention weights: a value outside it takes the colour of
//! the nearer end, and its own value is still written in the cell. Each value is written with two decimals
//! when the cell is large enough, in black or white, whichever contrasts more with the cell (WCAG contrast
//! ratio).
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

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::TrainError;
use crate::report::picture::{self, BACKGROUND, Format, INK, Picture, Rgb, clean, cut, font, text_width};

/// Space around the picture.
const MARGIN: usize = 16;
/// Between labels and cells.
const GAP: usize = 6;
/// Between maps of a grid.
const SLOT_GAP: usize = 32;
/// Between the maps and the colour bar.
const BAR_GAP: usize = 24;
const BAR_W: usize = 20;
const BAR_MIN_H: usize = 120;
/// The colour bar's ticks: length, and gap to their labels.
const TICK_LEN: usize = 5;
const TICK_GAP: usize = 6;
/// Text sizes, in pixels: the title; labels; labels when cells are small.
const TITLE_SIZE: f64 = 22.0;
const LABEL_SIZE: f64 = 16.0;
const SMALL_LABEL_SIZE: f64 = 11.0;
/// The largest size of a cell's value.
const VALUE_SIZE: f64 = 16.0;
/// The smallest value text written; smaller cells stay bare.
const MIN_VALUE_SIZE: f64 = 8.0;
/// The narrowest a map's title is cut to, in pixels.
const MIN_MAP_TITLE_W: usize = 240;
/// Labels and titles longer than this are cut, with "...".
const MAX_LABEL_CHARS: usize = 24;
const MAX_TITLE_CHARS: usize = 80;
/// Cell sides, in pixels.
const MIN_CELL: usize = 10;
const MAX_CELL: usize = 80;
/// The side a single map's cells aim at.
const SINGLE_TARGET: usize = 768;
const DARK_TEXT: Rgb = Rgb(0, 0, 0);
const LIGHT_TEXT: Rgb = Rgb(255, 255, 255);

/// One matrix with its labels.
///
/// `values[r][c]` is the weight of column `c` for row `r`: for a translation, how much output word `r`
/// attended to source word `c`. Build it with [`Heatmap::new`], which checks the shape.
///
/// ```
/// use trainer::report::heatmap::Heatmap;
/// let map = Heatmap::new("a", vec!["x".into()], vec!["y".into(), "z".into()], vec![vec![0.25, 0.75]])?;
/// assert!(map.to_svg()?.contains("\n0.75\n"));
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
    /// # Errors
    ///
    /// As [`grid_to_svg`].
    ///
    /// ```
    /// use trainer::report::heatmap::Heatmap;
    /// let map = Heatmap::new("a & b", vec!["x".into()], vec!["y".into()], vec![vec![1.0]])?;
    /// let svg = map.to_svg()?;
    /// assert!(svg.starts_with("<svg") && svg.contains("a &amp; b") && svg.contains("\n1.00\n"));
    /// # Ok::<(), trainer::TrainError>(())
    /// ```
    pub fn to_svg(&self) -> Result<String, TrainError> {
        grid_to_svg(&self.title, std::slice::from_ref(self), 1)
    }

    /// The heatmap as PNG bytes (8-bit RGB), titled with its own title.
    ///
    /// # Errors
    ///
    /// As [`grid_to_png`]: `TrainError::Input` if the heatmap's fields were changed into a bad shape or a
    /// non-finite value after [`Heatmap::new`], or if the matrix is too large to draw as PNG.
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
}

/// Several heatmaps in a grid of `per_row` columns (layers down, heads across, say), with one shared colour
/// scale and an overall title; a single heatmap is a grid of one.
///
/// All maps share one cell size, so they compare at a glance. A map's own title is drawn above it unless it
/// is empty or equal to `title`. A `per_row` of 0 counts as 1.
#[derive(Debug)]
pub struct Grid<'a> {
    title: &'a str,
    maps: &'a [Heatmap],
    layout: Layout,
}

impl<'a> Grid<'a> {
    /// The grid of `maps`, laid out.
    ///
    /// # Errors
    ///
    /// `TrainError::Input` if `maps` is empty, or a map's fields were changed into a bad shape or a
    /// non-finite value after [`Heatmap::new`].
    pub fn new(title: &'a str, maps: &'a [Heatmap], per_row: usize) -> Result<Self, TrainError> {
        if maps.is_empty() {
            return Err(TrainError::Input(format!(
                "heatmap grid {title:?}: no heatmaps to draw"
            )));
        }
        for map in maps {
            map.check()?;
        }
        Ok(Self {
            title,
            maps,
            layout: Layout::new(title, maps, per_row),
        })
    }
}

impl Picture for Grid<'_> {
    fn size(&self) -> (usize, usize) {
        (self.layout.width, self.layout.height)
    }

    fn name(&self) -> String {
        format!("heatmap grid {:?}", self.title)
    }

    /// The picture is divided with `plotters`' areas: the margin, the title's band, the grid of slots
    /// beside the colour scale's column, and in each slot the bands of the map's title and labels around
    /// its cells. Each part is drawn in its own area's coordinates.
    ///
    /// Not `ChartBuilder`: its label areas serve axes, with ticks at values of a continuous or segmented
    /// range and a mesh; a matrix wants each label centred on its cell, cut, turned when too wide, and
    /// cells of a whole number of pixels, the same in every map. The areas give that directly.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let layout = &self.layout;
        area.fill(&BACKGROUND.colour())?;
        let inner = area.margin(px(MARGIN), px(MARGIN), px(MARGIN), px(MARGIN));
        let (head, body) = inner.split_vertically(px(layout.head));
        if let Some(title) = &layout.title {
            let style = text(TITLE_SIZE, INK, HPos::Left, VPos::Top);
            head.draw(&Text::new(title.as_str(), (0, 0), style))?;
        }
        let ((slot_w, slot_h), (across, down)) = (layout.slot, layout.grid);
        let (grid, beside) = body.split_horizontally(px(span(across, slot_w)));
        let (grid, _) = grid.split_vertically(px(span(down, slot_h)));
        // Between the slots, a gap: where each slot ends and the next begins, along one axis.
        let breaks = |n: usize, slot: usize| -> Vec<i32> {
            (1..n)
                .flat_map(|i| [i * (slot + SLOT_GAP) - SLOT_GAP, i * (slot + SLOT_GAP)])
                .map(px)
                .collect()
        };
        let pieces = grid.split_by_breakpoints(breaks(across, slot_w), breaks(down, slot_h));
        // Row by row, the gaps are pieces too: every other row of pieces, and every other piece of it,
        // is a slot.
        let slots = pieces
            .chunks(2 * across - 1)
            .step_by(2)
            .flat_map(|row| row.iter().step_by(2));
        for ((map, title), slot) in self.maps.iter().zip(&layout.titles).zip(slots) {
            self.draw_map(map, title.as_deref(), slot)?;
        }
        // The colour bar runs beside the cells, from the top of the first row's. Its outline is drawn one
        // pixel outside its gradient, so the scale's column starts one pixel left of and above the bar.
        let (_, scale) = beside.split_horizontally(px(BAR_GAP - 1));
        let scale = scale.margin(px(layout.title_band + layout.col_band - 1), 0, 0, 0);
        self.draw_scale(&scale)
    }
}

impl Grid<'_> {
    /// One map in its slot: its title, its column and row labels, and its cells, from the slot's top left.
    fn draw_map<DB: DrawingBackend>(
        &self,
        map: &Heatmap,
        title: Option<&str>,
        slot: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let layout = &self.layout;
        let cell = layout.cell;
        let (title_band, below) = slot.split_vertically(px(layout.title_band));
        let (column_band, below) = below.split_vertically(px(layout.col_band));
        let (_, title_band) = title_band.split_horizontally(px(layout.row_band));
        let (_, column_band) = column_band.split_horizontally(px(layout.row_band));
        let (row_band, cells) = below.split_horizontally(px(layout.row_band));
        if let Some(title) = title {
            let style = text(LABEL_SIZE, INK, HPos::Left, VPos::Top);
            title_band.draw(&Text::new(title, (0, 0), style))?;
        }
        let label = |h, v| text(layout.label_size, INK, h, v);
        for (r, name) in map.rows.iter().enumerate() {
            let shown = cut(&clean(name), MAX_LABEL_CHARS);
            let at = (px(layout.row_band - GAP), px(r * cell + cell / 2));
            row_band.draw(&Text::new(shown, at, label(HPos::Right, VPos::Center)))?;
        }
        for (c, name) in map.columns.iter().enumerate() {
            let shown = cut(&clean(name), MAX_LABEL_CHARS);
            let at = (px(c * cell + cell / 2), px(layout.col_band - GAP));
            let style = if layout.rotate_cols {
                // Turned a quarter left about its start, just above the column: it reads upwards.
                label(HPos::Left, VPos::Center).transform(FontTransform::Rotate270)
            } else {
                label(HPos::Center, VPos::Bottom)
            };
            column_band.draw(&Text::new(shown, at, style))?;
        }
        for (r, row) in map.values.iter().enumerate() {
            for (c, &value) in row.iter().enumerate() {
                let (x, y) = (c * cell, r * cell);
                let fill = colour(value);
                cells.draw(&Rectangle::new(
                    [(px(x), px(y)), (px(x + cell), px(y + cell))],
                    fill.colour().filled(),
                ))?;
                let written = format!("{value:.2}");
                if let Some(size) = value_size(&written, cell) {
                    let style = text(size, text_on(fill), HPos::Center, VPos::Center);
                    let at = (px(x + cell / 2), px(y + cell / 2));
                    cells.draw(&Text::new(written, at, style))?;
                }
            }
        }
        Ok(())
    }

    /// The colour bar, its outline and its ticks, on `scale`, whose top left is the outline's.
    fn draw_scale<DB: DrawingBackend>(
        &self,
        scale: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let bar_h = self.layout.bar_h;
        let bar = scale.margin(1, 0, 1, 0);
        for i in 0..bar_h {
            let t = 1.0 - i as f32 / (bar_h - 1) as f32;
            bar.draw(&Rectangle::new(
                [(0, px(i)), (px(BAR_W), px(i + 1))],
                colour(t).colour().filled(),
            ))?;
        }
        let outline = ShapeStyle::from(&INK.colour()).stroke_width(1);
        scale.draw(&Rectangle::new([(0, 0), (px(BAR_W + 1), px(bar_h + 1))], outline))?;
        // From the outline's right side outward; the tick of 1 reaches the outline's top.
        let right = BAR_W + 1;
        for (t, name) in TICKS {
            let y = 1 + self.layout.tick_y(t);
            scale.draw(&Rectangle::new(
                [(px(right), px(y - 1)), (px(right + TICK_LEN), px(y + 1))],
                INK.colour().filled(),
            ))?;
            let style = text(LABEL_SIZE, INK, HPos::Left, VPos::Center);
            scale.draw(&Text::new(name, (px(right + TICK_LEN + TICK_GAP), px(y)), style))?;
        }
        Ok(())
    }
}

/// The length of `n` slots of `slot` pixels in a line, with [`SLOT_GAP`] between them.
fn span(n: usize, slot: usize) -> usize {
    n * slot + n.saturating_sub(1) * SLOT_GAP
}

/// A length or position in pixels as `plotters` takes it. Every picture drawn is at most
/// [`picture::MAX_SIDE`] pixels a side as PNG; an SVG larger than `i32` pixels is not drawn sensibly anyway.
fn px(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Text in the embedded font at `size` pixels, in `colour`, anchored at `h` and `v`.
fn text(size: f64, colour: Rgb, h: HPos, v: VPos) -> TextStyle<'static> {
    (font(), size).into_font().color(&colour.colour()).pos(Pos::new(h, v))
}

/// Several heatmaps in a grid (see [`Grid`]) as an SVG document.
///
/// # Errors
///
/// As [`Grid::new`].
///
/// ```
/// use trainer::report::heatmap::{Heatmap, grid_to_svg};
/// let chars = |s: &str| s.chars().map(String::from).collect::<Vec<_>>();
/// let head = |h: usize| Heatmap::new(format!("head {h}"), chars("chat"), chars("chat"), vec![vec![0.25; 4]; 4]);
/// let maps = (0..4).map(head).collect::<Result<Vec<_>, _>>()?;
/// let svg = grid_to_svg("layer 0", &maps, 2)?;
/// assert_eq!(svg.matches(">\n0.25\n</text>").count(), 4 * 16);
/// assert!(svg.contains(">\nhead 3\n</text>"));
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn grid_to_svg(title: &str, maps: &[Heatmap], per_row: usize) -> Result<String, TrainError> {
    picture::to_svg(&Grid::new(title, maps, per_row)?)
}

/// Several heatmaps in a grid (see [`Grid`]) as PNG bytes (8-bit RGB): the same drawing as
/// [`grid_to_svg`]'s.
///
/// # Errors
///
/// As [`Grid::new`], and `TrainError::Input` if the picture would be too large (more than 32,000 pixels
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
    picture::to_png(&Grid::new(title, maps, per_row)?)
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
/// assert!(std::fs::read_to_string(dir.path().join("map.SVG")).unwrap().contains("\né\n"));
/// let err = save(&dir.path().join("map.jpg"), "t", &[map], 1).unwrap_err();
/// assert!(err.to_string().contains("unknown extension"));
/// # Ok::<(), trainer::TrainError>(())
/// ```
pub fn save(path: &Path, title: &str, maps: &[Heatmap], per_row: usize) -> Result<(), TrainError> {
    let named = |what: String| format!("cannot write heatmap {:?}: {what}", path.display().to_string());
    let format = Format::of(path, "heatmap")?;
    let bytes = Grid::new(title, maps, per_row)
        .and_then(|grid| picture::render(&grid, format))
        .map_err(|e| match e {
            TrainError::Io(what) => TrainError::Io(named(what)),
            other => TrainError::Input(named(other.to_string())),
        })?;
    crate::files::write(path, &bytes, "heatmap")
}

/// The colour scale's ticks: value and label.
const TICKS: [(f32, &str); 3] = [(0.0, "0"), (0.5, "0.5"), (1.0, "1")];

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

/// The size at which a cell's value is written: as large as fits across the cell with 4 pixels each side
/// and in 40% of its height, at most [`VALUE_SIZE`]; `None` when that is below [`MIN_VALUE_SIZE`].
fn value_size(text: &str, cell: usize) -> Option<f64> {
    let room = cell.saturating_sub(8) as f64;
    let width_at_one = text_width(text, 100.0) as f64 / 100.0;
    let size = (room / width_at_one).min(0.4 * cell as f64).min(VALUE_SIZE).floor();
    (size >= MIN_VALUE_SIZE).then_some(size)
}

/// `text` cut, with "...", to at most `room` pixels at `size`.
fn fit(text: &str, size: f64, room: usize) -> String {
    if text_width(text, size) <= room {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len())
        .rev()
        .map(|n| chars[..n].iter().collect::<String>() + "...")
        .find(|shown| text_width(shown, size) <= room)
        .unwrap_or_default()
}

/// The sizes of the picture's parts, in pixels; [`Grid::draw`] divides the picture into areas of these
/// sizes.
///
/// These are computed by hand, not by `plotters`: the picture's size must be known before it is drawn
/// ([`Picture::size`]), and it follows from what the parts hold (the widest label, the largest map, one
/// cell size for all maps), which `plotters`' areas do not measure: they only divide an area given.
#[derive(Debug)]
struct Layout {
    width: usize,
    height: usize,
    /// The overall title as shown (cut, cleaned), if any.
    title: Option<String>,
    /// Height of the overall title's band, with the gap below it; 0 without a title.
    head: usize,
    /// Side of one cell, the same in every map.
    cell: usize,
    /// Size of row and column labels.
    label_size: f64,
    /// Whether column labels read upwards (when the widest does not fit across a cell).
    rotate_cols: bool,
    /// Each map's own title as shown, if drawn; one per map, in order.
    titles: Vec<Option<String>>,
    /// Height of the maps' title band, at the top of each slot; 0 when no map has a title of its own.
    title_band: usize,
    /// Height of the column labels' band, between the title band and the cells, gap included.
    col_band: usize,
    /// Width of the row labels' band, left of the cells, gap included.
    row_band: usize,
    /// Width and height of one slot of the grid, the same for every map: the bands and the largest
    /// map's cells (or its title, when wider).
    slot: (usize, usize),
    /// Slots across and down.
    grid: (usize, usize),
    /// Height of the colour bar: the first row's cells' top to the lowest cell's bottom, at least
    /// [`BAR_MIN_H`].
    bar_h: usize,
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
        let label_size = if cell as f64 >= LABEL_SIZE + 2.0 {
            LABEL_SIZE
        } else {
            SMALL_LABEL_SIZE
        };
        let widest = |labels: &[String]| {
            labels
                .iter()
                .map(|l| text_width(&cut(&clean(l), MAX_LABEL_CHARS), label_size))
                .max()
        };
        let row_w = maps.iter().filter_map(|m| widest(&m.rows)).max().unwrap_or(0);
        let col_w = maps.iter().filter_map(|m| widest(&m.columns)).max().unwrap_or(0);
        let line = label_size.ceil() as usize;
        let row_band = row_w + GAP;
        let rotate_cols = col_w + 4 > cell;
        let col_band = if rotate_cols { col_w } else { line } + GAP;
        let max_rows = maps.iter().map(|m| m.rows.len()).max().unwrap_or(0);
        let max_cols = maps.iter().map(|m| m.columns.len()).max().unwrap_or(0);
        // A map's title is cut to its cells' width (or MIN_MAP_TITLE_W, for narrow maps): a long
        // sentence above a small matrix would otherwise widen every slot of the grid.
        let title_room = (max_cols * cell).max(MIN_MAP_TITLE_W);
        let titles: Vec<Option<String>> = maps
            .iter()
            .map(|m| {
                (!m.title.is_empty() && m.title != title)
                    .then(|| fit(&cut(&clean(&m.title), MAX_TITLE_CHARS), LABEL_SIZE, title_room))
            })
            .collect();
        let title_band = if titles.iter().any(Option::is_some) {
            LABEL_SIZE as usize + GAP
        } else {
            0
        };
        let widest_title = titles
            .iter()
            .flatten()
            .map(|t| text_width(t, LABEL_SIZE))
            .max()
            .unwrap_or(0);
        let slot = (
            row_band + (max_cols * cell).max(widest_title),
            title_band + col_band + max_rows * cell,
        );
        let grid = (per_row.min(maps.len()).max(1), maps.len().div_ceil(per_row).max(1));

        let shown_title = (!title.is_empty()).then(|| cut(&clean(title), MAX_TITLE_CHARS));
        let head = shown_title.as_ref().map_or(0, |_| TITLE_SIZE as usize + 2 * GAP);
        let (grid_w, grid_h) = (span(grid.0, slot.0), span(grid.1, slot.1));
        // The last row of slots holds the lowest cells; the bar starts at the first row's cells.
        let last_rows = maps
            .chunks(per_row)
            .last()
            .into_iter()
            .flatten()
            .map(|m| m.rows.len())
            .max();
        let bar_h = last_rows
            .map_or(0, |rows| (grid.1 - 1) * (slot.1 + SLOT_GAP) + rows * cell)
            .max(BAR_MIN_H);
        let bar_top = MARGIN + head + title_band + col_band;
        let tick_labels_w = TICKS.iter().map(|(_, l)| text_width(l, LABEL_SIZE)).max().unwrap_or(0);
        let title_w = shown_title.as_deref().map_or(0, |t| text_width(t, TITLE_SIZE));
        let width = (MARGIN + grid_w + BAR_GAP + BAR_W + TICK_LEN + TICK_GAP + tick_labels_w + MARGIN)
            .max(2 * MARGIN + title_w);
        let height = (MARGIN + head + grid_h).max(bar_top + bar_h + LABEL_SIZE as usize / 2) + MARGIN;
        Self {
            width,
            height,
            title: shown_title,
            head,
            cell,
            label_size,
            rotate_cols,
            titles,
            title_band,
            col_band,
            row_band,
            slot,
            grid,
            bar_h,
        }
    }

    /// The pixel row of value `t` on the colour bar, from its top (1 at the top, 0 at the bottom).
    fn tick_y(&self, t: f32) -> usize {
        ((1.0 - t) * (self.bar_h - 1) as f32).round() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        text.split(' ').map(String::from).collect()
    }

    /// The example of the article: "I love you" -> "je t' aime".
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

    /// How `plotters` writes a text element's content.
    fn text(content: &str) -> String {
        format!(">\n{content}\n</text>")
    }

    fn layout(map: &Heatmap) -> Layout {
        Layout::new(&map.title, std::slice::from_ref(map), 1)
    }

    /// A PNG decoded with the `png` crate: width, height and RGB pixels.
    struct Image(usize, usize, Vec<u8>);

    impl Image {
        fn decode(bytes: &[u8]) -> Self {
            let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
            let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut pixels).unwrap();
            assert_eq!(
                (info.color_type, info.bit_depth),
                (png::ColorType::Rgb, png::BitDepth::Eight)
            );
            pixels.truncate(info.buffer_size());
            Self(info.width as usize, info.height as usize, pixels)
        }

        fn pixel(&self, x: usize, y: usize) -> Rgb {
            let i = 3 * (y * self.0 + x);
            Rgb(self.2[i], self.2[i + 1], self.2[i + 2])
        }

        /// The first pixel of `colour`, reading line by line from the top: the top-left corner of the
        /// first cell of that colour, when no other is higher (the colour bar's top line, beside the
        /// first cells', is the colour of 1).
        fn find(&self, colour: Rgb) -> (usize, usize) {
            (0..self.1)
                .flat_map(|y| (0..self.0).map(move |x| (x, y)))
                .find(|&(x, y)| self.pixel(x, y) == colour)
                .unwrap_or_else(|| panic!("no pixel of {colour:?}"))
        }

        /// The colour bar's gradient: left column, top line and height. Its top line is the colour of
        /// 1, and it is the rightmost thing of that colour; below its last line is its outline, in ink.
        fn bar(&self) -> (usize, usize, usize) {
            let top = colour(1.0);
            let (right, y) = (0..self.0)
                .rev()
                .find_map(|x| (0..self.1).find(|&y| self.pixel(x, y) == top).map(|y| (x, y)))
                .expect("no colour bar");
            let h = (y..self.1).take_while(|&py| self.pixel(right, py) != INK).count();
            (right + 1 - BAR_W, y, h)
        }

        /// The runs of `colour` along line `y`: where each starts, and its length.
        fn runs(&self, y: usize, colour: Rgb) -> Vec<(usize, usize)> {
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for x in (0..self.0).filter(|&x| self.pixel(x, y) == colour) {
                match runs.last_mut() {
                    Some((start, len)) if *start + *len == x => *len += 1,
                    _ => runs.push((x, 1)),
                }
            }
            runs
        }

        /// The pixels of the rectangle `(x, y, w, h)` for which `test` holds.
        fn count(&self, (x, y, w, h): (usize, usize, usize, usize), test: impl Fn(Rgb) -> bool) -> usize {
            (y..y + h)
                .flat_map(|py| (x..x + w).map(move |px| (px, py)))
                .filter(|&(px, py)| test(self.pixel(px, py)))
                .count()
        }
    }

    /// Text pixels: anti-aliased glyphs blend the ink into the background, so "dark" and "light" are
    /// thresholds, not exact colours.
    fn dark(p: Rgb) -> bool {
        u16::from(p.0) + u16::from(p.1) + u16::from(p.2) < 150
    }

    /// Anything drawn on the white background.
    fn inked(p: Rgb) -> bool {
        p != BACKGROUND
    }

    fn light(p: Rgb) -> bool {
        p.0 > 200 && p.1 > 200 && p.2 > 200
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
    fn png_and_svg_have_the_layouts_size() {
        let map = example();
        let layout = layout(&map);
        let image = Image::decode(&map.to_png().unwrap());
        assert_eq!((image.0, image.1), (layout.width, layout.height));
        // 3 rows and columns: cells of min(768 / 3, 80) = 80 px, labels at 16 px, across the cells.
        assert_eq!(
            (layout.cell, layout.label_size, layout.rotate_cols),
            (80, LABEL_SIZE, false)
        );
        let svg = map.to_svg().unwrap();
        let size = format!(
            r#"width="{}" height="{}" viewBox="0 0 {} {}""#,
            image.0, image.1, image.0, image.1
        );
        assert!(svg.contains(&size), "{}", &svg[..200]);
    }

    #[test]
    fn png_cells_have_the_colour_maps_colours() {
        // 22 x 22: cells of 768 / 22 = 34 pixels; the value is written in the middle, so look at a
        // cell's corner.
        let map = identity(22);
        let layout = layout(&map);
        assert_eq!(layout.cell, 34);
        let image = Image::decode(&map.to_png().unwrap());
        let at = |t: f64| {
            let c = colorous::VIRIDIS.eval_continuous(t);
            Rgb(c.r, c.g, c.b)
        };
        // Cell (0, 0) is yellow, left of the colour bar's yellow top.
        let (x, y) = image.find(at(1.0));
        let corner = |r: usize, c: usize| image.pixel(x + c * 34 + 2, y + r * 34 + 2);
        assert_eq!(corner(0, 0), at(1.0));
        assert_eq!(corner(21, 21), at(1.0));
        assert_eq!(corner(0, 1), at(0.0));
        assert_eq!(corner(21, 0), at(0.0));
        // Each cell fills its whole square: the last pixel of cell (0, 0) is yellow, the next one purple.
        assert_eq!(image.pixel(x + 33, y + 33), at(1.0));
        assert_eq!(image.pixel(x + 34, y + 33), at(0.0));
        // The colour bar: 1 at its top row, 0 at its bottom one, level with the cells.
        let (bar_x, bar_y, bar_h) = image.bar();
        assert_eq!(image.pixel(bar_x + BAR_W / 2, bar_y), at(1.0));
        assert_eq!(image.pixel(bar_x + BAR_W / 2, bar_y + bar_h - 1), at(0.0));
        assert_eq!((bar_y, bar_h), (y, 22 * 34));
    }

    #[test]
    fn values_are_written_in_a_contrasting_colour() {
        let map = example();
        let layout = layout(&map);
        let image = Image::decode(&map.to_png().unwrap());
        let ((x, y), cell) = (image.find(colour(0.93)), layout.cell);
        let rect = |r: usize, c: usize| (x + c * cell, y + r * cell, cell, cell);
        // Above the text (a tenth of the way down) the cell has its colour.
        assert_eq!(image.pixel(x + cell / 2, y + cell / 10), colour(0.93));
        // "0.93" on a light cell in black, "0.04" on a dark one in white; at 16 px each takes tens of pixels.
        assert!(image.count(rect(0, 0), dark) > 40);
        assert_eq!(image.count(rect(0, 0), light), 0);
        assert!(image.count(rect(0, 1), light) > 40);
        assert_eq!(image.count(rect(0, 1), dark), 0);
        assert_eq!(value_size("0.93", cell), Some(VALUE_SIZE));
        // The SVG writes each value once, in the colour that contrasts (plotters writes hex in capitals).
        let svg = map.to_svg().unwrap();
        for value in ["0.93", "0.04", "0.03", "0.05", "0.10", "0.85", "0.02", "0.90", "0.08"] {
            assert_eq!(svg.matches(&text(value)).count(), 1, "{value}");
        }
        let written = |value: &str| {
            let end = svg.find(&text(value)).unwrap();
            svg[..end].rsplit("<text").next().unwrap().to_owned()
        };
        assert!(written("0.93").contains(r##"fill="#000000""##));
        assert!(written("0.04").contains(r##"fill="#FFFFFF""##));
    }

    #[test]
    fn small_cells_stay_bare() {
        // 200 x 200: cells of 10 px (the smallest), too small for a value.
        assert_eq!(value_size("0.50", 10), None);
        let names: Vec<String> = (0..200).map(|i| i.to_string()).collect();
        let map = Heatmap::new("big", names.clone(), names, vec![vec![0.5; 200]; 200]).unwrap();
        assert_eq!(layout(&map).cell, MIN_CELL);
        assert!(!map.to_svg().unwrap().contains(&text("0.50")));
    }

    #[test]
    fn labels_and_titles_are_drawn() {
        let map = example();
        let layout = layout(&map);
        let image = Image::decode(&map.to_png().unwrap());
        let ((x, y), cell) = (image.find(colour(0.93)), layout.cell);
        let (bar_x, bar_y, bar_h) = image.bar();
        let row_labels = (MARGIN, y, x - MARGIN, 3 * cell);
        let column_labels = (x, y - GAP - 16, 3 * cell, 16);
        let title = (MARGIN, MARGIN, layout.width - 2 * MARGIN, TITLE_SIZE as usize);
        let ticks = (bar_x + BAR_W + TICK_LEN, bar_y - 8, 40, bar_h + 16);
        for area in [row_labels, column_labels, title, ticks] {
            assert!(image.count(area, dark) > 30, "no text drawn in {area:?}");
        }
        // Each row label sits in its own row, centred: ink in the middle of row 1 ("t'") left of the
        // cells, none in the 20 px at the row's top.
        let labels = |top: usize, h: usize| (MARGIN, y + top, x - GAP - MARGIN, h);
        assert!(image.count(labels(cell + 30, 20), inked) > 20);
        assert_eq!(image.count(labels(cell, 20), inked), 0);
        let svg = map.to_svg().unwrap();
        for word in ["je", "t&apos;", "aime", "i", "love", "you"] {
            assert!(svg.contains(&text(word)), "{word}");
        }
        assert!(svg.contains(r#"font-family="DejaVu Sans""#));
        assert!(svg.contains(&text("I love you -&gt; je t&apos; aime")));
    }

    #[test]
    fn long_column_labels_read_upwards() {
        // 12 x 12 of 12-character words: cells of 64 px, narrower than the labels, so they are turned.
        let words: Vec<String> = (0..12).map(|i| format!("mot{i:02}abcdéfg")).collect();
        let map = Heatmap::new("long", words.clone(), words, vec![vec![1.0 / 12.0; 12]; 12]).unwrap();
        let layout = layout(&map);
        assert_eq!((layout.cell, layout.rotate_cols), (64, true));
        let image = Image::decode(&map.to_png().unwrap());
        let (x, y) = image.find(colour(1.0 / 12.0));
        // Column 3's label: ink in a strip 20 px wide above the column's centre, from the cells up to
        // 100 px, and none in the 20 px between it and column 4's.
        let centre = x + 3 * 64 + 32;
        let above = |x: usize| (x, y - GAP - 100, 20, 100);
        assert!(image.count(above(centre - 10), inked) > 200);
        assert_eq!(image.count(above(centre + 22), inked), 0);
        assert!(map.to_svg().unwrap().contains("transform=\"rotate(270"));
    }

    #[test]
    fn accented_letters_are_drawn_as_themselves() {
        // DejaVu Sans has the French letters: "é" and "e" give different pictures.
        let one = |label: &str| {
            let map = Heatmap::new("t", vec![label.into()], vec!["a".into()], vec![vec![0.5]]).unwrap();
            map.to_png().unwrap()
        };
        assert_ne!(Image::decode(&one("é")).2, Image::decode(&one("e")).2);
        assert_ne!(Image::decode(&one("œ")).2, Image::decode(&one("o")).2);
        let map = Heatmap::new("t", labels("é œ"), labels("ç"), vec![vec![0.5], vec![0.5]]).unwrap();
        let svg = map.to_svg().unwrap();
        assert!(svg.contains(&text("é")) && svg.contains(&text("œ")) && svg.contains(&text("ç")));
    }

    #[test]
    fn svg_escapes_markup_and_replaces_what_xml_forbids() {
        let map = Heatmap::new(
            "a&b",
            labels("é t'"),
            vec!["<x>".into(), "\"y\"\u{0}".into()],
            vec![vec![0.1, 0.2], vec![0.3, 0.4]],
        )
        .unwrap();
        let svg = map.to_svg().unwrap();
        assert!(svg.contains(&text("a&amp;b")));
        assert!(svg.contains(&text("t&apos;")));
        assert!(svg.contains(&text("&lt;x&gt;")));
        assert!(svg.contains(&text("&quot;y&quot;\u{fffd}")));
        assert!(!svg.contains("a&b") && !svg.contains("<x>") && !svg.contains('\u{0}'));
        assert_eq!(clean("a\u{1}b\u{ffff}\tc"), "a\u{fffd}b\u{fffd} c");
        assert_eq!(
            cut("abcdefghijklmnopqrstuvwxyz0123", MAX_LABEL_CHARS),
            "abcdefghijklmnopqrstu..."
        );
    }

    #[test]
    fn the_cells_of_the_svg_are_where_the_png_has_them() {
        let map = example();
        let layout = layout(&map);
        let (x, y) = Image::decode(&map.to_png().unwrap()).find(colour(0.93));
        // Right of the row labels' band, below the title's and the column labels' (no map title: the map
        // is titled like the picture).
        assert_eq!(
            (x, y),
            (MARGIN + layout.row_band, MARGIN + layout.head + layout.col_band)
        );
        let svg = map.to_svg().unwrap();
        for (r, row) in map.values.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                let Rgb(red, green, blue) = colour(v);
                let rect = format!(
                    r##"<rect x="{}" y="{}" width="80" height="80" opacity="1" fill="#{red:02X}{green:02X}{blue:02X}""##,
                    x + 80 * c,
                    y + 80 * r,
                );
                assert!(svg.contains(&rect), "{rect}");
            }
        }
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
        // 4 maps across: cells of 2 * 768 / 4 / 6 = 64 px.
        assert_eq!(layout.cell, 64);
        let image = Image::decode(&grid_to_png("grid", &maps, 4).unwrap());
        assert_eq!((image.0, image.1), (layout.width, layout.height));
        // The first line of cells crosses the first row of maps: four runs of 6 cells, one slot and gap
        // apart. The second row's first line is a slot and gap lower, and its maps are below the first
        // row's.
        let cells = colour(1.0 / 6.0);
        let (x, top) = image.find(cells);
        let first = image.runs(top, cells);
        let (slot_w, slot_h) = layout.slot;
        let expected: Vec<(usize, usize)> = (0..4).map(|i| (x + i * (slot_w + SLOT_GAP), 6 * 64)).collect();
        assert_eq!(first, expected);
        let second = (top + 6 * 64..image.1).find(|&y| image.pixel(x, y) == cells).unwrap();
        assert_eq!(second, top + slot_h + SLOT_GAP);
        assert_eq!(image.runs(second, cells), first);
        assert!(image.runs(second - 1, cells).is_empty());
        let svg = grid_to_svg("grid", &maps, 4).unwrap();
        assert_eq!(svg.matches(&text("0.17")).count(), 8 * 36);
        assert!(svg.contains(&text("layer 1 head 3")));
        // A per_row of 0 counts as 1; the colour bar spans all maps' cells.
        assert_eq!(
            grid_to_svg("grid", &maps[..2], 0).unwrap(),
            grid_to_svg("grid", &maps[..2], 1).unwrap()
        );
        let (_, bar_y, bar_h) = image.bar();
        assert_eq!((bar_y, bar_y + bar_h), (top, second + 6 * 64));
        // A map titled like the whole picture does not repeat the title.
        let single = example();
        assert!(Layout::new(&single.title, std::slice::from_ref(&single), 1).titles[0].is_none());
        assert!(Layout::new("other", std::slice::from_ref(&single), 1).titles[0].is_some());
    }

    #[test]
    fn a_long_map_title_is_cut_to_its_cells_and_does_not_widen_the_grid() {
        let words = |s: &str| labels(s);
        let small = |t: &str| Heatmap::new(t, words("a b"), words("c d"), vec![vec![0.5; 2]; 2]).unwrap();
        let long = "print only tags that contain the commit -> afficher seulement les étiquettes";
        let maps = [small("short"), small(long)];
        let layout = Layout::new("grid", &maps, 2);
        // Two columns of cells of 2 * 768 / 2 / 2 = 80 px (the largest cell): 160 px of cells, so
        // titles get MIN_MAP_TITLE_W = 240 px.
        assert_eq!(layout.cell, 80);
        let shown = layout.titles[1].as_deref().unwrap();
        assert!(shown.ends_with("...") && shown.len() < long.len(), "{shown}");
        assert!(text_width(shown, LABEL_SIZE) <= MIN_MAP_TITLE_W);
        // The slots are as wide as a title of 240 px allows, not the whole sentence's.
        assert!(layout.slot.0 <= layout.row_band + MIN_MAP_TITLE_W, "{:?}", layout.slot);
        assert_eq!(fit("short", LABEL_SIZE, 240), "short");
    }

    #[test]
    fn empty_grids_and_bad_fields_are_refused() {
        let err = grid_to_png("nothing", &[], 3).unwrap_err().to_string();
        assert_eq!(err, r#"heatmap grid "nothing": no heatmaps to draw"#);
        assert_eq!(grid_to_svg("nothing", &[], 3).unwrap_err().to_string(), err);
        // Fields changed after `new`: both formats refuse, saying where.
        let mut map = example();
        map.values[1].pop();
        let expected = r#"heatmap "I love you -> je t' aime": row 1 has 2 values, expected 3 (one per column)"#;
        assert_eq!(map.to_png().unwrap_err().to_string(), expected);
        assert_eq!(map.to_svg().unwrap_err().to_string(), expected);
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
        // SVG draws it.
        assert!(map.to_svg().is_ok());
    }

    #[test]
    fn save_writes_either_format_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        let maps = [example()];
        let png_path = dir.path().join("attention.PNG");
        save(&png_path, "I love you -> je t' aime", &maps, 1).unwrap();
        let written = std::fs::read(&png_path).unwrap();
        assert_eq!(written, grid_to_png("I love you -> je t' aime", &maps, 1).unwrap());
        let svg_path = dir.path().join("attention.svg");
        save(&svg_path, "I love you -> je t' aime", &maps, 1).unwrap();
        assert_eq!(
            std::fs::read_to_string(&svg_path).unwrap(),
            grid_to_svg("I love you -> je t' aime", &maps, 1).unwrap()
        );
        // Only the two files: no temporary file is left.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        // Saving again replaces the file.
        save(&svg_path, "again", &maps, 1).unwrap();
        assert!(std::fs::read_to_string(&svg_path).unwrap().contains(&text("again")));
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
        assert_eq!(
            input(&empty, &[]),
            format!("{}: heatmap grid \"t\": no heatmaps to draw", named(&empty))
        );
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
        assert_eq!(
            input(&kept, &[bad]),
            format!(
                "{}: heatmap \"I love you -> je t' aime\": value NaN at row 0, column 0 is not finite",
                named(&kept)
            )
        );
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        // A path that is not a regular file (a directory here) is refused, not replaced
        // (`crate::files::write`), and no temporary file is made.
        let blocked = dir.path().join("blocked.png");
        std::fs::create_dir(&blocked).unwrap();
        assert_eq!(
            input(&blocked, &maps),
            format!(
                "{}: it is a directory, not a regular file; it is never replaced",
                named(&blocked)
            )
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["blocked.png", "kept.svg"]);
    }
}
