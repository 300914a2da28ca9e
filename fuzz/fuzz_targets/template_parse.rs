//! The reference data parsers fed arbitrary text: the assessment template
//! (and, once parsed, scoring with it), the response rules (and deadlines
//! computed from them), the service directory, administrative units,
//! population and the server's DHIS2 mapping. Each answers a typed error
//! or data that the code using it can use without panicking.
//!
//! Input: first byte picks the parser, the rest is the JSON text.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::TimeZone;
use libfuzzer_sys::fuzz_target;
use ocrotire_core::model::RiskLevel;
use ocrotire_core::reference::{AdminUnits, Population, ResponseRules, ServiceDirectory, Template};
use ocrotire_server::office::dhis2::Dhis2Mapping;

fn units() -> &'static AdminUnits {
    static UNITS: OnceLock<AdminUnits> = OnceLock::new();
    UNITS.get_or_init(|| AdminUnits::bundled().expect("the bundled units"))
}

fn use_template(template: &Template) {
    let ids: Vec<String> = template
        .imminent()
        .iter()
        .map(|i| i.id.clone())
        .chain(template.floors().iter().map(|i| i.id.clone()))
        .chain(template.risk_factors().iter().map(|i| i.id.clone()))
        .chain(template.protective_factors().iter().map(|i| i.id.clone()))
        .collect();
    for pattern in 0..4usize {
        let answers: BTreeMap<String, bool> = ids
            .iter()
            .enumerate()
            .map(|(n, id)| (id.clone(), (n + pattern) % (pattern + 1) == 0))
            .collect();
        let scoring = ocrotire_core::scoring::score(template, &answers, None, None)
            .expect("answers naming only the template's items score");
        assert!(scoring.final_level >= RiskLevel::Low);
    }
    for id in &ids {
        assert!(template.kind_of(id).is_some());
        assert!(template.labels(id).is_some());
    }
    for score in [i32::MIN, -1, 0, 1, i32::MAX] {
        template.band_level(score);
    }
    for band in template.bands() {
        assert_eq!(template.band_level(band.from), band.level);
    }
}

fn use_rules(rules: &ResponseRules) {
    let at = chrono::Utc
        .with_ymd_and_hms(2026, 12, 24, 16, 30, 0)
        .single()
        .expect("a date");
    for &level in RiskLevel::ALL {
        let visit = rules.visit_deadline(level, at);
        assert!(visit >= at);
        rules.team_meeting_deadline(level, at);
        assert!(rules.acknowledgement_deadline(level, at) >= at);
    }
    rules.guardianship_notification_deadline(at);
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(json) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 6 {
        0 => {
            if let Ok(template) = Template::from_json(json) {
                use_template(&template);
            }
        }
        1 => {
            if let Ok(rules) = ResponseRules::from_json(json) {
                use_rules(&rules);
            }
        }
        2 => {
            if let Ok(directory) = ServiceDirectory::from_json(json) {
                for service in directory.all() {
                    assert!(directory.get(&service.id).is_some());
                }
                let _ = directory.check_districts(units());
            }
        }
        3 => {
            if let Ok(units) = AdminUnits::from_json(json) {
                for district in units.districts() {
                    assert!(units.district(&district.code).is_some());
                }
            }
        }
        4 => {
            if let Ok(population) = Population::from_json(json) {
                let _ = population.check_districts(units());
            }
        }
        _ => {
            let _ = Dhis2Mapping::from_json(json, units());
        }
    }
});
