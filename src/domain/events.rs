//! Event types apps subscribe to, grouped as the Features page shows
//! them, and the rules for a subscription.

use super::fields::FieldErrors;

/// Every event type a subscription can pick, by group.
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
        "App",
        &[("app_deauthorized", "A user or admin uninstalls the app.")],
    ),
    (
        "Team chat",
        &[
            ("bot_notification", "Someone uses the bot's slash command."),
            ("bot_installed", "The bot is added to an account."),
        ],
    ),
];

/// True for a known event type.
pub fn is_event_type(name: &str) -> bool {
    EVENT_GROUPS
        .iter()
        .any(|(_, events)| events.iter().any(|(e, _)| *e == name))
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

/// Every field at once.
pub fn validate_subscription(
    name: &str,
    development_url: &str,
    production_url: &str,
    events: &[String],
) -> Result<ValidSubscription, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", validate_subscription_name(name));
    let dev = errors.check("development_url", validate_endpoint_url(development_url));
    let prod = errors.check("production_url", validate_endpoint_url(production_url));
    if let (Some(dev), Some(prod)) = (&dev, &prod) {
        if dev.is_empty() && prod.is_empty() {
            errors.add("development_url", "Enter at least one endpoint URL.");
        }
    }
    if let Some(unknown) = events.iter().find(|e| !is_event_type(e)) {
        errors.add("events", format!("“{unknown}” is not an event type."));
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

    #[test]
    fn subscriptions_are_checked_field_by_field() {
        let ok = validate_subscription(
            " Sync ",
            "http://localhost:4000/hook",
            "",
            &list(&["meeting.deleted", "meeting.created", "meeting.created"]),
        )
        .unwrap();
        assert_eq!(ok.name, "Sync");
        assert_eq!(ok.events, list(&["meeting.created", "meeting.deleted"]));
        let errors = validate_subscription("", "http://example.com/x", "ftp://x", &list(&["nope"]))
            .unwrap_err();
        for field in ["name", "development_url", "production_url", "events"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let errors = validate_subscription("A", "", "", &[]).unwrap_err();
        assert!(errors
            .get("development_url")
            .unwrap()
            .contains("at least one"));
        assert!(errors.get("events").is_some());
        assert!(validate_endpoint_url("https://u:p@example.com/").is_err());
        assert!(validate_endpoint_url("https://example.com/#x").is_err());
        assert!(is_event_type("app_deauthorized") && !is_event_type("endpoint.url_validation"));
    }
}
