//! The page around every dashboard view: language, navigation for the
//! signed-in person's role, and the stylesheet. Maud escapes every value
//! put into a page, so nothing typed anywhere can become markup.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use ocrotire_core::model::Role;

use super::i18n::{Lang, T};
use super::session::Viewer;

/// Which navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Caseload,
    Conflicts,
    Devices,
    Audit,
    Export,
    SignIn,
}

/// The entries `role` may open, in order.
pub fn sections(role: Role) -> &'static [Section] {
    match role {
        Role::DistrictOfficer => &[
            Section::Overview,
            Section::Caseload,
            Section::Conflicts,
            Section::Devices,
            Section::Audit,
            Section::Export,
        ],
        Role::NationalAnalyst => &[Section::Overview, Section::Export],
        Role::Administrator => &[
            Section::Overview,
            Section::Devices,
            Section::Audit,
            Section::Export,
        ],
        Role::SocialAssistant | Role::CommunityMediator => &[],
    }
}

impl Section {
    pub fn path(self) -> &'static str {
        match self {
            Section::Overview => "/",
            Section::Caseload => "/caseload",
            Section::Conflicts => "/conflicts",
            Section::Devices => "/devices",
            Section::Audit => "/audit",
            Section::Export => "/export",
            Section::SignIn => "/login",
        }
    }

    fn title(self) -> T {
        match self {
            Section::Overview => T::Overview,
            Section::Caseload => T::Caseload,
            Section::Conflicts => T::Conflicts,
            Section::Devices => T::Devices,
            Section::Audit => T::Audit,
            Section::Export => T::Export,
            Section::SignIn => T::SignIn,
        }
    }
}

/// A whole page. `viewer` is `None` on the sign-in page.
pub fn page(viewer: Option<&Viewer>, lang: Lang, section: Section, body: Markup) -> Markup {
    let title = section.title().get(lang);
    html! {
        (DOCTYPE)
        html lang=(lang.key()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (T::AppName.get(lang)) }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                header {
                    strong { (T::AppName.get(lang)) }
                    @if let Some(viewer) = viewer {
                        nav {
                            @for s in sections(viewer.user.role) {
                                a href=(s.path()) class=[(*s == section).then_some("active")] {
                                    (s.title().get(lang))
                                }
                            }
                        }
                        span.who { (viewer.user.user_id) " · " (viewer.user.role.key()) " · " (viewer.user.district) }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(viewer.session.csrf_token);
                            button type="submit" { (T::SignOut.get(lang)) }
                        }
                    }
                    a.lang href={ "/lang?to=" (lang.other().key()) } { (T::Language.get(lang)) }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// An inline SVG chart made on the server (see `charts`): trusted markup.
pub fn svg(chart: Option<String>) -> Markup {
    match chart {
        Some(svg) => html! { figure.chart { (PreEscaped(svg)) } },
        None => html! {},
    }
}

pub const STYLESHEET: &str = r#"
@font-face { font-family: Roboto; src: url(/static/roboto.ttf); }
body { font-family: Roboto, sans-serif; margin: 0; color: #1d2733; background: #f6f7f9; }
header { display: flex; gap: 1.2em; align-items: center; flex-wrap: wrap; padding: .6em 1.2em; background: #0b4f6c; color: #fff; }
header a, header button { color: #fff; }
header nav { display: flex; gap: .9em; }
header nav a { text-decoration: none; padding: .2em .4em; border-radius: 4px; }
header nav a.active { background: rgba(255,255,255,.2); }
header form { margin: 0; }
header button { background: none; border: 1px solid #fff; border-radius: 4px; cursor: pointer; }
.who { margin-left: auto; opacity: .85; font-size: .9em; }
main { padding: 1em 1.5em; max-width: 1200px; }
table { border-collapse: collapse; background: #fff; margin: .5em 0 1.5em; }
th, td { border: 1px solid #d5dbe1; padding: .3em .6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.hidden { color: #8a95a1; font-style: italic; }
tr.attention td { background: #fff4e5; }
.note { color: #4a5866; font-size: .95em; }
.cards { display: flex; flex-wrap: wrap; gap: .8em; margin: 1em 0; }
.card { background: #fff; border: 1px solid #d5dbe1; border-radius: 6px; padding: .6em 1em; min-width: 10em; }
.card .big { font-size: 1.8em; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
figure.chart { margin: 0; background: #fff; border: 1px solid #d5dbe1; }
form.inline { display: inline; }
form.filters { display: flex; gap: .8em; align-items: end; flex-wrap: wrap; margin: .5em 0 1em; }
label { display: flex; flex-direction: column; font-size: .9em; }
.error { color: #a40e26; }
.code { font-family: monospace; font-size: 1.4em; letter-spacing: .1em; background: #fff; padding: .3em .6em; border: 1px dashed #0b4f6c; }
"#;
