//! `attn train ... --distributed mpi` under a real `mpirun`, two ranks over loopback on this
//! machine (built with `--features mpi`; `.ci/run` installs Open MPI and runs this file).

#![cfg(feature = "mpi")]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{attn, resumed_to_the_end, text};

/// The reverse task at a size that trains in a second (with `--train-size 256`: batches of 32
/// split evenly over two ranks).
const SMALL: [&str; 8] = [
    "--batch-size",
    "32",
    "--epochs",
    "2",
    "--d-hidden",
    "16",
    "--d-embed",
    "8",
];

/// `mpirun`'s options as CI runs it: as root, two ranks on two cores (or fewer), no core binding.
const MPIRUN: [&str; 4] = ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none"];

/// `mpirun` with [`MPIRUN`] and `-np ranks`, and the shared-memory transport without the
/// single-copy mechanism containers forbid.
fn mpirun(ranks: usize) -> Command {
    let mut command = Command::new("mpirun");
    command
        .args(MPIRUN)
        .arg("-np")
        .arg(ranks.to_string())
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        .env("RUST_LOG", "warn");
    command
}

/// `attn train reverse --distributed mpi ARGS...` on two ranks.
fn reverse_on_two_ranks(args: &[&str]) -> Command {
    let mut command = mpirun(2);
    command
        .arg(env!("CARGO_BIN_EXE_attn"))
        .args(["train", "reverse", "--distributed", "mpi"])
        .args(args);
    command
}

/// `attn train reverse` on two ranks, on `train_size` sequences.
fn distributed(run: &Path, train_size: &str) -> Output {
    let run = run.to_str().unwrap();
    reverse_on_two_ranks(&["--run-dir", run])
        .args(["--train-size", train_size])
        .args(SMALL)
        .output()
        .unwrap()
}

/// The values of a Burn metric log: one `value,count` line per step, then the epoch's
/// `value,final`.
fn steps(run: &Path, log: &str) -> Vec<f64> {
    std::fs::read_to_string(run.join(log))
        .unwrap()
        .lines()
        .map(|line| line.split(',').next().unwrap().parse().unwrap())
        .collect()
}

/// Asserts that the runs in `one` and `two` logged the same values in `log`, step by step, within
/// `tolerance` relative.
fn same_steps(one: &Path, two: &Path, log: &str, tolerance: f64) {
    let (a, b) = (steps(one, log), steps(two, log));
    assert_eq!(a.len(), b.len(), "{log}");
    for (step, (a, b)) in a.iter().zip(&b).enumerate() {
        assert!(
            (a - b).abs() <= tolerance * a.abs().max(1.0),
            "{log} step {step}: {a} and {b}"
        );
    }
}

/// Asserts that the runs in `one` and `two` logged the same losses and BLEU, step by step, for
/// two epochs, within `tolerance` relative.
fn same_losses(one: &Path, two: &Path, tolerance: f64) {
    for epoch in 1..=2 {
        for (split, log) in [("train", "Loss.log"), ("valid", "Loss.log"), ("valid", "BLEU.log")] {
            same_steps(one, two, &format!("{split}/epoch-{epoch}/{log}"), tolerance);
        }
    }
}

#[test]
fn two_ranks_train_to_the_single_process_losses() {
    let dir = tempfile::tempdir().unwrap();
    let (single, multi) = (dir.path().join("single"), dir.path().join("multi"));
    let single_run = single.to_str().unwrap();
    let mut args = vec!["train", "reverse", "--run-dir", single_run, "--train-size", "256"];
    args.extend(SMALL);
    let out = attn(&args);
    assert!(out.status.success(), "{}", text(&out));
    let out = distributed(&multi, "256");
    assert!(out.status.success(), "{}", text(&out));
    // Rank 0 wrote the run and printed its summary line once; rank 1 wrote no directory here.
    assert_eq!(
        text(&out).matches(": 2 epochs, validation loss").count(),
        1,
        "{}",
        text(&out)
    );
    let mut entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, ["multi", "single"]);
    // Every step's loss is the single process's on the same global batch: each rank's mean over its
    // half, weighted by its target tokens, is the mean over the whole batch; the averaged gradient
    // is the whole batch's, so the weights stay equal step after step. The sums differ in order
    // only: 1e-5 relative.
    same_losses(&single, &multi, 1e-5);
    // 256 / 32 steps and the epoch's value.
    assert_eq!(steps(&single, "train/epoch-1/Loss.log").len(), 256 / 32 + 1);
    // The seed makes a run reproducible for a given number of ranks: again, bit for bit.
    let again = dir.path().join("again");
    let out = distributed(&again, "256");
    assert!(out.status.success(), "{}", text(&out));
    for log in ["train/epoch-2/Loss.log", "metrics.csv"] {
        assert_eq!(
            std::fs::read(multi.join(log)).unwrap(),
            std::fs::read(again.join(log)).unwrap(),
            "{log}"
        );
    }
}

