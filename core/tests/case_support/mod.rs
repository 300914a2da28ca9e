//! Fixtures for the document-level tests: a case, replicas and authors.
// Each test binary uses a different part of these fixtures.
#![allow(dead_code)]

use automerge::ActorId;
use chrono::{DateTime, TimeZone, Utc};
use ocrotire_core::document::{CaseDoc, CaseOp, DocError, NewCase, OpContext};
use ocrotire_core::model::*;
use ocrotire_core::reference::Template;

pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub fn new_case() -> NewCase {
    NewCase {
        id: "case0001".into(),
        case_number: "0100-2026-1".into(),
        district: "0100".into(),
        child: Child::new("p-0001", Sex::Female, "0101"),
        notification: Notification {
            reporter_sector: ReportingSector::Education,
            channel: Channel::InPerson,
            identified_at: base_time(),
            received_at: base_time(),
            registered_at: None,
            forms: vec![SesacForm::Solicitation],
            online_component: YesNoUnknown::Yes,
            last_incident: None,
            perpetrator_relationship: Relationship::OnlineOnlyContact,
            perpetrator_age: PerpetratorAge::Adult,
            crime_suspected: true,
            police_notified_at: None,
            child_words: None,
        },
    }
}

pub fn packet() -> ReferralPacket {
    ReferralPacket {
        age_band: "10-14".into(),
        sex: Sex::Female,
        language: "ro".into(),
        accessibility_needs: None,
        category: vec![SesacForm::Solicitation],
        risk_level: None,
        safety_instructions: None,
        consent_obtained: true,
        contact_person: None,
    }
}

/// One device: a replica of the case with its actor and user.
pub struct Replica {
    pub doc: CaseDoc,
    pub actor: ActorId,
    pub author: Author,
    pub templates: Vec<Template>,
}

impl Replica {
    /// The first replica creates the case; `others` start from its saved bytes.
    pub fn first(n: u8, role: Role) -> Replica {
        let (actor, author, templates) = identity(n, role);
        let ctx = OpContext {
            actor: &actor,
            author: &author,
            now: base_time(),
            templates: &templates,
        };
        let doc = CaseDoc::create(&new_case(), &ctx).expect("create");
        Replica {
            doc,
            actor,
            author,
            templates,
        }
    }

    pub fn copy_of(other: &Replica, n: u8, role: Role) -> Replica {
        let (actor, author, templates) = identity(n, role);
        let doc = CaseDoc::load(&other.doc.save(), &actor).expect("load");
        Replica {
            doc,
            actor,
            author,
            templates,
        }
    }

    pub fn apply_at(&mut self, op: &CaseOp, now: DateTime<Utc>) -> Result<(), DocError> {
        let ctx = OpContext {
            actor: &self.actor,
            author: &self.author,
            now,
            templates: &self.templates,
        };
        self.doc.apply(op, &ctx)
    }

    pub fn apply(&mut self, op: &CaseOp) -> Result<(), DocError> {
        self.apply_at(op, base_time())
    }

    /// This replica learns everything `from` has.
    pub fn receive(&mut self, from: &Replica) {
        let changes = from.doc.changes_since(&self.doc.heads());
        self.doc.apply_changes(&changes).expect("apply changes");
    }

    pub fn template_op(&self, id: &str) -> CaseOp {
        CaseOp::StartAssessment {
            id: id.into(),
            template_id: self.templates[0].id().into(),
            template_version: self.templates[0].version(),
        }
    }
}

fn identity(n: u8, role: Role) -> (ActorId, Author, Vec<Template>) {
    let actor = ActorId::from(vec![n; 16]);
    let author = Author {
        user_id: format!("user{n}"),
        role,
    };
    (
        actor,
        author,
        vec![Template::v1().expect("bundled template")],
    )
}
