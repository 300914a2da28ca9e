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
    println!(
        "sync-bench{}: {}",
        if options.quick { " --quick" } else { "" },
        crate::server::machine()
    );
}
