//! What the heatmaps and the training curves share: one drawing, on `plotters`, rendered to PNG or SVG; and
//! the font, embedded in the program. Pictures are written as every file is ([`crate::files::write`]).
//!
//! The font is DejaVu Sans (`assets/fonts/DejaVuSans.ttf`, with its licence beside it), compiled into the
//! binary and registered with `plotters`' `ab_glyph` text renderer, so a bare machine with no fonts draws
//! the same PNG as any other. The SVG names the same family, and viewers without it use their sans-serif.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontFamily, FontStyle};

use crate::TrainError;

/// The family the pictures' text is set in, as registered with `plotters` and named in the SVG.
pub const FONT_FAMILY: &str = "DejaVu Sans";

/// DejaVu Sans, Bitstream Vera licence (`assets/fonts/DejaVuSans-LICENSE.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The embedded font, registered with `plotters` on first use.
pub fn font() -> FontFamily<'static> {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        // The bytes are a font compiled in; a failure here is a broken build, caught by every test that
        // draws text.
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES)
            .unwrap_or_else(|_| panic!("the embedded {FONT_FAMILY} is not a font"));
    });
    FontFamily::Name(FONT_FAMILY)
}

/// The width in pixels of `text` at `size` pixels, as the PNG draws it.
pub fn text_width(text: &str, size: f64) -> usize {
    (font(), size).into_font().box_size(text).map_or(0, |(w, _)| w as usize)
}

/// `text` with the characters XML 1.0 forbids (controls other than tab and newlines, U+FFFE, U+FFFF)
/// replaced by U+FFFD, so that any label gives a well-formed SVG; `plotters` escapes the rest.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// `text` cut to `max` characters, the last three of them "..." when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        text.chars().take(max.saturating_sub(3)).chain("...".chars()).collect()
    }
}

/// The largest picture drawn as PNG: a side, and in all.
pub const MAX_SIDE: usize = 32_000;
/// See [`MAX_SIDE`].
pub const MAX_PIXELS: usize = 100_000_000;

/// A picture drawn once, through any `plotters` backend: the PNG and the SVG are the same drawing.
pub trait Picture {
    /// Width and height in pixels.
    fn size(&self) -> (usize, usize);

    /// Draws the whole picture on `area`, which is [`size`](Self::size) large.
    ///
    /// # Errors
    ///
    /// What the backend reports.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;

    /// What the errors call the picture, e.g. `heatmap "title"`.
    fn name(&self) -> String;
}

/// The picture as PNG bytes (8-bit RGB).
///
/// # Errors
///
/// `TrainError::Input` when it is larger than [`MAX_SIDE`] a side or [`MAX_PIXELS`] in all (write SVG
/// for such pictures); `TrainError::Io` when drawing or encoding fails.
pub fn to_png(picture: &impl Picture) -> Result<Vec<u8>, TrainError> {
    let (w, h) = picture.size();
    if w > MAX_SIDE || h > MAX_SIDE || w * h > MAX_PIXELS {
        return Err(TrainError::Input(format!(
            "{}: the picture would be {w} x {h} pixels, more than a PNG is drawn for \
             ({MAX_SIDE} a side, {MAX_PIXELS} in all); write SVG instead",
            picture.name()
        )));
    }
    let failed = |e: &dyn std::fmt::Display| TrainError::Io(format!("{}: cannot draw the PNG: {e}", picture.name()));
    let mut pixels = vec![0_u8; 3 * w * h];
    {
        let area = BitMapBackend::with_buffer(&mut pixels, (w as u32, h as u32)).into_drawing_area();
        picture.draw(&area).map_err(|e| failed(&e))?;
        area.present().map_err(|e| failed(&e))?;
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w as u32, h as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| failed(&e))?;
    writer.write_image_data(&pixels).map_err(|e| failed(&e))?;
    writer.finish().map_err(|e| failed(&e))?;
    Ok(bytes)
}

/// The picture as an SVG document.
///
/// # Errors
///
/// `TrainError::Io` when drawing fails.
pub fn to_svg(picture: &impl Picture) -> Result<String, TrainError> {
    let (w, h) = picture.size();
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (w as u32, h as u32)).into_drawing_area();
        let failed =
            |e: &dyn std::fmt::Display| TrainError::Io(format!("{}: cannot draw the SVG: {e}", picture.name()));
        picture.draw(&area).map_err(|e| failed(&e))?;
        area.present().map_err(|e| failed(&e))?;
    }
    Ok(svg)
}

/// The formats a picture is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PNG, 8-bit RGB.
    Png,
    /// SVG.
    Svg,
}

impl Format {
    /// The format named by `path`'s extension, in any case.
    ///
    /// # Errors
    ///
    /// `TrainError::Input` for another extension or none; `what` names the file in the message
    /// (`heatmap`, `curves`).
    pub fn of(path: &Path, what: &str) -> Result<Self, TrainError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Self::Png),
            Some("svg") => Ok(Self::Svg),
            _ => Err(TrainError::Input(format!(
                "cannot write {what} {:?}: unknown extension (expected .png or .svg)",
                path.display().to_string()
            ))),
        }
    }
}

/// The picture in `format`.
///
/// # Errors
///
/// As [`to_png`] and [`to_svg`].
pub fn render(picture: &impl Picture, format: Format) -> Result<Vec<u8>, TrainError> {
    match format {
        Format::Png => to_png(picture),
        Format::Svg => to_svg(picture).map(String::into_bytes),
    }
}

/// An 8-bit sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// As `plotters` takes it.
    pub fn colour(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }

    /// Relative luminance, as WCAG 2 defines it.
    pub fn luminance(self) -> f64 {
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

/// The pictures' background.
pub const BACKGROUND: Rgb = Rgb(255, 255, 255);
/// Their text and lines.
pub const INK: Rgb = Rgb(0x22, 0x22, 0x22);
