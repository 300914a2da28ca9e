//! What an app shows, built from core's typed case file: the case with
//! what is due and overdue, assessments with their live score, referrals
//! with their deadline. Core keeps these as maps and tuples; apps get
//! lists of named records.

use chrono::{DateTime, Utc};
use ocrotire_core::caseload::{CaseSummary, Due};
use ocrotire_core::model::{
    Approval, Assessment, AssessmentResult, AssessmentStatus, Author, CaseEvent, CaseFile,
    CaseStatus, Child, ConflictResolution, ConsentRecord, FollowUp, Note, Notification, Override,
    Referral, ReferralEvent, ReferralPacket, ReferralStatus, RiskLevel, ServiceType,
};
use ocrotire_core::reference::Template;
use ocrotire_core::scoring::{self, Scoring, ScoringError};

use crate::time::Timestamp;

/// One case, everything this device may see of it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseDetails {
    pub id: String,
    /// Human-readable number, `{district}-{year}-{device}.{n}`.
    pub case_number: String,
    pub district: String,
    pub created_at: Timestamp,
    pub created_by: Author,
    pub status: CaseStatus,
    /// The final level of the latest completed assessment.
    pub current_risk: Option<RiskLevel>,
    pub child: Child,
    pub notification: Notification,
    pub assessments: Vec<AssessmentView>,
    pub referrals: Vec<ReferralView>,
    pub follow_ups: Vec<FollowUp>,
    pub consents: Vec<ConsentRecord>,
    pub notes: Vec<Note>,
    pub events: Vec<CaseEventEntry>,
    pub resolutions: Vec<ConflictResolution>,
    /// What is due (first visit, referral acknowledgements), overdue first.
    pub due: Vec<DueItem>,
    pub open_conflicts: u32,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseEventEntry {
    pub event: CaseEvent,
    pub at: Timestamp,
    pub by: Author,
}

/// Something due on a case: `first_visit`, or `referral_acknowledgement`
/// of the referral named by `referral_id`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DueItem {
    pub what: String,
    pub referral_id: Option<String>,
    pub due: Timestamp,
    pub overdue: bool,
}

