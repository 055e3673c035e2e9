//! `attn serve`: the attention explorer, a local web page over a trained run.
//!
//! A person types a sentence (a translate run) or a word (a classify run) and
//! sees what the model makes of it: the translation, the attention matrix as
//! an interactive heatmap, the beam's alternatives and the words read as
//! `<unk>`; or the language probabilities and the self-attention maps of every
//! layer and head. Every run shows its training curves and its config.
//!
//! The page ([`PAGE`]) is one self-contained HTML file, compiled in: no CDN,
//! nothing downloaded, no build step for its JavaScript. It talks to a small
//! JSON API, documented in `docs/explorer.md`:
//!
//! | method and path        | body                              | answer |
//! |------------------------|-----------------------------------|--------|
//! | `GET /`                |                                   | the page |
//! | `GET /api/run`         |                                   | the run: task, model, heads, config, summary, limits |
//! | `GET /api/curves.svg`  |                                   | the training curves (also `.png`) |
//! | `POST /api/translate`  | `{"sentence": "...", "beam": 4}`  | translation, attention, heads, alternatives |
//! | `POST /api/classify`   | `{"word": "..."}`                 | probabilities, tokens, attention per layer and head |
//!
//! Every error the explorer gives is a JSON object `{"error": "what was wrong"}`
//! with a 4xx status: an empty or over-long input ([`MAX_CHARS`]), a body
//! that is not UTF-8 or not the JSON asked for, a POST that does not say it
//! is JSON (415), a body over [`MAX_BODY`] bytes (413, refused on its declared
//! length before it is read), a body that does not arrive within
//! [`BODY_TIMEOUT`] or headers that do not arrive within
//! [`Limits::header_timeout`] (408), an unknown path (404; nothing is ever
//! read from the file system by path, so no path reaches outside), a known
//! path with the wrong method (405), a request that names no host, two, or
//! another in its request line than in its `Host` (400), and, while it
//! listens on a loopback address, a request naming a host other than
//! `localhost` or that address (403: a web page elsewhere cannot reach it by
//! DNS rebinding; `host.rs`). A 5xx status is a bug.
//!
//! It runs on hyper and tokio (`server.rs`), with a limit on everything a
//! client controls: header time, body size and time, connections, the time to
//! take an answer, and the model's work (one request at a time, each bounded
//! by [`MAX_CHARS`] and [`MAX_BEAM`]). Each connection is a task of its own,
//! so a client that stalls holds up no one; the model answers on tokio's
//! blocking threads, so reading the page never waits for it.

use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use burn::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::TrainError;
use crate::report::curves::{self, Curves};
use crate::report::picture::Format;
use crate::run_dir::RunDir;
use crate::task::{Decoding, Trained, UnknownWords};
use crate::training::{self, OpenRun};

mod host;
mod server;

pub use server::{Limits, MAX_HEADER, Server, WRITE_TIMEOUT};

/// The explorer's page, served at `/`.
pub const PAGE: &str = include_str!("page.html");

/// The longest sentence or word the API takes, in characters.
pub const MAX_CHARS: usize = 1000;
/// The widest beam the API searches with.
pub const MAX_BEAM: usize = 16;
/// The largest request body read, in bytes; a larger one is refused (413).
pub const MAX_BODY: usize = 64 * 1024;
/// How long a request's body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A run opened for exploring: its model, and what `/api/run` says of it.
pub struct Explorer {
    model: Mutex<Box<dyn Trained>>,
    curves: RunCurves,
    info: Value,
}

