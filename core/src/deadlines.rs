//! Response clocks: when a visit, a team meeting, a referral
//! acknowledgement or a notification is due, and whether it is overdue.
//!
//! Terms come from [`ResponseRules`] (data, not constants). Day-counted
//! terms follow the usual legal convention: counting starts the day after
//! the event, and the term ends at the end of its last day in Moldovan
//! civil time, because that is the day a worker and a court would count.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Offset, Utc, Weekday,
};

use crate::model::RiskLevel;
pub use crate::reference::{PerLevel, ResponseRules, Term};

const HOUR: i32 = 3600;

/// Moldova's civil-time offset at `at`: EET (UTC+2), or EEST (UTC+3) from
/// the last Sunday of March to the last Sunday of October, both switches
/// at 00:00 UTC (the tz database's "Moldova" rule since 1997). Written out
/// here because a whole time-zone database is a heavy dependency for one
/// country whose rule has not changed in decades.
pub fn local_offset(at: DateTime<Utc>) -> FixedOffset {
    let year = at.year();
    let summer = match (last_sunday(year, 3), last_sunday(year, 10)) {
        (Some(start), Some(end)) => {
            let start = start.and_time(NaiveTime::MIN).and_utc();
            let end = end.and_time(NaiveTime::MIN).and_utc();
            start <= at && at < end
        }
        _ => false,
    };
    let hours = if summer { 3 } else { 2 };
    // Both offsets are far inside FixedOffset's range of +/- 24 h, so the
    // fallback is unreachable; it exists only to avoid a panic path.
    FixedOffset::east_opt(hours * HOUR).unwrap_or_else(|| Utc.fix())
}

/// The Moldovan calendar date at `at`.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    let offset = Duration::seconds(i64::from(local_offset(at).local_minus_utc()));
    let utc = at.naive_utc();
    // Only the very last representable instant has no local date; it
    // keeps its UTC date rather than panicking.
    utc.checked_add_signed(offset).unwrap_or(utc).date()
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let next_month = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = next_month.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    last.checked_sub_signed(Duration::days(i64::from(back)))
}

/// The instant the Moldovan day `date` ends (midnight starting the next
/// day). Local midnight is never inside a clock change, which happens at
/// 02:00 or 03:00 local, so it always exists and is unique.
pub fn end_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    let Some(next) = date.succ_opt() else {
        return DateTime::<Utc>::MAX_UTC;
    };
    let midnight = next.and_time(NaiveTime::MIN).and_utc();
    let before = |hours| midnight.checked_sub_signed(Duration::hours(hours));
    match before(2) {
        Some(winter) if local_offset(winter).local_minus_utc() == 3 * HOUR => {
            before(3).unwrap_or(winter)
        }
        Some(winter) => winter,
        None => DateTime::<Utc>::MIN_UTC,
    }
}

/// Monday to Friday, except listed public holidays.
pub fn is_working_day(date: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&date)
}

/// The `n`-th working day after `date` (`date` itself when `n` is 0).
pub fn add_working_days(date: NaiveDate, n: u32, holidays: &BTreeSet<NaiveDate>) -> NaiveDate {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        match day.succ_opt() {
            Some(next) => day = next,
            None => return NaiveDate::MAX,
        }
        if is_working_day(day, holidays) {
            left -= 1;
        }
    }
    day
}

/// When a term started at `from` runs out.
pub fn deadline(term: Term, from: DateTime<Utc>, holidays: &BTreeSet<NaiveDate>) -> DateTime<Utc> {
    match term {
        Term::Immediate {} => from,
        Term::Hours { amount } => from
            .checked_add_signed(Duration::hours(i64::from(amount)))
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        Term::CalendarDays { amount } => local_date(from)
            .checked_add_signed(Duration::days(i64::from(amount)))
            .map_or(DateTime::<Utc>::MAX_UTC, end_of_local_day),
        Term::WorkingDays { amount } => {
            end_of_local_day(add_working_days(local_date(from), amount, holidays))
        }
    }
}

/// Overdue means strictly after the deadline: a visit at the last second
/// is on time.
pub fn is_overdue(deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now > deadline
}

impl ResponseRules {
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        is_working_day(date, &self.public_holidays)
    }

    /// When `term`, started at `from`, runs out under these rules' holidays.
    pub fn deadline(&self, term: Term, from: DateTime<Utc>) -> DateTime<Utc> {
        deadline(term, from, &self.public_holidays)
    }

    /// First visit for a case at `level`, counted from identification.
    pub fn visit_deadline(&self, level: RiskLevel, identified_at: DateTime<Utc>) -> DateTime<Utc> {
        self.deadline(self.visit.get(level), identified_at)
    }

    /// Team meeting for a case at `level`, if the rules require one.
    pub fn team_meeting_deadline(
        &self,
        level: RiskLevel,
        identified_at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.team_meeting
            .get(level)
            .map(|term| self.deadline(term, identified_at))
    }

    /// After this a sent referral not yet acknowledged is overdue.
    pub fn acknowledgement_deadline(
        &self,
        level: RiskLevel,
        sent_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        self.deadline(self.referral_acknowledgement.get(level), sent_at)
    }

    /// Written notification of the guardianship authority.
    pub fn guardianship_notification_deadline(
        &self,
        identified_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        self.deadline(self.guardianship_notification, identified_at)
    }
}
