//! What the indicators need to know about one case, and nothing more: dates,
//! categories and pseudonyms, never a name, a place name or a sentence
//! someone wrote. The server keeps these per case next to its projection,
//! so indicators over 100,000 cases never open a document; a device
//! builds the same facts from its own cases.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::deadlines::local_date;
use crate::model::{
    CaseEvent, CaseFile, ClosureOutcome, DisabilityDomain, FollowUpKind, ParentsAbroad,
    PerpetratorAge, ReferralEventKind, ReferralStatus, RefugeeStatus, Relationship,
    ReportingSector, RiskLevel, ServiceType, SesacForm, Sex, UnsuccessfulReason, YesNoUnknown,
};
use crate::reference::{AdminUnits, Settlement};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub case_id: String,
    /// The pseudonymous child id: counts unique children and re-notifications.
    pub child: String,
    pub district: String,
    /// `None` when the locality code is not in the classifier.
    pub settlement: Option<Settlement>,
    pub sex: Sex,
    /// Whole years at identification, from the birth date or estimated year.
    pub age: Option<u32>,
    pub disability: YesNoUnknown,
    pub disability_domains: Vec<DisabilityDomain>,
    pub parents_abroad: ParentsAbroad,
    pub refugee: RefugeeStatus,
    pub reporter: ReportingSector,
    pub forms: Vec<SesacForm>,
    pub relationship: Relationship,
    pub perpetrator_age: PerpetratorAge,
    pub online: YesNoUnknown,
    pub identified_at: DateTime<Utc>,
    pub registered_at: Option<DateTime<Utc>>,
    pub crime_suspected: bool,
    pub police_notified_at: Option<DateTime<Utc>>,
    /// The first completed assessment of the case.
    pub initial_assessment: Option<AssessmentFacts>,
    pub referrals: Vec<ReferralFacts>,
    pub follow_ups: Vec<(FollowUpKind, NaiveDate)>,
    /// When the case was first flagged for, or referred to, the NRS.
    pub nrs_at: Option<DateTime<Utc>>,
    /// Set while the case is closed: when, and with which outcome.
    pub closed: Option<(DateTime<Utc>, ClosureOutcome)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentFacts {
    pub completed_at: DateTime<Utc>,
    pub computed_level: RiskLevel,
    pub final_level: RiskLevel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralFacts {
    pub service_type: ServiceType,
    /// Referrals never sent (drafts) count nowhere.
    pub sent_at: Option<DateTime<Utc>>,
    /// The stable key of the derived status (`accepted`, `declined`...).
    pub status: String,
    /// Accepted at some point, whatever happened after.
    pub accepted: bool,
    pub completed_successfully_at: Option<DateTime<Utc>>,
    pub unsuccessful_reason: Option<UnsuccessfulReason>,
}

/// Facts that do not encode or decode (stored by another version, or
/// damaged). It carries no content.
#[derive(Debug, thiserror::Error)]
#[error("case facts do not encode or decode")]
pub struct FactsCodecError;

impl CaseFacts {
    /// The compact form a server keeps per case (postcard).
    pub fn encode(&self) -> Result<Vec<u8>, FactsCodecError> {
        postcard::to_allocvec(self).map_err(|_| FactsCodecError)
    }

    pub fn decode(bytes: &[u8]) -> Result<CaseFacts, FactsCodecError> {
        postcard::from_bytes(bytes).map_err(|_| FactsCodecError)
    }

    pub fn of(case: &CaseFile, units: &AdminUnits) -> CaseFacts {
        let identified = local_date(case.notification.identified_at);
        let initial_assessment = case
            .assessments
            .iter()
            .filter_map(|a| a.result.as_ref())
            .min_by_key(|r| r.completed_at)
            .map(|r| AssessmentFacts {
                completed_at: r.completed_at,
                computed_level: r.computed_level,
                final_level: r.final_level,
            });
        let referrals: Vec<ReferralFacts> = case.referrals.iter().map(referral_facts).collect();
        let flagged = case.events.iter().find_map(|(event, at, _)| match event {
            CaseEvent::FlaggedNrs => Some(*at),
            _ => None,
        });
        let nrs_referral = referrals
            .iter()
            .filter(|r| r.service_type == ServiceType::NrsTrafficking)
            .filter_map(|r| r.sent_at)
            .min();
        let closed = match case.status {
            crate::model::CaseStatus::Closed => {
                case.events
                    .iter()
                    .rev()
                    .find_map(|(event, at, _)| match event {
                        CaseEvent::Closed { outcome, .. } => Some((*at, *outcome)),
                        _ => None,
                    })
            }
            crate::model::CaseStatus::Open => None,
        };
        CaseFacts {
            case_id: case.id.clone(),
            child: case.child.pseudonym.clone(),
            district: case.district.clone(),
            settlement: units.locality(&case.child.locality).map(|l| l.settlement),
            sex: case.child.sex,
            age: case.child.age_on(identified),
            disability: case.child.disability,
            disability_domains: case.child.disability_domains.clone(),
            parents_abroad: case.child.parents_abroad,
            refugee: case.child.refugee_status,
            reporter: case.notification.reporter_sector,
            forms: case.notification.forms.clone(),
            relationship: case.notification.perpetrator_relationship,
            perpetrator_age: case.notification.perpetrator_age,
            online: case.notification.online_component,
            identified_at: case.notification.identified_at,
            registered_at: case.notification.registered_at,
            crime_suspected: case.notification.crime_suspected,
            police_notified_at: case.notification.police_notified_at,
            initial_assessment,
            referrals,
            follow_ups: case.follow_ups.iter().map(|f| (f.kind, f.date)).collect(),
            nrs_at: [flagged, nrs_referral].into_iter().flatten().min(),
            closed,
        }
    }
}

fn referral_facts(referral: &crate::model::Referral) -> ReferralFacts {
    let first = |wanted: fn(&ReferralEventKind) -> bool| {
        referral
            .events
            .iter()
            .filter(|e| wanted(&e.event))
            .map(|e| e.at)
            .min()
    };
    let unsuccessful_reason = referral.events.iter().find_map(|e| match e.event {
        ReferralEventKind::CompletedUnsuccessfully { reason } => Some(reason),
        _ => None,
    });
    ReferralFacts {
        service_type: referral.service_type,
        sent_at: first(|e| matches!(e, ReferralEventKind::Sent)),
        status: status_key(&referral.status).to_string(),
        accepted: first(|e| {
            matches!(
                e,
                ReferralEventKind::Accepted
                    | ReferralEventKind::ServiceStarted
                    | ReferralEventKind::CompletedSuccessfully
                    | ReferralEventKind::CompletedUnsuccessfully { .. }
            )
        })
        .is_some(),
        completed_successfully_at: first(|e| matches!(e, ReferralEventKind::CompletedSuccessfully)),
        unsuccessful_reason,
    }
}

/// Every referral outcome key, in the order of [`ReferralStatus`].
pub const REFERRAL_STATUSES: [&str; 11] = [
    "draft",
    "sent",
    "acknowledged",
    "accepted",
    "declined",
    "redirected",
    "service_started",
    "completed_successfully",
    "completed_unsuccessfully",
    "withdrawn",
    "contradictory",
];

/// The referral outcome as a disaggregation category.
pub fn status_key(status: &ReferralStatus) -> &'static str {
    let at = match status {
        ReferralStatus::Draft => 0,
        ReferralStatus::Sent => 1,
        ReferralStatus::Acknowledged => 2,
        ReferralStatus::Accepted => 3,
        ReferralStatus::Declined => 4,
        ReferralStatus::Redirected => 5,
        ReferralStatus::ServiceStarted => 6,
        ReferralStatus::CompletedSuccessfully => 7,
        ReferralStatus::CompletedUnsuccessfully => 8,
        ReferralStatus::Withdrawn => 9,
        ReferralStatus::Contradictory { .. } => 10,
    };
    REFERRAL_STATUSES[at]
}