impl Explorer {
    /// Opens the finished translate or classify run in `run` on `device`.
    ///
    /// # Errors
    ///
    /// The errors of `attn translate` and `attn classify` for a directory
    /// that is missing, holds no finished run, or has damaged files; and a
    /// run of another task, which has nothing to explore.
    pub fn open(run: &Path, device: &Device) -> Result<Self, TrainError> {
        let OpenRun { dir, config, trained } = training::open(run, device)?;
        if trained.translator().is_none() && trained.classifier().is_none() {
            return Err(TrainError::Input(format!(
                "{}: holds a `{}` run; `attn serve` explores translate and classify runs",
                run.display(),
                config.task.name()
            )));
        }
        let summary = std::fs::read_to_string(dir.summary_path())
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null);
        // The config as `config.json` holds it, from the one read of it.
        let mut saved = serde_json::Map::new();
        saved.insert("release".into(), json!(dir.release()));
        saved.extend(config.to_map());
        let mut info = json!({
            "task": config.task.name(),
            "run": run.display().to_string(),
            "config": saved,
            "summary": summary,
            "limits": {"max_chars": MAX_CHARS, "max_beam": MAX_BEAM},
        });
        let curves = RunCurves::open(&dir);
        info["curves"] = json!(curves.svg.is_some() || curves.metrics.is_ok());
        if let Value::Object(info) = &mut info {
            info.extend(trained.describe());
        }
        Ok(Self {
            model: Mutex::new(trained),
            curves,
            info,
        })
    }

    /// What `GET /api/run` answers.
    pub fn info(&self) -> &Value {
        &self.info
    }

    /// The answer to one request: `method` and `url` as the request line has
    /// them, `body` as it came. Never panics on any input.
    pub fn answer(&self, method: &str, url: &str, body: &[u8]) -> Reply {
        match route(method, url) {
            Ok(path) => self.answer_path(path, body),
            Err(reply) => reply,
        }
    }

    /// The answer at a path [`route`] accepted.
    fn answer_path(&self, path: &str, body: &[u8]) -> Reply {
        match path {
            "/" | "/index.html" => Reply::new(200, "text/html; charset=utf-8", PAGE.as_bytes().to_vec()),
            "/api/run" => Reply::json(200, &self.info),
            "/api/curves.svg" => self.curves(Format::Svg),
            "/api/curves.png" => self.curves(Format::Png),
            "/api/translate" => self.translate(body),
            _ => self.classify(body),
        }
    }

    /// The run's curves: the file training wrote, else drawn from
    /// `metrics.csv` (runs of earlier releases), else a 404 saying why not.
    fn curves(&self, format: Format) -> Reply {
        let (name, kind, file, drawn) = match format {
            Format::Svg => (curves::SVG, "image/svg+xml", &self.curves.svg, &self.curves.drawn[0]),
            Format::Png => (curves::PNG, "image/png", &self.curves.png, &self.curves.drawn[1]),
        };
        if let Some(bytes) = file {
            return Reply::new(200, kind, bytes.clone());
        }
        let curves = match &self.curves.metrics {
            Ok(curves) => curves,
            Err(why) => {
                return Reply::error(
                    404,
                    format!("{}: no curves: the run has no {name} and {why}", self.curves.run),
                );
            }
        };
        let drawn = drawn.get_or_init(|| crate::report::picture::render(curves, format).map_err(|e| e.to_string()));
        match drawn {
            Ok(bytes) => Reply::new(200, kind, bytes.clone()),
            Err(e) => Reply::error(500, format!("{}: cannot draw its metrics.csv: {e}", self.curves.run)),
        }
    }

    fn translate(&self, body: &[u8]) -> Reply {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Request {
            sentence: String,
            #[serde(default = "default_beam")]
            beam: usize,
        }
        fn default_beam() -> usize {
            4
        }
        let request: Request = match parse(body, r#"{"sentence": "...", "beam": 4}"#) {
            Ok(request) => request,
            Err(reply) => return reply,
        };
        if let Err(reply) = check_text("sentence", &request.sentence) {
            return reply;
        }
        if !(1..=MAX_BEAM).contains(&request.beam) {
            return Reply::error(400, format!("beam must be 1 to {MAX_BEAM}, got {}", request.beam));
        }
        let decoding = if request.beam == 1 {
            Decoding::Greedy
        } else {
            Decoding::Beam(request.beam)
        };
        let model = self.model.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(translator) = model.translator() else {
            return Reply::error(
                404,
                "this is a classify run: POST /api/classify with {\"word\": \"...\"}".into(),
            );
        };
        match translator.translate(&request.sentence, decoding, UnknownWords::Replace) {
            Ok((t, alternatives)) => Reply::json(
                200,
                &json!({
                    "source": t.source,
                    "unknown": t.unknown,
                    "output": t.output,
                    "text": t.text,
                    "attention": t.attention,
                    "heads": t.heads,
                    "log_prob": t.log_prob,
                    "score": t.score,
                    "subwords": t.subwords,
                    "alternatives": alternatives,
                }),
            ),
            Err(e) => Reply::error(400, e.to_string()),
        }
    }

    fn classify(&self, body: &[u8]) -> Reply {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Request {
            word: String,
        }
        let request: Request = match parse(body, r#"{"word": "..."}"#) {
            Ok(request) => request,
            Err(reply) => return reply,
        };
        if let Err(reply) = check_text("word", &request.word) {
            return reply;
        }
        let model = self.model.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(classifier) = model.classifier() else {
            return Reply::error(
                404,
                "this is a translate run: POST /api/translate with {\"sentence\": \"...\"}".into(),
            );
        };
        match classifier.classify(&request.word) {
            Ok(p) => {
                let probabilities: Vec<Value> = p
                    .probabilities
                    .iter()
                    .map(|(language, p)| json!({"language": language, "p": p}))
                    .collect();
                Reply::json(
                    200,
                    &json!({
                        "word": p.word,
                        "tokens": p.tokens,
                        "unknown": p.unknown,
                        "probabilities": probabilities,
                        "attention": p.attention,
                    }),
                )
            }
            Err(e) => Reply::error(400, e.to_string()),
        }
    }
}

