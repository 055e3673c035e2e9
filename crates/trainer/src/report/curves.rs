//! Training curves: one panel per metric (the loss first, then the task's: token accuracy, BLEU or
//! accuracy), the epochs across, a line for the training split and one for validation.
//!
//! Every run writes `curves.png` and `curves.svg` at the end of each epoch ([`Curves::save`], called by
//! the trainer's renderer); `attn serve` draws them from `metrics.csv` for runs of earlier releases.
//!
//! ```
//! use trainer::report::curves::Curves;
//! let mut curves = Curves::new("runs/reverse");
//! for (epoch, loss) in [(1, 2.0), (2, 1.2), (3, 0.9)] {
//!     curves.record(epoch, "train", "Loss", loss);
//!     curves.record(epoch, "valid", "Loss", loss + 0.1);
//! }
//! assert_eq!(curves.metrics(), ["Loss"]);
//! assert!(curves.to_svg()?.contains(">\nepoch\n</text>"));
//! # Ok::<(), trainer::TrainError>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::TrainError;
use crate::report::picture::{self, BACKGROUND, Format, INK, Picture, Rgb, clean, font};

/// The file names a run's curves are written to, in its directory.
pub const PNG: &str = "curves.png";
/// See [`PNG`].
pub const SVG: &str = "curves.svg";

/// One panel's size, in pixels.
const PANEL_W: usize = 440;
const PANEL_H: usize = 320;
/// The band above the panels for the title.
const TITLE_H: usize = 40;
const MARGIN: usize = 10;
/// The splits drawn, each with its colour (matplotlib's first two of `tab10`: blue and orange).
const SPLITS: [(&str, Rgb); 2] = [("train", Rgb(0x1f, 0x77, 0xb4)), ("valid", Rgb(0xff, 0x7f, 0x0e))];

/// Metrics the logs have but the curves leave out: the learning rate is a setting, not a result, and it
/// has no validation value.
pub const LEFT_OUT: [&str; 1] = ["Learning Rate"];

/// A run's metrics per epoch, to draw.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Curves {
    title: String,
    /// Metric, then split, then epoch to value.
    values: BTreeMap<String, BTreeMap<String, BTreeMap<usize, f64>>>,
}

impl Curves {
    /// No values yet; `title` is drawn above the panels (the run's directory, say).
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            values: BTreeMap::new(),
        }
    }

    /// Records `metric`'s value on `split` ("train", "valid") at `epoch`, replacing an earlier one (a
    /// resumed run repeats the epoch it was interrupted in). A value that is not finite is left out, and
    /// so are the metrics of [`LEFT_OUT`].
    pub fn record(&mut self, epoch: usize, split: &str, metric: &str, value: f64) {
        if value.is_finite() && !LEFT_OUT.contains(&metric) {
            self.values
                .entry(metric.to_owned())
                .or_default()
                .entry(split.to_owned())
                .or_default()
                .insert(epoch, value);
        }
    }

    /// The curves of a run's `metrics.csv` (`epoch,split,metric,value`, as the trainer writes it).
    ///
    /// # Errors
    ///
    /// `TrainError::Input` naming the line of a row that is not four fields, an epoch that is not a
    /// number, or a value that is not a number.
    ///
    /// ```
    /// use trainer::report::curves::Curves;
    /// let csv = "epoch,split,metric,value\n1,train,Loss,2.5\n1,valid,Loss,2.25\n";
    /// let curves = Curves::from_csv("run", csv)?;
    /// assert_eq!(curves.metrics(), ["Loss"]);
    /// let err = Curves::from_csv("run", "epoch,split,metric,value\n1,train,Loss\n").unwrap_err();
    /// assert_eq!(err.to_string(), "metrics.csv line 2: expected epoch,split,metric,value, found `1,train,Loss`");
    /// # Ok::<(), trainer::TrainError>(())
    /// ```
    pub fn from_csv(title: impl Into<String>, csv: &str) -> Result<Self, TrainError> {
        let mut curves = Self::new(title);
        for (i, line) in csv.lines().enumerate().skip(1) {
            let bad = |what: &str| TrainError::Input(format!("metrics.csv line {}: {what}", i + 1));
            let fields: Vec<&str> = line.split(',').collect();
            let [epoch, split, metric, value] = fields[..] else {
                return Err(bad(&format!("expected epoch,split,metric,value, found `{line}`")));
            };
            let epoch = epoch
                .parse()
                .map_err(|_| bad(&format!("epoch `{epoch}` is not a number")))?;
            let value = value
                .parse()
                .map_err(|_| bad(&format!("value `{value}` is not a number")))?;
            curves.record(epoch, split, metric, value);
        }
        Ok(curves)
    }

    /// The metrics drawn, in the order of the panels: the loss first, then the others by name.
    pub fn metrics(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.values.keys().map(String::as_str).collect();
        names.sort_by_key(|name| (*name != "Loss", *name));
        names
    }

    /// The last epoch with a value.
    pub fn epochs(&self) -> usize {
        self.values
            .values()
            .flat_map(|splits| splits.values())
            .filter_map(|epochs| epochs.keys().next_back())
            .max()
            .copied()
            .unwrap_or(0)
    }

    /// The curves as an SVG document.
    ///
    /// # Errors
    ///
    /// `TrainError::Io` when drawing fails.
    pub fn to_svg(&self) -> Result<String, TrainError> {
        picture::to_svg(self)
    }

    /// The curves as PNG bytes (8-bit RGB), the same drawing as [`to_svg`](Self::to_svg)'s.
    ///
    /// # Errors
    ///
    /// `TrainError::Io` when drawing or encoding fails.
    pub fn to_png(&self) -> Result<Vec<u8>, TrainError> {
        picture::to_png(self)
    }

    /// Writes [`PNG`] and [`SVG`] into the directory `dir`, each atomically.
    ///
    /// # Errors
    ///
    /// As [`crate::files::write`].
    pub fn save(&self, dir: &Path) -> Result<(), TrainError> {
        for (name, format) in [(PNG, Format::Png), (SVG, Format::Svg)] {
            crate::files::write(&dir.join(name), &picture::render(self, format)?, "curves")?;
        }
        Ok(())
    }
}

