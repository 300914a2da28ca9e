//! The indicator engine against hand-computed fixtures: six cases whose
//! every measure was worked out on paper (the reasoning is in the
//! comments), for the total, each disaggregation, a district filter and a
//! shorter period.

mod case_support;

use case_support::{base_time, packet, Replica};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use ocrotire_core::deadlines::ResponseRules;
use ocrotire_core::document::CaseOp;
use ocrotire_core::indicators::facts::{AssessmentFacts, ReferralFacts};
use ocrotire_core::indicators::{compute, CaseFacts, Context, Dimension, Query, Table, Value};
use ocrotire_core::model::*;
use ocrotire_core::reference::{AdminUnits, Population, Settlement};

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .expect("a valid time")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn base(id: &str, child: &str, district: &str, identified: DateTime<Utc>) -> CaseFacts {
    CaseFacts {
        case_id: id.into(),
        child: child.into(),
        district: district.into(),
        settlement: Some(Settlement::Rural),
        sex: Sex::Female,
        age: Some(13),
        disability: YesNoUnknown::No,
        disability_domains: vec![],
        parents_abroad: ParentsAbroad::Both,
        refugee: RefugeeStatus::NotRefugee,
        reporter: ReportingSector::Education,
        forms: vec![SesacForm::Solicitation],
        relationship: Relationship::OnlineOnlyContact,
        perpetrator_age: PerpetratorAge::Adult,
        online: YesNoUnknown::Yes,
        identified_at: identified,
        registered_at: Some(identified + Duration::hours(2)),
        crime_suspected: false,
        police_notified_at: None,
        initial_assessment: None,
        referrals: vec![],
        follow_ups: vec![],
        nrs_at: None,
        closed: None,
    }
}

fn assessed(done: DateTime<Utc>, computed: RiskLevel, last: RiskLevel) -> Option<AssessmentFacts> {
    Some(AssessmentFacts {
        completed_at: done,
        computed_level: computed,
        final_level: last,
    })
}

fn referral(service: ServiceType, sent: DateTime<Utc>, status: &str) -> ReferralFacts {
    ReferralFacts {
        service_type: service,
        sent_at: Some(sent),
        status: status.into(),
        accepted: false,
        completed_successfully_at: None,
        unsuccessful_reason: None,
    }
}

