//! The period and district a page asks about, from its query string, and
//! the form that sets them. Default: the last twelve months to today.

use chrono::{Datelike, Months, NaiveDate, Utc};
use maud::{html, Markup};
use ocrotire_core::deadlines::local_date;
use ocrotire_core::indicators::Query;
use ocrotire_core::model::Role;
use serde::Deserialize;

use crate::office::report::checked_query;
use crate::reference::Reference;
use crate::web::i18n::{Lang, T};
use crate::web::session::Viewer;
use crate::web::WebError;

#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    pub from: Option<String>,
    pub to: Option<String>,
    /// A district code, or empty for all (outside a district only).
    pub district: Option<String>,
}

impl Filters {
    /// The checked query; a district officer's is always their district.
    pub fn query(&self, viewer: &Viewer, reference: &Reference) -> Result<Query, WebError> {
        let today = local_date(Utc::now());
        let date = |text: &Option<String>, default: NaiveDate| match text.as_deref() {
            None | Some("") => Ok(default),
            Some(text) => {
                NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| WebError::BadRequest)
            }
        };
        let year_ago = today
            .with_day(1)
            .and_then(|d| d.checked_sub_months(Months::new(11)))
            .unwrap_or(today);
        let from = date(&self.from, year_ago)?;
        let to = date(&self.to, today)?;
        let districts = match viewer.user.role {
            Role::DistrictOfficer => Some(vec![viewer.user.district.clone()]),
            _ => self
                .district
                .as_deref()
                .filter(|d| !d.is_empty())
                .map(|d| vec![d.to_string()]),
        };
        Ok(checked_query(reference, from, to, districts)?)
    }
}

/// The filter form for `query`, submitting to `action`.
pub fn form(
    action: &str,
    query: &Query,
    viewer: &Viewer,
    reference: &Reference,
    extra: Markup,
) -> Markup {
    let lang: Lang = viewer.lang;
    let chosen = query.districts.as_ref().and_then(|d| d.first());
    html! {
        form.filters method="get" action=(action) {
            label { (T::From.get(lang)) input type="date" name="from" value=(query.from); }
            label { (T::To.get(lang)) input type="date" name="to" value=(query.to); }
            @if viewer.user.role != Role::DistrictOfficer {
                label { (T::District.get(lang))
                    select name="district" {
                        option value="" { (T::AllDistricts.get(lang)) }
                        @for d in reference.units.districts() {
                            option value=(d.code) selected[chosen == Some(&d.code)] {
                                (d.names.get(lang.key()))
                            }
                        }
                    }
                }
            }
            (extra)
            button type="submit" { (T::Show.get(lang)) }
        }
    }
}
