//! The case script of the benchmarks: the ~35 operations a social
//! assistant records for one case over a few weeks.
//!
//! It lives in the library, behind the `bench-fixtures` feature, because
//! two benchmarks must build the same cases for their numbers to be
//! comparable: the store benchmark (`core/benches/store.rs`, in this
//! package, which cannot depend on `ocrotire-tests`) and the sync benchmark
//! (`ocrotire-tests`' `sync_bench`). No app or bindings build enables the
//! feature; it is synthetic data, not a model of any real case.

mod facts;

pub use facts::{synthetic_facts, DISTRICTS};

use automerge::ActorId;
use chrono::{DateTime, TimeDelta, Utc};

use crate::document::{CaseDoc, CaseOp, DocError, NewCase, OpContext};
use crate::ids::random_id;
use crate::model::{
    Author, Channel, Child, ConsentBasis, ConsentGiver, ConsentRecord, FollowUp, FollowUpKind,
    Notification, PerpetratorAge, ReferralEventKind, ReferralPacket, Relationship, ReportingSector,
    ServiceType, SesacForm, Sex, YesNoUnknown,
};
use crate::reference::Template;

/// The district of every built case.
pub const DISTRICT: &str = "9200";
/// Automerge changes in each built case, creation included.
pub const CHANGES: usize = 35;
const LOCALITIES: [&str; 5] = ["9201000", "9202000", "9211000", "9212000", "9213000"];
const GIVEN: [&str; 11] = [
    "Ana",
    "Maria",
    "Elena",
    "Ion",
    "Mihai",
    "Cristina",
    "Andrei",
    "Daniela",
    "Victor",
    "Natalia",
    "Alexandru",
];
/// Case `n` gets family name `n / 11 % 20`, so one case in 20 is a
/// "Țurcanu": the store benchmark searches for it without diacritics.
const FAMILY: [&str; 20] = [
    "Țurcanu",
    "Rusu",
    "Ciobanu",
    "Ceban",
    "Cojocaru",
    "Munteanu",
    "Lungu",
    "Popa",
    "Sârbu",
    "Bivol",
    "Guțu",
    "Rotaru",
    "Moraru",
    "Cebotari",
    "Botnaru",
    "Roșca",
    "Plămădeală",
    "Vrabie",
    "Ursu",
    "Bejenaru",
];
/// The draft assessment's answers in every case, before corrections.
const ANSWERED: [&str; 10] = [
    "online_contact_unknown_adults_or_sharing_images",
    "images_made_or_shared",
    "gifts_or_money_from_adults",
    "left_behind_poor_supervision",
    "child_under_12",
    "repeated_or_ongoing_abuse",
    "caregiver_impaired",
    "running_away",
    "trusted_adult_and_safety_plan",
    "regular_school_engaged_coordinator",
];
/// Notes written on the given day after the notification, with their text
/// when the text is [`FreeText::Fixed`].
const NOTES: [(i64, &str); 3] = [
    (
        1,
        "Home visit: grandmother present, child calm, phone handed over.",
    ),
    (
        3,
        "Police took the statement; the psychologist was present.",
    ),
    (
        6,
        "School coordinator informed; no contact from the adult since.",
    ),
];
/// Words of the varied free text (see [`Words`]).
const VOCABULARY: &str = "child grandmother mother father aunt uncle brother sister teacher \
    coordinator psychologist police officer mediator doctor nurse school class home visit \
    phone call message messages photos images account adult stranger contact contacts online \
    chat game group night evening morning weekend week day yesterday today tomorrow calm \
    afraid quiet upset tired better worse safe unsafe present absent agreed refused asked \
    explained promised reported confirmed blocked deleted changed handed over kept stopped \
    started returned visited called met talked listened slept ate attended missed plan \
    safety goal rule rules password settings device tablet laptop village Ungheni Cornești \
    Sculeni Valea Mare bus road shop neighbour friend friends cousin priest mayor office \
    statement report referral appointment session counselling support money gift threat \
    threatened pressure pressured send sent share shared again since no not yet still also \
    with without about after before during because when while and but so the a her his \
    their its new old first second third two three four five ten twelve fourteen";

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error(transparent)]
    Doc(#[from] DocError),
    #[error("the case script made {0} changes, not {CHANGES}")]
    Changes(usize),
}

