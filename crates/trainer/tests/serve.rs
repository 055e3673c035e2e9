//! `attn serve` over real HTTP: a real process on a free port, raw requests
//! on TCP sockets (no client library to tidy them up), bad ones included.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;

use std::time::Duration;

use serde_json::Value;

mod common;
use common::{Served, attn, text, train_tiny_classify, train_tiny_rnn, train_tiny_translate};

fn serve(run: &Path, extra: &[&str]) -> Served {
    Served::start(run, extra)
}

/// The status, the headers (in lower case) and the body of the answer to `raw`.
fn exchange(address: &str, raw: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    stream.write_all(raw).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&answer)));
    // Header names are case-insensitive (hyper writes them in lower case): compare in lower case.
    let head = String::from_utf8(answer[..split].to_vec())
        .unwrap()
        .to_ascii_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, answer[split + 4..].to_vec())
}

fn request(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw
}

/// Status and JSON body of `method path` with `body`.
fn call(address: &str, method: &str, path: &str, body: &[u8]) -> (u16, Value) {
    let (status, head, body) = exchange(address, &request(method, path, body));
    assert!(head.contains("content-type: application/json"), "{head}");
    (status, serde_json::from_slice(&body).unwrap())
}

/// Asserts `status` and an `{"error": ...}` body containing `part`.
fn assert_error(answer: (u16, Value), status: u16, part: &str) {
    let message = answer.1["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {}", answer.1));
    assert_eq!(answer.0, status, "{message}");
    assert!(message.contains(part), "`{message}` does not contain `{part}`");
}

