//! Scenario 3 is the one with a baseline to beat: besides measuring the
//! officer's first session, it prices the same cases in every other form
//! they could have travelled in, paged as the server pages its answers.

use std::path::Path;
use std::time::Instant;

use automerge::Automerge;
use chrono::Utc;
use ocrotire_core::caseload::CaseFilter;
use ocrotire_core::document::{CaseDoc, Heads};
use ocrotire_core::model::*;
use ocrotire_core::reference::Template;
use ocrotire_core::sync::protocol::{self, Pull, SyncResponse, PROTOCOL_VERSION};
use ocrotire_core::sync::SyncReport;

use crate::couchdb;
use crate::options::Sizes;
use crate::real_device::RealDevice;
use crate::report::{print_report, verdict, Table};
use crate::server::{BenchServer, Db};
use crate::Res;

/// The server's default response budget (`serve --response-budget-bytes`),
/// used to page scenario 3's alternative forms the same way.
const SERVER_RESPONSE_BUDGET: usize = 32 * 1024 * 1024;

pub fn new_device(binary: &Path, sizes: &Sizes, template: &Template, table: &mut Table) -> Res<()> {
    let n = sizes.new_device_cases;
    let creators = sizes.creators.max(1);
    println!("\n== 3. first session of a district officer's new device: {n} cases");
    let server = BenchServer::start(binary, Db::sqlite()?)?;
    let t = Instant::now();
    let mut pushed = SyncReport::default();
    for k in 0..creators {
        let user = format!("sa-bench-{}", k + 1);
        let mut creator = RealDevice::enroll(&server, &user, Role::SocialAssistant)?;
        let share = n / creators + usize::from(k < n % creators);
        creator.fill(share, template)?;
        let report = creator.sync(&server)?;
        pushed.progress.round_trips += report.progress.round_trips;
        pushed.progress.bytes_sent += report.progress.bytes_sent;
        pushed.progress.bytes_received += report.progress.bytes_received;
        pushed.accepted.extend(report.accepted);
        pushed.refused.extend(report.refused);
    }
    println!(
        "setup: {creators} social assistants built, stored and pushed {n} cases in {:.1} s \
         ({} round trips, {} B sent, {} accepted, {} refused)",
        t.elapsed().as_secs_f64(),
        pushed.progress.round_trips,
        pushed.progress.bytes_sent,
        pushed.accepted.len(),
        pushed.refused.len()
    );

    let mut officer = RealDevice::enroll(&server, "do-bench-1", Role::DistrictOfficer)?;
    let t = Instant::now();
    let first = officer.sync(&server)?;
    let time = t.elapsed();
    print_report("officer's first session", &first, time);
    let received = first.progress.bytes_received;
    let per_case = received as f64 / n.max(1) as f64;
    println!(
        "  {per_case:.0} B ({:.2} KiB) received per case; {} cases received",
        per_case / 1024.0,
        first.progress.cases_received
    );
    let listing = officer.caseload.list(&CaseFilter::default(), Utc::now())?;
    let ids: Vec<String> = listing.cases.iter().map(|c| c.id.clone()).collect();
    if ids.len() != n {
        println!("  WARNING: the officer holds {} cases, not {n}", ids.len());
    }

    // What else could have carried the same cases.
    let mut views = Vec::with_capacity(ids.len());
    let mut couch = Vec::with_capacity(ids.len());
    let (mut as_changes, mut as_saved, mut as_sent) = (Vec::new(), Vec::new(), Vec::new());
    let mut changes = 0usize;
    for id in &ids {
        let view = officer.caseload.case(id)?;
        let all = officer.caseload.changes_since(id, &Heads::default())?;
        let doc = CaseDoc::load(&all, &officer.actor)?;
        let revisions = Automerge::load(&all)
            .map_err(|e| format!("automerge: {e}"))?
            .get_changes(&[])
            .len();
        changes += revisions;
        couch.push(couchdb::CouchDoc {
            id: id.clone(),
            view: serde_json::to_value(&view)?,
            revisions,
        });
        views.push(view);
        let pull = |changes: Vec<u8>| Pull {
            case_id: id.clone(),
            changes,
        };
        as_saved.push(pull(doc.save()));
        as_sent.push(pull(doc.save_uncompressed()));
        as_changes.push(pull(all));
    }
    let json = serde_json::to_vec(&views)?;
    let json_gzip = couchdb::gzip(&json)?.len();
    let (couch_bytes, couch_answers) = couchdb::replication_bytes(&couch)?;
    let count = ids.len().max(1) as f64;
    let kib = |b: usize| b as f64 / count / 1024.0;
    let raw = |pulls: &[Pull]| pulls.iter().map(|p| p.changes.len()).sum::<usize>();
    println!(
        "  for comparison, per case ({:.1} changes each):",
        changes as f64 / count
    );
    println!("    {:<58} {:>6} {:>6}", "form", "plain", "wire");
    let line = |what: &str, pulls: &[Pull]| -> Res<()> {
        let (wire, answers) = answers_wire(pulls)?;
        println!(
            "    {:<58} {:>6.2} {:>6.2} KiB ({answers} answers)",
            what,
            kib(raw(pulls)),
            kib(wire)
        );
        Ok(())
    };
    line(
        "whole uncompressed documents (what the server sends)",
        &as_sent,
    )?;
    line(
        "whole saved documents (Automerge-compressed columns)",
        &as_saved,
    )?;
    line(
        "every change (the protocol before whole documents)",
        &as_changes,
    )?;
    println!(
        "    {:<58} {:>6} {:>6.2} KiB ({couch_answers} answers)",
        "CouchDB replication: _changes + _bulk_get?revs=true, gzip",
        "-",
        kib(couch_bytes)
    );
    println!(
        "    {:<58} {:>6.2} {:>6.2} KiB (one gzip)",
        "typed views as JSON only, no revisions",
        kib(json.len()),
        kib(json_gzip)
    );
    table.row(
        &format!("3. new officer device, {n} cases"),
        &first,
        time,
        "≤ CouchDB protocol bytes (issue: ~2.8 KiB per case)",
        verdict(
            received <= couch_bytes,
            format!(
                "{:.2} KiB/case; CouchDB replication of the same cases {:.2} KiB/case ({:.2}×); \
                 bare JSON views gzipped {:.2} KiB/case",
                per_case / 1024.0,
                kib(couch_bytes),
                received as f64 / couch_bytes.max(1) as f64,
                kib(json_gzip)
            ),
        ),
    );
    Ok(())
}

/// Bytes on the wire if the server sent `pulls` as sync answers, paged
/// like its answers: (total bytes, answers).
fn answers_wire(pulls: &[Pull]) -> Res<(usize, usize)> {
    let (mut total, mut pages) = (0, 0);
    let mut page: Vec<Pull> = Vec::new();
    let mut used = 0;
    let mut flush = |page: &mut Vec<Pull>| -> Res<()> {
        let response = SyncResponse {
            version: PROTOCOL_VERSION,
            accepted: Vec::new(),
            refused: Vec::new(),
            pull: std::mem::take(page),
            statuses: Vec::new(),
            removed: Vec::new(),
            cursor: u64::MAX / 3,
            more: true,
        };
        total += protocol::encode(&response)?.len();
        pages += 1;
        Ok(())
    };
    for pull in pulls {
        if used > 0 && used + pull.changes.len() > SERVER_RESPONSE_BUDGET {
            flush(&mut page)?;
            used = 0;
        }
        used += pull.changes.len();
        page.push(pull.clone());
    }
    if !page.is_empty() {
        flush(&mut page)?;
    }
    Ok((total, pages))
}