/// A draft shows the score of the answers so far (unanswered items count
/// as "no"); a completed assessment shows the score it was completed with.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AssessmentView {
    pub id: String,
    pub template_id: String,
    pub template_version: u32,
    pub started_at: Timestamp,
    pub started_by: Author,
    pub status: AssessmentStatus,
    pub answers: Vec<Answer>,
    /// The child's own 0-10 "how safe do you feel".
    pub child_safety_scale: Option<u8>,
    pub worker_safety_scale: Option<u8>,
    pub danger_statement: Option<String>,
    pub safety_goal: Option<String>,
    pub override_level: Option<Override>,
    pub approval: Option<Approval>,
    pub score: Option<Score>,
    /// The override lowers the computed level and a district officer has
    /// not approved it yet: the score shown ignores the override.
    pub override_needs_approval: bool,
    pub completed_at: Option<Timestamp>,
    pub completed_by: Option<Author>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Answer {
    pub item_id: String,
    pub answer: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct Score {
    /// Every risk factor's points and every protective deduction (negative).
    pub item_points: Vec<ItemPoints>,
    pub risk_points: i32,
    pub protective_points: i32,
    pub score: i32,
    pub computed_level: RiskLevel,
    pub final_level: RiskLevel,
    /// One sentence naming what drove the level.
    pub explanation: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ItemPoints {
    pub item_id: String,
    pub points: i32,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ReferralView {
    pub id: String,
    pub service_type: ServiceType,
    pub service_id: Option<String>,
    pub created_at: Timestamp,
    pub created_by: Author,
    pub packet: ReferralPacket,
    pub events: Vec<ReferralEvent>,
    pub status: ReferralStatus,
    /// When the service must acknowledge a sent referral by.
    pub acknowledge_by: Option<Timestamp>,
    pub overdue: bool,
}

/// One line of the caseload list, read from the encrypted summary alone.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseListItem {
    pub id: String,
    pub case_number: String,
    /// Given and family name, when the device holds them.
    pub display_name: Option<String>,
    pub locality: String,
    pub locality_name: Option<String>,
    pub district: String,
    pub risk: Option<RiskLevel>,
    pub status: CaseStatus,
    pub open_conflicts: u32,
    pub next_due: Option<Timestamp>,
    pub overdue: bool,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseList {
    pub cases: Vec<CaseListItem>,
    /// Cases whose stored rows failed their integrity check: shown, never hidden.
    pub unreadable: Vec<String>,
}

pub(crate) fn case_details(
    case: CaseFile,
    due: Vec<Due>,
    open_conflicts: usize,
    templates: &[Template],
    now: DateTime<Utc>,
) -> CaseDetails {
    let due = due_items(due, now);
    let current_risk = case.current_risk();
    let referrals = case
        .referrals
        .into_iter()
        .map(|r| referral_view(r, &due))
        .collect();
    CaseDetails {
        current_risk,
        id: case.id,
        case_number: case.case_number,
        district: case.district,
        created_at: case.created_at,
        created_by: case.created_by,
        status: case.status,
        child: case.child,
        notification: case.notification,
        assessments: case
            .assessments
            .into_iter()
            .map(|a| assessment_view(a, templates))
            .collect(),
        referrals,
        follow_ups: case.follow_ups,
        consents: case.consents,
        notes: case.notes,
        events: case
            .events
            .into_iter()
            .map(|(event, at, by)| CaseEventEntry { event, at, by })
            .collect(),
        resolutions: case.resolutions,
        due,
        open_conflicts: count(open_conflicts),
    }
}

const REFERRAL_ACK: &str = "referral_ack:";

fn due_items(due: Vec<Due>, now: DateTime<Utc>) -> Vec<DueItem> {
    let mut items: Vec<DueItem> = due
        .into_iter()
        .map(|d| {
            let (what, referral_id) = match d.what.strip_prefix(REFERRAL_ACK) {
                Some(id) => ("referral_acknowledgement".to_string(), Some(id.to_string())),
                None => (d.what, None),
            };
            DueItem {
                what,
                referral_id,
                overdue: d.due < now,
                due: d.due,
            }
        })
        .collect();
    items.sort_by_key(|d| d.due);
    items
}

fn referral_view(r: Referral, due: &[DueItem]) -> ReferralView {
    let deadline = due
        .iter()
        .find(|d| d.referral_id.as_deref() == Some(r.id.as_str()));
    ReferralView {
        acknowledge_by: deadline.map(|d| d.due),
        overdue: deadline.is_some_and(|d| d.overdue),
        id: r.id,
        service_type: r.service_type,
        service_id: r.service_id,
        created_at: r.created_at,
        created_by: r.created_by,
        packet: r.packet,
        events: r.events,
        status: r.status,
    }
}

pub(crate) fn assessment_view(a: Assessment, templates: &[Template]) -> AssessmentView {
    let (score, override_needs_approval) = match &a.result {
        Some(result) => (Some(completed_score(result)), false),
        None => live_score(&a, templates),
    };
    AssessmentView {
        answers: a
            .answers
            .iter()
            .map(|(item_id, answer)| Answer {
                item_id: item_id.clone(),
                answer: *answer,
            })
            .collect(),
        completed_at: a.result.as_ref().map(|r| r.completed_at),
        completed_by: a.result.map(|r| r.completed_by),
        id: a.id,
        template_id: a.template_id,
        template_version: a.template_version,
        started_at: a.started_at,
        started_by: a.started_by,
        status: a.status,
        child_safety_scale: a.child_safety_scale,
        worker_safety_scale: a.worker_safety_scale,
        danger_statement: a.danger_statement,
        safety_goal: a.safety_goal,
        override_level: a.override_level,
        approval: a.approval,
        score,
        override_needs_approval,
    }
}

/// The score of a draft's answers so far. An override that lowers the
/// level without approval is shown as pending rather than applied.
fn live_score(a: &Assessment, templates: &[Template]) -> (Option<Score>, bool) {
    if a.status != AssessmentStatus::Draft {
        return (None, false);
    }
    let Some(template) = templates
        .iter()
        .find(|t| t.id() == a.template_id && t.version() == a.template_version)
    else {
        return (None, false);
    };
    let scored = scoring::score(
        template,
        &a.answers,
        a.override_level.as_ref(),
        a.approval.as_ref(),
    );
    match scored {
        Ok(s) => (Some(score_of(s)), false),
        Err(ScoringError::LoweringNeedsApproval) => (
            scoring::score(template, &a.answers, None, None)
                .ok()
                .map(score_of),
            true,
        ),
        Err(_) => (None, false),
    }
}

fn score_of(s: Scoring) -> Score {
    Score {
        item_points: item_points(&s.item_points),
        risk_points: s.risk_points,
        protective_points: s.protective_points,
        score: s.score,
        computed_level: s.computed_level,
        final_level: s.final_level,
        explanation: s.explanation,
    }
}

fn completed_score(r: &AssessmentResult) -> Score {
    Score {
        item_points: item_points(&r.item_points),
        risk_points: r.risk_points,
        protective_points: r.protective_points,
        score: r.score,
        computed_level: r.computed_level,
        final_level: r.final_level,
        explanation: r.explanation.clone(),
    }
}

fn item_points(points: &std::collections::BTreeMap<String, i32>) -> Vec<ItemPoints> {
    points
        .iter()
        .map(|(item_id, points)| ItemPoints {
            item_id: item_id.clone(),
            points: *points,
        })
        .collect()
}

pub(crate) fn list_item(s: CaseSummary, now: DateTime<Utc>) -> CaseListItem {
    CaseListItem {
        next_due: s.due.iter().map(|d| d.due).min(),
        overdue: s.is_overdue(now),
        open_conflicts: count(s.open_conflicts),
        id: s.id,
        case_number: s.case_number,
        display_name: s.display_name,
        locality: s.locality,
        locality_name: s.locality_name,
        district: s.district,
        risk: s.risk,
        status: s.status,
        updated_at: s.updated_at,
    }
}

/// Counts on a device are far below `u32::MAX`; saturate rather than wrap.
pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
