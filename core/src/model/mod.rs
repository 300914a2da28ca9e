//! The typed case file. Everything the rest of the code (and the bindings)
//! sees of a case is one of these values; Automerge stays inside `document`.

mod assessment;
mod case;
mod child;
mod notification;
mod records;
mod referral;
mod vocab;

pub use assessment::{Approval, Assessment, AssessmentResult, AssessmentStatus, Override};
pub use case::{CaseEvent, CaseFile, CaseStatus, ConflictResolution, FieldPath};
pub use child::{age_band, Child};
pub use notification::Notification;
pub use records::{ConsentBasis, ConsentRecord, FollowUp, Note};
pub use referral::{Referral, ReferralEvent, ReferralEventKind, ReferralPacket, ReferralStatus};
pub use vocab::*;

use serde::{Deserialize, Serialize};

/// Who did something: an opaque user id (never a name) and the role it acted in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Author {
    pub user_id: String,
    pub role: Role,
}
