//! The explorer's page in a real browser: Debian's Chromium, headless, loads
//! the page from `attn serve`, submits a sentence (the page's `?q=` does what
//! typing it and pressing Translate does) and the DOM it rendered is checked
//! against the JSON API's answer.
//!
//! `.ci/run` installs Chromium and sets `ATTN_BROWSER_TESTS=require`, so
//! there a missing browser fails the test. Elsewhere, without Chromium, the
//! test says it was skipped and passes: `cargo test` must not need a browser.
//!
//! `ATTN_SCREENSHOT=FILE.png` also saves a screenshot of the translate page
//! (how `docs/images/explorer.png` is made; see docs/explorer.md).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

mod common;
use common::{Served, train_tiny_classify, train_tiny_rnn};

/// The browser, or `None` (after saying so) where it may be missing.
fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
    ];
    let found = candidates.into_iter().flatten().find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("ATTN_BROWSER_TESTS").as_deref() != Ok("require"),
            "ATTN_BROWSER_TESTS=require, but Chromium is not installed (apt-get install chromium)"
        );
        eprintln!("skipped: no Chromium at /usr/bin/chromium or $CHROMIUM");
    }
    found
}

/// Runs headless Chromium on `url` with `args`: it waits for the page's
/// requests to be answered (`--virtual-time-budget` counts only idle time),
/// within a two-minute limit.
fn browse(browser: &Path, url: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            // The machine has no network beyond loopback: without these, Chromium's own requests are
            // refused, many at a time.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// POSTs `body` to `path` and parses the JSON answer.
fn post(address: &str, path: &str, body: &str) -> Value {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap()
}

/// The text of the element with `id` (up to its first child tag).
fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    &rest[open..open + close]
}

/// The `data-weight` of every heatmap cell, in document order.
fn cell_weights(dom: &str) -> Vec<f64> {
    dom.split("class=\"cell\"")
        .skip(1)
        .map(|cell| {
            let weight = cell.split("data-weight=\"").nth(1).unwrap();
            weight[..weight.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

/// HTML's escaping of text, as the DOM dump writes it.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[test]
fn the_page_renders_a_translation_and_its_matrix_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    train_tiny_rnn(&run);
    let served = Served::start(&run, &[]);
    let api = post(
        &served.address,
        "/api/translate",
        r#"{"sentence": "I love you", "beam": 2}"#,
    );
    let url = format!("http://{}/?q=I%20love%20you&beam=2", served.address);
    let dom = browse(&browser, &url, &["--dump-dom"]);
    assert!(dom.contains("data-state=\"ready\""), "the page did not finish: {dom}");
    let words: Vec<&str> = api["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(text_of(&dom, "translation"), escaped(&words.join(" ")));
    // One cell per output word and source word, holding the API's weight, row by row.
    let expected: Vec<f64> = api["attention"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|w| w.as_f64().unwrap()))
        .collect();
    assert_eq!(expected.len(), 3 * words.len());
    let cells = cell_weights(&dom);
    assert_eq!(cells.len(), expected.len());
    for (cell, weight) in cells.iter().zip(&expected) {
        // The page writes the JSON number back as it read it: the same f64, to print precision.
        assert!((cell - weight).abs() < 1e-6, "cell {cell}, API {weight}");
    }
    // The beam's alternatives, best first, and the curves.
    let alternatives = api["alternatives"].as_array().unwrap().len();
    let list = &dom[dom.find("id=\"alternatives\"").unwrap()..];
    assert_eq!(list[..list.find("</ol>").unwrap()].matches("<li").count(), alternatives);
    assert!(dom.contains("src=\"/api/curves.svg\""), "no curves on the page");
    if let Some(path) = std::env::var_os("ATTN_SCREENSHOT") {
        let shot = format!("--screenshot={}", PathBuf::from(path).display());
        browse(&browser, &url, &["--window-size=1200,1100", &shot]);
    }
}

#[test]
fn the_page_renders_a_words_languages_and_self_attention_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("classify");
    train_tiny_classify(&run);
    let served = Served::start(&run, &[]);
    let api = post(&served.address, "/api/classify", r#"{"word": "maison"}"#);
    let dom = browse(
        &browser,
        &format!("http://{}/?q=maison", served.address),
        &["--dump-dom"],
    );
    assert!(dom.contains("data-state=\"ready\""), "the page did not finish: {dom}");
    // Every language is listed with its probability; the map is tokens x tokens (8 x 8: <cls>, six
    // letters, <eos>) for layer 1, averaged over its heads, as the page opens.
    let listed = &dom[dom.find("id=\"probabilities\"").unwrap()..];
    let listed = &listed[..listed.find("</ol>").unwrap()];
    for p in api["probabilities"].as_array().unwrap() {
        let shown = format!("{:.3}", p["p"].as_f64().unwrap());
        assert!(listed.contains(&shown), "{shown} missing");
    }
    let cells = cell_weights(&dom);
    assert_eq!(cells.len(), 8 * 8);
    let heads = api["attention"][0].as_array().unwrap();
    let average =
        |q: usize, k: usize| heads.iter().map(|h| h[q][k].as_f64().unwrap()).sum::<f64>() / heads.len() as f64;
    for (i, cell) in cells.iter().enumerate() {
        // The page averages in f64 as this test does; only the order of the sum may differ.
        assert!((cell - average(i / 8, i % 8)).abs() < 1e-6, "cell {i}: {cell}");
    }
}
