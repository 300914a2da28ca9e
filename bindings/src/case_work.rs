//! Case work on an unlocked caseload, in the order of the CCM workflow:
//! notification, assessment, referral, follow-up, consent, conflicts. Each
//! call is one stored change and answers with what the screen shows next.

use chrono::{Datelike, Utc};
use ocrotire_core::document::{CaseOp, Conflict};
use ocrotire_core::ids::random_id;
use ocrotire_core::model::{
    CaseEvent, Channel, Child, ConsentBasis, ConsentRecord, FieldPath, FollowUp, FollowUpKind,
    Notification, PerpetratorAge, ReferralEventKind, ReferralPacket, Relationship, ReportingSector,
    RiskLevel, ServiceType, SesacForm, Sex, YesNoUnknown,
};
use ocrotire_core::reference::Service;

use crate::caseload::{details, Caseload};
use crate::error::{OcrotireError, Result};
use crate::time::{IsoDate, Timestamp};
use crate::views::{assessment_view, AssessmentView, CaseDetails, ReferralView};

/// The mediator's short form: what someone in a village can say in a
/// minute, one-handed, on a phone. Everything else stays "unknown" until
/// the social assistant registers the case.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ShortNotification {
    pub sex: Sex,
    /// CUATM code of the child's locality.
    pub locality: String,
    /// Roughly how old, when the birth date is not known.
    #[uniffi(default = None)]
    pub approximate_age: Option<u32>,
    pub reporter_sector: ReportingSector,
    pub channel: Channel,
    /// When the concern was first noticed (starts every response clock).
    pub identified_at: Timestamp,
    pub forms: Vec<SesacForm>,
    pub online_component: YesNoUnknown,
    pub crime_suspected: bool,
    /// The child's own words, verbatim and short.
    #[uniffi(default = None)]
    pub child_words: Option<String>,
}

/// The safety part of an assessment; absent values clear the field.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SafetyPlan {
    pub child_safety_scale: Option<u8>,
    pub worker_safety_scale: Option<u8>,
    pub danger_statement: Option<String>,
    pub safety_goal: Option<String>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct FollowUpVisit {
    pub kind: FollowUpKind,
    pub date: IsoDate,
    pub child_seen: bool,
    #[uniffi(default = None)]
    pub summary: Option<String>,
    #[uniffi(default = None)]
    pub next_due: Option<IsoDate>,
}

/// A child with only what a first contact knows, under a fresh pseudonym.
#[uniffi::export]
pub fn new_child(sex: Sex, locality: String) -> Child {
    Child::new(random_id(), sex, locality)
}

/// A notification received now, with everything not yet known "unknown".
#[uniffi::export]
pub fn new_notification(
    reporter_sector: ReportingSector,
    channel: Channel,
    identified_at: Timestamp,
    forms: Vec<SesacForm>,
) -> Notification {
    Notification {
        reporter_sector,
        channel,
        identified_at,
        received_at: Utc::now(),
        registered_at: None,
        forms,
        online_component: YesNoUnknown::Unknown,
        last_incident: None,
        perpetrator_relationship: Relationship::Unknown,
        perpetrator_age: PerpetratorAge::Unknown,
        crime_suspected: false,
        police_notified_at: None,
        child_words: None,
    }
}

#[uniffi::export]
impl Caseload {
    /// Opens a case from a full notification.
    pub fn create_case(&self, child: Child, notification: Notification) -> Result<CaseDetails> {
        self.with(|caseload| {
            let case = caseload.create_case(child, notification)?;
            details(caseload, case)
        })
    }

    /// Opens a case from the mediator's short form.
    pub fn file_notification(&self, form: ShortNotification) -> Result<CaseDetails> {
        let mut child = new_child(form.sex, form.locality);
        child.estimated_birth_year = form
            .approximate_age
            .and_then(|age| i32::try_from(age).ok())
            .map(|age| Utc::now().year() - age);
        let mut notification = new_notification(
            form.reporter_sector,
            form.channel,
            form.identified_at,
            form.forms,
        );
        notification.online_component = form.online_component;
        notification.crime_suspected = form.crime_suspected;
        notification.child_words = form.child_words;
        self.create_case(child, notification)
    }

