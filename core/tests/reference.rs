//! The bundled reference data loads and validates, and bad imports give
//! typed errors.

use std::collections::BTreeMap;

use ocrotire_core::model::{RiskLevel, ServiceType};
use ocrotire_core::reference::{
    AdminUnits, ReferenceError, Region, ResponseRules, ServiceDirectory, Template,
};

const V1: &str = include_str!("../data/template_v1.json");

#[test]
fn template_v1_matches_the_domain() {
    let t = Template::v1().unwrap();
    assert_eq!((t.id(), t.version()), ("md-sesac-sdm", 1));
    assert!(t.status().contains("illustrative"));
    assert_eq!(t.imminent().len(), 6);
    assert_eq!(t.floors().len(), 3);
    assert!(t.floors().iter().all(|f| f.min_level == RiskLevel::High));
    assert_eq!(t.protective_cap(), 4);

    let risk: BTreeMap<&str, i32> = t
        .risk_factors()
        .iter()
        .map(|i| (i.id.as_str(), i.points))
        .collect();
    let expected = [
        ("repeated_or_ongoing_abuse", 3),
        ("perpetrator_in_household", 3),
        ("caregiver_disbelieves_or_pressures_retraction", 3),
        ("contact_abuse", 2),
        ("several_perpetrators", 2),
        ("images_made_or_shared", 2),
        ("person_of_trust_regular_access", 2),
        ("caregiver_impaired", 2),
        ("child_under_12", 2),
        ("disability_or_communication_difficulty", 2),
        ("earlier_notification_within_12_months", 2),
        ("running_away", 2),
        ("online_contact_unknown_adults_or_sharing_images", 2),
        ("gifts_or_money_from_adults", 2),
        ("left_behind_poor_supervision", 2),
        ("out_of_school", 1),
        ("child_substance_use", 1),
        ("child_in_residential_care", 1),
    ];
    assert_eq!(risk, expected.into_iter().collect());

    let protective: Vec<(&str, i32)> = t
        .protective_factors()
        .iter()
        .map(|i| (i.id.as_str(), i.points))
        .collect();
    assert_eq!(
        protective,
        [
            ("caregiver_believes_and_protects", 2),
            ("perpetrator_no_access", 2),
            ("trusted_adult_and_safety_plan", 1),
            ("regular_school_engaged_coordinator", 1),
            ("family_engages_with_services", 1),
        ]
    );

    for (score, level) in [
        (-4, RiskLevel::Low),
        (0, RiskLevel::Low),
        (3, RiskLevel::Low),
        (4, RiskLevel::Medium),
        (7, RiskLevel::Medium),
        (8, RiskLevel::High),
        (34, RiskLevel::High),
    ] {
        assert_eq!(t.band_level(score), level, "score {score}");
    }
}

#[test]
fn template_labels_are_trilingual_with_comma_below() {
    let t = Template::v1().unwrap();
    let ro = |id: &str| t.labels(id).unwrap().ro.clone();
    assert!(ro("caregiver_believes_and_protects").contains('ș'));
    assert!(ro("caregiver_impaired").contains('ț'));
    assert_eq!(
        t.labels("running_away").unwrap().get("ru"),
        "Уходит из дома"
    );
    assert_eq!(
        t.labels("running_away").unwrap().get("gag"),
        "Fuge de acasă"
    );
}

fn expect_err(json: &str) -> ReferenceError {
    Template::from_json(json).expect_err("template must be refused")
}

#[test]
fn duplicate_id_is_refused() {
    let json = V1.replace(
        "\"id\": \"several_perpetrators\"",
        "\"id\": \"contact_abuse\"",
    );
    assert!(matches!(expect_err(&json), ReferenceError::DuplicateId(id) if id == "contact_abuse"));
}

#[test]
fn oversized_template_is_refused_before_parsing() {
    let json = format!("{V1}{}", " ".repeat(256 * 1024));
    assert!(matches!(
        expect_err(&json),
        ReferenceError::TooLarge { limit: 262_144, .. }
    ));
}

