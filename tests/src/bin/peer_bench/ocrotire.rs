//! Ocrotire's side of every scenario, with sync_bench's devices (real
//! encrypted caseloads for scenarios 1 to 3, lightweight signed devices for
//! the 200 at once) against the release `ocrotire-server` on SQLite. Its
//! setup also writes the workload every other stack replays: each case's
//! saved Automerge document and typed view, each edit's Automerge changes
//! and the view after it.

use std::path::Path;
use std::time::Instant;

use chrono::{TimeDelta, Utc};
use ocrotire_core::document::{CaseDoc, CaseOp, OpContext};
use ocrotire_core::ids::random_id;
use ocrotire_core::model::*;
use ocrotire_core::reference::Template;

use crate::cases::{all_items, build_case, Words};
use crate::measure::{measure, Measure};
use crate::process::find_pid;
use crate::proxy::{Mode, Proxy};
use crate::real_device::RealDevice;
use crate::server::{BenchServer, Db};
use crate::sim_device::{http_client, SimDevice};
use crate::workload::{DocLine, EditLine, Writer};
use crate::{Res, Sizes};

/// Starts the server and finds its pid (sync_bench's `BenchServer` keeps
/// its child private; its `--listen` address names it).
fn start(binary: &Path) -> Res<(BenchServer, u32)> {
    let server = BenchServer::start(binary, Db::sqlite()?)?;
    let listen = server.url.trim_start_matches("http://").to_string();
    let pid = find_pid(&["serve", &listen]).ok_or("ocrotire-server's pid not found")?;
    Ok((server, pid))
}

fn through_proxy(server: &mut BenchServer) -> Res<Proxy> {
    let port: u16 = server.url.rsplit(':').next().ok_or("url")?.parse()?;
    let proxy = Proxy::start(port, Mode::Http)?;
    server.url = proxy.url("http");
    Ok(proxy)
}

/// Scenario 1: a district officer's new device receives the cases four
/// social assistants pushed. Writes them to `out`.
pub fn first_sync(binary: &Path, sizes: &Sizes, template: &Template, out: &Path) -> Res<Measure> {
    let (mut server, pid) = start(binary)?;
    let mut writer = Writer::create(out)?;
    let creators = 4;
    let t = Instant::now();
    for k in 0..creators {
        let user = format!("sa-peer-{}", k + 1);
        let mut creator = RealDevice::enroll(&server, &user, Role::SocialAssistant)?;
        let share = sizes.first / creators + usize::from(k < sizes.first % creators);
        for n in 0..share {
            let built = build_case(n, &creator.author, &creator.actor, template)?;
            let saved = built.doc.save();
            creator.caseload.apply_changes(&built.id, &saved)?;
            writer.doc(&DocLine::new(&built.id, None, &saved, &built.doc)?)?;
        }
        creator.sync(&server)?;
    }
    writer.finish()?;
    println!(
        "  setup: {} cases built, stored and pushed by {creators} devices in {:.1} s",
        sizes.first,
        t.elapsed().as_secs_f64()
    );
    let mut officer = RealDevice::enroll(&server, "do-peer-1", Role::DistrictOfficer)?;
    let proxy = through_proxy(&mut server)?;
    measure(&proxy, pid, || {
        let t = Instant::now();
        let report = officer.sync(&server)?;
        let wall = t.elapsed().as_secs_f64();
        Ok((
            wall,
            format!("{} cases received", report.progress.cases_received),
        ))
    })
}

/// Scenarios 2 and 3 on one device holding the big caseload: nothing new,
/// then a week's edits. Writes the cases to `docs` and the edits to `edits`.
pub fn big_caseload(
    binary: &Path,
    sizes: &Sizes,
    template: &Template,
    docs: &Path,
    edits: &Path,
) -> Res<(Measure, Measure)> {
    let (mut server, pid) = start(binary)?;
    let mut device = RealDevice::enroll(&server, "sa-peer-big", Role::SocialAssistant)?;
    let mut writer = Writer::create(docs)?;
    let mut week = Vec::new();
    let t = Instant::now();
    for n in 0..sizes.big {
        let built = build_case(n, &device.author, &device.actor, template)?;
        let saved = built.doc.save();
        device.caseload.apply_changes(&built.id, &saved)?;
        writer.doc(&DocLine::new(&built.id, None, &saved, &built.doc)?)?;
        if n < sizes.week_cases {
            week.push(built);
        }
    }
    writer.finish()?;
    let first = device.sync(&server)?;
    println!(
        "  setup: {} cases built and stored in the device, pushed in {} round trips, {:.1} s",
        sizes.big,
        first.progress.round_trips,
        t.elapsed().as_secs_f64()
    );
    let proxy = through_proxy(&mut server)?;
    let nothing = measure(&proxy, pid, || {
        let t = Instant::now();
        device.sync(&server)?;
        Ok((t.elapsed().as_secs_f64(), String::new()))
    })?;

    // The week's edits: the same Automerge changes go to the device's
    // store (as any change it made) and, in the workload, to the other
    // stacks.
    let items = all_items(template);
    let mut writer = Writer::create(edits)?;
    let per_case = sizes.week_edits.div_ceil(week.len().max(1));
    let mut made = 0;
    for case in &mut week {
        let before = case.doc.heads();
        let mut views = Vec::new();
        for kind in 0..per_case {
            if made == sizes.week_edits {
                break;
            }
            made += 1;
            let op = week_edit(&case.doc, &case.assessment_id, kind, &device.author, &items)?;
            let ctx = OpContext {
                actor: &device.actor,
                author: &device.author,
                now: Utc::now(),
                templates: std::slice::from_ref(template),
            };
            case.doc.apply(&op, &ctx)?;
            views.push(serde_json::to_value(case.doc.view()?)?);
        }
        let changes = case.doc.changes_since(&before);
        device.caseload.apply_changes(&case.id, &changes)?;
        writer.edit(&EditLine {
            id: case.id.clone(),
            device: None,
            changes,
            views,
        })?;
    }
    writer.finish()?;
    let week = measure(&proxy, pid, || {
        let t = Instant::now();
        let report = device.sync(&server)?;
        Ok((
            t.elapsed().as_secs_f64(),
            format!("{made} edits, {} cases accepted", report.accepted.len()),
        ))
    })?;
    Ok((nothing, week))
}