    pub fn update_child(&self, case_id: String, child: Child) -> Result<CaseDetails> {
        self.change(&case_id, CaseOp::UpdateChild(child))
    }

    pub fn update_notification(
        &self,
        case_id: String,
        notification: Notification,
    ) -> Result<CaseDetails> {
        self.change(&case_id, CaseOp::UpdateNotification(notification))
    }

    /// Starts an assessment with the current template.
    pub fn start_assessment(&self, case_id: String) -> Result<AssessmentView> {
        let assessment_id = random_id();
        self.with(|caseload| {
            let template = caseload.templates().first().ok_or(OcrotireError::Damaged {
                what: "no assessment template".into(),
            })?;
            let op = CaseOp::StartAssessment {
                id: assessment_id.clone(),
                template_id: template.id().to_string(),
                template_version: template.version(),
            };
            caseload.apply(&case_id, &op)?;
            Ok(())
        })?;
        self.assessment(&case_id, &assessment_id)
    }

    /// Records one yes/no answer; the view carries the live score.
    pub fn answer_item(
        &self,
        case_id: String,
        assessment_id: String,
        item_id: String,
        answer: bool,
    ) -> Result<AssessmentView> {
        let op = CaseOp::AnswerItem {
            assessment_id: assessment_id.clone(),
            item_id,
            answer,
        };
        self.change_assessment(&case_id, &assessment_id, op)
    }

    pub fn set_safety(
        &self,
        case_id: String,
        assessment_id: String,
        plan: SafetyPlan,
    ) -> Result<AssessmentView> {
        let op = CaseOp::SetSafety {
            assessment_id: assessment_id.clone(),
            child_safety_scale: plan.child_safety_scale,
            worker_safety_scale: plan.worker_safety_scale,
            danger_statement: plan.danger_statement,
            safety_goal: plan.safety_goal,
        };
        self.change_assessment(&case_id, &assessment_id, op)
    }

    /// Overrides the computed level with a reason. Raising takes effect at
    /// once; lowering waits for a district officer's approval.
    pub fn override_level(
        &self,
        case_id: String,
        assessment_id: String,
        level: RiskLevel,
        reason: String,
    ) -> Result<AssessmentView> {
        let op = CaseOp::OverrideLevel {
            assessment_id: assessment_id.clone(),
            level,
            reason,
        };
        self.change_assessment(&case_id, &assessment_id, op)
    }

    /// A district officer's approval of a lowering override.
    pub fn approve_override(
        &self,
        case_id: String,
        assessment_id: String,
    ) -> Result<AssessmentView> {
        let op = CaseOp::ApproveOverride {
            assessment_id: assessment_id.clone(),
        };
        self.change_assessment(&case_id, &assessment_id, op)
    }

    /// Fixes the score for good; later edits become a new assessment.
    pub fn complete_assessment(
        &self,
        case_id: String,
        assessment_id: String,
    ) -> Result<AssessmentView> {
        let op = CaseOp::CompleteAssessment {
            assessment_id: assessment_id.clone(),
        };
        self.change_assessment(&case_id, &assessment_id, op)
    }

    /// Services this user's district can refer to (national ones included).
    pub fn services(&self, service_type: Option<ServiceType>) -> Result<Vec<Service>> {
        crate::reference::services(self.user()?.district, service_type)
    }

    /// The least a referral may say, drafted from the case, for the worker
    /// to complete (safety instructions, accessibility, contact person).
    pub fn draft_referral_packet(
        &self,
        case_id: String,
        service_type: ServiceType,
    ) -> Result<ReferralPacket> {
        self.with(|caseload| {
            let case = caseload.case(&case_id)?;
            let today = ocrotire_core::deadlines::local_date(Utc::now());
            Ok(ReferralPacket::minimal(&case, service_type, today))
        })
    }

    /// Creates a referral (status draft); add a `Sent` event to send it.
    pub fn add_referral(
        &self,
        case_id: String,
        service_type: ServiceType,
        service_id: Option<String>,
        packet: ReferralPacket,
    ) -> Result<ReferralView> {
        let referral_id = random_id();
        let op = CaseOp::AddReferral {
            id: referral_id.clone(),
            service_type,
            service_id,
            packet,
        };
        self.change_referral(&case_id, &referral_id, op)
    }