/// The free text of the built cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeText {
    /// The same sentences in every case: the store benchmark measures
    /// recording and listing, where the text's variety does not matter.
    Fixed,
    /// Sentences drawn by [`Words`] seeded with the case id: the sync
    /// benchmark measures bytes, and the same sentence in every case would
    /// flatter any compression across cases.
    Varied,
}

/// How a benchmark builds its cases; [`Script::build_case`] builds one.
#[derive(Debug, Clone, Copy)]
pub struct Script<'a> {
    pub template: &'a Template,
    /// Case `n` is opened `n % 365` days and `n % 8` hours before this.
    pub today: DateTime<Utc>,
    /// The middle of the case numbers, `9200-2026-<tag>.<n + 1>`.
    pub case_number_tag: &'a str,
    pub free_text: FreeText,
}

/// A case built in memory, and its draft assessment.
#[derive(Debug, Clone)]
pub struct BuiltCase {
    pub id: String,
    pub assessment_id: String,
    pub doc: CaseDoc,
}

impl Script<'_> {
    /// Case `n`, with its [`CHANGES`] Automerge changes all made by `actor`
    /// on behalf of `author`.
    pub fn build_case(
        &self,
        n: usize,
        author: &Author,
        actor: &ActorId,
    ) -> Result<BuiltCase, FixtureError> {
        let opened =
            self.today - TimeDelta::days((n % 365) as i64) - TimeDelta::hours((n % 8) as i64);
        let id = random_id();
        let mut text = match self.free_text {
            FreeText::Fixed => Text::Fixed,
            FreeText::Varied => Text::Varied(Words::seeded(&id)),
        };
        let new = self.new_case(n, id, opened, &mut text);
        let assessment_id = random_id();
        let ops = self.case_ops(n, &new, &assessment_id, opened, author, &mut text);
        if ops.len() + 1 != CHANGES {
            return Err(FixtureError::Changes(ops.len() + 1));
        }
        let templates = std::slice::from_ref(self.template);
        let ctx = |now| OpContext {
            actor,
            author,
            now,
            templates,
        };
        let mut doc = CaseDoc::create(&new, &ctx(opened))?;
        for (at, op) in &ops {
            doc.apply(op, &ctx(*at))?;
        }
        Ok(BuiltCase {
            id: new.id,
            assessment_id,
            doc,
        })
    }

    /// The notification as first recorded: no name yet, a pseudonym.
    fn new_case(&self, n: usize, id: String, opened: DateTime<Utc>, text: &mut Text) -> NewCase {
        let locality = LOCALITIES[n % LOCALITIES.len()];
        let mut child = Child::new(random_id(), Sex::ALL[n % 2], locality);
        child.estimated_birth_year = Some(2010 + (n % 8) as i32);
        let notification = Notification {
            reporter_sector: ReportingSector::ALL[n % ReportingSector::ALL.len()],
            channel: Channel::InPerson,
            identified_at: opened,
            received_at: opened,
            registered_at: None,
            forms: vec![SesacForm::Solicitation, SesacForm::Sextortion],
            online_component: YesNoUnknown::Yes,
            last_incident: Some(opened.date_naive()),
            perpetrator_relationship: Relationship::OnlineOnlyContact,
            perpetrator_age: PerpetratorAge::Adult,
            crime_suspected: true,
            police_notified_at: Some(opened + TimeDelta::hours(1)),
            child_words: Some(text.sentence(
                "He said he would send the photos to my class.",
                8,
                14,
            )),
        };
        NewCase {
            id,
            case_number: format!("{DISTRICT}-2026-{}.{}", self.case_number_tag, n + 1),
            district: DISTRICT.into(),
            child,
            notification,
        }
    }

    /// What follows over the next days: the notification registered, the
    /// child's details (twice), 2 consents, a draft assessment with 10
    /// answers (4 corrected) and safety scales (twice), 2 referrals with 3
    /// events each, 3 notes and a home visit.
    fn case_ops(
        &self,
        n: usize,
        new: &NewCase,
        assessment_id: &str,
        opened: DateTime<Utc>,
        author: &Author,
        text: &mut Text,
    ) -> Vec<(DateTime<Utc>, CaseOp)> {
        let day = |d: i64| opened + TimeDelta::days(d);
        let (mut child, mut notification) = (new.child.clone(), new.notification.clone());
        notification.registered_at = Some(opened + TimeDelta::hours(2));
        child.given_name = Some(GIVEN[n % GIVEN.len()].into());
        child.family_name = Some(FAMILY[n / GIVEN.len() % FAMILY.len()].into());
        child.contact = Some("grandmother, +373 69 000 000".into());
        let start = CaseOp::StartAssessment {
            id: assessment_id.into(),
            template_id: self.template.id().into(),
            template_version: self.template.version(),
        };
        let mut ops = vec![
            (day(0), CaseOp::UpdateNotification(notification)),
            (day(1), CaseOp::UpdateChild(child.clone())),
            (day(1), consent(day(1), vec![], author, text)),
            (day(1), start),
        ];
        let answer = |item: &str, yes| CaseOp::AnswerItem {
            assessment_id: assessment_id.into(),
            item_id: item.into(),
            answer: yes,
        };
        ops.extend(ANSWERED.iter().map(|item| (day(1), answer(item, true))));
        ops.extend(ANSWERED[4..8].iter().map(|i| (day(2), answer(i, false))));
        for (d, scale) in [(1, 4), (5, 6)] {
            let op = CaseOp::SetSafety {
                assessment_id: assessment_id.into(),
                child_safety_scale: Some(scale),
                worker_safety_scale: Some(scale + 1),
                danger_statement: Some(text.sentence(
                    "An adult met online pressures the child for images.",
                    8,
                    14,
                )),
                safety_goal: Some(text.sentence(
                    "The child stops contact and knows whom to call.",
                    8,
                    14,
                )),
            };
            ops.push((day(d), op));
        }
        let services = [ServiceType::Police, ServiceType::PsychoPedagogical];
        for service_type in services {
            let packet = ReferralPacket {
                age_band: "10-14".into(),
                sex: child.sex,
                language: "ro".into(),
                accessibility_needs: None,
                category: vec![SesacForm::Solicitation],
                risk_level: None,
                safety_instructions: Some(text.sentence("Contact through the grandmother.", 5, 9)),
                consent_obtained: true,
                contact_person: Some("grandmother".into()),
            };
            let id = random_id();
            let add = CaseOp::AddReferral {
                id: id.clone(),
                service_type,
                service_id: None,
                packet,
            };
            ops.push((day(2), add));
            use ReferralEventKind::{Accepted, Acknowledged, Sent};
            for (d, event) in (2..).zip([Sent, Acknowledged, Accepted]) {
                let referral_id = id.clone();
                ops.push((day(d), CaseOp::AddReferralEvent { referral_id, event }));
            }
        }
        ops.push((day(2), consent(day(2), services.to_vec(), author, text)));
        for (d, fixed) in NOTES {
            let (id, text) = (random_id(), text.sentence(fixed, 10, 25));
            ops.push((day(d), CaseOp::AddNote { id, text }));
        }
        let follow_up = FollowUp {
            id: random_id(),
            kind: FollowUpKind::HomeVisit,
            date: day(7).date_naive(),
            by: author.clone(),
            child_seen: true,
            summary: Some(text.sentence("Child attends school, sleeps better; plan holds.", 8, 14)),
            next_due: Some(day(37).date_naive()),
        };
        ops.push((day(7), CaseOp::AddFollowUp(follow_up)));
        child.contact = Some("aunt, +373 79 000 000".into());
        ops.push((day(8), CaseOp::UpdateChild(child)));
        ops
    }
}

