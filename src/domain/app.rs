//! Apps: the six kinds the Build App wizard offers, their status, and the
//! rules for an app's name.

use serde::{Deserialize, Serialize};

/// Longest app name, in characters.
pub const APP_NAME_MAX_CHARS: usize = 50;

super::stored_names! {
    /// What an app is for. Together with "published on the Marketplace or
    /// not" this gives the wizard's six choices.
    pub enum AppKind {
        /// Management scopes for a whole account.
        AccountLevel = "account_level",
        /// Scopes of one user, for that user's own content.
        UserManaged = "user_managed",
        /// A bot in team chat (Marketplace only).
        ChatBot = "chat_bot",
        /// Sends the account's events to an endpoint (not published).
        WebhookOnly = "webhook_only",
    }
}

/// One of the wizard's six choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppType {
    /// Published on the Marketplace ("Yes") or private ("No").
    pub marketplace: bool,
    pub kind: AppKind,
}

impl AppType {
    /// The six choices, in wizard order: Marketplace first.
    pub const ALL: [AppType; 6] = [
        AppType {
            marketplace: true,
            kind: AppKind::AccountLevel,
        },
        AppType {
            marketplace: true,
            kind: AppKind::UserManaged,
        },
        AppType {
            marketplace: true,
            kind: AppKind::ChatBot,
        },
        AppType {
            marketplace: false,
            kind: AppKind::AccountLevel,
        },
        AppType {
            marketplace: false,
            kind: AppKind::UserManaged,
        },
        AppType {
            marketplace: false,
            kind: AppKind::WebhookOnly,
        },
    ];

    /// The form value, e.g. `marketplace.account_level`.
    pub fn code(self) -> String {
        format!(
            "{}.{}",
            if self.marketplace {
                "marketplace"
            } else {
                "private"
            },
            self.kind.as_str()
        )
    }

    /// Parses a form value; only the six real combinations are accepted.
    pub fn parse(code: &str) -> Option<AppType> {
        AppType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The name on the wizard's card.
    pub fn label(self) -> &'static str {
        match (self.marketplace, self.kind) {
            (true, AppKind::AccountLevel) => "Account-level OAuth app",
            (true, AppKind::UserManaged) => "User-managed OAuth app",
            (_, AppKind::ChatBot) => "Chat bot",
            (false, AppKind::AccountLevel) => "Account-level app",
            (false, AppKind::UserManaged) => "User-managed app",
            (_, AppKind::WebhookOnly) => "Webhook-only app",
        }
    }

    /// One line on what it is for (after the original Build App guide).
    pub fn explanation(self) -> &'static str {
        match self.kind {
            AppKind::AccountLevel => {
                "Management scopes for a whole account: manage users, reporting and content."
            }
            AppKind::UserManaged => {
                "Scopes of one user: manages that user's own content, with their permission."
            }
            AppKind::ChatBot => {
                "A bot in team chat that brings your service's information to users."
            }
            AppKind::WebhookOnly => "Sends events from your account to an endpoint you define.",
        }
    }
}

impl AppKind {
    /// The kind's name for people (consent page, Installed apps).
    pub fn label(self) -> &'static str {
        match self {
            AppKind::AccountLevel => "Account-level app",
            AppKind::UserManaged => "User-managed app",
            AppKind::ChatBot => "Chat bot",
            AppKind::WebhookOnly => "Webhook-only app",
        }
    }
}

super::stored_names! {
    /// Where an app is in its life.
    pub enum AppStatus {
        Draft = "draft",
        InReview = "in_review",
        Published = "published",
        Rejected = "rejected",
    }
}

super::stored_names! {
    /// Which of an app's two sets of credentials: development (for its
    /// developers' own tests) or production (for everyone, once published).
    pub enum Environment {
        Development = "development",
        Production = "production",
    }
}

impl Environment {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Environment::Development => "Development",
            Environment::Production => "Production",
        }
    }
}

impl AppStatus {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            AppStatus::Draft => "Draft",
            AppStatus::InReview => "In review",
            AppStatus::Published => "Published",
            AppStatus::Rejected => "Rejected",
        }
    }
}

/// Trims an app name and checks its length; the result is what is stored.
pub fn validate_app_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Give your app a name.".into());
    }
    if name.chars().count() > APP_NAME_MAX_CHARS {
        return Err(format!(
            "An app name has at most {APP_NAME_MAX_CHARS} characters."
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("An app name cannot contain control characters.".into());
    }
    Ok(name.to_owned())
}

/// The key two names collide on: trimmed and case-folded, so "Acme" and
/// " acme " are the same name. A unique index on it settles races.
pub fn app_name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_types_round_trip_through_their_codes() {
        for t in AppType::ALL {
            assert_eq!(AppType::parse(&t.code()), Some(t));
        }
        assert_eq!(
            AppType::parse("marketplace.webhook_only"),
            None,
            "not a real combination"
        );
        assert_eq!(
            AppType::parse("private.chat_bot"),
            None,
            "not a real combination"
        );
        assert_eq!(AppType::parse(""), None);
    }

    #[test]
    fn app_names() {
        assert_eq!(
            validate_app_name("  Acme Notes ").as_deref(),
            Ok("Acme Notes")
        );
        assert!(validate_app_name("   ").is_err());
        assert!(validate_app_name(&"x".repeat(50)).is_ok());
        assert!(validate_app_name(&"x".repeat(51)).is_err());
        assert!(validate_app_name("tab\tname").is_err());
        assert_eq!(app_name_key(" Acme "), app_name_key("aCME"));
    }

    #[test]
    fn statuses_parse() {
        for s in [
            AppStatus::Draft,
            AppStatus::InReview,
            AppStatus::Published,
            AppStatus::Rejected,
        ] {
            assert_eq!(AppStatus::parse(s.as_str()), Some(s));
        }
    }
}
