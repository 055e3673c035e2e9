//! `attn serve` under load: hundreds of varied requests, sequential and in parallel bursts, and
//! what the process holds afterwards (issue 25: 1,000 sequential requests took it from 34 to 143
//! MB, five bursts of 100 to 660 MB, more requests to 1.09 GB, kept after the threads had ended).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

mod common;
use common::{Served, train_tiny_rnn};

// What `/proc` says of the server (`Served` is this test crate's own type, in `common`).
impl Served {
    /// A field of `/proc/PID/status` in its own unit (`VmRSS` in kB, `Threads`).
    fn status(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|value| value.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in {status}"))
    }

    /// The resident memory, in MB.
    fn resident_mb(&self) -> u64 {
        self.status("VmRSS") / 1024
    }
}

/// The status of `POST /api/translate` with `sentence` and `beam`.
fn translate(address: &str, sentence: &str, beam: usize) -> u16 {
    let body = serde_json::json!({"sentence": sentence, "beam": beam}).to_string();
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let head = format!(
        "POST /api/translate HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(format!("{head}{body}").as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Request `i`'s sentence and beam: 1 to 60 words of the corpus' vocabulary and of none, beams 1
/// to 16, different from request to request (a fixed recurrence, so every run sends the same).
fn varied(i: usize) -> (String, usize) {
    const WORDS: [&str; 16] = [
        "i", "you", "love", "see", "the", "cat", "dog", "house", "is", "not", "very", "big", "small", "zyx", "qwv",
        "good",
    ];
    let mut state = i.wrapping_mul(2_654_435_761) ^ 0x9e37;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let words = 1 + next() % 60;
    let sentence: Vec<&str> = (0..words).map(|_| WORDS[next() % WORDS.len()]).collect();
    (sentence.join(" "), 1 + next() % 16)
}

#[test]
fn memory_and_threads_stay_bounded_under_bursts_of_requests() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("translate");
    train_tiny_rnn(&run);
    let served = Served::start(&run, &[]);
    let at = served.address.as_str();
    for i in 0..20 {
        let (sentence, beam) = varied(i);
        assert_eq!(translate(at, &sentence, beam), 200);
    }
    let warm = served.resident_mb();
    for i in 20..220 {
        let (sentence, beam) = varied(i);
        assert_eq!(translate(at, &sentence, beam), 200, "{sentence}");
    }
    let sequential = served.resident_mb();
    let mut after_bursts = Vec::new();
    let mut threads = 0;
    for burst in 0..3 {
        std::thread::scope(|scope| {
            let requests: Vec<_> = (0..100)
                .map(|i| {
                    scope.spawn(move || {
                        let (sentence, beam) = varied(1000 * (burst + 1) + i);
                        translate(at, &sentence, beam)
                    })
                })
                .collect();
            // While the burst is in flight: the server's threads.
            std::thread::sleep(Duration::from_millis(50));
            threads = threads.max(served.status("Threads"));
            for request in requests {
                assert_eq!(request.join().unwrap(), 200);
            }
        });
        after_bursts.push(served.resident_mb());
    }
    for i in 220..320 {
        let (sentence, beam) = varied(i);
        assert_eq!(translate(at, &sentence, beam), 200);
    }
    let end = served.resident_mb();
    let report = format!(
        "resident: {warm} MB warm, {sequential} MB after 200 sequential requests, {after_bursts:?} MB after each \
         burst of 100, {end} MB after 100 more; at most {threads} threads"
    );
    eprintln!("{report}");
    // The bound: measured on this test's run (a tiny RNN, dev profile), the server held 20 to 45 MB
    // at every point once it answered the model one request at a time and gave freed memory back
    // (serve/server.rs, allocator::return_freed_memory); before, the first burst alone took it from
    // 96 to 409 MB and 89 threads, and it kept 631 MB when idle. 64 MB over the warm server leaves
    // room for the allocator's and the runtime's variation and fails long before that regression.
    for mb in [sequential, end].iter().chain(&after_bursts) {
        assert!(*mb <= warm + 64, "{report}");
    }
    // The main thread, tokio's workers (one a core), at most 4 blocking threads, and the model's
    // own pool, if any: not one a request.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    assert!(threads <= 2 * cores + 8, "{report}");
}