#[test]
fn too_many_items_are_refused() {
    let item = r#"{"id":"x_ID","points":1,"labels":{"ro":"a","ru":"б","en":"a"}}"#;
    let items: Vec<String> = (0..201)
        .map(|n| item.replace("ID", &n.to_string()))
        .collect();
    let json = V1.replacen(
        "\"risk_factors\": [",
        &format!("\"risk_factors\": [{},", items.join(",")),
        1,
    );
    assert!(matches!(
        expect_err(&json),
        ReferenceError::TooManyItems { limit: 200, .. }
    ));
}

#[test]
fn overlong_or_empty_label_is_refused() {
    let long = "a".repeat(501);
    let json = V1.replace("\"en\": \"Running away\"", &format!("\"en\": \"{long}\""));
    assert!(
        matches!(expect_err(&json), ReferenceError::BadLabel { id, .. } if id == "running_away")
    );
    let json = V1.replace("\"en\": \"Running away\"", "\"en\": \" \"");
    assert!(matches!(expect_err(&json), ReferenceError::BadLabel { .. }));
}

#[test]
fn cedilla_in_romanian_is_refused() {
    let json = V1.replace("Fuge de acasă", "Fuge de acasă (ş)");
    assert!(
        matches!(expect_err(&json), ReferenceError::CedillaInRomanian(id) if id == "running_away")
    );
}

#[test]
fn negative_points_and_cap_are_refused() {
    let json = V1.replacen("\"points\": 1,", "\"points\": -1,", 1);
    assert!(matches!(
        expect_err(&json),
        ReferenceError::NegativePoints(_)
    ));
    let json = V1.replace("\"protective_cap\": 4", "\"protective_cap\": -1");
    assert!(matches!(expect_err(&json), ReferenceError::NegativeCap(-1)));
}

#[test]
fn bad_bands_are_refused() {
    let gap = V1.replace("\"from\": 4, \"to\": 7", "\"from\": 5, \"to\": 7");
    assert!(matches!(expect_err(&gap), ReferenceError::Bands(_)));
    let closed = V1.replace("\"from\": 8, \"to\": null", "\"from\": 8, \"to\": 99");
    assert!(matches!(expect_err(&closed), ReferenceError::Bands(_)));
    let falling = V1.replace("\"level\": \"medium\"", "\"level\": \"low\"");
    assert!(matches!(expect_err(&falling), ReferenceError::Bands(_)));
}

#[test]
fn malformed_ids_and_fields_are_refused() {
    let json = V1.replace("\"id\": \"running_away\"", "\"id\": \"Running Away\"");
    assert!(matches!(expect_err(&json), ReferenceError::InvalidId(_)));
    let json = V1.replace(
        "\"protective_cap\": 4",
        "\"protective_cap\": 4, \"extra\": 1",
    );
    assert!(matches!(expect_err(&json), ReferenceError::Json(_)));
    assert!(matches!(expect_err("{"), ReferenceError::Json(_)));
}

#[test]
fn service_directory_loads_and_looks_up() {
    let services = ServiceDirectory::bundled().unwrap();
    let units = AdminUnits::bundled().unwrap();
    services.check_districts(&units).unwrap();
    assert!((15..=20).contains(&services.all().len()));

    let police = services.get("national_emergency_112").unwrap();
    assert_eq!(
        (police.service_type, police.contacts.as_str()),
        (ServiceType::Police, "112")
    );
    let helpline = services.by_type(ServiceType::ChildHelpline).next().unwrap();
    assert!(helpline.contacts.starts_with("116 111"));

    // Ungheni's own police first, then the national line.
    let available = services.available(ServiceType::Police, "9200");
    let ids: Vec<&str> = available.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["ungheni_police_inspectorate", "national_emergency_112"]
    );
    assert!(services
        .in_district("1700")
        .all(|s| s.district.as_deref() == Some("1700")));
    assert!(services.in_district("0100").count() >= 5);
    assert!(services.get("nope").is_none());
}