/// A, B, C, D, F are identified in 2026; E in December 2025 but its
/// referral is sent in January 2026. C is A's child notified again.
fn fixtures() -> Vec<CaseFacts> {
    let a0 = at(2026, 3, 10, 8);
    let mut a = base("A", "c1", "9200", a0);
    a.forms = vec![SesacForm::Solicitation, SesacForm::Sextortion];
    a.crime_suspected = true;
    a.police_notified_at = Some(a0 + Duration::hours(1));
    a.initial_assessment = assessed(a0 + Duration::hours(3), RiskLevel::Medium, RiskLevel::High);
    let mut police = referral(
        ServiceType::Police,
        a0 + Duration::hours(1),
        "completed_successfully",
    );
    police.accepted = true;
    police.completed_successfully_at = Some(a0 + Duration::days(10));
    a.referrals = vec![
        police,
        referral(
            ServiceType::PsychoPedagogical,
            a0 + Duration::hours(5),
            "declined",
        ),
    ];
    a.follow_ups = vec![
        (FollowUpKind::HomeVisit, day(2026, 3, 12)),
        (FollowUpKind::Review, day(2026, 5, 20)),
    ];
    a.closed = Some((at(2026, 6, 15, 9), ClosureOutcome::SafetyAchieved));

    let b0 = at(2026, 4, 1, 10);
    let mut b = base("B", "c2", "9200", b0);
    b.sex = Sex::Male;
    b.age = Some(16);
    b.settlement = Some(Settlement::Urban);
    b.registered_at = Some(b0 + Duration::hours(30));
    b.crime_suspected = true;
    b.police_notified_at = Some(b0 + Duration::hours(48));
    b.initial_assessment = assessed(b0 + Duration::days(10), RiskLevel::High, RiskLevel::High);
    let mut placement = referral(
        ServiceType::EmergencyPlacement,
        b0 + Duration::hours(20),
        "completed_unsuccessfully",
    );
    placement.accepted = true;
    placement.unsuccessful_reason = Some(UnsuccessfulReason::NoCapacity);
    b.referrals = vec![placement];
    b.nrs_at = Some(b0 + Duration::days(3));
    b.follow_ups = vec![(FollowUpKind::HomeVisit, day(2026, 5, 15))];
    b.online = YesNoUnknown::No;
    b.relationship = Relationship::Family;
    b.parents_abroad = ParentsAbroad::None;
    b.closed = Some((at(2026, 6, 1, 9), ClosureOutcome::ConcernNotConfirmed));

    let mut c = base("C", "c1", "9200", at(2026, 8, 1, 9));
    c.registered_at = None;
    c.online = YesNoUnknown::Unknown;
    c.reporter = ReportingSector::Police;

    let d0 = at(2026, 2, 1, 9);
    let mut d = base("D", "c3", "1700", d0);
    d.age = Some(3);
    d.registered_at = Some(d0 + Duration::hours(1));
    d.initial_assessment = assessed(d0 + Duration::days(2), RiskLevel::Low, RiskLevel::Low);
    d.online = YesNoUnknown::No;
    d.perpetrator_age = PerpetratorAge::Child;

    let mut e = base("E", "c4", "9200", at(2025, 12, 20, 9));
    e.referrals = vec![referral(
        ServiceType::Police,
        at(2026, 1, 5, 9),
        "withdrawn",
    )];

    let f0 = at(2026, 10, 1, 8);
    let mut f = base("F", "c5", "9200", f0);
    f.age = None;
    f.settlement = None;
    f.disability = YesNoUnknown::Yes;
    f.refugee = RefugeeStatus::Refugee;
    f.forms = vec![SesacForm::TraffickingSexual];
    f.crime_suspected = true;
    f.police_notified_at = Some(f0 + Duration::minutes(30));
    f.initial_assessment = assessed(
        f0 + Duration::hours(4),
        RiskLevel::Imminent,
        RiskLevel::High,
    );
    f.referrals = vec![referral(
        ServiceType::NrsTrafficking,
        f0 + Duration::hours(2),
        "sent",
    )];
    f.nrs_at = Some(f0 + Duration::hours(2));

    vec![a, b, c, d, e, f]
}

fn year_2026(districts: Option<Vec<String>>) -> Query {
    Query {
        from: day(2026, 1, 1),
        to: day(2026, 12, 31),
        districts,
    }
}

fn run(query: &Query, by: &[Dimension]) -> Vec<Table> {
    let rules = ResponseRules::default_rules().expect("rules");
    let population = Population::bundled().expect("population");
    let context = Context {
        rules: &rules,
        population: &population,
    };
    compute(&fixtures(), query, &context, by)
}

fn table<'a>(tables: &'a [Table], measure: &str, by: Option<Dimension>) -> &'a Table {
    tables
        .iter()
        .find(|t| t.measure == measure && t.by == by)
        .unwrap_or_else(|| panic!("no table {measure} by {by:?}"))
}

fn fraction(value: &Value) -> (u64, Option<u64>) {
    (value.numerator, value.denominator)
}

fn rows(table: &Table) -> Vec<(&str, u64, Option<u64>)> {
    table
        .rows
        .iter()
        .map(|(c, v)| (c.as_str(), v.numerator, v.denominator))
        .collect()
}