impl Picture for Curves {
    fn size(&self) -> (usize, usize) {
        let panels = self.values.len().max(1);
        (panels * PANEL_W + 2 * MARGIN, TITLE_H + PANEL_H + MARGIN)
    }

    fn name(&self) -> String {
        format!("curves {:?}", self.title)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        area.fill(&BACKGROUND.colour())?;
        let ink = INK.colour();
        let title = format!(
            "{} — {} epoch{}",
            clean(&self.title),
            self.epochs(),
            if self.epochs() == 1 { "" } else { "s" }
        );
        area.draw(&Text::new(
            title,
            (MARGIN as i32, MARGIN as i32),
            (font(), 20.0).into_font().color(&ink),
        ))?;
        let body = area.margin(TITLE_H as u32, MARGIN as u32, MARGIN as u32, MARGIN as u32);
        let names = self.metrics();
        if names.is_empty() {
            let style = (font(), 16.0).into_font().color(&ink);
            return body.draw(&Text::new(
                "no epoch has finished yet",
                (MARGIN as i32, MARGIN as i32),
                style,
            ));
        }
        let epochs = self.epochs().max(1);
        for (panel, name) in body.split_evenly((1, names.len())).iter().zip(names) {
            let splits = &self.values[name];
            let all = splits.values().flat_map(|e| e.values().copied());
            let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let pad = if hi > lo {
                0.08 * (hi - lo)
            } else {
                lo.abs().max(1.0) * 0.1
            };
            let mut chart = ChartBuilder::on(panel)
                .caption(name, (font(), 17.0).into_font().color(&ink))
                .margin(8)
                .x_label_area_size(36)
                .y_label_area_size(56)
                .build_cartesian_2d(0.5..epochs as f64 + 0.5, (lo - pad)..(hi + pad))?;
            let whole = |x: &f64| {
                if (x - x.round()).abs() < 1e-9 {
                    format!("{}", x.round() as i64)
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .x_desc("epoch")
                .x_labels(epochs.min(10) + 1)
                .x_label_formatter(&whole)
                .y_labels(6)
                .light_line_style(BACKGROUND.colour())
                .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
                .axis_style(ink)
                .label_style((font(), 12.0).into_font().color(&ink))
                .axis_desc_style((font(), 13.0).into_font().color(&ink))
                .draw()?;
            for (split, colour) in SPLITS {
                let Some(points) = splits.get(split) else { continue };
                let points: Vec<(f64, f64)> = points.iter().map(|(&e, &v)| (e as f64, v)).collect();
                let colour = colour.colour();
                chart
                    .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))?
                    .label(split)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
                chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
            }
            // The loss falls and the metrics rise: the legend goes where the lines end up away from.
            let corner = if name == "Loss" {
                SeriesLabelPosition::UpperRight
            } else {
                SeriesLabelPosition::LowerRight
            };
            chart
                .configure_series_labels()
                .position(corner)
                .label_font((font(), 13.0).into_font().color(&ink))
                .background_style(BACKGROUND.colour().mix(0.85))
                .border_style(RGBColor(0xbb, 0xbb, 0xbb))
                .draw()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Curves {
        let mut curves = Curves::new("runs/t");
        for epoch in 1..=4 {
            let e = epoch as f64;
            curves.record(epoch, "train", "Loss", 3.0 / e);
            curves.record(epoch, "valid", "Loss", 3.2 / e);
            curves.record(epoch, "train", "BLEU", 10.0 * e);
            curves.record(epoch, "valid", "BLEU", 9.0 * e);
            curves.record(epoch, "train", "Accuracy", 20.0 * e);
        }
        curves
    }

    #[test]
    fn loss_comes_first_and_each_metric_has_a_panel() {
        let curves = sample();
        assert_eq!(curves.metrics(), ["Loss", "Accuracy", "BLEU"]);
        assert_eq!(curves.epochs(), 4);
        assert_eq!(curves.size(), (3 * PANEL_W + 2 * MARGIN, TITLE_H + PANEL_H + MARGIN));
        let svg = curves.to_svg().unwrap();
        for caption in ["Loss", "Accuracy", "BLEU"] {
            assert!(svg.contains(&format!(">\n{caption}\n</text>")), "{caption}");
        }
        // A legend per panel: train and valid in Loss and BLEU, train alone in Accuracy.
        assert_eq!(svg.matches(">\ntrain\n</text>").count(), 3);
        assert_eq!(svg.matches(">\nvalid\n</text>").count(), 2);
        // One marker per point: 4 epochs, 5 series.
        assert_eq!(svg.matches("<circle").count(), 4 * 5);
        assert!(svg.contains(">\nruns/t — 4 epochs\n</text>"));
    }

    #[test]
    fn the_png_draws_both_splits_in_their_colours() {
        let curves = sample();
        let bytes = curves.to_png().unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width as usize, info.height as usize), curves.size());
        let count = |colour: Rgb| {
            pixels
                .chunks(3)
                .filter(|p| p == &[colour.0, colour.1, colour.2])
                .count()
        };
        // Lines 2 px wide over three panels: hundreds of pixels of each split's colour.
        assert!(count(SPLITS[0].1) > 500, "train: {}", count(SPLITS[0].1));
        assert!(count(SPLITS[1].1) > 300, "valid: {}", count(SPLITS[1].1));
    }

