//! Romanian (the default) and English for every text of the dashboard.
//! One enum of messages, so a page cannot name a text that has no
//! translation; labels of measures, dimensions and categories follow.

use ocrotire_core::indicators::Dimension;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ro,
    En,
}

impl Lang {
    pub fn key(self) -> &'static str {
        match self {
            Lang::Ro => "ro",
            Lang::En => "en",
        }
    }

    pub fn from_key(key: &str) -> Option<Lang> {
        match key {
            "ro" => Some(Lang::Ro),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ro => Lang::En,
            Lang::En => Lang::Ro,
        }
    }
}

/// Every fixed text of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T {
    AppName,
    SignIn,
    SignOut,
    UserId,
    Password,
    SignInFailed,
    Overview,
    Caseload,
    Conflicts,
    Devices,
    Audit,
    Export,
    Period,
    From,
    To,
    District,
    AllDistricts,
    Show,
    ExactCounts,
    ControlledCounts,
    Indicator,
    Count,
    Denominator,
    Value,
    Hidden,
    CasesByForm,
    CasesBySex,
    CasesByAgeBand,
    CasesByMonth,
    CasesBySettlement,
    CaseNumber,
    Identified,
    Risk,
    Status,
    AssignedTo,
    OverdueReferrals,
    VisitOverdue,
    OpenConflicts,
    OnlyNeedingAction,
    NoCases,
    Forbidden,
    ForbiddenCases,
    NotFound,
    BadRequest,
    ServerError,
    Format,
    Download,
    ExportNote,
    User,
    Role,
    Device,
    Enrolled,
    Revoked,
    Revoke,
    IssueCode,
    CodeIssued,
    Time,
    Action,
    Subject,
    Older,
    Resolve,
    Reason,
    Field,
    Values,
    WrittenBy,
    Choose,
    Resolved,
    Yes,
    No,
    Language,
}