#[test]
fn every_total_matches_the_hand_computed_value() {
    let tables = run(&year_2026(None), &[]);
    let total = |m: &str| fraction(&table(&tables, m, None).total);
    // S01: A, B, C, D, F (E was identified in 2025).
    assert_eq!(total("S01"), (5, None));
    // S02: children c1 (A and C), c2, c3, c5.
    assert_eq!(total("S02"), (4, None));
    let rate = &table(&tables, "S02.rate", None).total;
    let children = Population::bundled()
        .expect("population")
        .children(None, None, None);
    assert_eq!((rate.numerator, rate.denominator), (4, children));
    // S03: assessed c1, c2, c3, c5; c2's case closed as not confirmed.
    assert_eq!(total("S03"), (3, Some(4)));
    // S04: registered within 24 h: A, D, F (B after 30 h, C never).
    assert_eq!(total("S04"), (3, Some(5)));
    // S05: A (3 h, high: 24 h), D (2 days, low: 7 days), F (4 h) on time; B took 10 days.
    assert_eq!(total("S05"), (3, Some(4)));
    // S06: high after assessment: A 1 h, B 20 h (placement before police), F 0.5 h.
    let s06 = &table(&tables, "S06.hours", None).total;
    assert_eq!((s06.numerator, s06.median), (3, Some(1.0)));
    // S07: final levels low D; high A, B, F. A raised, F lowered.
    assert_eq!(total("S07.low"), (1, Some(4)));
    assert_eq!(total("S07.medium"), (0, Some(4)));
    assert_eq!(total("S07.high"), (3, Some(4)));
    assert_eq!(total("S07.imminent"), (0, Some(4)));
    assert_eq!(total("S07.raised"), (1, Some(4)));
    assert_eq!(total("S07.lowered"), (1, Some(4)));
    // S08: of 4 children, one each to police (c1; E's c4 is not notified in 2026),
    // psycho-pedagogical (c1), emergency placement (c2), NRS (c5).
    for (service, referred) in [
        ("police", 1),
        ("psycho_pedagogical", 1),
        ("emergency_placement", 1),
        ("nrs_trafficking", 1),
        ("barnahus", 0),
    ] {
        assert_eq!(
            total(&format!("S08.{service}")),
            (referred, Some(4)),
            "{service}"
        );
    }
    // S09: referrals sent in 2026: A police, A psycho, B placement, E police, F NRS.
    assert_eq!(total("S09.accepted"), (2, Some(5)));
    assert_eq!(total("S09.completed_30d"), (1, Some(5)));
    assert_eq!(total("S09.declined"), (1, Some(5)));
    assert_eq!(total("S09.redirected"), (0, Some(5)));
    assert_eq!(total("S09.withdrawn"), (1, Some(5)));
    assert_eq!(total("S09.unsuccessful.no_capacity"), (1, Some(5)));
    assert_eq!(total("S09.unsuccessful.refused"), (0, Some(5)));
    // S10: crime suspected A (1 h), B (48 h), F (30 min).
    assert_eq!(total("S10"), (2, Some(3)));
    // S12: only A was visited within 30 days and reviewed within 3 months.
    assert_eq!(total("S12.follow_up_30d"), (1, Some(5)));
    assert_eq!(total("S12.review_3m"), (1, Some(5)));
    // S13: closures A (c1 notified again on 1 August) and B (never again).
    assert_eq!(total("S13"), (1, Some(2)));
    // S14: online A and F.
    assert_eq!(total("S14"), (2, Some(5)));
    // S15: B (3 days) and F (2 hours); median of 3 and 1/12 days.
    assert_eq!(total("S15"), (2, Some(5)));
    let s15 = &table(&tables, "S15.days", None).total;
    let expected = (3.0 + 2.0 / 24.0) / 2.0;
    assert_eq!(s15.numerator, 2);
    assert!((s15.median.expect("a median") - expected).abs() < 1e-9);
    // S16: B's emergency placement.
    assert_eq!(total("S16"), (1, None));
}

