//! Every scenario prints as it goes, for whoever watches the run, and
//! adds a row to one markdown table at the end, which is what
//! `docs/PERFORMANCE.md` records.

use std::time::Duration;

use ocrotire_core::sync::SyncReport;

use crate::options::Options;

#[derive(Default)]
pub struct Table {
    pub rows: Vec<[String; 7]>,
}

impl Table {
    pub fn row(&mut self, name: &str, r: &SyncReport, time: Duration, goal: &str, result: String) {
        self.rows.push([
            name.into(),
            r.progress.round_trips.to_string(),
            r.progress.bytes_sent.to_string(),
            r.progress.bytes_received.to_string(),
            format!("{:.2} s", time.as_secs_f64()),
            goal.into(),
            result,
        ]);
    }

    pub fn print(&self) {
        println!("| scenario | round trips | bytes sent | bytes received | time | goal | result |");
        println!("|---|---|---|---|---|---|---|");
        for row in &self.rows {
            println!("| {} |", row.join(" | "));
        }
    }
}

pub fn verdict(met: bool, detail: String) -> String {
    format!("{}: {detail}", if met { "met" } else { "missed" })
}

pub fn print_report(what: &str, r: &SyncReport, time: Duration) {
    println!(
        "{what}: {} round trips, {} B sent, {} B received, {} cases sent, {} received, {:.3} s",
        r.progress.round_trips,
        r.progress.bytes_sent,
        r.progress.bytes_received,
        r.progress.cases_sent,
        r.progress.cases_received,
        time.as_secs_f64()
    );
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn print_machine(options: &Options) {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "sync-bench{}: {cores} cores ({model}); load average at start {}",
        if options.quick { " --quick" } else { "" },
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