impl T {
    pub fn get(self, lang: Lang) -> &'static str {
        let (ro, en) = self.pair();
        match lang {
            Lang::Ro => ro,
            Lang::En => en,
        }
    }

    fn pair(self) -> (&'static str, &'static str) {
        match self {
            T::AppName => ("Ocrotire — biroul raional", "Ocrotire — district office"),
            T::SignIn => ("Autentificare", "Sign in"),
            T::SignOut => ("Ieșire", "Sign out"),
            T::UserId => ("Utilizator", "User"),
            T::Password => ("Parolă", "Password"),
            T::SignInFailed => (
                "Utilizator sau parolă greșită.",
                "Wrong user or password.",
            ),
            T::Overview => ("Indicatori", "Indicators"),
            T::Caseload => ("Cazuri", "Caseload"),
            T::Conflicts => ("Conflicte", "Conflicts"),
            T::Devices => ("Dispozitive", "Devices"),
            T::Audit => ("Jurnal de audit", "Audit log"),
            T::Export => ("Export", "Export"),
            T::Period => ("Perioada", "Period"),
            T::From => ("De la", "From"),
            T::To => ("Până la", "To"),
            T::District => ("Raion", "District"),
            T::AllDistricts => ("Toate raioanele", "All districts"),
            T::Show => ("Arată", "Show"),
            T::ExactCounts => (
                "Cifre exacte pentru raionul dumneavoastră.",
                "Exact counts for your district.",
            ),
            T::ControlledCounts => (
                "Cifrele mici sunt ascunse (sub 5) ca niciun copil să nu poată fi identificat; ratele apar doar de la 20 de cazuri.",
                "Small counts are hidden (below 5) so that no child can be identified; rates appear only from 20 cases.",
            ),
            T::Indicator => ("Indicator", "Indicator"),
            T::Count => ("Număr", "Count"),
            T::Denominator => ("Din", "Out of"),
            T::Value => ("Valoare", "Value"),
            T::Hidden => ("ascuns", "hidden"),
            T::CasesByForm => ("Cazuri după forma abuzului", "Cases by form of abuse"),
            T::CasesBySex => ("Cazuri după sex", "Cases by sex"),
            T::CasesByAgeBand => ("Cazuri după vârstă", "Cases by age band"),
            T::CasesByMonth => ("Cazuri pe luni", "Cases by month"),
            T::CasesBySettlement => ("Cazuri: urban / rural", "Cases: urban / rural"),
            T::CaseNumber => ("Nr. caz", "Case no."),
            T::Identified => ("Identificat", "Identified"),
            T::Risk => ("Risc", "Risk"),
            T::Status => ("Stare", "Status"),
            T::AssignedTo => ("Asistent", "Assigned to"),
            T::OverdueReferrals => ("Referiri întârziate", "Overdue referrals"),
            T::VisitOverdue => (
                "Risc înalt fără vizită la timp",
                "High risk without a timely visit",
            ),
            T::OpenConflicts => ("Conflicte deschise", "Open conflicts"),
            T::OnlyNeedingAction => ("Doar cele care cer acțiune", "Only those needing action"),
            T::NoCases => ("Niciun caz.", "No cases."),
            T::Forbidden => (
                "Nu aveți acces la această pagină.",
                "You may not open this page.",
            ),
            T::ForbiddenCases => (
                "Paginile de caz sunt doar pentru ofițerii raionului.",
                "Case pages are for the district's officers only.",
            ),
            T::NotFound => ("Pagina nu există.", "No such page."),
            T::BadRequest => ("Cerere greșită.", "Bad request."),
            T::ServerError => (
                "Eroare internă; încercați din nou.",
                "Internal error; please try again.",
            ),
            T::Format => ("Format", "Format"),
            T::Download => ("Descarcă", "Download"),
            T::ExportNote => (
                "Exporturile ies din raion: cifrele mici sunt ascunse și fiecare export este înregistrat în jurnal.",
                "Exports leave the district: small counts are hidden and every export is logged.",
            ),
            T::User => ("Utilizator", "User"),
            T::Role => ("Rol", "Role"),
            T::Device => ("Dispozitiv", "Device"),
            T::Enrolled => ("Înrolat", "Enrolled"),
            T::Revoked => ("Revocat", "Revoked"),
            T::Revoke => ("Revocă", "Revoke"),
            T::IssueCode => ("Cod de înrolare", "Enrollment code"),
            T::CodeIssued => (
                "Cod de unică folosință, valabil 72 de ore (arătat doar acum):",
                "One-time code, valid 72 hours (shown only now):",
            ),
            T::Time => ("Ora", "Time"),
            T::Action => ("Acțiune", "Action"),
            T::Subject => ("Obiect", "Subject"),
            T::Older => ("Mai vechi", "Older"),
            T::Resolve => ("Rezolvă", "Resolve"),
            T::Reason => ("Motiv", "Reason"),
            T::Field => ("Câmp", "Field"),
            T::Values => ("Valori", "Values"),
            T::WrittenBy => ("Scris de", "Written by"),
            T::Choose => ("Alege", "Choose"),
            T::Resolved => ("Conflict rezolvat.", "Conflict resolved."),
            T::Yes => ("da", "yes"),
            T::No => ("nu", "no"),
            T::Language => ("English", "Română"),
        }
    }
}

/// The name of an indicator measure.
pub fn measure(code: &str, lang: Lang) -> String {
    let (ro, en) = match code {
        "S01" => ("Sesizări (cazuri)", "Notifications (cases)"),
        "S02" => ("Copii (unici)", "Children (unique)"),
        "S02.rate" => ("Copii la 10.000", "Children per 10,000"),
        "S03" => (
            "Copii cu suspiciune confirmată",
            "Children with concern confirmed",
        ),
        "S04" => ("Înregistrate în 24 h", "Registered within 24 h"),
        "S05" => ("Evaluate la termen", "Assessed on time"),
        "S06.hours" => (
            "Ore până la prima acțiune (mediana)",
            "Hours to first action (median)",
        ),
        "S09.accepted" => ("Referiri acceptate", "Referrals accepted"),
        "S09.completed_30d" => (
            "Referiri finalizate în 30 de zile",
            "Referrals completed within 30 days",
        ),
        "S10" => ("Poliția anunțată în 24 h", "Police notified within 24 h"),
        "S12.follow_up_30d" => ("Monitorizare în 30 de zile", "Follow-up within 30 days"),
        "S12.review_3m" => ("Revizuire în 3 luni", "Review within 3 months"),
        "S13" => ("Resesizări într-un an", "Re-notified within a year"),
        "S14" => ("Cu componentă online", "With an online component"),
        "S15" => ("Trimise și la SNR", "Also referred to the NRS"),
        "S15.days" => (
            "Zile până la referirea la SNR (mediana)",
            "Days to NRS referral (median)",
        ),
        "S16" => ("Plasamente de urgență", "Emergency removals and placements"),
        _ => return code.to_string(),
    };
    match lang {
        Lang::Ro => ro.to_string(),
        Lang::En => en.to_string(),
    }
}