#[test]
fn every_disaggregation_places_each_case_in_its_category() {
    let tables = run(&year_2026(None), &Dimension::ALL);
    let s01 = |by| rows(table(&tables, "S01", Some(by)));
    // Rows come in category order; each is (category, count, none).
    let counts = |by| -> Vec<(String, u64)> {
        s01(by)
            .into_iter()
            .map(|(c, n, _)| (c.to_string(), n))
            .collect()
    };
    let expect = |pairs: &[(&str, u64)]| -> Vec<(String, u64)> {
        pairs.iter().map(|(c, n)| (c.to_string(), *n)).collect()
    };
    assert_eq!(
        counts(Dimension::Sex),
        expect(&[("female", 4), ("male", 1)])
    );
    assert_eq!(
        counts(Dimension::AgeBand),
        expect(&[("0-4", 1), ("10-14", 2), ("15-17", 1), ("unknown", 1)])
    );
    assert_eq!(
        counts(Dimension::LegalAgeBand),
        expect(&[("16-17", 1), ("under_14", 3), ("unknown", 1)])
    );
    assert_eq!(
        counts(Dimension::Settlement),
        expect(&[("rural", 3), ("unknown", 1), ("urban", 1)])
    );
    assert_eq!(
        counts(Dimension::District),
        expect(&[("1700", 1), ("9200", 4)])
    );
    assert_eq!(
        counts(Dimension::Disability),
        expect(&[("no", 4), ("yes", 1)])
    );
    assert_eq!(
        counts(Dimension::Form),
        expect(&[
            ("sextortion", 1),
            ("solicitation", 4),
            ("trafficking_sexual", 1)
        ])
    );
    assert_eq!(
        counts(Dimension::Relationship),
        expect(&[("family", 1), ("online_only_contact", 4)])
    );
    assert_eq!(
        counts(Dimension::PerpetratorAge),
        expect(&[("adult", 4), ("child", 1)])
    );
    assert_eq!(
        counts(Dimension::Reporter),
        expect(&[("education", 4), ("police", 1)])
    );
    assert_eq!(
        counts(Dimension::ParentsAbroad),
        expect(&[("both", 4), ("none", 1)])
    );
    assert_eq!(
        counts(Dimension::Refugee),
        expect(&[("not_refugee", 4), ("refugee", 1)])
    );
    // Every table of one dimension has the same rows: the months of cases,
    // referrals (January: E's) and closures (June) alike.
    assert_eq!(
        counts(Dimension::Month),
        expect(&[
            ("2026-01", 0),
            ("2026-02", 1),
            ("2026-03", 1),
            ("2026-04", 1),
            ("2026-06", 0),
            ("2026-08", 1),
            ("2026-10", 1)
        ])
    );
    assert_eq!(
        counts(Dimension::Quarter),
        expect(&[
            ("2026-Q1", 2),
            ("2026-Q2", 1),
            ("2026-Q3", 1),
            ("2026-Q4", 1)
        ])
    );
    assert_eq!(counts(Dimension::Year), expect(&[("2026", 5)]));
    // Cases have no referral outcome, so no case counts under one; referrals do.
    assert!(s01(Dimension::ReferralOutcome)
        .iter()
        .all(|(_, n, _)| *n == 0));
    assert_eq!(
        rows(table(
            &tables,
            "S09.accepted",
            Some(Dimension::ReferralOutcome)
        )),
        vec![
            ("completed_successfully", 1, Some(1)),
            ("completed_unsuccessfully", 1, Some(1)),
            ("declined", 0, Some(1)),
            ("sent", 0, Some(1)),
            ("withdrawn", 0, Some(1)),
        ]
    );
    // Referrals count in the month they were sent; closures in the month of closure.
    assert_eq!(
        rows(table(&tables, "S09.accepted", Some(Dimension::Month))),
        vec![
            ("2026-01", 0, Some(1)),
            ("2026-02", 0, Some(0)),
            ("2026-03", 1, Some(2)),
            ("2026-04", 1, Some(1)),
            ("2026-06", 0, Some(0)),
            ("2026-08", 0, Some(0)),
            ("2026-10", 0, Some(1)),
        ]
    );
    let closures = rows(table(&tables, "S13", Some(Dimension::Month)));
    assert!(closures.contains(&("2026-06", 1, Some(2))));
    assert!(closures
        .iter()
        .filter(|(m, _, _)| *m != "2026-06")
        .all(|(_, n, d)| (*n, *d) == (0, Some(0))));
    // Children count once per category, with their district's population as denominator.
    let population = Population::bundled().expect("population");
    let rate = table(&tables, "S02.rate", Some(Dimension::District));
    assert_eq!(
        rows(rate),
        vec![
            (
                "1700",
                1,
                population.children(Some(&["1700".into()]), None, None)
            ),
            (
                "9200",
                3,
                population.children(Some(&["9200".into()]), None, None)
            ),
        ]
    );
    // No population by disability: no rate.
    assert!(table(&tables, "S02.rate", Some(Dimension::Disability))
        .rows
        .iter()
        .all(|(_, v)| v.denominator.is_none()));
    // A percentage by category: S10 by sex (female A, F both within 24 h; male B late).
    assert_eq!(
        rows(table(&tables, "S10", Some(Dimension::Sex))),
        vec![("female", 2, Some(2)), ("male", 0, Some(1))]
    );
}

