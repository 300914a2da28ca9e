//! The case file's closed vocabularies, as enums in every language.
//! Each restates a core enum variant for variant; the compiler checks that
//! they match, so a new variant in core fails this build until added here.

use ocrotire_core::model::*;

#[uniffi::remote(Enum)]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

#[uniffi::remote(Enum)]
pub enum YesNoUnknown {
    Yes,
    No,
    Unknown,
}

#[uniffi::remote(Enum)]
pub enum DisabilityDomain {
    Seeing,
    Hearing,
    Walking,
    Cognition,
    SelfCare,
    Communication,
}

#[uniffi::remote(Enum)]
pub enum Schooling {
    Preschool,
    Enrolled,
    IrregularAttendance,
    OutOfSchool,
    Unknown,
}

#[uniffi::remote(Enum)]
pub enum LivingArrangement {
    BothParents,
    OneParent,
    Relatives,
    FosterOrGuardian,
    ResidentialCare,
    Alone,
    Unknown,
}

#[uniffi::remote(Enum)]
pub enum ParentsAbroad {
    None,
    One,
    Both,
    Unknown,
}

#[uniffi::remote(Enum)]
pub enum RefugeeStatus {
    NotRefugee,
    Refugee,
    AsylumSeeker,
    TemporaryProtection,
    Unknown,
}

#[uniffi::remote(Enum)]
pub enum ReportingSector {
    Education,
    Health,
    Police,
    Social,
    Family,
    ChildSelf,
    Anonymous,
    Helpline,
    Ngo,
}

#[uniffi::remote(Enum)]
pub enum Channel {
    InPerson,
    Phone,
    Written,
    Online,
    Helpline,
}

#[uniffi::remote(Enum)]
pub enum SesacForm {
    SexualAbuse,
    CommercialSexualExploitation,
    AbuseMaterial,
    PornographicPerformance,
    CorruptionOfChildren,
    Solicitation,
    Sextortion,
    SelfGeneratedUnderPressure,
    TraffickingSexual,
    Other,
}

#[uniffi::remote(Enum)]
pub enum Relationship {
    Family,
    PersonOfTrust,
    PeerOrPartner,
    Acquaintance,
    Stranger,
    OnlineOnlyContact,
    Unknown,
}

#[uniffi::remote(Enum)]
pub enum PerpetratorAge {
    Adult,
    Child,
    Unknown,
}

#[uniffi::remote(Enum)]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Imminent,
}

#[uniffi::remote(Enum)]
pub enum ServiceType {
    Police,
    Prosecutor,
    ForensicMedicine,
    HealthCare,
    YouthFriendlyHealth,
    MentalHealth,
    PsychoPedagogical,
    Barnahus,
    ChildHelpline,
    NgoCounselling,
    LegalAid,
    NrsTrafficking,
    EmergencyPlacement,
    SchoolMeasures,
    FamilySupport,
}

#[uniffi::remote(Enum)]
pub enum UnsuccessfulReason {
    Refused,
    Unreachable,
    NoCapacity,
    NoLongerNeeded,
    Other,
}

#[uniffi::remote(Enum)]
pub enum Role {
    CommunityMediator,
    SocialAssistant,
    DistrictOfficer,
    NationalAnalyst,
    Administrator,
}

#[uniffi::remote(Enum)]
pub enum ConsentGiver {
    Child,
    Parent,
    LegalRepresentative,
    GuardianshipAuthority,
}

#[uniffi::remote(Enum)]
pub enum ConsentNotSoughtReason {
    LegalObligation,
    RepresentativeIsAllegedAbuser,
    Emergency,
}

#[uniffi::remote(Enum)]
pub enum FollowUpKind {
    HomeVisit,
    SchoolVisit,
    PhoneCall,
    TeamMeeting,
    Review,
}

#[uniffi::remote(Enum)]
pub enum ClosureOutcome {
    ConcernNotConfirmed,
    SafetyAchieved,
    TransferredOtherDistrict,
    ChildTurned18,
    FamilyMovedAbroad,
    Other,
}
