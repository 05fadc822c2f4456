//! Submitting a Marketplace app for review and deciding on it: what must be
//! complete first (the checklist), the frozen copy a reviewer looks at, and
//! the rules for notes and decisions. The server's checks are these.

use serde::{Deserialize, Serialize};

use super::app::AppKind;
use super::fields::FieldErrors;

/// Longest note to the reviewer, in characters.
pub const MAX_NOTES: usize = 2000;
/// Longest test plan, in characters.
pub const MAX_TEST_PLAN: usize = 4000;
/// Longest release notes, in characters.
pub const MAX_RELEASE_NOTES: usize = 1000;
/// Longest note from the reviewer, in characters.
pub const MAX_DECISION_NOTE: usize = 2000;
/// A reviewer's claim on a submission lapses after this long untouched.
pub const CLAIM_MS: i64 = 2 * 3_600_000;

super::stored_names! {
    /// Where one submission is.
    pub enum SubmissionStatus {
        /// Waiting for (or under) review; at most one per app.
        InReview = "in_review",
        /// Taken back by the developer before a decision.
        Withdrawn = "withdrawn",
        Approved = "approved",
        Rejected = "rejected",
    }
}

impl SubmissionStatus {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            SubmissionStatus::InReview => "In review",
            SubmissionStatus::Withdrawn => "Withdrawn",
            SubmissionStatus::Approved => "Approved",
            SubmissionStatus::Rejected => "Rejected",
        }
    }
}

super::stored_names! {
    /// A reviewer's decision.
    pub enum Decision {
        Approve = "approve",
        Reject = "reject",
    }
}

/// What an app holds when it is submitted: the facts the checklist needs,
/// and the copy the reviewer sees (frozen with the submission).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    pub name: String,
    pub kind: Option<AppKind>,
    pub marketplace: bool,
    pub short_description: String,
    pub long_description: String,
    pub contact_name: String,
    pub contact_email: String,
    pub privacy_url: String,
    pub support_url: String,
    pub configure_url: String,
    pub categories: Vec<String>,
    /// Preview images in the listing.
    pub images: usize,
    /// Their media ids, in order (empty in snapshots taken before icons).
    pub image_ids: Vec<String>,
    pub has_video: bool,
    /// The app icon's media id ('' when there is none).
    pub icon: String,
    pub development_redirect_url: String,
    pub production_redirect_url: String,
    pub scopes: Vec<String>,
    /// Event types the app subscribed to (every subscription was saved
    /// only after its endpoint answered the validation challenge).
    pub events: Vec<String>,
    pub deauthorization_url: String,
    /// How users add it: `marketplace` or `landing_page`.
    pub install_option: String,
    /// Where "Visit site to add" leads, with the landing-page option.
    pub landing_url: String,
    /// What changed for users in this version (the Submit form's).
    pub release_notes: String,
    /// A chat bot's command (without the slash) and its production bot
    /// endpoint ('' for other apps, and in snapshots taken before bots).
    pub slash_command: String,
    pub bot_endpoint: String,
}

/// One field that differs between two versions, for the reviewer's and
/// the developer's "changes since the live version".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's name as its page shows it.
    pub field: String,
    pub before: String,
    pub after: String,
}

