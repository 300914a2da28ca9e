//! What the bench reads of a server process, whichever stack it is:
//! CPU time (utime + stime of `/proc/<pid>/stat`) and resident memory
//! sampled from `/proc/<pid>/status` while a scenario runs; and the Node
//! processes themselves, servers and clients, driven line by line over
//! stdin/stdout.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::Res;

/// CPU time of a process, in seconds: utime + stime of `/proc/<pid>/stat`
/// (10 ms ticks; includes threads that ended) and the nanosecond run time
/// of its live threads (`/proc/<pid>/task/*/schedstat`), read together so
/// that `measure` can take the finer of the two differences.
pub fn cpu_seconds(pid: u32) -> Res<(f64, f64)> {
    let mut threads = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))?.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) {
            threads += text
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Ok((
        crate::server::cpu_seconds_of(&format!("/proc/{pid}/stat"))?,
        threads as f64 / 1e9,
    ))
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The pid of the process whose command line holds every one of `words`
/// (the release `ocrotire-server`, found by its `--listen` address).
pub fn find_pid(words: &[&str]) -> Option<u32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if words.iter().all(|w| args.iter().any(|a| a.contains(w))) {
            return Some(pid);
        }
    }
    None
}

/// Samples a process's resident memory every 20 ms until stopped.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    pub fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss_kib(pid).unwrap_or(0)));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            // Bounded: a scenario never runs longer than a few hours.
            for _ in 0..1_000_000 {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Some(kib) = rss_kib(pid) {
                    p.fetch_max(kib, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        RssSampler {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    /// Peak resident memory seen, KiB.
    pub fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::SeqCst)
    }
}

/// A Node process (server or client) whose stdout is read line by line.
pub struct NodeProcess {
    pub child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl NodeProcess {
    pub fn spawn(peers: &Path, script: &str, config: &serde_json::Value) -> Res<NodeProcess> {
        let mut child = Command::new("node")
            .arg(peers.join(script))
            .arg(config.to_string())
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(NodeProcess {
            stdin: child.stdin.take(),
            child,
            lines,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a line starting with `prefix` (other lines are echoed) and
    /// returns the rest of it.
    pub fn expect(&mut self, prefix: &str, timeout: Duration) -> Res<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return Ok(rest.trim().to_string());
                    }
                    println!("    [node] {line}");
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "timeout after {} s waiting for `{prefix}`",
                        timeout.as_secs()
                    )
                    .into())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    return Err(format!("node exited ({status}) before `{prefix}`").into());
                }
            }
        }
    }

    pub fn send(&mut self, line: &str) -> Res<()> {
        let stdin = self.stdin.as_mut().ok_or("stdin closed")?;
        writeln!(stdin, "{line}")?;
        stdin.flush()?;
        Ok(())
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
