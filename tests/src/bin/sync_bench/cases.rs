//! The case script itself is `ocrotire_core::bench_fixtures`, shared with
//! the core store benchmark so that both benchmarks build cases of the
//! same shape. What is the sync benchmark's own is fixed here: varied free
//! text (bytes on the wire are what it measures, and the same sentence in
//! every case would flatter any compression across cases, ours and the
//! JSON baseline alike), case numbers tagged with the creating user, and
//! each device's own actor and author.

use automerge::ActorId;
use chrono::{TimeZone, Utc};
use ocrotire_core::bench_fixtures::{BuiltCase, FreeText, Script};
use ocrotire_core::model::Author;
use ocrotire_core::reference::Template;

pub use ocrotire_core::bench_fixtures::{all_items, Words, CHANGES as SCRIPT_CHANGES, DISTRICT};

use crate::Res;

pub fn build_case(
    n: usize,
    author: &Author,
    actor: &ActorId,
    template: &Template,
) -> Res<BuiltCase> {
    let today = Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .ok_or("date")?;
    let user = &author.user_id;
    let script = Script {
        template,
        today,
        case_number_tag: &user[..user.len().min(4)],
        free_text: FreeText::Varied,
    };
    Ok(script.build_case(n, author, actor)?)
}
