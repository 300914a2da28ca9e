//! One measurement: what the proxy counted, the server's CPU and memory,
//! and the client's wall time, taken the same way for every stack.

use std::time::Duration;

use crate::process::{cpu_seconds, RssSampler};
use crate::proxy::{Proxy, Snapshot};
use crate::Res;

#[derive(Clone, Debug, Default)]
pub struct Measure {
    pub traffic: Snapshot,
    pub wall: f64,
    pub server_cpu: f64,
    pub peak_rss_kib: u64,
    /// Why the run did not finish, when it did not.
    pub failure: Option<String>,
    /// Anything worth printing next to the numbers.
    pub note: String,
}

/// Runs `scenario` (which returns the client's wall time in seconds and a
/// note) and measures around it.
pub fn measure(
    proxy: &Proxy,
    server_pid: u32,
    scenario: impl FnOnce() -> Res<(f64, String)>,
) -> Res<Measure> {
    let before = proxy.snapshot();
    let cpu = cpu_seconds(server_pid)?;
    let sampler = RssSampler::start(server_pid);
    let outcome = scenario();
    // Bytes still in flight through the proxy's threads.
    std::thread::sleep(Duration::from_millis(100));
    let after = cpu_seconds(server_pid).unwrap_or(cpu);
    // Ticks count threads that ended during the run, the threads' run time
    // is exact for those that did not: the larger difference is the nearer.
    let server_cpu = (after.0 - cpu.0).max(after.1 - cpu.1);
    let peak_rss_kib = sampler.stop();
    let traffic = proxy.snapshot().since(before);
    let (wall, note, failure) = match outcome {
        Ok((wall, note)) => (wall, note, None),
        Err(e) => (0.0, String::new(), Some(e.to_string())),
    };
    Ok(Measure {
        traffic,
        wall,
        server_cpu,
        peak_rss_kib,
        failure,
        note,
    })
}

pub fn print(stack: &str, m: &Measure) {
    println!(
        "  {stack:<14} up {:>11} B  down {:>11} B  round trips {:>7}  connections {:>4}  wall {:>8.3} s  server CPU {:>8.3} s  peak RSS {:>6.1} MiB{}{}",
        m.traffic.up,
        m.traffic.down,
        m.traffic.round_trips,
        m.traffic.connections,
        m.wall,
        m.server_cpu,
        m.peak_rss_kib as f64 / 1024.0,
        if m.note.is_empty() { String::new() } else { format!("  ({})", m.note) },
        m.failure
            .as_ref()
            .map(|f| format!("  FAILED: {f}"))
            .unwrap_or_default()
    );
}
