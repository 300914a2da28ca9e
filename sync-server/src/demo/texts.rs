//! The free text of the demo's cases: short, plainly synthetic sentences
//! of the kind workers write, and common first and family names. None of
//! it describes a real child; a fixed list keeps the demo reproducible.

/// First names: Romanian, and for ATU Gagauzia also Gagauz and Russian.
pub const GIVEN: [&str; 16] = [
    "Ana",
    "Maria",
    "Elena",
    "Cristina",
    "Daniela",
    "Natalia",
    "Ecaterina",
    "Irina",
    "Ion",
    "Mihai",
    "Andrei",
    "Victor",
    "Alexandru",
    "Nicolae",
    "Vasile",
    "Dumitru",
];
pub const GIVEN_SOUTH: [&str; 8] = [
    "Olesea", "Tatiana", "Svetlana", "Dmitri", "Sergei", "Fiodor", "Piotr", "Galina",
];
pub const FAMILY: [&str; 20] = [
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
pub const FAMILY_SOUTH: [&str; 8] = [
    "Tanasoglu",
    "Manolov",
    "Ormanji",
    "Caraseni",
    "Topal",
    "Kilinci",
    "Petrov",
    "Ivanova",
];

/// Whom a worker contacts about the child (no phone numbers: the demo
/// must not print anything dialable).
pub const CONTACTS: [&str; 6] = [
    "mother, through the school coordinator",
    "grandmother, at home in the mornings",
    "aunt, through the mayor's office",
    "father, by phone after 18:00",
    "foster carer, through the district office",
    "older sister, through the family doctor",
];

/// The child's own words, short, as a first contact records them.
pub const CHILD_WORDS: [&str; 8] = [
    "He said he would send the photos to my class.",
    "I do not want to go home tonight.",
    "He told me it was our secret.",
    "She gave me money and asked for pictures.",
    "They said nobody would believe me.",
    "I blocked him but he made a new account.",
    "He comes when mother is at work.",
    "I want it to stop.",
];

pub const DANGER: [&str; 6] = [
    "An adult met online pressures the child for images.",
    "The alleged abuser lives in the household and has access at night.",
    "Images of the child are being shared in a class chat group.",
    "A neighbour offers gifts and asks the child to visit alone.",
    "The child was promised work abroad by an acquaintance.",
    "An older partner threatens to publish photos unless the child pays.",
];

pub const GOALS: [&str; 5] = [
    "The child stops contact and knows whom to call.",
    "The child sleeps at the grandmother's until the police act.",
    "No unsupervised contact with the alleged abuser.",
    "The school coordinator checks in with the child every day.",
    "The family reports any new message to the police at once.",
];

pub const NOTES: [&str; 10] = [
    "Home visit: grandmother present, child calm, phone handed over.",
    "Police took the statement; the psychologist was present.",
    "School coordinator informed; no contact from the adult since.",
    "Mother agreed to the safety plan and keeps the tablet at night.",
    "Child attended the first counselling session.",
    "Called the family: no answer, will try again tomorrow.",
    "Team meeting with police and school; roles agreed.",
    "Child missed school twice this week; coordinator will visit.",
    "Father left the household; mother applied for a protection order.",
    "Child says things are better at home and at school.",
];

pub const VISIT_SUMMARIES: [&str; 6] = [
    "Child attends school, sleeps better; plan holds.",
    "Child seen alone, says the contact stopped.",
    "Family cooperates; next visit agreed.",
    "Child not at home; spoke with the grandmother.",
    "Safety plan reviewed with the child and the mother.",
    "School reports regular attendance and no new incidents.",
];

pub const CHILD_VIEWS: [&str; 4] = [
    "Agrees, wants her grandmother present.",
    "Wants to talk only to a woman.",
    "Agrees, does not want the school told.",
    "Understands and agrees to the visits.",
];

pub const SAFETY_INSTRUCTIONS: [&str; 5] = [
    "Contact through the grandmother.",
    "Do not call the father's phone.",
    "Visit only when the mother is at home.",
    "Meet the child at school, not at home.",
    "Interpreter needed for the parents.",
];

pub const RAISE_REASONS: [&str; 3] = [
    "The family plans to move the child abroad this week.",
    "The alleged abuser was seen near the school again.",
    "The child withdrew her statement under pressure at home.",
];

pub const DECLINE_REASONS: [&str; 3] = [
    "No place until next month.",
    "Outside the service's age group.",
    "The family lives outside the service's area.",
];

pub const WITHDRAW_REASONS: [&str; 2] = [
    "The family chose another service.",
    "Sent by mistake to the wrong service.",
];

pub const REDIRECT_TARGETS: [&str; 2] = ["district psychologist", "regional NGO centre"];

pub const CLOSE_REASONS: [&str; 4] = [
    "Safety plan held for three months; family cooperates.",
    "The concern was not confirmed at the assessment.",
    "The family moved; the new district was informed.",
    "Services completed; no new incidents reported.",
];

/// Why the district officer chose one of two concurrent values.
pub const RESOLUTION_REASONS: [&str; 3] = [
    "Checked with the family at the home visit.",
    "The school records confirm this value.",
    "Agreed with the social assistant by phone.",
];
