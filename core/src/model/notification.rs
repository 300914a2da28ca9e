use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Channel, PerpetratorAge, Relationship, ReportingSector, SesacForm, YesNoUnknown};

/// The notification (sesizare) that opens a case. A mediator's short form
/// fills the first fields; the rest arrive at registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub reporter_sector: ReportingSector,
    pub channel: Channel,
    /// When the concern was first identified (starts every response clock).
    pub identified_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// When the guardianship authority registered it (S04).
    pub registered_at: Option<DateTime<Utc>>,
    pub forms: Vec<SesacForm>,
    pub online_component: YesNoUnknown,
    pub last_incident: Option<NaiveDate>,
    pub perpetrator_relationship: Relationship,
    pub perpetrator_age: PerpetratorAge,
    pub crime_suspected: bool,
    pub police_notified_at: Option<DateTime<Utc>>,
    /// The child's own words, verbatim and short: no in-depth interview in
    /// the field, it harms later evidence.
    pub child_words: Option<String>,
}