#[test]
fn service_with_unknown_district_is_caught() {
    let json = include_str!("../data/services.json").replace("\"9200\"", "\"9999\"");
    let services = ServiceDirectory::from_json(&json).unwrap();
    let units = AdminUnits::bundled().unwrap();
    assert!(matches!(
        services.check_districts(&units),
        Err(ReferenceError::UnknownReference { .. })
    ));
    let dup = include_str!("../data/services.json").replace(
        "\"id\": \"cahul_prosecutor\"",
        "\"id\": \"national_emergency_112\"",
    );
    assert!(matches!(
        ServiceDirectory::from_json(&dup),
        Err(ReferenceError::DuplicateId(_))
    ));
}

#[test]
fn admin_units_load_and_look_up() {
    let units = AdminUnits::bundled().unwrap();
    assert!(
        !units.codes_verified(),
        "codes are unverified until checked"
    );
    assert!(units.note().contains("verified"));
    for iso in ["MD-CU", "MD-BA", "MD-CA", "MD-UN", "MD-GA"] {
        assert!(units.by_iso(iso).is_some(), "{iso}");
    }
    let ungheni = units.by_iso("MD-UN").unwrap();
    assert_eq!(ungheni.region, Region::Centre);
    assert_eq!(units.by_iso("MD-GA").unwrap().region, Region::AtuGagauzia);
    assert_eq!(units.by_iso("MD-CA").unwrap().region, Region::South);
    assert_eq!(units.by_iso("MD-BA").unwrap().region, Region::North);
    assert_eq!(units.by_iso("MD-CU").unwrap().region, Region::Chisinau);

    let town = &ungheni.localities[0];
    assert_eq!(units.is_rural(&town.code), Some(false));
    let village = ungheni
        .localities
        .iter()
        .find(|l| l.names.ro == "Sculeni")
        .unwrap();
    assert_eq!(units.is_rural(&village.code), Some(true));
    assert_eq!(units.district_of(&village.code).unwrap().code, ungheni.code);
    assert_eq!(units.district_of(&ungheni.code).unwrap().code, ungheni.code);
    assert_eq!(units.name_of(&village.code), Some("Sculeni"));
    assert_eq!(units.is_rural(&ungheni.code), None);
    assert_eq!(units.is_rural("0000000"), None);
    assert!(units.district(&village.code).is_none());
    assert!(units.locality(&village.code).is_some());
    let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    assert!(units.districts().iter().all(|d| d.is_valid_on(on)));
}

#[test]
fn bad_units_are_refused() {
    let json = include_str!("../data/units.json");
    let dup = json.replace("\"code\": \"9202000\"", "\"code\": \"9201000\"");
    assert!(matches!(
        AdminUnits::from_json(&dup),
        Err(ReferenceError::DuplicateId(_))
    ));
    let letters = json.replace("\"code\": \"9202000\"", "\"code\": \"UN-2\"");
    assert!(matches!(
        AdminUnits::from_json(&letters),
        Err(ReferenceError::InvalidCode(_))
    ));
    let iso = json.replace("\"MD-UN\"", "\"UN\"");
    assert!(matches!(
        AdminUnits::from_json(&iso),
        Err(ReferenceError::InvalidCode(_))
    ));
}

#[test]
fn response_rules_load() {
    let rules = ResponseRules::default_rules().unwrap();
    assert!(rules.legal_reference.contains("check"));
    assert!(!rules.public_holidays.is_empty());
    let json = include_str!("../data/response_rules.json");
    let too_long = json.replace("\"amount\": 24 }", "\"amount\": 100000 }");
    assert!(matches!(
        ResponseRules::from_json(&too_long),
        Err(ReferenceError::Invalid(_))
    ));
    let negative = json.replace("\"amount\": 24 }", "\"amount\": -1 }");
    assert!(matches!(
        ResponseRules::from_json(&negative),
        Err(ReferenceError::Json(_))
    ));
    let unknown_unit = json.replacen("\"unit\": \"immediate\"", "\"unit\": \"fortnights\"", 1);
    assert!(matches!(
        ResponseRules::from_json(&unknown_unit),
        Err(ReferenceError::Json(_))
    ));
}