/// The name of a disaggregation.
pub fn dimension(by: Dimension, lang: Lang) -> &'static str {
    let (ro, en) = match by {
        Dimension::Sex => ("Sex", "Sex"),
        Dimension::AgeBand => ("Vârstă", "Age band"),
        Dimension::LegalAgeBand => ("Vârstă (lege)", "Legal age band"),
        Dimension::Settlement => ("Mediu", "Settlement"),
        Dimension::District => ("Raion", "District"),
        Dimension::Disability => ("Dizabilitate", "Disability"),
        Dimension::Form => ("Forma", "Form"),
        Dimension::Relationship => ("Relația cu agresorul", "Relationship"),
        Dimension::PerpetratorAge => ("Vârsta agresorului", "Perpetrator age"),
        Dimension::Reporter => ("Cine a sesizat", "Reporter"),
        Dimension::ParentsAbroad => ("Părinți plecați", "Parents abroad"),
        Dimension::Refugee => ("Refugiat", "Refugee"),
        Dimension::ReferralOutcome => ("Rezultatul referirii", "Referral outcome"),
        Dimension::Month => ("Luna", "Month"),
        Dimension::Quarter => ("Trimestrul", "Quarter"),
        Dimension::Year => ("Anul", "Year"),
    };
    match lang {
        Lang::Ro => ro,
        Lang::En => en,
    }
}

/// The label of a category key; keys without a label are shown as they
/// are, with spaces for underscores.
pub fn category(key: &str, lang: Lang) -> String {
    let (ro, en) = match key {
        "female" => ("fete", "girls"),
        "male" => ("băieți", "boys"),
        "unknown" => ("necunoscut", "unknown"),
        "urban" => ("urban", "urban"),
        "rural" => ("rural", "rural"),
        "sexual_abuse" => ("abuz sexual", "sexual abuse"),
        "commercial_sexual_exploitation" => (
            "exploatare sexuală comercială",
            "commercial sexual exploitation",
        ),
        "abuse_material" => ("materiale cu abuz", "abuse material"),
        "pornographic_performance" => ("spectacole pornografice", "pornographic performance"),
        "corruption_of_children" => ("corupere", "corruption of children"),
        "solicitation" => ("racolare (grooming)", "solicitation (grooming)"),
        "trafficking_sexual" => ("trafic în scop sexual", "trafficking for sexual purposes"),
        "sextortion" => ("sextorsiune", "sextortion"),
        "self_generated_under_pressure" => (
            "materiale autoproduse sub presiune",
            "self-generated under pressure",
        ),
        "other" => ("altele", "other"),
        "low" => ("scăzut", "low"),
        "medium" => ("mediu", "medium"),
        "high" => ("înalt", "high"),
        "imminent" => ("iminent", "imminent"),
        "open" => ("deschis", "open"),
        "closed" => ("închis", "closed"),
        _ => return key.replace('_', " "),
    };
    match lang {
        Lang::Ro => ro.to_string(),
        Lang::En => en.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_round_trip_and_switch() {
        for lang in [Lang::Ro, Lang::En] {
            assert_eq!(Lang::from_key(lang.key()), Some(lang));
            assert_ne!(lang.other(), lang);
        }
        assert_eq!(Lang::from_key("fr"), None);
        assert_eq!(T::SignIn.get(Lang::Ro), "Autentificare");
        assert_eq!(T::SignIn.get(Lang::En), "Sign in");
    }

    #[test]
    fn labels_fall_back_to_readable_keys() {
        assert_eq!(category("female", Lang::Ro), "fete");
        assert_eq!(category("child_self", Lang::En), "child self");
        assert_eq!(measure("S01", Lang::En), "Notifications (cases)");
        assert_eq!(measure("S07.high", Lang::En), "S07.high");
    }
}