#[test]
fn a_translate_run_is_explored_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    train_tiny_rnn(&run);
    let served = serve(&run, &[]);
    let at = served.address.as_str();

    let (status, head, page) = exchange(at, &request("GET", "/", b""));
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html; charset=utf-8"), "{head}");
    assert_eq!(String::from_utf8(page).unwrap(), trainer::serve::PAGE);

    let (status, info) = call(at, "GET", "/api/run", b"");
    assert_eq!(status, 200);
    assert_eq!(
        (info["task"].as_str(), info["model"].as_str(), info["heads"].as_u64()),
        (Some("translate"), Some("rnn"), Some(0))
    );
    assert_eq!(info["config"]["d_hidden"], 32);
    assert_eq!(info["limits"]["max_chars"], 1000);
    let (status, head, svg) = exchange(at, &request("GET", "/api/curves.svg", b""));
    assert_eq!(status, 200);
    assert!(head.contains("content-type: image/svg+xml"), "{head}");
    assert_eq!(svg, std::fs::read(run.join("curves.svg")).unwrap());

    let (status, t) = call(
        at,
        "POST",
        "/api/translate",
        br#"{"sentence": "I love you", "beam": 3}"#,
    );
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["source"], serde_json::json!(["i", "love", "you"]));
    let output = t["output"].as_array().unwrap();
    let attention = t["attention"].as_array().unwrap();
    assert_eq!(attention.len(), output.len());
    for row in attention {
        let row: Vec<f64> = row.as_array().unwrap().iter().map(|w| w.as_f64().unwrap()).collect();
        assert_eq!(row.len(), 3);
        // Soft weights: non-negative, summing to one (the article's definition).
        assert!(
            row.iter().all(|w| *w >= 0.0) && (row.iter().sum::<f64>() - 1.0).abs() < 1e-4,
            "{row:?}"
        );
    }
    let alternatives = t["alternatives"].as_array().unwrap();
    assert!(
        (1..=5).contains(&alternatives.len()),
        "a beam of 3 ends with 1 to 2 * 3 - 1: {t}"
    );
    assert_eq!(alternatives[0]["output"], t["output"]);
    assert_eq!(t["heads"], serde_json::json!([]));
    // The same sentence through `attn translate --beam 3` gives the same translation, as text.
    let cli = attn(&["translate", "--run", run.to_str().unwrap(), "--beam", "3", "I love you"]);
    assert!(
        text(&cli).contains(&format!("i love you -> {}", t["text"].as_str().unwrap())),
        "{}",
        text(&cli)
    );
    // A word training never saw is reported as read as <unk>.
    let (_, t) = call(
        at,
        "POST",
        "/api/translate",
        br#"{"sentence": "I love zyxwvut", "beam": 1}"#,
    );
    assert_eq!(t["unknown"], serde_json::json!(["zyxwvut"]));
    assert_eq!(
        t["alternatives"].as_array().unwrap().len(),
        1,
        "greedy decoding has one output"
    );

    // Bad input: a clear JSON error, never a crash.
    assert_error(
        call(at, "POST", "/api/translate", br#"{"sentence": ""}"#),
        400,
        "sentence is empty",
    );
    assert_error(
        call(at, "POST", "/api/translate", br#"{"sentence": "  "}"#),
        400,
        "sentence is empty",
    );
    let long = format!(r#"{{"sentence": "{}"}}"#, "a ".repeat(600));
    assert_error(
        call(at, "POST", "/api/translate", long.as_bytes()),
        400,
        "1200 characters; the limit is 1000",
    );
    assert_error(
        call(at, "POST", "/api/translate", b"{\"sentence\": \"caf\xe9\"}"),
        400,
        "not UTF-8 (invalid byte at offset 17)",
    );
    assert_error(
        call(at, "POST", "/api/translate", b"{\"sentence\": "),
        400,
        "not the JSON expected",
    );
    assert_error(
        call(at, "POST", "/api/translate", b"[1, 2]"),
        400,
        "not the JSON expected",
    );
    assert_error(
        call(at, "POST", "/api/translate", br#"{"text": "hi"}"#),
        400,
        "unknown field `text`",
    );
    assert_error(
        call(at, "POST", "/api/translate", br#"{"sentence": "hi", "beam": 0}"#),
        400,
        "beam must be 1 to 16, got 0",
    );
    assert_error(
        call(at, "POST", "/api/translate", br#"{"sentence": "hi", "beam": -1}"#),
        400,
        "not the JSON expected",
    );
    assert_error(
        call(at, "POST", "/api/classify", br#"{"word": "hi"}"#),
        404,
        "this is a translate run: POST /api/translate",
    );
    let huge = vec![b' '; 70 * 1024];
    assert_error(call(at, "POST", "/api/translate", &huge), 413, "over 65536 bytes");
    // Wrong methods and paths.
    let (status, head, _) = exchange(at, &request("GET", "/api/translate", b""));
    assert_eq!(status, 405);
    assert!(head.contains("allow: post"), "{head}");
    assert_error(
        call(at, "GET", "/api/translate", b""),
        405,
        "/api/translate takes POST, not GET",
    );
    assert_error(call(at, "DELETE", "/", b""), 405, "/ takes GET, not DELETE");
    assert_error(call(at, "GET", "/api/nothing", b""), 404, "no such path: /api/nothing");
    // No path reaches the file system: traversals are unknown paths.
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/api/../../Cargo.toml",
        "/..%2f..%2f..%2fCargo.toml",
        "/api/curves.svg/../../config.json",
        "//etc/passwd",
    ] {
        let (status, _, body) = exchange(at, &request("GET", path, b""));
        assert_eq!(status, 404, "{path}");
        let body = String::from_utf8_lossy(&body);
        assert!(
            !body.contains("root:") && !body.contains("[package]") && !body.contains("\"seed\""),
            "{path}: {body}"
        );
    }
    assert_error(
        call(at, "POST", "/api/translate", b"{}"),
        400,
        "missing field `sentence`",
    );
    // A POST that does not say it is JSON (a form a web page elsewhere could send) is refused.
    let form = b"POST /api/translate HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}";
    let (status, _, body) = exchange(at, form);
    assert_eq!(status, 415, "{}", String::from_utf8_lossy(&body));
    // A Host that is not this server (DNS rebinding) is refused while the server listens on loopback.
    let rebound = b"GET /api/run HTTP/1.1\r\nHost: attacker.example:8000\r\nConnection: close\r\n\r\n";
    let (status, _, body) = exchange(at, rebound);
    assert_eq!(status, 403);
    assert!(
        String::from_utf8_lossy(&body).contains(
            "Host `attacker.example:8000` is not this server: it listens on the loopback address 127.0.0.1 and \
             answers only to `localhost` and `127.0.0.1`"
        ),
        "{}",
        String::from_utf8_lossy(&body)
    );
    // A declared length far over the limit is refused at once, without reading (or allocating) it.
    let huge_declared = b"POST /api/translate HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 1000000000000000\r\n\r\n{";
    let (status, _, _) = exchange(at, huge_declared);
    assert_eq!(status, 413);
    // Clients that go away mid-request, or stall after their headers, hold up no one: eight such
    // connections stay open while the next request is answered.
    {
        let mut gone = TcpStream::connect(at).unwrap();
        let head = "POST /api/translate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n";
        gone.write_all(format!("{head}{{\"sentence\": \"{}", "a".repeat(2000)).as_bytes())
            .unwrap();
    }
    let stalled: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut stream = TcpStream::connect(at).unwrap();
            let head = "POST /api/translate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n";
            stream.write_all(head.as_bytes()).unwrap();
            stream
        })
        .collect();
    let started = std::time::Instant::now();
    let (status, _) = call(at, "GET", "/api/run", b"");
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered after {:?}",
        started.elapsed()
    );
    drop(stalled);

    // 100 requests at once: every one answered, all alike (decoding is deterministic).
    let first = call(
        at,
        "POST",
        "/api/translate",
        br#"{"sentence": "you love me", "beam": 2}"#,
    );
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..100)
            .map(|_| {
                scope.spawn(|| {
                    call(
                        at,
                        "POST",
                        "/api/translate",
                        br#"{"sentence": "you love me", "beam": 2}"#,
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers.len(), 100);
    assert!(answers.iter().all(|a| *a == first), "an answer differed from {first:?}");
    let (status, _) = call(at, "GET", "/api/run", b"");
    assert_eq!(status, 200, "the server still answers");
}

#[test]
fn a_transformer_run_gives_every_head_and_their_average() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("transformer");
    train_tiny_translate(
        &run,
        &[
            "--model",
            "transformer",
            "--d-model",
            "16",
            "--n-heads",
            "2",
            "--n-layers",
            "1",
            "--d-ff",
            "32",
        ],
    );
    let served = serve(&run, &[]);
    let (_, info) = call(&served.address, "GET", "/api/run", b"");
    assert_eq!(
        (info["model"].as_str(), info["heads"].as_u64()),
        (Some("transformer"), Some(2))
    );
    let (status, t) = call(
        &served.address,
        "POST",
        "/api/translate",
        br#"{"sentence": "I love you", "beam": 1}"#,
    );
    assert_eq!(status, 200, "{t}");
    let matrix = |v: &Value| -> Vec<Vec<f64>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|row| row.as_array().unwrap().iter().map(|w| w.as_f64().unwrap()).collect())
            .collect()
    };
    // A transformer reads at most max_len + 1 positions (translate's default max_len is 16 words).
    let long = format!(r#"{{"sentence": "{}"}}"#, "you ".repeat(40));
    assert_error(
        call(&served.address, "POST", "/api/translate", long.as_bytes()),
        400,
        "40 tokens, but this run's transformer reads at most 17",
    );
    let heads: Vec<Vec<Vec<f64>>> = t["heads"].as_array().unwrap().iter().map(matrix).collect();
    let average = matrix(&t["attention"]);
    assert_eq!(heads.len(), 2);
    assert!(!average.is_empty(), "{t}");
    // The decoder's matrix is the last block's cross-attention averaged over heads
    // (SentenceTranslation::attention); the heads come from teacher-forcing the same tokens, which
    // gives the same weights (cross_attention_heads), so their mean is the matrix.
    for (i, row) in average.iter().enumerate() {
        for (j, w) in row.iter().enumerate() {
            let mean = (heads[0][i][j] + heads[1][i][j]) / 2.0;
            assert!((mean - w).abs() < 1e-4, "({i}, {j}): heads' mean {mean}, matrix {w}");
        }
    }
}

#[test]
fn a_classify_run_gives_probabilities_and_every_layers_heads() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("classify");
    train_tiny_classify(&run);
    let served = serve(&run, &[]);
    let at = served.address.as_str();
    let (_, info) = call(at, "GET", "/api/run", b"");
    assert_eq!(info["task"], "classify");
    let (layers, heads) = (
        info["layers"].as_u64().unwrap() as usize,
        info["heads"].as_u64().unwrap() as usize,
    );
    let (status, c) = call(at, "POST", "/api/classify", br#"{"word": "Maison"}"#);
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["word"], "maison");
    let probabilities = c["probabilities"].as_array().unwrap();
    assert_eq!(probabilities.len(), 5);
    let p: Vec<f64> = probabilities.iter().map(|p| p["p"].as_f64().unwrap()).collect();
    assert!(
        (p.iter().sum::<f64>() - 1.0).abs() < 1e-4 && p.windows(2).all(|w| w[0] >= w[1]),
        "{p:?}"
    );
    // <cls>, six letters, <eos>: an 8 x 8 map per layer and head.
    let tokens = c["tokens"].as_array().unwrap().len();
    assert_eq!(tokens, 8);
    let attention = c["attention"].as_array().unwrap();
    assert_eq!(attention.len(), layers);
    for layer in attention {
        assert_eq!(layer.as_array().unwrap().len(), heads);
        for head in layer.as_array().unwrap() {
            assert_eq!(head.as_array().unwrap().len(), tokens);
        }
    }
    assert_error(
        call(at, "POST", "/api/classify", br#"{"word": ""}"#),
        400,
        "word is empty",
    );
    assert_error(
        call(
            at,
            "POST",
            "/api/classify",
            br#"{"word": "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"}"#,
        ),
        400,
        "characters, but this run's model reads at most",
    );
    assert_error(
        call(at, "POST", "/api/translate", br#"{"sentence": "hi"}"#),
        404,
        "this is a classify run: POST /api/classify",
    );
    // The run predates nothing: its curves are the file training wrote.
    let (status, _, png) = exchange(at, &request("GET", "/api/curves.png", b""));
    assert_eq!((status, png), (200, std::fs::read(run.join("curves.png")).unwrap()));
}

#[test]
fn runs_that_cannot_be_explored_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    // A missing directory: the error `attn eval` gives.
    let missing = dir.path().join("missing");
    let serve = attn(&["serve", "--run", missing.to_str().unwrap(), "--port", "0"]);
    let eval = attn(&["eval", "--run", missing.to_str().unwrap()]);
    assert_eq!(serve.status.code(), eval.status.code());
    assert!(!serve.status.success());
    assert_eq!(
        String::from_utf8_lossy(&serve.stderr),
        String::from_utf8_lossy(&eval.stderr)
    );
    // A damaged model: the error `attn translate` gives.
    let run = dir.path().join("damaged");
    train_tiny_rnn(&run);
    let model = run.join("model.bpk");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 3]).unwrap();
    let serve = attn(&["serve", "--run", run.to_str().unwrap(), "--port", "0"]);
    let translate = attn(&["translate", "--run", run.to_str().unwrap(), "hello"]);
    assert!(!serve.status.success());
    assert_eq!(serve.status.code(), translate.status.code());
    assert_eq!(
        String::from_utf8_lossy(&serve.stderr),
        String::from_utf8_lossy(&translate.stderr)
    );
    // A reverse run has nothing to explore.
    let reverse = dir.path().join("reverse");
    let out = attn(&[
        "train",
        "reverse",
        "--run-dir",
        reverse.to_str().unwrap(),
        "--train-size",
        "100",
        "--epochs",
        "1",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let serve = attn(&["serve", "--run", reverse.to_str().unwrap(), "--port", "0"]);
    assert_eq!(serve.status.code(), Some(2));
    assert!(
        text(&serve).contains("holds a `reverse` run; `attn serve` explores translate and classify runs"),
        "{}",
        text(&serve)
    );
}

#[test]
fn a_host_other_than_loopback_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    train_tiny_rnn(&run);
    let served = serve(&run, &["--host", "0.0.0.0"]);
    let line = format!("at http://{}/", served.address);
    let stderr = served.stop();
    assert!(line.contains("at http://0.0.0.0:"), "{line}");
    assert!(
        stderr.contains("warning: --host 0.0.0.0 is not a loopback address"),
        "{stderr}"
    );
    // The default, 127.0.0.1, is not warned about; `localhost` is 127.0.0.1; a name is not looked up.
    let served = serve(&run, &[]);
    assert!(served.address.starts_with("127.0.0.1:"), "{}", served.address);
    assert_eq!(served.stop(), "");
    let served = serve(&run, &["--host", "localhost"]);
    assert!(served.address.starts_with("127.0.0.1:"), "{}", served.address);
    let out = attn(&["serve", "--run", run.to_str().unwrap(), "--host", "example.org"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("`example.org` is not an IP address (such as 127.0.0.1, 0.0.0.0 or ::1) or `localhost`"),
        "{}",
        text(&out)
    );
}

/// Everything the server sends on `stream` until it closes it.
fn read_all(mut stream: TcpStream) -> String {
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut answer = Vec::new();
    if let Err(e) = stream.read_to_end(&mut answer) {
        panic!("{e}, after reading {:?}", String::from_utf8_lossy(&answer));
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Connects to `at` and sends the start of a request, never finishing its headers.
fn send_partial_headers(at: &str) -> TcpStream {
    let mut stream = TcpStream::connect(at).unwrap();
    stream.write_all(b"GET /api/run HTTP/1.1\r\nHost: loc").unwrap();
    stream
}

#[test]
fn clients_that_send_part_of_their_headers_are_timed_out() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    train_tiny_rnn(&run);
    // A short limit, so that the test takes seconds: headers within 2 s.
    let served = Served::start_with(&run, &[], &[("ATTN_SERVE_HEADER_TIMEOUT", "2")]);
    let at = served.address.as_str();
    let (status, _) = call(at, "GET", "/api/run", b"");
    assert_eq!(status, 200);
    // Issue 25: these stayed open for ever, and 20,000 of them used up the process's files.
    let started = std::time::Instant::now();
    let partial: Vec<TcpStream> = (0..7).map(|_| send_partial_headers(at)).collect();
    let idle = TcpStream::connect(at).unwrap();
    for stream in partial {
        let answer = read_all(stream);
        assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer}");
        assert!(
            answer.ends_with(r#"{"error":"the request's headers did not arrive within 2 s"}"#),
            "{answer}"
        );
    }
    // A connection that sent nothing is closed without an answer.
    assert_eq!(read_all(idle), "");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(15),
        "{waited:?}"
    );
    let (status, _) = call(at, "GET", "/api/run", b"");
    assert_eq!(status, 200, "the server answers again");
}

#[test]
fn connections_over_the_cap_are_refused_at_once_and_hold_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    train_tiny_rnn(&run);
    // 8 connections at once; a header timeout far longer than the test, so that no slot frees
    // itself while connections over the cap are tried (CI machines are slow and busy).
    let served = Served::start_with(
        &run,
        &[],
        &[
            ("ATTN_SERVE_HEADER_TIMEOUT", "600"),
            ("ATTN_SERVE_MAX_CONNECTIONS", "8"),
        ],
    );
    let at = served.address.as_str();
    let (status, _) = call(at, "GET", "/api/run", b"");
    assert_eq!(status, 200);
    // Until the server has closed that request's connection, it holds a slot, and on a busy
    // machine a slot freed late would go to a connection below: only the listener open first.
    assert_eq!(served.wait_for_sockets(1, Duration::from_secs(10)), 1);
    let partial: Vec<TcpStream> = (0..7).map(|_| send_partial_headers(at)).collect();
    let idle = TcpStream::connect(at).unwrap();
    // Over the limit, a connection is answered 503 at once and closed, holding no file.
    for _ in 0..16 {
        let answer = read_all(send_partial_headers(at));
        assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{answer}");
        assert!(answer.contains("\r\nretry-after: 1\r\n"), "{answer}");
    }
    assert_error(
        call(at, "GET", "/api/run", b""),
        503,
        "the explorer is serving 8 connections, its limit; try again in a moment",
    );
    // The 8 connections served hold a socket each; those refused none, once the server has
    // closed them (after writing the answer the client has read: give it a moment when busy).
    let open = served.wait_for_sockets(1 + 8, Duration::from_secs(10));
    assert_eq!(open, 1 + 8, "sockets open: the listener and the connections served");
    // Once the clients hang up, their slots are free again.
    drop(partial);
    drop(idle);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = call(at, "GET", "/api/run", b"");
        if status == 200 {
            break;
        }
        assert_eq!(status, 503);
        assert!(std::time::Instant::now() < deadline, "slots still taken after 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_loopback_server_answers_to_its_own_address_and_to_localhost_only() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    train_tiny_rnn(&run);
    // Issue 25: on 127.0.0.2 it refused requests to the URL it printed.
    let served = serve(&run, &["--host", "127.0.0.2"]);
    let at = served.address.as_str();
    assert!(at.starts_with("127.0.0.2:"), "{at}");
    let port = at.rsplit(':').next().unwrap();
    let get = |host: &str| {
        let raw = format!("GET /api/run HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let (status, _, body) = exchange(at, raw.as_bytes());
        (status, String::from_utf8_lossy(&body).into_owned())
    };
    for host in [
        at.to_string(),
        "127.0.0.2".into(),
        format!("localhost:{port}"),
        "LOCALHOST".into(),
    ] {
        let (status, body) = get(&host);
        assert_eq!(status, 200, "{host}: {body}");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        format!("evil.example:{port}"),
    ] {
        let (status, body) = get(&host);
        assert_eq!(status, 403, "{host}: {body}");
        assert!(
            body.contains(&format!(
                "Host `{host}` is not this server: it listens on the loopback address 127.0.0.2 and answers only to \
                 `localhost` and `127.0.0.2`"
            )),
            "{body}"
        );
    }
}

#[test]
fn requests_must_name_this_server_once_and_may_say_json_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    train_tiny_rnn(&run);
    let served = serve(&run, &[]);
    let at = served.address.as_str();
    let raw = |text: String| {
        let (status, head, body) = exchange(at, text.as_bytes());
        assert!(head.contains("content-type: application/json"), "{head}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        (status, body["error"].as_str().unwrap_or("").to_string())
    };
    // Issue 25: another host in the request line, or two Hosts, were answered.
    let (status, error) = raw(format!(
        "GET http://evil.example/api/run HTTP/1.1\r\nHost: {at}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 403, "{error}");
    assert!(
        error.starts_with("the request line's host `evil.example` is not this server"),
        "{error}"
    );
    let (status, error) = raw(format!(
        "GET /api/run HTTP/1.1\r\nHost: {at}\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(
        (status, error.as_str()),
        (400, "the request has 2 Host headers; HTTP allows one")
    );
    let (status, error) = raw("GET /api/run HTTP/1.1\r\nConnection: close\r\n\r\n".into());
    assert_eq!(
        (status, error.as_str()),
        (400, "the request has no Host header, which HTTP/1.1 requires")
    );
    let (status, error) = raw(format!(
        "GET https://{at}/api/run HTTP/1.1\r\nHost: {at}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 400, "{error}");
    assert!(error.contains("this server is not a proxy"), "{error}");
    // The absolute form that names this server is HTTP's too (RFC 9112, 3.2.2), and answered.
    let (status, error) = raw(format!(
        "GET http://{at}/api/run HTTP/1.1\r\nHost: {at}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 200, "{error}");

    // Issue 25: media types are case-insensitive, and may have parameters.
    let post = |content_type: &str| {
        let body = r#"{"sentence": "I love you", "beam": 1}"#;
        raw(format!(
            "POST /api/translate HTTP/1.1\r\nHost: {at}\r\nConnection: close\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        ))
    };
    for kind in [
        "APPLICATION/JSON",
        "Application/Json; charset=UTF-8",
        "application/json;charset=\"utf-8\"",
    ] {
        let (status, error) = post(kind);
        assert_eq!(status, 200, "{kind}: {error}");
    }
    assert_eq!(
        post("application/json; charset=latin1"),
        (
            415,
            "POST a JSON body with Content-Type: application/json, in UTF-8, not charset `latin1`".into()
        )
    );
    assert_eq!(
        post("text/json"),
        (
            415,
            "POST a JSON body with Content-Type: application/json, not `text/json`".into()
        )
    );
}

#[test]
fn the_run_says_it_has_curves_exactly_when_they_can_be_shown() {
    let dir = tempfile::tempdir().unwrap();
    let trained = dir.path().join("translate");
    train_tiny_rnn(&trained);
    // What `/api/run` says of the curves, and the status and body of `/api/curves.svg` and `.png`.
    let curves_of = |run: &Path| {
        let served = serve(run, &[]);
        let (_, info) = call(&served.address, "GET", "/api/run", b"");
        let get = |path: &str| {
            let (status, _, body) = exchange(&served.address, &request("GET", path, b""));
            (status, body)
        };
        (
            info["curves"].as_bool().unwrap(),
            get("/api/curves.svg"),
            get("/api/curves.png"),
        )
    };
    // A copy of the run as an earlier release left it: its SHA256SUMS listed no record of the
    // training (the curves, metrics.csv), which may then be missing or damaged.
    let copy = |name: &str, remove: &[&str]| {
        let run = dir.path().join(name);
        common::copy_dir(&trained, &run);
        for file in remove {
            std::fs::remove_file(run.join(file)).unwrap();
        }
        let sums = std::fs::read_to_string(run.join("SHA256SUMS")).unwrap();
        let inputs: String = sums
            .lines()
            .filter(|line| {
                !["metrics.csv", "curves.svg", "curves.png"]
                    .iter()
                    .any(|f| line.ends_with(&format!("  {f}")))
            })
            .map(|line| format!("{line}\n"))
            .collect();
        std::fs::write(run.join("SHA256SUMS"), inputs).unwrap();
        run
    };
    let error = |body: &[u8]| {
        let body: Value = serde_json::from_slice(body).unwrap();
        body["error"].as_str().unwrap().to_string()
    };

    // Issue 25: a metrics.csv that cannot be read made `curves` true and the SVG a 404.
    let damaged = copy("damaged", &["curves.svg", "curves.png"]);
    let mut metrics = std::fs::read(damaged.join("metrics.csv")).unwrap();
    let at = metrics.len();
    metrics.extend_from_slice(b"3,valid,Loss,\xff\n");
    std::fs::write(damaged.join("metrics.csv"), metrics).unwrap();
    let (curves, (svg, svg_body), (png, _)) = curves_of(&damaged);
    assert_eq!((curves, svg, png), (false, 404, 404));
    assert_eq!(
        error(&svg_body),
        format!(
            "{}: no curves: the run has no curves.svg and its metrics.csv is not UTF-8 (invalid byte at offset {})",
            damaged.display(),
            at + 13
        )
    );
    // No pictures and a good metrics.csv (a run of an earlier release): drawn from it.
    let drawn = copy("drawn", &["curves.svg", "curves.png"]);
    let (curves, (svg, svg_body), (png, _)) = curves_of(&drawn);
    assert_eq!((curves, svg, png), (true, 200, 200));
    assert!(String::from_utf8_lossy(&svg_body).contains("<svg"));
    // The SVG alone: it is shown, and the PNG's absence said.
    let svg_only = copy("svg-only", &["curves.png", "metrics.csv"]);
    let (curves, (svg, _), (png, png_body)) = curves_of(&svg_only);
    assert_eq!((curves, svg, png), (true, 200, 404));
    assert!(
        error(&png_body).ends_with("no curves: the run has no curves.png and no metrics.csv"),
        "{}",
        error(&png_body)
    );
    // Nothing at all.
    let none = copy("none", &["curves.svg", "curves.png", "metrics.csv"]);
    let (curves, (svg, _), _) = curves_of(&none);
    assert_eq!((curves, svg), (false, 404));
}