/// Edit `kind` (0..) of a week on one case, as sync_bench's week: a note,
/// an assessment answer, a phone call, the child's contact; then again.
fn week_edit(
    doc: &CaseDoc,
    assessment_id: &str,
    kind: usize,
    author: &Author,
    items: &[String],
) -> Res<CaseOp> {
    let op = match kind % 4 {
        0 => CaseOp::AddNote {
            id: random_id(),
            text: Words::seeded(&random_id()).sentence(10, 25),
        },
        1 => CaseOp::AnswerItem {
            assessment_id: assessment_id.to_string(),
            item_id: items[kind % items.len()].clone(),
            answer: kind.is_multiple_of(2),
        },
        2 => CaseOp::AddFollowUp(FollowUp {
            id: random_id(),
            kind: FollowUpKind::PhoneCall,
            date: Utc::now().date_naive(),
            by: author.clone(),
            child_seen: false,
            summary: Some(Words::seeded(&random_id()).sentence(8, 14)),
            next_due: Some((Utc::now() + TimeDelta::days(14)).date_naive()),
        }),
        _ => {
            let mut child = doc.view()?.child;
            child.contact = Some(format!(
                "grandmother, +373 69 {:06}",
                kind * 7919 % 1_000_000
            ));
            CaseOp::UpdateChild(child)
        }
    };
    Ok(op)
}

/// Scenario 4: many devices, each with its own cases in sync and one
/// offline note, all syncing at once (one thread each).
pub fn fleet(
    binary: &Path,
    sizes: &Sizes,
    template: &Template,
    docs: &Path,
    edits: &Path,
) -> Res<Measure> {
    let (mut server, pid) = start(binary)?;
    let client = http_client()?;
    let t = Instant::now();
    let mut devices = Vec::with_capacity(sizes.fleet);
    let mut writer = Writer::create(docs)?;
    for i in 0..sizes.fleet {
        let user = format!("sa-fleet-{i}");
        let mut device = SimDevice::enroll_as(&server, &client, &user, Role::SocialAssistant)?;
        device.open_cases(sizes.fleet_cases, i, template)?;
        let rounds = device.session(&server, &client)?;
        if rounds.refused > 0 {
            return Err(format!("device {i}: initial push refused").into());
        }
        for case in &device.cases {
            writer.doc(&DocLine::new(
                &case.id,
                Some(i),
                &case.doc.save(),
                &case.doc,
            )?)?;
        }
        devices.push(device);
    }
    writer.finish()?;
    let mut writer = Writer::create(edits)?;
    for (i, device) in devices.iter_mut().enumerate() {
        let before: Vec<_> = device.cases.iter().map(|c| c.doc.heads()).collect();
        device.edit(template)?;
        for (case, heads) in device.cases.iter().zip(&before) {
            if case.doc.heads() != *heads {
                writer.edit(&EditLine {
                    id: case.id.clone(),
                    device: Some(i),
                    changes: case.doc.changes_since(heads),
                    views: vec![serde_json::to_value(case.doc.view()?)?],
                })?;
            }
        }
    }
    writer.finish()?;
    println!(
        "  setup: {} devices enrolled, {} cases each pushed, one note each, in {:.1} s",
        sizes.fleet,
        sizes.fleet_cases,
        t.elapsed().as_secs_f64()
    );
    let proxy = through_proxy(&mut server)?;
    let server = &server;
    let client = &client;
    measure(&proxy, pid, || {
        let t = Instant::now();
        let failures: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = devices
                .iter_mut()
                .map(|device| s.spawn(move || device.session(server, client).map(|r| r.refused)))
                .collect();
            handles
                .into_iter()
                .filter_map(|h| match h.join() {
                    Ok(Ok(0)) => None,
                    Ok(Ok(refused)) => Some(format!("{refused} refused")),
                    Ok(Err(e)) => Some(e.to_string()),
                    Err(_) => Some("thread panicked".into()),
                })
                .collect()
        });
        let wall = t.elapsed().as_secs_f64();
        if let Some(first) = failures.first() {
            return Err(format!("{} devices failed, first: {first}", failures.len()).into());
        }
        Ok((wall, String::new()))
    })
}