fn consent(at: DateTime<Utc>, scope: Vec<ServiceType>, author: &Author, text: &mut Text) -> CaseOp {
    CaseOp::RecordConsent(ConsentRecord {
        id: random_id(),
        at,
        by: author.clone(),
        scope,
        basis: ConsentBasis::Given {
            giver: ConsentGiver::Parent,
        },
        child_view: Some(text.sentence("Agrees, wants her grandmother present.", 5, 9)),
    })
}

/// Every item id of the template, to spread answers over all of them.
pub fn all_items(template: &Template) -> Vec<String> {
    let ids = template.imminent().iter().map(|i| &i.id);
    let ids = ids.chain(template.floors().iter().map(|i| &i.id));
    let ids = ids.chain(template.risk_factors().iter().map(|i| &i.id));
    ids.chain(template.protective_factors().iter().map(|i| &i.id))
        .cloned()
        .collect()
}

/// Where one case's free text comes from, per [`FreeText`].
enum Text {
    Fixed,
    Varied(Words),
}

impl Text {
    /// `fixed`, or a sentence of `min..=max` words.
    fn sentence(&mut self, fixed: &str, min: usize, max: usize) -> String {
        match self {
            Text::Fixed => fixed.to_string(),
            Text::Varied(words) => words.sentence(min, max),
        }
    }
}

