//! A district's year of field work, played on real devices: encrypted
//! caseloads that enrol with one-time codes and sync over HTTP with the
//! running server, exactly as the apps do. Cases come in rounds (a few
//! weeks of notifications each), oldest first. In a round the mediator
//! files what the community reported; each assistant files what reached
//! them directly and works it at once (visit, assessment, referrals...),
//! offline; everyone syncs; the district officer pulls the new cases,
//! registers them, assigns the mediator's to assistants and syncs; the
//! assistants pull those and work them offline until the next round.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use ocrotire_core::caseload::{Caseload, CaseloadError, Identity};
use ocrotire_core::model::Role;
use ocrotire_core::store::{StoreConfig, StoreError};
use ocrotire_core::sync::ServerConfig;

use super::conflicts;
use super::people::{Profile, Staff};
use super::plan::{CasePlan, Timed};
use super::script;
use super::DemoError;

/// Cases a district's devices record between two syncs: a few weeks of a
/// district's notifications, and few enough sessions to stay quick.
const ROUND: usize = 40;
/// The demo devices' PIN; their stores are deleted with the demo's
/// temporary directory.
const PIN: &str = "135790";

/// One enrolled device, unlocked for the whole demo.
pub struct Device {
    pub user_id: String,
    pub caseload: Caseload,
    pub sessions: usize,
}

impl Device {
    /// Creates an encrypted caseload under `root` and enrols it with `code`.
    pub fn enroll(
        root: &Path,
        (user_id, role): (&str, Role),
        district: &str,
        code: &str,
        server: &ServerConfig,
    ) -> Result<Device, DemoError> {
        let dir = root.join(user_id);
        std::fs::create_dir_all(&dir).map_err(DemoError::TempDir)?;
        let identity = Identity::new(user_id, role, district);
        let failed = |source| DemoError::Device {
            user_id: user_id.to_owned(),
            source: Box::new(source),
        };
        let mut caseload =
            Caseload::create(&dir, PIN, None, StoreConfig::default(), identity).map_err(failed)?;
        caseload
            .enroll(server, code)
            .map_err(|source| DemoError::Sync {
                user_id: user_id.to_owned(),
                source: Box::new(source),
            })?;
        Ok(Device {
            user_id: user_id.to_owned(),
            caseload,
            sessions: 0,
        })
    }

    /// One whole session; a refusal is a bug of the demo (it breaks a
    /// rule of the authority), so it stops the demo.
    pub fn sync(&mut self, server: &ServerConfig) -> Result<(), DemoError> {
        let report = self
            .caseload
            .sync(server, &mut |_| {})
            .map_err(|source| DemoError::Sync {
                user_id: self.user_id.clone(),
                source: Box::new(source),
            })?;
        self.sessions += 1;
        if report.refused.is_empty() {
            Ok(())
        } else {
            Err(DemoError::Refused {
                user_id: self.user_id.clone(),
                cases: report.refused.len(),
            })
        }
    }

    /// Opens the case of `plan` from its notification, at its time.
    fn file(&mut self, plan: &CasePlan) -> Result<String, DemoError> {
        self.caseload
            .create_case_at(plan.child.clone(), plan.notification.clone(), plan.filed_at)
            .map(|case| case.id)
            .map_err(|source| DemoError::Device {
                user_id: self.user_id.clone(),
                source: Box::new(source),
            })
    }

    /// Records the steps of `plan` that happened by `now`; nothing if this
    /// device does not hold the case (not assigned yet by then).
    fn record(
        &mut self,
        case_id: &str,
        plan: &CasePlan,
        steps: &[Timed],
        now: DateTime<Utc>,
    ) -> Result<usize, DemoError> {
        match script::record(&mut self.caseload, case_id, plan, steps, now) {
            Err(CaseloadError::Store(StoreError::NotFound)) => Ok(0),
            recorded => recorded.map_err(|source| DemoError::Device {
                user_id: self.user_id.clone(),
                source: Box::new(source),
            }),
        }
    }
}

/// What one district's run did, for the summary and the log.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub district: &'static str,
    pub cases: usize,
    /// Operations recorded on the devices, creations included.
    pub operations: usize,
    pub sessions: usize,
    pub open_conflicts: usize,
    pub resolved_conflicts: usize,
}

/// Everything one district's run needs.
pub struct District<'a> {
    pub profile: &'a Profile,
    pub staff: &'a Staff,
    pub plans: Vec<CasePlan>,
    /// One-time enrollment code per device holder.
    pub codes: &'a BTreeMap<String, String>,
    pub server: &'a ServerConfig,
    /// Where the devices keep their stores (a temporary directory).
    pub root: &'a Path,
    pub now: DateTime<Utc>,
    /// Set when the demo must stop (the server stopped, another district
    /// failed): checked between rounds.
    pub stop: &'a AtomicBool,
    pub conflict_seed: (u64, u64),
}