/// Field by field, what `after` changes in `before` (release notes are per
/// version and not compared).
pub fn diff(before: &Snapshot, after: &Snapshot) -> Vec<FieldChange> {
    fn list(items: &[String]) -> String {
        items.join(", ")
    }
    // Media are compared by identity, and shown by what a person can tell
    // apart: how many, and whether they were replaced.
    let images = |s: &Snapshot| s.images.to_string();
    let (images_before, mut images_after) = (images(before), images(after));
    if images_before == images_after
        && !before.image_ids.is_empty()
        && !after.image_ids.is_empty()
        && before.image_ids != after.image_ids
    {
        images_after.push_str(" (changed or reordered)");
    }
    let (icon_before, icon_after) = match (before.icon.as_str(), after.icon.as_str()) {
        ("", "") => ("none", "none"),
        ("", _) => ("none", "set"),
        (_, "") => ("set", "none"),
        (b, a) if b == a => ("set", "set"),
        _ => ("the earlier icon", "a new icon"),
    };
    let pairs: [(&str, String, String); 22] = [
        ("App name", before.name.clone(), after.name.clone()),
        (
            "Short description",
            before.short_description.clone(),
            after.short_description.clone(),
        ),
        (
            "Long description",
            before.long_description.clone(),
            after.long_description.clone(),
        ),
        (
            "Contact name",
            before.contact_name.clone(),
            after.contact_name.clone(),
        ),
        (
            "Contact email",
            before.contact_email.clone(),
            after.contact_email.clone(),
        ),
        (
            "Privacy policy URL",
            before.privacy_url.clone(),
            after.privacy_url.clone(),
        ),
        (
            "Support URL",
            before.support_url.clone(),
            after.support_url.clone(),
        ),
        (
            "Configuration URL",
            before.configure_url.clone(),
            after.configure_url.clone(),
        ),
        (
            "Categories",
            list(&before.categories),
            list(&after.categories),
        ),
        ("App icon", icon_before.to_owned(), icon_after.to_owned()),
        ("Preview images", images_before, images_after),
        (
            "Video",
            yes_no(before.has_video).to_owned(),
            yes_no(after.has_video).to_owned(),
        ),
        (
            "Development redirect URL",
            before.development_redirect_url.clone(),
            after.development_redirect_url.clone(),
        ),
        (
            "Production redirect URL",
            before.production_redirect_url.clone(),
            after.production_redirect_url.clone(),
        ),
        ("Scopes", list(&before.scopes), list(&after.scopes)),
        (
            "Event subscriptions",
            list(&before.events),
            list(&after.events),
        ),
        (
            "Deauthorization endpoint",
            before.deauthorization_url.clone(),
            after.deauthorization_url.clone(),
        ),
        (
            "Slash command",
            before.slash_command.clone(),
            after.slash_command.clone(),
        ),
        (
            "Bot endpoint (production)",
            before.bot_endpoint.clone(),
            after.bot_endpoint.clone(),
        ),
        (
            "Install option",
            before.install_option.clone(),
            after.install_option.clone(),
        ),
        (
            "Landing URL",
            before.landing_url.clone(),
            after.landing_url.clone(),
        ),
        (
            "Marketplace app",
            yes_no(before.marketplace).to_owned(),
            yes_no(after.marketplace).to_owned(),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, before, after)| FieldChange {
            field: field.to_owned(),
            before,
            after,
        })
        .collect()
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// Something the app still needs before it can be submitted, and the
/// app page (`/apps/{id}/{page}`) that fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    pub what: String,
    pub page: String,
}

/// Everything `app` still lacks for review, in the order of the app's
/// pages; empty when it may be submitted.
pub fn checklist(app: &Snapshot) -> Vec<Missing> {
    let mut missing = Vec::new();
    let mut need = |what: &str, page: &str| {
        missing.push(Missing {
            what: what.to_owned(),
            page: page.to_owned(),
        })
    };
    if !app.marketplace {
        need(
            "Only Marketplace apps are reviewed: a private app is used in its own account.",
            "",
        );
        return missing;
    }
    if app.production_redirect_url.is_empty() {
        need("A production redirect URL.", "credentials");
    } else if !app.production_redirect_url.starts_with("https://") {
        need("A production redirect URL on https://.", "credentials");
    }
    if app.scopes.is_empty() {
        need("At least one scope.", "scopes");
    }
    for (value, what) in [
        (&app.short_description, "A short description."),
        (&app.long_description, "A long description."),
        (&app.contact_name, "A developer contact name."),
        (&app.contact_email, "A developer contact email."),
        (&app.privacy_url, "A privacy policy URL."),
        (&app.support_url, "A support URL."),
    ] {
        if value.trim().is_empty() {
            need(what, "information");
        }
    }
    if app.categories.is_empty() {
        need("At least one category.", "information");
    }
    if app.icon.is_empty() {
        need("An app icon (160x160 PNG or JPEG).", "information");
    }
    if app.images == 0 {
        need("At least one preview image.", "information");
    }
    if app.install_option == "landing_page" && app.landing_url.is_empty() {
        need(
            "A landing page URL: users add the app from your site.",
            "install",
        );
    }
    if app.kind == Some(AppKind::ChatBot) {
        if app.slash_command.is_empty() {
            need(
                "A slash command: it is how members call the bot in team chat.",
                "features",
            );
        }
        if app.bot_endpoint.is_empty() {
            need(
                "A production bot endpoint: where installed accounts' commands go.",
                "features",
            );
        }
    }
    missing
}

/// One automated pre-review check: what was tried and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreReviewCheck {
    pub what: String,
    pub passed: bool,
    /// The answer, or why it failed, in words.
    pub detail: String,
}

/// The Submit form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitIn {
    /// Anything the reviewer should know.
    pub notes: String,
    /// How to try the app: steps and test account details.
    pub test_plan: String,
    /// What is new for users in this version (shown on the Marketplace).
    #[serde(default)]
    pub release_notes: String,
}

