//! Closed vocabularies of the case file. Keys are English snake_case so that
//! every device, district and export names a category the same way; labels in
//! Romanian, Russian and English live in the reference data, not here.

use serde::{Deserialize, Serialize};

/// Declares a vocabulary: a snake_case serde enum with a stable `key()` used
/// in exports and search.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable English snake_case key.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
        }
    };
}

vocabulary!(Sex { Female => "female", Male => "male", Unknown => "unknown" });

vocabulary!(
    /// Tri-state answer for facts a worker may not know yet.
    YesNoUnknown { Yes => "yes", No => "no", Unknown => "unknown" }
);

vocabulary!(
    /// Washington Group functional domains.
    DisabilityDomain {
        Seeing => "seeing", Hearing => "hearing", Walking => "walking",
        Cognition => "cognition", SelfCare => "self_care", Communication => "communication",
    }
);

vocabulary!(Schooling {
    Preschool => "preschool", Enrolled => "enrolled", IrregularAttendance => "irregular_attendance",
    OutOfSchool => "out_of_school", Unknown => "unknown",
});

vocabulary!(LivingArrangement {
    BothParents => "both_parents", OneParent => "one_parent", Relatives => "relatives",
    FosterOrGuardian => "foster_or_guardian", ResidentialCare => "residential_care",
    Alone => "alone", Unknown => "unknown",
});

vocabulary!(
    /// Parents working abroad: the "left-behind child" dimension.
    ParentsAbroad { None => "none", One => "one", Both => "both", Unknown => "unknown" }
);

vocabulary!(RefugeeStatus {
    NotRefugee => "not_refugee", Refugee => "refugee", AsylumSeeker => "asylum_seeker",
    TemporaryProtection => "temporary_protection", Unknown => "unknown",
});

vocabulary!(ReportingSector {
    Education => "education", Health => "health", Police => "police", Social => "social",
    Family => "family", ChildSelf => "child_self", Anonymous => "anonymous",
    Helpline => "helpline", Ngo => "ngo",
});

vocabulary!(Channel {
    InPerson => "in_person", Phone => "phone", Written => "written", Online => "online",
    Helpline => "helpline",
});

vocabulary!(
    /// Forms of sexual exploitation and sexual abuse of children (Lanzarote
    /// Convention offences plus what the field sees).
    SesacForm {
        SexualAbuse => "sexual_abuse",
        CommercialSexualExploitation => "commercial_sexual_exploitation",
        AbuseMaterial => "abuse_material",
        PornographicPerformance => "pornographic_performance",
        CorruptionOfChildren => "corruption_of_children",
        Solicitation => "solicitation",
        Sextortion => "sextortion",
        SelfGeneratedUnderPressure => "self_generated_under_pressure",
        TraffickingSexual => "trafficking_sexual",
        Other => "other",
    }
);

vocabulary!(
    /// Relationship of the alleged perpetrator to the child.
    Relationship {
        Family => "family", PersonOfTrust => "person_of_trust", PeerOrPartner => "peer_or_partner",
        Acquaintance => "acquaintance", Stranger => "stranger",
        OnlineOnlyContact => "online_only_contact", Unknown => "unknown",
    }
);

vocabulary!(PerpetratorAge { Adult => "adult", Child => "child", Unknown => "unknown" });

vocabulary!(
    /// Ordered from least to most urgent, so `max` picks the more protective level.
    RiskLevel { Low => "low", Medium => "medium", High => "high", Imminent => "imminent" }
);

vocabulary!(ServiceType {
    Police => "police", Prosecutor => "prosecutor", ForensicMedicine => "forensic_medicine",
    HealthCare => "health_care", YouthFriendlyHealth => "youth_friendly_health",
    MentalHealth => "mental_health", PsychoPedagogical => "psycho_pedagogical",
    Barnahus => "barnahus", ChildHelpline => "child_helpline", NgoCounselling => "ngo_counselling",
    LegalAid => "legal_aid", NrsTrafficking => "nrs_trafficking",
    EmergencyPlacement => "emergency_placement", SchoolMeasures => "school_measures",
    FamilySupport => "family_support",
});

vocabulary!(UnsuccessfulReason {
    Refused => "refused", Unreachable => "unreachable", NoCapacity => "no_capacity",
    NoLongerNeeded => "no_longer_needed", Other => "other",
});

vocabulary!(
    /// Who acts on a case; decides what a person may see and approve.
    Role {
        CommunityMediator => "community_mediator", SocialAssistant => "social_assistant",
        DistrictOfficer => "district_officer", NationalAnalyst => "national_analyst",
        Administrator => "administrator",
    }
);

vocabulary!(ConsentGiver {
    Child => "child", Parent => "parent", LegalRepresentative => "legal_representative",
    GuardianshipAuthority => "guardianship_authority",
});

vocabulary!(
    /// Why consent was not sought: recording under the CCM rests on legal
    /// obligation, and a representative who is the alleged abuser is not asked.
    ConsentNotSoughtReason {
        LegalObligation => "legal_obligation",
        RepresentativeIsAllegedAbuser => "representative_is_alleged_abuser",
        Emergency => "emergency",
    }
);

vocabulary!(FollowUpKind {
    HomeVisit => "home_visit", SchoolVisit => "school_visit", PhoneCall => "phone_call",
    TeamMeeting => "team_meeting", Review => "review",
});

vocabulary!(ClosureOutcome {
    ConcernNotConfirmed => "concern_not_confirmed", SafetyAchieved => "safety_achieved",
    TransferredOtherDistrict => "transferred_other_district", ChildTurned18 => "child_turned_18",
    FamilyMovedAbroad => "family_moved_abroad", Other => "other",
});
