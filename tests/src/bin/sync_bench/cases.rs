//! The case script (as in core/benches/store.rs, with varied text): every
//! device of every scenario builds its cases here, so that all scenarios
//! sync cases of the same shape and size as the store benchmark's.

use automerge::ActorId;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ocrotire_core::document::{CaseDoc, CaseOp, NewCase, OpContext};
use ocrotire_core::ids::random_id;
use ocrotire_core::model::*;
use ocrotire_core::reference::Template;

use crate::Res;

pub const DISTRICT: &str = "9200";
const LOCALITIES: [&str; 5] = ["9201000", "9202000", "9211000", "9212000", "9213000"];
const GIVEN: &str = "Ana Maria Elena Ion Mihai Cristina Andrei Daniela Victor Natalia Alexandru";
const FAMILY: &str = "Țurcanu Rusu Ciobanu Ceban Cojocaru Munteanu Lungu Popa Sârbu Bivol \
    Guțu Rotaru Moraru Cebotari Botnaru Roșca Plămădeală Vrabie Ursu Bejenaru";
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
/// Days after the notification on which notes are written.
const NOTE_DAYS: [i64; 3] = [1, 3, 6];
/// Words of the synthetic free text (see [`Words`]).
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

/// Automerge changes in each built case, creation included.
pub const SCRIPT_CHANGES: usize = 35;

pub struct Built {
    pub id: String,
    pub assessment_id: String,
    pub doc: CaseDoc,
}

pub fn build_case(n: usize, author: &Author, actor: &ActorId, template: &Template) -> Res<Built> {
    let today = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .ok_or("date")?;
    let opened = today - TimeDelta::days((n % 365) as i64) - TimeDelta::hours((n % 8) as i64);
    let id = random_id();
    let mut words = Words::seeded(&id);
    let new = new_case(n, id, opened, &author.user_id, &mut words);
    let assessment_id = random_id();
    let ops = case_ops(
        n,
        &new,
        &assessment_id,
        template,
        opened,
        author,
        &mut words,
    );
    let templates = std::slice::from_ref(template);
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
    Ok(Built {
        id: new.id,
        assessment_id,
        doc,
    })
}

fn new_case(n: usize, id: String, opened: DateTime<Utc>, user: &str, words: &mut Words) -> NewCase {
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
        child_words: Some(words.sentence(8, 14)),
    };
    NewCase {
        id,
        case_number: format!("{DISTRICT}-2026-{}.{}", &user[..user.len().min(4)], n + 1),
        district: DISTRICT.into(),
        child,
        notification,
    }
}

/// The notification registered, the child's details (twice), 2 consents, a
/// draft assessment with 10 answers (4 corrected) and safety scales
/// (twice), 2 referrals with 3 events each, 3 notes and a home visit.
fn case_ops(
    n: usize,
    new: &NewCase,
    assessment_id: &str,
    template: &Template,
    opened: DateTime<Utc>,
    author: &Author,
    words: &mut Words,
) -> Vec<(DateTime<Utc>, CaseOp)> {
    let day = |d: i64| opened + TimeDelta::days(d);
    let (mut child, mut notification) = (new.child.clone(), new.notification.clone());
    notification.registered_at = Some(opened + TimeDelta::hours(2));
    let given: Vec<&str> = GIVEN.split_whitespace().collect();
    let family: Vec<&str> = FAMILY.split_whitespace().collect();
    child.given_name = Some(given[n % given.len()].into());
    child.family_name = Some(family[n / given.len() % family.len()].into());
    child.contact = Some("grandmother, +373 69 000 000".into());
    let start = CaseOp::StartAssessment {
        id: assessment_id.into(),
        template_id: template.id().into(),
        template_version: template.version(),
    };
    let mut ops = vec![
        (day(0), CaseOp::UpdateNotification(notification)),
        (day(1), CaseOp::UpdateChild(child.clone())),
        (day(1), consent(day(1), vec![], author, words)),
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
            danger_statement: Some(words.sentence(8, 14)),
            safety_goal: Some(words.sentence(8, 14)),
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
            safety_instructions: Some(words.sentence(5, 9)),
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
    ops.push((day(2), consent(day(2), services.to_vec(), author, words)));
    for d in NOTE_DAYS {
        let (id, text) = (random_id(), words.sentence(10, 25));
        ops.push((day(d), CaseOp::AddNote { id, text }));
    }
    let follow_up = FollowUp {
        id: random_id(),
        kind: FollowUpKind::HomeVisit,
        date: day(7).date_naive(),
        by: author.clone(),
        child_seen: true,
        summary: Some(words.sentence(8, 14)),
        next_due: Some(day(37).date_naive()),
    };
    ops.push((day(7), CaseOp::AddFollowUp(follow_up)));
    child.contact = Some("aunt, +373 79 000 000".into());
    ops.push((day(8), CaseOp::UpdateChild(child)));
    ops
}

fn consent(
    at: DateTime<Utc>,
    scope: Vec<ServiceType>,
    author: &Author,
    words: &mut Words,
) -> CaseOp {
    CaseOp::RecordConsent(ConsentRecord {
        id: random_id(),
        at,
        by: author.clone(),
        scope,
        basis: ConsentBasis::Given {
            giver: ConsentGiver::Parent,
        },
        child_view: Some(words.sentence(5, 9)),
    })
}

/// Free text that differs from case to case, as real notes do: sentences of
/// words drawn from [`VOCABULARY`]. The same sentence in every case would
/// flatter any compression across cases, ours and the JSON baseline alike.
pub struct Words {
    state: u64,
    vocabulary: Vec<&'static str>,
}

impl Words {
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
        let count = min + self.below(max - min + 1);
        let mut text = String::new();
        for i in 0..count {
            let at = self.below(self.vocabulary.len());
            let word = self.vocabulary[at];
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

/// Every item id of the template.
pub fn all_items(template: &Template) -> Vec<String> {
    let ids = template.imminent().iter().map(|i| &i.id);
    let ids = ids.chain(template.floors().iter().map(|i| &i.id));
    let ids = ids.chain(template.risk_factors().iter().map(|i| &i.id));
    ids.chain(template.protective_factors().iter().map(|i| &i.id))
        .cloned()
        .collect()
}