/// The Submit form, checked: both fields are optional text within limits.
pub fn validate_submit(input: &SubmitIn) -> Result<SubmitIn, FieldErrors> {
    let mut errors = FieldErrors::new();
    let notes = errors.check("notes", bounded(&input.notes, "note", MAX_NOTES));
    let test_plan = errors.check(
        "test_plan",
        bounded(&input.test_plan, "test plan", MAX_TEST_PLAN),
    );
    let release_notes = errors.check(
        "release_notes",
        bounded(&input.release_notes, "release note", MAX_RELEASE_NOTES),
    );
    match (notes, test_plan, release_notes) {
        (Some(notes), Some(test_plan), Some(release_notes)) => Ok(SubmitIn {
            notes,
            test_plan,
            release_notes,
        }),
        _ => Err(errors),
    }
}

/// The fields a reviewer may note on one by one: (key, label, the app
/// page that holds it, the decision form's input for it).
pub const NOTE_FIELDS: [(&str, &str, &str, &str); 12] = [
    ("name", "App name", "information", "note_name"),
    (
        "short_description",
        "Short description",
        "information",
        "note_short_description",
    ),
    (
        "long_description",
        "Long description",
        "information",
        "note_long_description",
    ),
    (
        "contact",
        "Developer contact",
        "information",
        "note_contact",
    ),
    (
        "privacy_url",
        "Privacy policy URL",
        "information",
        "note_privacy_url",
    ),
    (
        "support_url",
        "Support URL",
        "information",
        "note_support_url",
    ),
    ("categories", "Categories", "information", "note_categories"),
    (
        "media",
        "Icon, preview images and video",
        "information",
        "note_media",
    ),
    (
        "redirect_urls",
        "Redirect URLs",
        "credentials",
        "note_redirect_urls",
    ),
    ("scopes", "Scopes", "scopes", "note_scopes"),
    (
        "features",
        "Event subscriptions and endpoints",
        "features",
        "note_features",
    ),
    ("install", "Install option", "install", "note_install"),
];

/// Longest note on one field, in characters.
pub const MAX_FIELD_NOTE: usize = 1000;

/// A decision form as submitted. Notes on fields come as their own inputs
/// (`NOTE_FIELDS`), gathered in `fields`; anything else there is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionIn {
    pub submission_id: String,
    pub decision: String,
    #[serde(default)]
    pub note: String,
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// A checked decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDecision {
    pub decision: Decision,
    pub note: String,
    /// Field key → note, only fields that got one.
    pub field_notes: std::collections::BTreeMap<String, String>,
}

/// A decision, checked: a rejection says why, in the general note or on
/// at least one field.
pub fn validate_decision(input: &DecisionIn) -> Result<ValidDecision, FieldErrors> {
    let mut errors = FieldErrors::new();
    let decision = Decision::parse(&input.decision);
    if decision.is_none() {
        errors.add("decision", "Choose approve or reject.");
    }
    let note = errors.check("note", bounded(&input.note, "note", MAX_DECISION_NOTE));
    let mut field_notes = std::collections::BTreeMap::new();
    for (key, label, _, input_name) in NOTE_FIELDS {
        let Some(text) = input.fields.get(input_name) else {
            continue;
        };
        match bounded(
            text,
            &format!("note on {}", label.to_lowercase()),
            MAX_FIELD_NOTE,
        ) {
            Ok(text) if text.is_empty() => {}
            Ok(text) => {
                field_notes.insert(key.to_owned(), text);
            }
            Err(message) => errors.add(input_name, message),
        }
    }
    if decision == Some(Decision::Reject)
        && note.as_deref().is_some_and(str::is_empty)
        && field_notes.is_empty()
    {
        errors.add(
            "note",
            "Say what the developer must change: it is all they see.",
        );
    }
    match (decision, note) {
        (Some(decision), Some(note)) if errors.is_empty() => Ok(ValidDecision {
            decision,
            note,
            field_notes,
        }),
        _ => Err(errors),
    }
}

/// A field's label and page, from its key.
pub fn note_field(key: &str) -> Option<(&'static str, &'static str)> {
    NOTE_FIELDS
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|(_, label, page, _)| (*label, *page))
}

