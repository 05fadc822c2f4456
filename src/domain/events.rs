//! Event types apps subscribe to, grouped as the Features page shows
//! them, and the rules for a subscription.

use super::app::AppKind;
use super::fields::FieldErrors;

super::stored_names! {
    /// Where an event is on its way to an endpoint: waiting for its next
    /// attempt, answered with 2xx, or given up after the last retry.
    pub enum DeliveryStatus {
        Pending = "pending",
        Delivered = "delivered",
        Failed = "failed",
    }
}

impl DeliveryStatus {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "Pending",
            DeliveryStatus::Delivered => "Delivered",
            DeliveryStatus::Failed => "Failed",
        }
    }
}

/// Every event type a subscription can pick, by group. `app_deauthorized`
/// is not one: it goes to the one deauthorization endpoint (see
/// `server::webhooks::events`), configured in its own card.
pub const EVENT_GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "Meetings",
        &[
            ("meeting.created", "A meeting is scheduled."),
            (
                "meeting.updated",
                "A meeting's topic, time or length changes.",
            ),
            ("meeting.deleted", "A meeting is deleted."),
        ],
    ),
    (
        "Users",
        &[
            ("user.created", "A user joins the account."),
            ("user.updated", "A user's profile changes."),
        ],
    ),
    (
        TEAM_CHAT,
        &[
            ("bot_notification", "Someone uses the bot's slash command."),
            ("bot_installed", "The bot is added to an account."),
        ],
    ),
];

/// The group only chat bots receive: the events of a bot's own chat.
const TEAM_CHAT: &str = "Team chat";

/// The groups an app of `kind` can receive: team chat events reach chat
/// bots only.
pub fn event_groups_for(
    kind: AppKind,
) -> impl Iterator<Item = &'static (&'static str, &'static [(&'static str, &'static str)])> {
    EVENT_GROUPS
        .iter()
        .filter(move |(group, _)| *group != TEAM_CHAT || kind == AppKind::ChatBot)
}

/// True for an event type an app of `kind` can subscribe to.
pub fn is_event_type_for(kind: AppKind, name: &str) -> bool {
    event_groups_for(kind).any(|(_, events)| events.iter().any(|(e, _)| *e == name))
}

/// 1–64 characters after trimming.
pub fn validate_subscription_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    match name.chars().count() {
        0 => Err("Name the subscription, e.g. “Meeting sync”.".into()),
        n if n > 64 => Err(format!("At most 64 characters (this has {n}).")),
        _ => Ok(name.to_owned()),
    }
}

/// An endpoint URL: absolute, https (http only for localhost and
/// 127.0.0.1, for development), no user name or password, no fragment.
/// Empty is allowed (that environment has no endpoint).
pub fn validate_endpoint_url(input: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let url = url::Url::parse(text)
        .map_err(|_| "Enter a full URL, like https://example.com/webhooks.".to_owned())?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" if url.host_str().is_some_and(|h| !h.is_empty()) => {}
        "http" if local => {}
        "http" => return Err("Use https:// (http:// only for localhost).".into()),
        _ => return Err("Enter a web address starting with https://.".into()),
    }
    if text.contains('#') {
        return Err("An endpoint URL cannot have a fragment (#…).".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("An endpoint URL cannot contain a user name or password.".into());
    }
    Ok(text.to_owned())
}

/// A subscription that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSubscription {
    pub name: String,
    pub development_url: String,
    pub production_url: String,
    /// Known types, in the order of `EVENT_GROUPS`, without repeats.
    pub events: Vec<String>,
}

/// The subscription form as submitted (raw text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionIn {
    pub name: String,
    pub development_url: String,
    pub production_url: String,
    pub events: Vec<String>,
}