/// A run's training curves, found once when it is opened, so that
/// `/api/run` and `/api/curves.*` say the same of them.
struct RunCurves {
    /// The run's directory, as its messages name it.
    run: String,
    /// `curves.svg` and `curves.png` as training wrote them, where it did.
    svg: Option<Vec<u8>>,
    png: Option<Vec<u8>>,
    /// Where one of them is missing: the curves in `metrics.csv`, or why there are none to draw
    /// (`no metrics.csv`, `its metrics.csv is not UTF-8 ...`).
    metrics: Result<Curves, String>,
    /// The SVG and the PNG drawn from `metrics`, each the first time it is asked for.
    drawn: [OnceLock<Result<Vec<u8>, String>>; 2],
}

impl RunCurves {
    fn open(dir: &RunDir) -> Self {
        let read = |name: &str| std::fs::read(dir.path().join(name)).ok();
        let (svg, png) = (read(curves::SVG), read(curves::PNG));
        let run = dir.path().display().to_string();
        let metrics = Self::read_metrics(dir, &run);
        Self {
            run,
            svg,
            png,
            metrics,
            drawn: Default::default(),
        }
    }

    /// The curves in the run's `metrics.csv`, or why there are none.
    fn read_metrics(dir: &RunDir, run: &str) -> Result<Curves, String> {
        let bytes = std::fs::read(dir.metrics_path()).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "no metrics.csv".to_string(),
            _ => format!("its metrics.csv cannot be read: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            format!(
                "its metrics.csv is not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            )
        })?;
        let curves = Curves::from_csv(run, &text).map_err(|e| format!("its {e}"))?;
        if curves.metrics().is_empty() {
            return Err("its metrics.csv holds no values".into());
        }
        Ok(curves)
    }
}