/// Optional multi-line plain text of at most `max` characters, trimmed:
/// the listing's text rule (`listing::validate_text`), empty allowed.
fn bounded(input: &str, what: &str, max: usize) -> Result<String, String> {
    if input.trim().is_empty() {
        Ok(String::new())
    } else {
        super::listing::validate_text(input, what, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete() -> Snapshot {
        Snapshot {
            name: "Notes".into(),
            kind: Some(AppKind::UserManaged),
            marketplace: true,
            short_description: "Takes notes".into(),
            long_description: "Takes notes in meetings.".into(),
            contact_name: "Lin".into(),
            contact_email: "lin@example.com".into(),
            privacy_url: "https://example.com/privacy".into(),
            support_url: "https://example.com/support".into(),
            categories: vec!["productivity".into()],
            images: 1,
            image_ids: vec!["med_1".into()],
            icon: "med_icon".into(),
            production_redirect_url: "https://example.com/cb".into(),
            scopes: vec!["user:read".into()],
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_complete_marketplace_app_lacks_nothing() {
        assert_eq!(checklist(&complete()), []);
    }

    #[test]
    fn each_missing_part_is_named_with_the_page_that_fixes_it() {
        let empty = Snapshot {
            marketplace: true,
            kind: Some(AppKind::ChatBot),
            ..Snapshot::default()
        };
        let missing = checklist(&empty);
        let pages: Vec<&str> = missing.iter().map(|m| m.page.as_str()).collect();
        assert_eq!(
            pages,
            [
                "credentials",
                "scopes",
                "information",
                "information",
                "information",
                "information",
                "information",
                "information",
                "information",
                "information",
                "information",
                "features",
                "features"
            ]
        );
        let http = Snapshot {
            production_redirect_url: "http://localhost/cb".into(),
            ..complete()
        };
        assert_eq!(
            checklist(&http)[0].what,
            "A production redirect URL on https://."
        );
        let private = Snapshot {
            marketplace: false,
            ..complete()
        };
        assert_eq!(checklist(&private).len(), 1);
    }

    #[test]
    fn the_diff_names_each_changed_field() {
        let live = complete();
        assert_eq!(diff(&live, &live), []);
        let next = Snapshot {
            short_description: "Takes better notes".into(),
            scopes: vec!["user:read".into(), "meeting:read".into()],
            release_notes: "New!".into(),
            ..complete()
        };
        let changes = diff(&live, &next);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["Short description", "Scopes"]);
        assert_eq!(changes[1].before, "user:read");
        assert_eq!(changes[1].after, "user:read, meeting:read");
        let new_media = Snapshot {
            icon: "med_icon2".into(),
            image_ids: vec!["med_2".into()],
            ..complete()
        };
        let changes = diff(&live, &new_media);
        assert_eq!(
            changes,
            [
                FieldChange {
                    field: "App icon".into(),
                    before: "the earlier icon".into(),
                    after: "a new icon".into(),
                },
                FieldChange {
                    field: "Preview images".into(),
                    before: "1".into(),
                    after: "1 (changed or reordered)".into(),
                },
            ]
        );
        let first_icon = Snapshot {
            icon: String::new(),
            ..complete()
        };
        assert_eq!(diff(&first_icon, &live)[0].before, "none");
        assert_eq!(diff(&first_icon, &live)[0].after, "set");
        let landing = Snapshot {
            install_option: "landing_page".into(),
            ..complete()
        };
        assert_eq!(checklist(&landing)[0].page, "install");
    }

    #[test]
    fn a_rejection_needs_a_note_and_notes_are_bounded() {
        let decide = |decision: &str, note: &str| {
            validate_decision(&DecisionIn {
                submission_id: "sub_x".into(),
                decision: decision.into(),
                note: note.into(),
                fields: Default::default(),
            })
            .map(|d| (d.decision, d.note))
        };
        assert_eq!(
            decide("approve", "").unwrap(),
            (Decision::Approve, String::new())
        );
        assert!(decide("reject", "  ").unwrap_err().get("note").is_some());
        assert_eq!(
            decide("reject", " Add a support page. ").unwrap(),
            (Decision::Reject, "Add a support page.".into())
        );
        // A note on one field is reason enough; unknown fields are ignored.
        let fields = [
            ("note_short_description", " Say what it does. "),
            ("note_scopes", ""),
            ("note_bogus", "ignored"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let valid = validate_decision(&DecisionIn {
            submission_id: "sub_x".into(),
            decision: "reject".into(),
            note: String::new(),
            fields,
        })
        .unwrap();
        assert_eq!(
            valid.field_notes.into_iter().collect::<Vec<_>>(),
            [(
                "short_description".to_owned(),
                "Say what it does.".to_owned()
            )]
        );
        let too_long = validate_decision(&DecisionIn {
            submission_id: "sub_x".into(),
            decision: "reject".into(),
            note: "x".into(),
            fields: [("note_media".to_owned(), "x".repeat(MAX_FIELD_NOTE + 1))]
                .into_iter()
                .collect(),
        })
        .unwrap_err();
        assert!(too_long.get("note_media").is_some());
        assert!(decide("maybe", "").unwrap_err().get("decision").is_some());
        let long = "x".repeat(MAX_NOTES + 1);
        let errors = validate_submit(&SubmitIn {
            notes: long,
            test_plan: "Sign in as test@example.com".into(),
            release_notes: String::new(),
        })
        .unwrap_err();
        assert!(errors.get("notes").is_some());
        assert!(errors.get("test_plan").is_none());
    }
}