    #[test]
    fn a_resumed_epoch_replaces_the_old_value_and_bad_values_are_left_out() {
        let mut curves = Curves::new("t");
        curves.record(2, "train", "Loss", 5.0);
        curves.record(2, "train", "Loss", 4.0);
        curves.record(3, "train", "Loss", f64::NAN);
        curves.record(3, "train", "Learning Rate", 0.001);
        assert_eq!(curves.values["Loss"]["train"], BTreeMap::from([(2, 4.0)]));
        assert_eq!(curves.metrics(), ["Loss"]);
        assert_eq!(curves.epochs(), 2);
    }

    #[test]
    fn csv_is_read_as_the_trainer_writes_it_and_errors_name_the_line() {
        let csv = "epoch,split,metric,value\n1,train,Loss,2.5\n1,valid,Loss,2.25\n2,train,Loss,1.5\n";
        let curves = Curves::from_csv("r", csv).unwrap();
        assert_eq!(curves.values["Loss"]["train"], BTreeMap::from([(1, 2.5), (2, 1.5)]));
        let err = |csv: &str| Curves::from_csv("r", csv).unwrap_err().to_string();
        assert_eq!(
            err("h\nx,train,Loss,1\n"),
            "metrics.csv line 2: epoch `x` is not a number"
        );
        assert_eq!(
            err("h\n1,train,Loss,1\n1,valid,Loss,abc\n"),
            "metrics.csv line 3: value `abc` is not a number"
        );
    }

    #[test]
    fn no_epochs_still_draws_a_picture() {
        let curves = Curves::new("fresh");
        assert!(curves.to_svg().unwrap().contains("no epoch has finished yet"));
        assert!(curves.to_png().unwrap().starts_with(b"\x89PNG"));
    }

    #[test]
    fn save_writes_both_files() {
        let dir = tempfile::tempdir().unwrap();
        sample().save(dir.path()).unwrap();
        let png = std::fs::read(dir.path().join(PNG)).unwrap();
        assert_eq!(png, sample().to_png().unwrap());
        assert_eq!(
            std::fs::read_to_string(dir.path().join(SVG)).unwrap(),
            sample().to_svg().unwrap()
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        let err = sample().save(&dir.path().join("missing")).unwrap_err().to_string();
        assert!(
            err.starts_with("cannot write curves ") && err.ends_with("does not exist"),
            "{err}"
        );
    }
}