    pub fn add_referral_event(
        &self,
        case_id: String,
        referral_id: String,
        event: ReferralEventKind,
    ) -> Result<ReferralView> {
        let op = CaseOp::AddReferralEvent {
            referral_id: referral_id.clone(),
            event,
        };
        self.change_referral(&case_id, &referral_id, op)
    }

    pub fn add_follow_up(&self, case_id: String, visit: FollowUpVisit) -> Result<CaseDetails> {
        let by = self.author()?;
        let op = CaseOp::AddFollowUp(FollowUp {
            id: random_id(),
            kind: visit.kind,
            date: visit.date,
            by,
            child_seen: visit.child_seen,
            summary: visit.summary,
            next_due: visit.next_due,
        });
        self.change(&case_id, op)
    }

    /// Records consent given or refused, or why it was not sought, for some
    /// services (`scope`) or, with an empty scope, the whole intervention.
    pub fn record_consent(
        &self,
        case_id: String,
        scope: Vec<ServiceType>,
        basis: ConsentBasis,
        child_view: Option<String>,
    ) -> Result<CaseDetails> {
        let op = CaseOp::RecordConsent(ConsentRecord {
            id: random_id(),
            at: Utc::now(),
            by: self.author()?,
            scope,
            basis,
            child_view,
        });
        self.change(&case_id, op)
    }

    pub fn add_note(&self, case_id: String, text: String) -> Result<CaseDetails> {
        let op = CaseOp::AddNote {
            id: random_id(),
            text,
        };
        self.change(&case_id, op)
    }

    /// Assigns, flags for the NRS, closes (with outcome) or reopens a case.
    pub fn add_case_event(&self, case_id: String, event: CaseEvent) -> Result<CaseDetails> {
        self.change(&case_id, CaseOp::AddCaseEvent(event))
    }

    /// Decisions waiting for a person on this case, each with the values
    /// in conflict and who wrote each.
    pub fn conflicts(&self, case_id: String) -> Result<Vec<Conflict>> {
        self.with(|caseload| Ok(caseload.conflicts(&case_id)?))
    }

    /// Keeps `chosen_value` (one of the conflict's values, as listed) and
    /// records who decided and why.
    pub fn resolve_conflict(
        &self,
        case_id: String,
        field: FieldPath,
        chosen_value: String,
        reason: String,
    ) -> Result<CaseDetails> {
        let op = CaseOp::ResolveConflict {
            field,
            chosen: chosen_value,
            reason,
        };
        self.change(&case_id, op)
    }
}

impl Caseload {
    fn change(&self, case_id: &str, op: CaseOp) -> Result<CaseDetails> {
        self.with(|caseload| {
            let case = caseload.apply(case_id, &op)?;
            details(caseload, case)
        })
    }

    fn change_assessment(
        &self,
        case_id: &str,
        assessment_id: &str,
        op: CaseOp,
    ) -> Result<AssessmentView> {
        self.with(|caseload| caseload.apply(case_id, &op).map(|_| ()).map_err(Into::into))?;
        self.assessment(case_id, assessment_id)
    }

    fn assessment(&self, case_id: &str, assessment_id: &str) -> Result<AssessmentView> {
        self.with(|caseload| {
            let case = caseload.case(case_id)?;
            let assessment = case
                .assessments
                .into_iter()
                .find(|a| a.id == assessment_id)
                .ok_or(OcrotireError::NotFound {
                    what: "assessment".into(),
                })?;
            Ok(assessment_view(assessment, caseload.templates()))
        })
    }

    fn change_referral(
        &self,
        case_id: &str,
        referral_id: &str,
        op: CaseOp,
    ) -> Result<ReferralView> {
        let case = self.change(case_id, op)?;
        case.referrals
            .into_iter()
            .find(|r| r.id == referral_id)
            .ok_or(OcrotireError::NotFound {
                what: "referral".into(),
            })
    }

    fn author(&self) -> Result<ocrotire_core::model::Author> {
        let user = self.user()?;
        Ok(ocrotire_core::model::Author {
            user_id: user.user_id,
            role: user.role,
        })
    }
}
