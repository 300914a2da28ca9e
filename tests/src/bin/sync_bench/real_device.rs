//! Scenarios 1 to 3 measure what a field worker's device sends and
//! receives, so their devices are the real thing: an encrypted caseload on
//! disk that enrols and syncs through the same code as the app.

use automerge::ActorId;
use ocrotire_core::caseload::{Caseload, Identity};
use ocrotire_core::model::*;
use ocrotire_core::reference::Template;
use ocrotire_core::store::StoreConfig;
use ocrotire_core::sync::SyncReport;

use crate::cases::{build_case, DISTRICT};
use crate::server::BenchServer;
use crate::Res;

const PIN: &str = "482916";

pub struct RealDevice {
    pub caseload: Caseload,
    pub actor: ActorId,
    pub author: Author,
    _dir: tempfile::TempDir,
}

#[derive(Clone)]
pub struct BuiltCase {
    pub id: String,
    pub assessment_id: String,
}

impl RealDevice {
    pub fn enroll(server: &BenchServer, user: &str, role: Role) -> Res<RealDevice> {
        server.create_user(user, role.key(), DISTRICT)?;
        let dir = tempfile::tempdir()?;
        let identity = Identity::new(user, role, DISTRICT);
        let actor = actor_of(&identity)?;
        let mut caseload =
            Caseload::create(dir.path(), PIN, None, StoreConfig::default(), identity)?;
        caseload.enroll(&server.config(), &server.enroll_code(user)?)?;
        Ok(RealDevice {
            caseload,
            actor,
            author: Author {
                user_id: user.into(),
                role,
            },
            _dir: dir,
        })
    }

    /// Builds `count` cases with this device's actor and stores each in one
    /// store transaction.
    pub fn fill(&mut self, count: usize, template: &Template) -> Res<Vec<BuiltCase>> {
        let mut cases = Vec::with_capacity(count);
        for n in 0..count {
            let built = build_case(n, &self.author, &self.actor, template)?;
            self.caseload.apply_changes(&built.id, &built.doc.save())?;
            cases.push(BuiltCase {
                id: built.id,
                assessment_id: built.assessment_id,
            });
        }
        Ok(cases)
    }

    pub fn sync(&mut self, server: &BenchServer) -> Res<SyncReport> {
        Ok(self.caseload.sync(&server.config(), &mut |_| {})?)
    }
}

/// The device's Automerge actor. `Identity` keeps it private; its
/// serialised form (what the caseload stores) carries it as hex.
fn actor_of(identity: &Identity) -> Res<ActorId> {
    let value = serde_json::to_value(identity)?;
    let text = value["actor"].as_str().ok_or("identity without an actor")?;
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2).unwrap_or("x"), 16))
        .collect::<Result<Vec<u8>, _>>()?;
    Ok(ActorId::from(bytes))
}