#[test]
fn a_district_and_a_shorter_period_narrow_what_counts() {
    let ungheni = run(&year_2026(Some(vec!["9200".into()])), &[]);
    assert_eq!(fraction(&table(&ungheni, "S01", None).total), (4, None));
    assert_eq!(fraction(&table(&ungheni, "S02", None).total), (3, None));
    let population = Population::bundled().expect("population");
    assert_eq!(
        table(&ungheni, "S02.rate", None).total.denominator,
        population.children(Some(&["9200".into()]), None, None)
    );

    let first_quarter = Query {
        from: day(2026, 1, 1),
        to: day(2026, 3, 31),
        districts: None,
    };
    let q1 = run(&first_quarter, &[]);
    // Cases A and D; referrals E (5 January) and A's two.
    assert_eq!(fraction(&table(&q1, "S01", None).total), (2, None));
    assert_eq!(
        fraction(&table(&q1, "S09.accepted", None).total),
        (1, Some(3))
    );
    assert_eq!(fraction(&table(&q1, "S13", None).total), (0, Some(0)));
}

#[test]
fn facts_come_from_the_case_file_without_names_or_text() {
    let mut device = Replica::first(1, Role::SocialAssistant);
    let later = |hours| base_time() + Duration::hours(hours);
    let mut child = case_support::new_case().child;
    child.given_name = Some("Ana".into());
    child.birth_date = Some(day(2013, 5, 14));
    device.apply(&CaseOp::UpdateChild(child)).expect("child");
    device.apply(&device.template_op("a1")).expect("start");
    device
        .apply(&CaseOp::AnswerItem {
            assessment_id: "a1".into(),
            item_id: "child_under_12".into(),
            answer: true,
        })
        .expect("answer");
    device
        .apply_at(
            &CaseOp::CompleteAssessment {
                assessment_id: "a1".into(),
            },
            later(5),
        )
        .expect("complete");
    device
        .apply(&CaseOp::AddReferral {
            id: "r1".into(),
            service_type: ServiceType::NrsTrafficking,
            service_id: None,
            packet: packet(),
        })
        .expect("referral");
    for (event, hours) in [
        (ReferralEventKind::Sent, 6),
        (ReferralEventKind::Accepted, 30),
        (ReferralEventKind::CompletedSuccessfully, 200),
    ] {
        device
            .apply_at(
                &CaseOp::AddReferralEvent {
                    referral_id: "r1".into(),
                    event,
                },
                later(hours),
            )
            .expect("event");
    }
    device
        .apply_at(&CaseOp::AddCaseEvent(CaseEvent::FlaggedNrs), later(3))
        .expect("flag");
    device
        .apply_at(
            &CaseOp::AddCaseEvent(CaseEvent::Closed {
                outcome: ClosureOutcome::SafetyAchieved,
                reason: "Grandmother moved in".into(),
            }),
            later(400),
        )
        .expect("close");

    let units = AdminUnits::bundled().expect("units");
    let facts = CaseFacts::of(&device.doc.view().expect("view"), &units);
    assert_eq!(facts.child, "p-0001");
    assert_eq!(facts.district, "0100");
    assert_eq!(facts.age, Some(12));
    assert_eq!(
        facts.settlement,
        units.locality("0101").map(|l| l.settlement)
    );
    let assessment = facts.initial_assessment.as_ref().expect("assessed");
    assert_eq!(assessment.completed_at, later(5));
    let [referral] = facts.referrals.as_slice() else {
        panic!("one referral")
    };
    assert_eq!(referral.sent_at, Some(later(6)));
    assert!(referral.accepted);
    assert_eq!(referral.completed_successfully_at, Some(later(200)));
    assert_eq!(referral.status, "completed_successfully");
    // Flagged after 3 hours, referred after 6: the NRS date is the earlier.
    assert_eq!(facts.nrs_at, Some(later(3)));
    assert_eq!(
        facts.closed,
        Some((later(400), ClosureOutcome::SafetyAchieved))
    );
    // Nothing a person wrote travels with the facts.
    let json = serde_json::to_string(&facts).expect("json");
    assert!(
        !json.contains("Ana") && !json.contains("Grandmother"),
        "{json}"
    );
    // The stored form comes back whole, and damaged bytes are refused.
    let stored = facts.encode().expect("encode");
    assert_eq!(CaseFacts::decode(&stored).expect("decode"), facts);
    assert!(CaseFacts::decode(&stored[..stored.len() / 2]).is_err());
}