/// The path of `url` when `method` is the one it takes (HEAD for GET too:
/// the HTTP layer drops the body), or the 404 or 405 reply.
fn route<'a>(method: &str, url: &'a str) -> Result<&'a str, Reply> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let allowed = match path {
        "/" | "/index.html" | "/api/run" | "/api/curves.svg" | "/api/curves.png" => "GET",
        "/api/translate" | "/api/classify" => "POST",
        _ => return Err(Reply::error(404, format!("no such path: {}", printable(path)))),
    };
    if method != allowed && !(allowed == "GET" && method == "HEAD") {
        let reply = Reply::error(405, format!("{path} takes {allowed}, not {}", printable(method)));
        return Err(reply.header("Allow", allowed));
    }
    Ok(path)
}

/// The request body as the JSON object `shape` shows, or the reply saying
/// why not: not UTF-8 (with the byte where it stops being), or not that
/// JSON (with serde's line and column).
fn parse<T: serde::de::DeserializeOwned>(body: &[u8], shape: &str) -> Result<T, Reply> {
    let text = std::str::from_utf8(body).map_err(|e| {
        Reply::error(
            400,
            format!("the body is not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    })?;
    serde_json::from_str(text)
        .map_err(|e| Reply::error(400, format!("the body is not the JSON expected, {shape}: {e}")))
}

/// Refuses an empty (or blank) input, or one over [`MAX_CHARS`].
fn check_text(field: &str, text: &str) -> Result<(), Reply> {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        return Err(Reply::error(400, format!("{field} is empty")));
    }
    if chars > MAX_CHARS {
        return Err(Reply::error(
            400,
            format!("{field} has {chars} characters; the limit is {MAX_CHARS}"),
        ));
    }
    Ok(())
}

/// `text` for an error message: control characters escaped, cut at 200
/// characters.
fn printable(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    crate::report::picture::cut(&escaped, 200)
}

/// One HTTP answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// Its status code.
    pub status: u16,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Other headers.
    pub headers: Vec<(&'static str, String)>,
    /// Its body.
    pub body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type,
            headers: Vec::new(),
            body,
        }
    }

    fn json(status: u16, value: &Value) -> Self {
        Self::new(status, "application/json", value.to_string().into_bytes())
    }

    /// `{"error": message}` with `status`.
    pub fn error(status: u16, message: String) -> Self {
        Self::json(status, &json!({ "error": message }))
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_checked_before_the_model_is_asked() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Word {
            word: String,
        }
        let err = |body: &[u8]| parse::<Word>(body, "{\"word\": \"...\"}").unwrap_err();
        let not_utf8 = err(b"{\"word\": \"\xff\"}");
        assert_eq!(not_utf8.status, 400);
        assert_eq!(
            String::from_utf8(not_utf8.body).unwrap(),
            r#"{"error":"the body is not UTF-8 (invalid byte at offset 10)"}"#
        );
        let malformed = String::from_utf8(err(b"{\"word\": ").body).unwrap();
        assert!(
            malformed
                .starts_with(r#"{"error":"the body is not the JSON expected, {\"word\": \"...\"}: EOF while parsing"#),
            "{malformed}"
        );
        let unknown = String::from_utf8(err(br#"{"word": "a", "x": 1}"#).body).unwrap();
        assert!(unknown.contains("unknown field `x`"), "{unknown}");
        assert_eq!(check_text("word", " \t").unwrap_err().status, 400);
        let long = "é".repeat(MAX_CHARS + 1);
        let reply = check_text("sentence", &long).unwrap_err();
        assert_eq!(
            String::from_utf8(reply.body).unwrap(),
            format!(
                r#"{{"error":"sentence has {} characters; the limit is {MAX_CHARS}"}}"#,
                MAX_CHARS + 1
            )
        );
        assert!(check_text("sentence", &"é".repeat(MAX_CHARS)).is_ok());
    }

    #[test]
    fn error_messages_show_control_characters_escaped() {
        assert_eq!(printable("/a\nb\u{0}"), "/a\\nb\\0");
        assert_eq!(printable(&"x".repeat(300)).chars().count(), 200);
    }
}