pub fn run(district: District<'_>) -> Result<Outcome, DemoError> {
    let started = Instant::now();
    let code = district.profile.code;
    let enroll = |(user_id, role): (&str, Role)| {
        let one_time = district.codes.get(user_id).map_or("", String::as_str);
        Device::enroll(
            district.root,
            (user_id, role),
            code,
            one_time,
            district.server,
        )
    };
    let mut officer = enroll((&district.staff.officer, Role::DistrictOfficer))?;
    let mut assistants = district
        .staff
        .assistants
        .iter()
        .map(|user_id| enroll((user_id, Role::SocialAssistant)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut mediator = enroll((&district.staff.mediator, Role::CommunityMediator))?;
    let plans = &district.plans;
    let server = district.server;
    let now = district.now;
    let mut ids: Vec<Option<String>> = vec![None; plans.len()];
    let mut operations = 0;
    for first in (0..plans.len()).step_by(ROUND) {
        if district.stop.load(Ordering::Relaxed) {
            return Err(DemoError::Interrupted);
        }
        let round = first..plans.len().min(first + ROUND);
        let batch = plans.get(round.clone()).unwrap_or_default();
        // The mediator files what the community told them, offline.
        for (n, plan) in batch.iter().enumerate() {
            if plan.by_mediator {
                let id = mediator.file(plan)?;
                operations += 1;
                if let Some(slot) = ids.get_mut(first + n) {
                    *slot = Some(id);
                }
            }
        }
        mediator.sync(server)?;
        // Each assistant files the notifications that reach them directly
        // and works them at once, offline, then syncs.
        let filed = in_parallel(&mut assistants, |owner, assistant| {
            let mut filed = Vec::new();
            let mut operations = 0;
            for (n, plan) in batch.iter().enumerate() {
                if !plan.by_mediator && plan.owner == owner {
                    let id = assistant.file(plan)?;
                    operations += 1 + assistant.record(&id, plan, &plan.work, now)?;
                    filed.push((first + n, id));
                }
            }
            assistant.sync(server)?;
            Ok((filed, operations))
        })?;
        for (filed, done) in filed {
            operations += done;
            for (n, id) in filed {
                if let Some(slot) = ids.get_mut(n) {
                    *slot = Some(id);
                }
            }
        }
        // The office registers what is new and assigns the mediator's
        // notifications.
        officer.sync(server)?;
        let round_ids = ids.get(round.clone()).unwrap_or_default();
        for (plan, id) in batch.iter().zip(round_ids) {
            if let Some(id) = id {
                operations += officer.record(id, plan, &plan.office, now)?;
            }
        }
        officer.sync(server)?;
        // The assistants take the notifications assigned to them and work
        // them, offline until the next round.
        operations += in_parallel(&mut assistants, |owner, assistant| {
            assistant.sync(server)?;
            let mut operations = 0;
            for (plan, id) in batch.iter().zip(round_ids) {
                if let (Some(id), true) = (id, plan.by_mediator && plan.owner == owner) {
                    operations += assistant.record(id, plan, &plan.work, now)?;
                }
            }
            Ok(operations)
        })?
        .into_iter()
        .sum::<usize>();
        tracing::info!(
            district = code,
            done = round.end,
            of = plans.len(),
            "demo: cases recorded"
        );
    }
    for assistant in &mut assistants {
        assistant.sync(server)?;
    }
    mediator.sync(server)?;
    officer.sync(server)?;
    let made = conflicts::make(
        &mut officer,
        &mut assistants,
        plans,
        &ids,
        server,
        now,
        district.conflict_seed,
    )?;
    // The mediator learns what became of its notifications.
    mediator.sync(server)?;
    operations += made.operations;
    let sessions =
        officer.sessions + mediator.sessions + assistants.iter().map(|a| a.sessions).sum::<usize>();
    tracing::info!(
        district = code,
        cases = plans.len(),
        operations,
        sessions,
        open_conflicts = made.open,
        seconds = started.elapsed().as_secs_f64(),
        "demo: district done"
    );
    Ok(Outcome {
        district: code,
        cases: ids.iter().flatten().count(),
        operations,
        sessions,
        open_conflicts: made.open,
        resolved_conflicts: made.resolved,
    })
}

/// Runs `work` on every assistant's device at the same time, one thread
/// each (they are different people on different devices), and returns
/// what each returned, in order.
fn in_parallel<T: Send>(
    assistants: &mut [Device],
    work: impl Fn(usize, &mut Device) -> Result<T, DemoError> + Sync,
) -> Result<Vec<T>, DemoError> {
    let work = &work;
    std::thread::scope(|scope| {
        let running: Vec<_> = assistants
            .iter_mut()
            .enumerate()
            .map(|(n, assistant)| scope.spawn(move || work(n, assistant)))
            .collect();
        running
            .into_iter()
            .map(|r| r.join().unwrap_or(Err(DemoError::Worker)))
            .collect()
    })
}