/// Free text that differs from case to case, as real notes do: sentences
/// of words drawn from a fixed vocabulary, reproducible from a seed.
pub struct Words {
    state: u64,
    vocabulary: Vec<&'static str>,
}

impl Words {
    /// Seeded with the first 16 hex digits of `case_id`, so a case's text
    /// follows from its id.
    pub fn seeded(case_id: &str) -> Words {
        let seed = case_id
            .get(..16)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        Words {
            state: seed,
            vocabulary: VOCABULARY.split_whitespace().collect(),
        }
    }

    /// SplitMix64.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A sentence of `min..=max` words.
    pub fn sentence(&mut self, min: usize, max: usize) -> String {
        let count = min + self.below(max.saturating_sub(min) + 1);
        let mut text = String::new();
        for i in 0..count {
            let at = self.below(self.vocabulary.len());
            let Some(word) = self.vocabulary.get(at) else {
                continue;
            };
            if i == 0 {
                let mut chars = word.chars();
                text.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                text.push_str(chars.as_str());
            } else {
                text.push(' ');
                text.push_str(word);
            }
        }
        text.push('.');
        text
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::Role;

    #[test]
    fn every_case_has_the_scripted_changes() -> Result<(), Box<dyn std::error::Error>> {
        let template = Template::v1()?;
        let author = Author {
            user_id: "sa-test".into(),
            role: Role::SocialAssistant,
        };
        for free_text in [FreeText::Fixed, FreeText::Varied] {
            let script = Script {
                template: &template,
                today: Utc
                    .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
                    .single()
                    .ok_or("date")?,
                case_number_tag: "test",
                free_text,
            };
            let built = script.build_case(3, &author, &ActorId::random())?;
            let changes = built.doc.changes_since(&Default::default());
            let doc = automerge::Automerge::load(&changes)?;
            assert_eq!(doc.get_changes(&[]).len(), CHANGES);
        }
        Ok(())
    }

    #[test]
    fn words_follow_the_seed() {
        let id = "0123456789abcdef0123456789abcdef";
        let a = Words::seeded(id).sentence(8, 14);
        assert_eq!(a, Words::seeded(id).sentence(8, 14));
        let count = a.split_whitespace().count();
        assert!((8..=14).contains(&count), "{a}");
        assert!(a.ends_with('.'));
    }
}