/// The same through a GPU backend: wgpu, which is lavapipe (Mesa's Vulkan on the CPU) on a machine
/// without a GPU. Lavapipe is not a GPU to `wgpu`, so the two ranks share the default device and
/// say so; with GPUs, each rank names the one it took.
#[cfg(feature = "wgpu")]
#[test]
fn two_ranks_on_wgpu_train_to_the_single_process_losses() {
    let dir = tempfile::tempdir().unwrap();
    let (single, multi) = (dir.path().join("single"), dir.path().join("multi"));
    let mut args = vec![
        "train",
        "reverse",
        "--device",
        "wgpu",
        "--run-dir",
        single.to_str().unwrap(),
    ];
    args.extend(["--train-size", "256"]);
    args.extend(SMALL);
    let out = attn(&args);
    assert!(out.status.success(), "{}", text(&out));
    let out = reverse_on_two_ranks(&["--device", "wgpu", "--run-dir", multi.to_str().unwrap()])
        .args(["--train-size", "256"])
        .args(SMALL)
        .env("RUST_LOG", "info,burn_train=warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    let shared = said.contains("the 2 ranks on this machine share its default device");
    let own = said.contains("local rank 0 of 2 trains on") && said.contains("local rank 1 of 2 trains on");
    assert!(shared || own, "{said}");
    // The sums run in another order than in one process, not another kind: 1e-5 relative as on
    // flex, on one device. Where each rank took a GPU of its own, rank 1 computes on other
    // hardware than the single process, whose kernels may round otherwise: 1e-4 there (not
    // measured; this machine has no GPU).
    same_losses(&single, &multi, if own { 1e-4 } else { 1e-5 });
}

/// Starts `job`, a `reverse` run, for three epochs of `train_size` sequences at a size that
/// checkpoints its first epoch within seconds, its output captured.
fn three_epochs(mut job: Command, train_size: &str) -> std::process::Child {
    job.args([
        "--train-size",
        train_size,
        "--batch-size",
        "32",
        "--epochs",
        "3",
        "--d-hidden",
        "16",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap()
}

/// Waits for the first epoch's complete checkpoint (Burn writes its three files from three
/// threads), so that a job stopped after it has something to resume from.
fn first_checkpoint(run: &Path) {
    let started = Instant::now();
    let files = ["model", "optim", "scheduler"].map(|name| run.join(format!("checkpoint/{name}-1.bpk")));
    while !files.iter().all(|f| f.exists()) {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "no complete checkpoint appeared"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn batches_that_cannot_be_split_over_the_ranks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // 257 items in batches of 32 leave a last batch of 1, which two ranks cannot share.
    let out = distributed(&dir.path().join("run"), "257");
    assert!(!out.status.success());
    assert!(
        text(&out).contains("2 ranks need at least 2 items in every batch; batches of 32 from"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_killed_rank_ends_the_job_naming_it_and_the_job_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("killed");
    let job = three_epochs(reverse_on_two_ranks(&["--run-dir", run.to_str().unwrap()]), "20000");
    first_checkpoint(&run);
    // The rank whose run directory is not `run`: rank 1, in its scratch directory.
    let ranks = Command::new("pgrep")
        .args(["-f", run.to_str().unwrap()])
        .output()
        .unwrap();
    let pids: Vec<u32> = String::from_utf8_lossy(&ranks.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let rank_pids: Vec<u32> = pids
        .into_iter()
        .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmd| !cmd.starts_with(b"mpirun")))
        .collect();
    assert_eq!(rank_pids.len(), 2, "two ranks run: {rank_pids:?}");
    let killed = Instant::now();
    Command::new("kill")
        .args(["-9", &rank_pids[1].to_string()])
        .status()
        .unwrap();
    let out = job.wait_with_output().unwrap();
    // Open MPI ends every rank when one dies, and says which (measured here: within 1 to 2 s).
    assert!(
        killed.elapsed() < Duration::from_secs(30),
        "the job ended after {:?}",
        killed.elapsed()
    );
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("exited on signal 9 (Killed)"), "{said}");
    assert!(!run.join("model.bpk").exists(), "the job did not finish");
    // The job resumes from the last complete checkpoint and finishes its three epochs.
    let out = reverse_on_two_ranks(&["--resume", run.to_str().unwrap()])
        .output()
        .unwrap();
    resumed_to_the_end(&out, &run, 3);
}

#[test]
fn resuming_a_directory_without_a_run_is_refused_as_in_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let out = reverse_on_two_ranks(&["--resume", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    // The message of `attn train --resume` in one process (run_dir.rs, `read_fields`), from rank 0.
    let said = text(&out);
    assert!(
        said.contains(&format!(
            "error: rank 0: {}: not a run directory (no config.json)",
            missing.display()
        )),
        "{said}"
    );
}

#[test]
fn ranks_given_another_config_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let rank = |seed: &'static str| {
        let run = run.to_str().unwrap().to_string();
        let mut args = vec![
            "-np".to_string(),
            "1".to_string(),
            env!("CARGO_BIN_EXE_attn").to_string(),
        ];
        args.extend(["train", "reverse", "--distributed", "mpi", "--run-dir"].map(String::from));
        args.push(run);
        args.extend(["--train-size", "256", "--seed", seed].map(String::from));
        args
    };
    // mpirun's MPMD form: rank 0 with seed 1, rank 1 with seed 2 (other data, other config).
    let out = Command::new("mpirun")
        .args(MPIRUN)
        .args(rank("1"))
        .arg(":")
        .args(rank("2"))
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("config or data differ from rank 0's") || text(&out).contains("different from rank 0's"),
        "{}",
        text(&out)
    );
    // Rank 0 had created the run; the refusal removed it.
    assert!(!run.exists(), "the refused run's directory is left");
}

#[test]
fn a_resumed_job_continues_as_a_resumed_single_process_does() {
    let dir = tempfile::tempdir().unwrap();
    let (single, multi) = (dir.path().join("single"), dir.path().join("multi"));
    let small = [
        "--train-size",
        "256",
        "--batch-size",
        "32",
        "--d-hidden",
        "16",
        "--d-embed",
        "8",
    ];
    // One epoch, then a resume to two: in one process, and on two ranks (the other rank resumes from
    // rank 0's run, sent to its scratch directory).
    let mut args = vec![
        "train",
        "reverse",
        "--run-dir",
        single.to_str().unwrap(),
        "--epochs",
        "1",
    ];
    args.extend(small);
    assert!(attn(&args).status.success());
    let out = attn(&[
        "train",
        "reverse",
        "--resume",
        single.to_str().unwrap(),
        "--epochs",
        "2",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let multi_run = multi.to_str().unwrap();
    let out = reverse_on_two_ranks(&["--run-dir", multi_run, "--epochs", "1"])
        .args(small)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = reverse_on_two_ranks(&["--resume", multi_run, "--epochs", "2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("resuming at epoch 2 of 2"), "{}", text(&out));
    // The resumed epoch's 256 / 32 steps and its value; 1e-5 as in the test above.
    let log = "train/epoch-2/Loss.log";
    assert_eq!(steps(&single, log).len(), 256 / 32 + 1);
    same_steps(&single, &multi, log, 1e-5);
    assert!(multi.join("model.bpk").exists());
}

/// Two hosts on this machine: two network namespaces, each with its own address, joined by a veth
/// pair (a cable between them). `mpirun` runs in the first; it reaches the second through a
/// remote-shell agent that enters that namespace where a cluster's agent would `ssh` to a host.
/// Open MPI's TCP transports (its daemons' `oob`, the ranks' `btl`) then run between the two
/// addresses, as between two machines.
///
/// Making namespaces needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and iproute2's `ip`. Where they are
/// missing the tests that use this say so and pass, unless `ATTN_NETNS_TESTS=require` (`.ci/run`
/// sets it where it can make a namespace), where they fail.
struct TwoHosts {
    /// The namespaces: the first runs `mpirun` and rank 0.
    names: [String; 2],
    /// The cable's two ends, the first host's first.
    links: [String; 2],
    /// The agent script and the runs' scratch space.
    dir: tempfile::TempDir,
}

/// The addresses of [`TwoHosts`], in [`SUBNET`]: each pair of namespaces has its own network, so
/// pairs made at the same time (tests run in parallel) do not meet.
const ADDRESSES: [&str; 2] = ["10.231.7.1", "10.231.7.2"];
const SUBNET: &str = "10.231.7.0/24";

/// Open MPI's keepalive on its daemons' connections: a daemon silent for 5 s is probed every
/// second, and declared lost after 5 unanswered probes, about 10 s after the link went down
/// (Open MPI's defaults, 300 s and 9 probes 20 s apart, take 8 minutes).
const KEEPALIVE: [&str; 9] = [
    "--mca",
    "oob_tcp_keepalive_time",
    "5",
    "--mca",
    "oob_tcp_keepalive_intvl",
    "1",
    "--mca",
    "oob_tcp_keepalive_probes",
    "5",
];

impl TwoHosts {
    /// Two new hosts, or `None` (said on stderr) where this machine cannot make them and
    /// `ATTN_NETNS_TESTS` is not `require`.
    fn new(test: &str) -> Option<Self> {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Interface names have at most 15 bytes: the process id and the pair's number keep them
        // apart from other test processes' (the namespaces' names are free).
        let tag = format!("{}{n}", std::process::id() % 100_000);
        let names = ["a", "b"].map(|side| format!("attn-{test}-{tag}-{side}"));
        let links = ["a", "b"].map(|side| format!("av{tag}{side}"));
        let hosts = Self {
            names,
            links,
            dir: tempfile::tempdir().unwrap(),
        };
        // Whatever fails from here on is undone by `drop`.
        if let Err(why) = hosts.join() {
            if std::env::var("ATTN_NETNS_TESTS").as_deref() == Ok("require") {
                panic!("ATTN_NETNS_TESTS=require, but two hosts could not be made: {why}");
            }
            eprintln!(
                "{test}: skipped, two network namespaces could not be made here ({why}); needs root and iproute2"
            );
            return None;
        }
        Some(hosts)
    }

    /// Makes the namespaces, the cable and the agent.
    fn join(&self) -> Result<(), String> {
        let links = &self.links;
        for name in &self.names {
            ip(&["netns", "add", name])?;
        }
        ip(&["link", "add", &links[0], "type", "veth", "peer", "name", &links[1]])?;
        for ((name, link), address) in self.names.iter().zip(links).zip(ADDRESSES) {
            ip(&["link", "set", link, "netns", name])?;
            let inside = |args: &[&str]| ip(&[&["netns", "exec", name, "ip"], args].concat());
            inside(&["addr", "add", &format!("{address}/24"), "dev", link])?;
            inside(&["link", "set", "lo", "up"])?;
            inside(&["link", "set", link, "up"])?;
        }
        // mpirun calls `AGENT [OPTIONS] HOST COMMAND...` as it would call ssh, which hands COMMAND
        // to the remote shell.
        let [a, b] = &self.names;
        let [address_a, address_b] = ADDRESSES;
        let script = format!(
            "#!/bin/sh\n\
             while [ \"${{1#-}}\" != \"$1\" ]; do shift; done\n\
             case \"$1\" in\n\
             {address_a}) host={a} ;;\n\
             {address_b}) host={b} ;;\n\
             *) echo \"agent: no host $1\" >&2; exit 255 ;;\n\
             esac\n\
             shift\n\
             exec ip netns exec \"$host\" /bin/sh -c \"$*\"\n"
        );
        let agent = self.agent();
        std::fs::write(&agent, script).map_err(|e| e.to_string())?;
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&agent, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())
    }

    fn agent(&self) -> std::path::PathBuf {
        self.dir.path().join("agent")
    }

    /// `mpirun` in the first host, one rank on each, with [`MPIRUN`]'s options and [`KEEPALIVE`].
    fn mpirun(&self) -> Command {
        let [a, b] = ADDRESSES;
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &self.names[0], "mpirun"])
            .args(MPIRUN)
            .args(["-np", "2", "--host", &format!("{a}:1,{b}:1")])
            .args(["--mca", "plm_rsh_agent", self.agent().to_str().unwrap()])
            .args(["--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", SUBNET])
            .args(["--mca", "oob_tcp_if_include", SUBNET])
            .args(KEEPALIVE)
            .env("RUST_LOG", "warn");
        command
    }

    /// `attn train reverse --distributed mpi ARGS...`, one rank on each host.
    fn reverse(&self, args: &[&str]) -> Command {
        let mut command = self.mpirun();
        command
            .arg(env!("CARGO_BIN_EXE_attn"))
            .args(["train", "reverse", "--distributed", "mpi"])
            .args(args);
        command
    }

    /// Brings the cable's end in the first host up or down. Up, it waits until both ends have
    /// their carrier again, and forgets the neighbours each end failed to reach while it was down
    /// (until then the kernel drops what is sent, or answers "no route to host" to a connect, and
    /// a job started at once fails to start its daemon on the second host).
    fn link(&self, up: bool) {
        let state = if up { "up" } else { "down" };
        ip(&[
            "netns",
            "exec",
            &self.names[0],
            "ip",
            "link",
            "set",
            &self.links[0],
            state,
        ])
        .unwrap();
        let started = Instant::now();
        while up
            && !self.names.iter().zip(&self.links).all(|(name, link)| {
                ip_output(&["netns", "exec", name, "ip", "link", "show", "dev", link]).contains("state UP")
            })
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the link did not come back up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        if up {
            for (name, link) in self.names.iter().zip(&self.links) {
                ip(&["netns", "exec", name, "ip", "neigh", "flush", "dev", link]).unwrap();
            }
        }
    }
}

impl Drop for TwoHosts {
    fn drop(&mut self) {
        // A process left in a namespace keeps it; deleting the first also deletes the cable.
        for name in &self.names {
            for pid in ip_output(&["netns", "pids", name]).split_whitespace() {
                let _ = Command::new("kill").args(["-9", pid]).status();
            }
            let _ = ip(&["netns", "delete", name]);
        }
    }
}

/// `ip ARGS...`, or what it said.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// What `ip ARGS...` printed (nothing when it failed).
fn ip_output(args: &[&str]) -> String {
    Command::new("ip")
        .args(args)
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default()
}

#[test]
fn two_ranks_on_two_hosts_train_to_the_single_process_losses() {
    let Some(hosts) = TwoHosts::new("same") else { return };
    let dir = tempfile::tempdir().unwrap();
    let (single, multi) = (dir.path().join("single"), dir.path().join("multi"));
    let mut args = vec![
        "train",
        "reverse",
        "--run-dir",
        single.to_str().unwrap(),
        "--train-size",
        "256",
    ];
    args.extend(SMALL);
    let out = attn(&args);
    assert!(out.status.success(), "{}", text(&out));
    let out = hosts
        .reverse(&["--run-dir", multi.to_str().unwrap(), "--train-size", "256"])
        .args(SMALL)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // The same bound as over loopback (the first test above): the transport changes nothing.
    same_losses(&single, &multi, 1e-5);
}

#[test]
fn a_link_down_ends_the_two_host_job_within_seconds_and_the_job_resumes() {
    let Some(hosts) = TwoHosts::new("link") else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let job = three_epochs(hosts.reverse(&["--run-dir", run.to_str().unwrap()]), "4000");
    first_checkpoint(&run);
    hosts.link(false);
    let down = Instant::now();
    let out = job.wait_with_output().unwrap();
    // KEEPALIVE's ~10 s (measured here: 9 s), with room for a busy machine.
    assert!(
        down.elapsed() < Duration::from_secs(30),
        "the job ended {:?} after the link went down",
        down.elapsed()
    );
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("lost communication with a remote daemon"), "{said}");
    assert!(!run.join("model.bpk").exists(), "the job did not finish");
    // The link back, the job resumes from its last complete checkpoint on both hosts.
    hosts.link(true);
    let out = hosts.reverse(&["--resume", run.to_str().unwrap()]).output().unwrap();
    resumed_to_the_end(&out, &run, 3);
}
