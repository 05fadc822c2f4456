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
    pub has_video: bool,
    pub development_redirect_url: String,
    pub production_redirect_url: String,
    pub scopes: Vec<String>,
    /// Event types the app subscribed to (every subscription was saved
    /// only after its endpoint answered the validation challenge).
    pub events: Vec<String>,
    pub deauthorization_url: String,
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
    if app.images == 0 {
        need("At least one preview image.", "information");
    }
    if app.kind == Some(AppKind::ChatBot) && !app.events.iter().any(|e| e == "bot_notification") {
        need(
            "A subscription to bot_notification: it is how the bot hears its command.",
            "features",
        );
    }
    missing
}

/// The Submit form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitIn {
    /// Anything the reviewer should know.
    pub notes: String,
    /// How to try the app: steps and test account details.
    pub test_plan: String,
}

/// The Submit form, checked: both fields are optional text within limits.
pub fn validate_submit(input: &SubmitIn) -> Result<SubmitIn, FieldErrors> {
    let mut errors = FieldErrors::new();
    let notes = errors.check("notes", bounded(&input.notes, "note", MAX_NOTES));
    let test_plan = errors.check(
        "test_plan",
        bounded(&input.test_plan, "test plan", MAX_TEST_PLAN),
    );
    match (notes, test_plan) {
        (Some(notes), Some(test_plan)) => Ok(SubmitIn { notes, test_plan }),
        _ => Err(errors),
    }
}

/// A decision form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionIn {
    pub submission_id: String,
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

/// A decision, checked: a rejection says why.
pub fn validate_decision(input: &DecisionIn) -> Result<(Decision, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let decision = Decision::parse(&input.decision);
    if decision.is_none() {
        errors.add("decision", "Choose approve or reject.");
    }
    let note = errors.check("note", bounded(&input.note, "note", MAX_DECISION_NOTE));
    if decision == Some(Decision::Reject) && note.as_deref().is_some_and(str::is_empty) {
        errors.add(
            "note",
            "Say what the developer must change: it is all they see.",
        );
    }
    match (decision, note) {
        (Some(decision), Some(note)) if errors.is_empty() => Ok((decision, note)),
        _ => Err(errors),
    }
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
    fn a_rejection_needs_a_note_and_notes_are_bounded() {
        let decide = |decision: &str, note: &str| {
            validate_decision(&DecisionIn {
                submission_id: "sub_x".into(),
                decision: decision.into(),
                note: note.into(),
            })
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
        assert!(decide("maybe", "").unwrap_err().get("decision").is_some());
        let long = "x".repeat(MAX_NOTES + 1);
        let errors = validate_submit(&SubmitIn {
            notes: long,
            test_plan: "Sign in as test@example.com".into(),
        })
        .unwrap_err();
        assert!(errors.get("notes").is_some());
        assert!(errors.get("test_plan").is_none());
    }
}
