//! What Portico tells people by notification (always listed in Portico)
//! and, when the operator configured SMTP, by email: the words, in one
//! place, for both. Plain text only: the page escapes it, and the email is
//! sent as `text/plain`.

use serde::{Deserialize, Serialize};

/// One message to one person: its subject line, its text, and where in
/// Portico it leads (a path, or empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub subject: String,
    pub body: String,
    pub link: String,
}

/// Where an invite's text says its link goes: the stored text holds this,
/// and only the email gets the link (sealed until it is sent).
pub const SECRET_SLOT: &str = "{invite link}";

/// The longest subject kept (app names are at most 80 characters).
pub const MAX_SUBJECT: usize = 200;
/// The longest text kept (a decision note is at most 2,000 characters,
/// each field note 1,000).
pub const MAX_BODY: usize = 20_000;

impl Message {
    /// A message with its parts cut to their limits at character
    /// boundaries, NUL bytes and other control characters but line breaks
    /// and tabs taken out (they come from people's input).
    fn new(subject: String, body: String, link: String) -> Self {
        fn clean(text: &str, max: usize, keep_lines: bool) -> String {
            text.chars()
                .filter(|c| !c.is_control() || (keep_lines && (*c == '\n' || *c == '\t')))
                .take(max)
                .collect()
        }
        Message {
            subject: clean(&subject, MAX_SUBJECT, false),
            body: clean(&body, MAX_BODY, true),
            link,
        }
    }

    /// To the person who submitted `app` for review.
    pub fn submitted(app_id: &str, app: &str, version: i64) -> Self {
        Self::new(
            format!("{app} was submitted for review"),
            format!(
                "Version {version} of {app} is in the review queue. You will hear here when a reviewer decides; until then the submitted version is frozen, and you can withdraw it from the Submit page."
            ),
            format!("/apps/{app_id}/submit"),
        )
    }

    /// To the person who submitted `app`: the reviewer's decision, with
    /// the general note and the notes on single fields (label, note).
    pub fn decided(
        app_id: &str,
        app: &str,
        version: i64,
        approved: bool,
        note: &str,
        field_notes: &[(&str, &str)],
    ) -> Self {
        let mut body = if approved {
            format!("Version {version} of {app} was approved and is now live.")
        } else {
            format!(
                "Version {version} of {app} was sent back: change what the reviewer asks for, then submit again."
            )
        };
        if !note.trim().is_empty() {
            body.push_str("\n\nThe reviewer's note:\n");
            body.push_str(note.trim());
        }
        for (label, text) in field_notes {
            body.push_str(&format!("\n\n{label}: {text}"));
        }
        Self::new(
            format!(
                "{app} version {version} was {}",
                if approved { "approved" } else { "not approved" }
            ),
            body,
            format!("/apps/{app_id}/submit"),
        )
    }

    /// To someone invited into an account (the link holds the invite's
    /// secret: it is sent by email only, never stored in the clear).
    pub fn invited(account: &str, inviter: &str, role: &str, invite_url: &str) -> Self {
        Self::new(
            format!("{inviter} invited you to {account} on Portico"),
            format!(
                "{inviter} invited you to join {account} on Portico as {role}. Open this link to join (it works once, and expires):\n\n{invite_url}"
            ),
            String::new(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_carries_its_notes() {
        let m = Message::decided(
            "app_1",
            "Notes",
            2,
            false,
            "Add a support page.",
            &[("Short description", "Say who it is for.")],
        );
        assert_eq!(m.subject, "Notes version 2 was not approved");
        assert!(m.body.contains("The reviewer's note:\nAdd a support page."));
        assert!(m.body.ends_with("Short description: Say who it is for."));
        assert_eq!(m.link, "/apps/app_1/submit");
    }

    #[test]
    fn text_from_people_is_cleaned_and_bounded() {
        let m = Message::decided(
            "a",
            "Bad\u{0}\r\nName",
            1,
            true,
            &"x".repeat(MAX_BODY * 2),
            &[],
        );
        assert_eq!(m.subject, "BadName version 1 was approved");
        assert_eq!(m.body.chars().count(), MAX_BODY);
        assert!(!m.body.contains('\0'));
    }
}
