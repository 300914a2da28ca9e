//! Scenarios 1 and 2 share one device: the week's work of scenario 2 is
//! pushed by the device that holds scenario 1's big caseload, against the
//! heads that device's first session had the server acknowledge.

use std::path::Path;
use std::time::Instant;

use chrono::{TimeDelta, Utc};
use ocrotire_core::caseload::CaseFilter;
use ocrotire_core::document::{CaseOp, Heads};
use ocrotire_core::ids::random_id;
use ocrotire_core::model::*;
use ocrotire_core::reference::Template;

use crate::cases::{all_items, Words, SCRIPT_CHANGES};
use crate::options::Sizes;
use crate::real_device::{BuiltCase, RealDevice};
use crate::report::{ms, print_report, verdict, Table};
use crate::server::{BenchServer, Db};
use crate::Res;

/// "Nothing new" sessions measured in scenario 1 (the median is reported).
const NOTHING_NEW_RUNS: usize = 7;

pub fn big_caseload(
    binary: &Path,
    sizes: &Sizes,
    template: &Template,
    table: &mut Table,
) -> Res<()> {
    let n = sizes.big_caseload;
    println!("\n== 1. nothing new, for a device holding {n} cases");
    let server = BenchServer::start(binary, Db::sqlite()?)?;
    let mut device = RealDevice::enroll(&server, "sa-bench-1", Role::SocialAssistant)?;
    let t = Instant::now();
    let cases = device.fill(n, template)?;
    let setup = t.elapsed();
    println!(
        "setup: built and stored {n} cases ({} changes each) in {:.1} s ({:.1} ms per case)",
        SCRIPT_CHANGES,
        setup.as_secs_f64(),
        setup.as_secs_f64() * 1e3 / n as f64
    );

    let t = Instant::now();
    let first = device.sync(&server)?;
    let first_time = t.elapsed();
    print_report("first session (pushes every case)", &first, first_time);
    println!(
        "  {} bytes sent per case; {} accepted, {} refused",
        first.progress.bytes_sent / n.max(1),
        first.accepted.len(),
        first.refused.len()
    );
    table.row(
        &format!("first push of {n} cases (scenario-3-like, upload)"),
        &first,
        first_time,
        "–",
        format!("{} B sent per case", first.progress.bytes_sent / n.max(1)),
    );

    let mut runs = Vec::new();
    for _ in 0..NOTHING_NEW_RUNS {
        let t = Instant::now();
        let report = device.sync(&server)?;
        runs.push((t.elapsed(), report));
    }
    runs.sort_by_key(|(d, _)| *d);
    let (median, report) = runs[runs.len() / 2].clone();
    print_report(
        &format!("nothing new (median of {NOTHING_NEW_RUNS} sessions)"),
        &report,
        median,
    );
    println!(
        "  fastest {:.1} ms, slowest {:.1} ms",
        ms(runs[0].0),
        ms(runs[runs.len() - 1].0)
    );
    let t = Instant::now();
    let listed = device
        .caseload
        .list(&CaseFilter::default(), Utc::now())?
        .cases
        .len();
    println!(
        "  of which the client lists its {listed} case summaries (to count open conflicts) in {:.1} ms",
        ms(t.elapsed())
    );
    let bytes = report.progress.bytes_sent + report.progress.bytes_received;
    let met = report.progress.round_trips == 1 && bytes <= 1000;
    table.row(
        &format!("1. nothing new, {n} cases"),
        &report,
        median,
        "1 round trip, ≤ 1 KB",
        verdict(met, format!("{bytes} B both ways")),
    );

    // 2. A week's work.
    let (edits, over) = (sizes.week_edits, sizes.week_cases.min(cases.len()));
    println!("\n== 2. a week's work: {edits} edits over {over} cases, same device");
    let targets = &cases[..over];
    let before: Vec<Heads> = targets
        .iter()
        .map(|c| device.caseload.heads(&c.id))
        .collect::<Result<_, _>>()?;
    let items = all_items(template);
    let t = Instant::now();
    for i in 0..edits {
        let case = &targets[i % over];
        let kind = i / over;
        let op = week_edit(&device, case, kind, &items)?;
        device.caseload.apply(&case.id, &op)?;
    }
    println!(
        "setup: {edits} edits through Caseload::apply in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut raw = 0;
    for (case, heads) in targets.iter().zip(&before) {
        raw += device.caseload.changes_since(&case.id, heads)?.len();
    }
    println!("raw Automerge change bytes (changes_since the acknowledged heads): {raw} B");
    let t = Instant::now();
    let week = device.sync(&server)?;
    let week_time = t.elapsed();
    print_report("week's work session", &week, week_time);
    let sent_ratio = week.progress.bytes_sent as f64 / raw.max(1) as f64;
    let both_ratio =
        (week.progress.bytes_sent + week.progress.bytes_received) as f64 / raw.max(1) as f64;
    println!(
        "  sent / raw change bytes = {sent_ratio:.3}; (sent + received) / raw = {both_ratio:.3}; {} accepted",
        week.accepted.len()
    );
    table.row(
        &format!("2. week's work: {edits} edits over {over} cases"),
        &week,
        week_time,
        "≤ 2 round trips, ≤ 1.2× raw change bytes",
        verdict(
            week.progress.round_trips <= 2 && sent_ratio <= 1.2,
            format!("raw {raw} B; sent {sent_ratio:.2}×, both ways {both_ratio:.2}×"),
        ),
    );
    Ok(())
}

/// Edit `kind` (0..) of a week on one case: a note, an assessment answer,
/// a phone call, the child's contact; then again.
fn week_edit(device: &RealDevice, case: &BuiltCase, kind: usize, items: &[String]) -> Res<CaseOp> {
    let op = match kind % 4 {
        0 => CaseOp::AddNote {
            id: random_id(),
            text: Words::seeded(&random_id()).sentence(10, 25),
        },
        1 => CaseOp::AnswerItem {
            assessment_id: case.assessment_id.clone(),
            item_id: items[kind % items.len()].clone(),
            answer: kind.is_multiple_of(2),
        },
        2 => CaseOp::AddFollowUp(FollowUp {
            id: random_id(),
            kind: FollowUpKind::PhoneCall,
            date: Utc::now().date_naive(),
            by: device.author.clone(),
            child_seen: false,
            summary: Some(Words::seeded(&random_id()).sentence(8, 14)),
            next_due: Some((Utc::now() + TimeDelta::days(14)).date_naive()),
        }),
        _ => {
            let mut child = device.caseload.case(&case.id)?.child;
            child.contact = Some(format!(
                "grandmother, +373 69 {:06}",
                kind * 7919 % 1_000_000
            ));
            CaseOp::UpdateChild(child)
        }
    };
    Ok(op)
}
