//! Synthetic indicator facts: a year of field work in the five bundled
//! districts, from a fixed seed, for the indicator benchmarks (core's over
//! facts in memory, the server's over its database) and the server's
//! export tests. Not a model of any real district.
//!
//! The mix: most cases assessed, half referred (one to three referrals in
//! every status), follow-ups, some closed, about one child in ten notified
//! twice.

use chrono::{DateTime, Duration as Days, NaiveDate, TimeZone, Utc};

use crate::indicators::facts::{AssessmentFacts, ReferralFacts};
use crate::indicators::CaseFacts;
use crate::model::{
    ClosureOutcome, FollowUpKind, ParentsAbroad, PerpetratorAge, RefugeeStatus, Relationship,
    ReportingSector, RiskLevel, ServiceType, SesacForm, Sex, UnsuccessfulReason, YesNoUnknown,
};
use crate::reference::Settlement;

/// The districts of the bundled population data.
pub const DISTRICTS: [&str; 5] = ["0100", "0300", "1700", "9200", "9600"];

/// `count` cases identified during 2026, the same for the same `seed`.
pub fn synthetic_facts(count: usize, seed: u64) -> Vec<CaseFacts> {
    let mut seq = Seq(seed | 1);
    (0..count).map(|i| case(i, &mut seq)).collect()
}

const STATUSES: [&str; 6] = [
    "sent",
    "accepted",
    "declined",
    "completed_successfully",
    "completed_unsuccessfully",
    "withdrawn",
];

/// xorshift64*: a fixed, dependency-free sequence for the data set.
struct Seq(u64);

impl Seq {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn case(i: usize, seq: &mut Seq) -> CaseFacts {
    // Constant, valid dates: these `expect`s cannot fail (and this module
    // is built for benchmarks and tests only).
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 6, 0, 0)
        .single()
        .expect("a valid time");
    let identified: DateTime<Utc> = start + Days::minutes(seq.below(364 * 24 * 60) as i64);
    let hours = |seq: &mut Seq, max: u64| identified + Days::hours(1 + seq.below(max) as i64);
    let levels = RiskLevel::ALL;
    let initial_assessment = seq.chance(85).then(|| AssessmentFacts {
        completed_at: hours(seq, 240),
        computed_level: seq.pick(levels),
        final_level: seq.pick(levels),
    });
    let referrals = (0..seq.below(4))
        .map(|_| ReferralFacts {
            service_type: seq.pick(ServiceType::ALL),
            sent_at: seq.chance(90).then(|| hours(seq, 72)),
            status: seq.pick(&STATUSES).to_string(),
            accepted: seq.chance(60),
            completed_successfully_at: seq.chance(30).then(|| hours(seq, 60 * 24)),
            unsuccessful_reason: seq.chance(10).then(|| seq.pick(UnsuccessfulReason::ALL)),
        })
        .collect();
    let first_visit =
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("date") + Days::days(seq.below(400) as i64);
    CaseFacts {
        case_id: format!("case{i:06}"),
        // About one child in ten is notified twice.
        child: format!("child{:06}", i - i % 10 * usize::from(seq.chance(10))),
        district: seq.pick(&DISTRICTS).to_string(),
        settlement: Some(if seq.chance(60) {
            Settlement::Rural
        } else {
            Settlement::Urban
        }),
        sex: seq.pick(Sex::ALL),
        age: seq.chance(95).then(|| seq.below(18) as u32),
        disability: seq.pick(YesNoUnknown::ALL),
        disability_domains: vec![],
        parents_abroad: seq.pick(ParentsAbroad::ALL),
        refugee: seq.pick(RefugeeStatus::ALL),
        reporter: seq.pick(ReportingSector::ALL),
        forms: (0..1 + seq.below(2))
            .map(|_| seq.pick(SesacForm::ALL))
            .collect(),
        relationship: seq.pick(Relationship::ALL),
        perpetrator_age: seq.pick(PerpetratorAge::ALL),
        online: seq.pick(YesNoUnknown::ALL),
        identified_at: identified,
        registered_at: seq.chance(90).then(|| hours(seq, 48)),
        crime_suspected: seq.chance(40),
        police_notified_at: seq.chance(30).then(|| hours(seq, 48)),
        initial_assessment,
        referrals,
        follow_ups: (0..seq.below(3))
            .map(|_| (seq.pick(FollowUpKind::ALL), first_visit))
            .collect(),
        nrs_at: seq.chance(5).then(|| hours(seq, 24 * 30)),
        closed: seq.chance(30).then(|| {
            (
                identified + Days::days(30 + seq.below(200) as i64),
                seq.pick(ClosureOutcome::ALL),
            )
        }),
    }
}