/// Every field at once, for an app of `kind`.
pub fn validate_subscription(
    kind: AppKind,
    input: &SubscriptionIn,
) -> Result<ValidSubscription, FieldErrors> {
    let SubscriptionIn {
        name,
        development_url,
        production_url,
        events,
    } = input;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", validate_subscription_name(name));
    let dev = errors.check("development_url", validate_endpoint_url(development_url));
    let prod = errors.check("production_url", validate_endpoint_url(production_url));
    if let (Some(dev), Some(prod)) = (&dev, &prod) {
        if dev.is_empty() && prod.is_empty() {
            errors.add("development_url", "Enter at least one endpoint URL.");
        }
    }
    if let Some(unknown) = events.iter().find(|e| !is_event_type_for(kind, e)) {
        let known = EVENT_GROUPS
            .iter()
            .any(|(_, list)| list.iter().any(|(e, _)| e == unknown));
        errors.add(
            "events",
            if known {
                format!("“{unknown}” is sent to chat bots only.")
            } else if unknown == "app_deauthorized" {
                "app_deauthorized goes to the deauthorization endpoint: set it there.".to_owned()
            } else {
                format!("“{unknown}” is not an event type.")
            },
        );
    } else if events.is_empty() {
        errors.add("events", "Pick at least one event type.");
    }
    let ordered: Vec<String> = EVENT_GROUPS
        .iter()
        .flat_map(|(_, list)| list.iter())
        .map(|(e, _)| (*e).to_owned())
        .filter(|e| events.contains(e))
        .collect();
    match (name, dev, prod) {
        (Some(name), Some(development_url), Some(production_url)) if errors.is_empty() => {
            Ok(ValidSubscription {
                name,
                development_url,
                production_url,
                events: ordered,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn form(
        name: &str,
        development_url: &str,
        production_url: &str,
        events: &[&str],
    ) -> SubscriptionIn {
        SubscriptionIn {
            name: name.to_owned(),
            development_url: development_url.to_owned(),
            production_url: production_url.to_owned(),
            events: list(events),
        }
    }

    #[test]
    fn subscriptions_are_checked_field_by_field() {
        let ok = validate_subscription(
            AppKind::UserManaged,
            &form(
                " Sync ",
                "http://localhost:4000/hook",
                "",
                &["meeting.deleted", "meeting.created", "meeting.created"],
            ),
        )
        .unwrap();
        assert_eq!(ok.name, "Sync");
        assert_eq!(ok.events, list(&["meeting.created", "meeting.deleted"]));
        let errors = validate_subscription(
            AppKind::UserManaged,
            &form("", "http://example.com/x", "ftp://x", &["nope"]),
        )
        .unwrap_err();
        for field in ["name", "development_url", "production_url", "events"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let errors =
            validate_subscription(AppKind::UserManaged, &form("A", "", "", &[])).unwrap_err();
        assert!(errors
            .get("development_url")
            .unwrap()
            .contains("at least one"));
        assert!(errors.get("events").is_some());
        assert!(validate_endpoint_url("https://u:p@example.com/").is_err());
        assert!(validate_endpoint_url("https://example.com/#x").is_err());
    }

    #[test]
    fn each_app_type_is_offered_only_what_it_receives() {
        let offered = |kind| -> Vec<&str> {
            event_groups_for(kind)
                .flat_map(|(_, list)| list.iter().map(|(e, _)| *e))
                .collect()
        };
        for kind in [
            AppKind::AccountLevel,
            AppKind::UserManaged,
            AppKind::WebhookOnly,
        ] {
            assert!(!offered(kind).contains(&"bot_notification"), "{kind:?}");
            assert!(offered(kind).contains(&"meeting.created"), "{kind:?}");
        }
        assert!(offered(AppKind::ChatBot).contains(&"bot_notification"));
        // One place for app_deauthorized: the deauthorization endpoint.
        for kind in [AppKind::AccountLevel, AppKind::ChatBot] {
            assert!(!offered(kind).contains(&"app_deauthorized"));
        }
        let bot_only = |kind, events: &[&str]| {
            validate_subscription(kind, &form("A", "https://example.com/h", "", events))
                .err()
                .and_then(|errors| errors.get("events").map(str::to_owned))
        };
        assert_eq!(
            bot_only(AppKind::UserManaged, &["bot_notification"]).as_deref(),
            Some("“bot_notification” is sent to chat bots only.")
        );
        assert_eq!(bot_only(AppKind::ChatBot, &["bot_notification"]), None);
        assert!(bot_only(AppKind::UserManaged, &["app_deauthorized"])
            .unwrap()
            .contains("deauthorization endpoint"));
        assert!(!is_event_type_for(
            AppKind::ChatBot,
            "endpoint.url_validation"
        ));
    }
}