/// A worker's device counts its own caseload with the same engine, from
/// the encrypted store on disk.
#[test]
fn a_device_counts_its_own_caseload() {
    use ocrotire_core::caseload::{Caseload, Identity};
    use ocrotire_core::store::StoreConfig;

    let dir = tempfile::tempdir().expect("temp dir");
    let identity = Identity::new("sa-1", Role::SocialAssistant, "0100");
    let mut caseload =
        Caseload::create(dir.path(), "482913", None, StoreConfig::default(), identity)
            .expect("caseload");
    let case = case_support::new_case();
    for (n, sex) in [Sex::Female, Sex::Female, Sex::Male]
        .into_iter()
        .enumerate()
    {
        let mut child = case.child.clone();
        child.sex = sex;
        child.pseudonym = format!("p-{n}");
        let at = base_time() + Duration::days(n as i64);
        let mut notification = case.notification.clone();
        notification.identified_at = at;
        notification.received_at = at;
        caseload
            .create_case_at(child, notification, at)
            .expect("case");
    }
    let query = Query {
        from: base_time().date_naive(),
        to: base_time().date_naive() + Duration::days(1),
        districts: None,
    };
    let tables = caseload
        .indicators(&query, &[Dimension::Sex])
        .expect("indicators");
    let find = |by: Option<Dimension>| {
        tables
            .iter()
            .find(|t| t.measure == "S01" && t.by == by)
            .expect("S01")
    };
    // The third case falls after the period.
    assert_eq!(find(None).total.numerator, 2);
    let by_sex: Vec<(&str, u64)> = find(Some(Dimension::Sex))
        .rows
        .iter()
        .map(|(c, v)| (c.as_str(), v.numerator))
        .collect();
    assert!(by_sex.contains(&("female", 2)));
    assert!(!by_sex.iter().any(|(c, n)| *c == "male" && *n > 0));
}
