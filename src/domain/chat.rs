//! Team chat and chat bots: the rules for slash commands, channel names,
//! messages and a bot's rich content (Zoom's chatbot message shape: a head
//! with text and a subhead, body items of type message, fields,
//! attachments and actions), the addresses (JIDs) the chat API speaks in,
//! and the few text marks a message may carry. Plain Rust: the browser
//! checks a command or a message with the same code as the server.

use serde::{Deserialize, Serialize};

/// The longest message a member or a bot may send, in characters (Zoom's
/// limit).
pub const MAX_MESSAGE_CHARS: usize = 4096;
/// The longest channel name.
pub const MAX_CHANNEL_CHARS: usize = 64;
/// The longest slash command, without its slash.
pub const MAX_COMMAND_CHARS: usize = 32;
/// At most this many body items in a bot's message.
pub const MAX_BODY_ITEMS: usize = 20;
/// At most this many fields or buttons in one item.
pub const MAX_ITEMS: usize = 10;
/// A short text of a bot's content (head, subhead, field key or value,
/// button text and value, attachment title).
pub const MAX_SHORT_CHARS: usize = 256;
/// The longest attachment link.
pub const MAX_URL_CHARS: usize = 2048;
/// A button's styles (Zoom's).
pub const BUTTON_STYLES: [&str; 4] = ["Primary", "Default", "Danger", "Disabled"];
/// The most a bot message's content may take, stored (JSON bytes).
pub const MAX_CONTENT_BYTES: usize = 16 * 1024;

/// Checks a slash command as the developer types it (with or without the
/// slash): lowercase letters, digits and dashes, starting with a letter.
/// Returns it without the slash.
pub fn validate_command(input: &str) -> Result<String, String> {
    let command = input.trim().trim_start_matches('/');
    if command.is_empty() {
        return Err("Enter the command users type after the slash, like weather.".into());
    }
    if command.chars().count() > MAX_COMMAND_CHARS {
        return Err(format!(
            "A command is at most {MAX_COMMAND_CHARS} characters."
        ));
    }
    if !command
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("Use lowercase letters, digits and dashes only.".into());
    }
    if !command.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("Start the command with a letter.".into());
    }
    Ok(command.to_owned())
}

/// A chat bot's settings as the Features page posts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotIn {
    pub slash_command: String,
    pub description: String,
    pub hint: String,
    pub welcome_message: String,
    pub development_url: String,
    pub production_url: String,
}

/// The longest description shown beside a command.
pub const MAX_DESCRIPTION_CHARS: usize = 100;
/// The longest usage hint (`city [days]`).
pub const MAX_HINT_CHARS: usize = 64;

/// Checks a bot's settings: a command, short texts, endpoint URLs (at
/// least one). Returns them trimmed, the command without its slash.
pub fn validate_bot(input: &BotIn) -> Result<BotIn, crate::domain::fields::FieldErrors> {
    use crate::domain::events::validate_endpoint_url;
    let mut errors = crate::domain::fields::FieldErrors::new();
    let command = errors.check("slash_command", validate_command(&input.slash_command));
    let bounded = |text: &str, max: usize, what: &str| {
        let text = text.trim();
        let n = text.chars().count();
        if n > max {
            Err(format!(
                "{what} is at most {max} characters (this has {n})."
            ))
        } else {
            Ok(text.to_owned())
        }
    };
    let description = errors.check(
        "description",
        bounded(&input.description, MAX_DESCRIPTION_CHARS, "A description"),
    );
    let hint = errors.check("hint", bounded(&input.hint, MAX_HINT_CHARS, "A hint"));
    let welcome = errors.check(
        "welcome_message",
        bounded(
            &input.welcome_message,
            MAX_MESSAGE_CHARS,
            "A welcome message",
        ),
    );
    let development = errors.check(
        "development_url",
        validate_endpoint_url(&input.development_url),
    );
    let production = errors.check(
        "production_url",
        validate_endpoint_url(&input.production_url),
    );
    if let (Some(d), Some(p)) = (&development, &production) {
        if d.is_empty() && p.is_empty() {
            errors.add(
                "development_url",
                "Give the bot endpoint for development, production or both.",
            );
        }
    }
    errors.into_result()?;
    Ok(BotIn {
        slash_command: command.unwrap_or_default(),
        description: description.unwrap_or_default(),
        hint: hint.unwrap_or_default(),
        welcome_message: welcome.unwrap_or_default(),
        development_url: development.unwrap_or_default(),
        production_url: production.unwrap_or_default(),
    })
}

/// Checks a channel's name: letters, digits, spaces, dashes and
/// underscores, at most `MAX_CHANNEL_CHARS`. Returns it trimmed.
pub fn validate_channel_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Enter a name for the channel.".into());
    }
    if name.chars().count() > MAX_CHANNEL_CHARS {
        return Err(format!(
            "A channel name is at most {MAX_CHANNEL_CHARS} characters."
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
    {
        return Err("Use letters, digits, spaces, dashes and underscores only.".into());
    }
    Ok(name.to_owned())
}

/// Checks a message as typed: not empty, at most `MAX_MESSAGE_CHARS`.
/// Returns it trimmed at the end (leading spaces may be meant).
pub fn validate_message(input: &str) -> Result<String, String> {
    let text = input.trim_end();
    if text.trim().is_empty() {
        return Err("Write a message first.".into());
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(format!(
            "A message is at most {MAX_MESSAGE_CHARS} characters; this one has {chars}."
        ));
    }
    Ok(text.to_owned())
}

/// A message that starts with a slash command: the command (without the
/// slash) and what follows it.
pub fn parse_command(text: &str) -> Option<(&str, &str)> {
    let rest = text.trim_start().strip_prefix('/')?;
    let (command, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    (!command.is_empty()).then(|| (command, args.trim()))
}

/// The domain of the chat API's addresses.
pub const JID_DOMAIN: &str = "xmpp.portico";

/// A user's JID.
pub fn user_jid(user_id: &str) -> String {
    format!("{user_id}@{JID_DOMAIN}")
}

/// A channel's (or a conversation's) JID.
pub fn channel_jid(channel_id: &str) -> String {
    format!("{channel_id}@conference.{JID_DOMAIN}")
}

/// A bot's JID (`robot_jid`).
pub fn robot_jid(app_id: &str) -> String {
    format!("{app_id}@bot.{JID_DOMAIN}")
}

/// What a `to_jid` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jid<'a> {
    Channel(&'a str),
    User(&'a str),
    Robot(&'a str),
}

/// Reads a JID written by `user_jid`, `channel_jid` or `robot_jid`.
pub fn parse_jid(jid: &str) -> Option<Jid<'_>> {
    let (local, domain) = jid.split_once('@')?;
    if local.is_empty()
        || !local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return None;
    }
    match domain.strip_suffix(JID_DOMAIN)? {
        "" => Some(Jid::User(local)),
        "conference." => Some(Jid::Channel(local)),
        "bot." => Some(Jid::Robot(local)),
        _ => None,
    }
}

/// A message as a conversation shows it (the page, and each live update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: String,
    /// Its place in the conversation.
    pub seq: i64,
    pub author: String,
    /// Sent by a bot (the page marks it so).
    pub is_bot: bool,
    /// A member's text, or a bot's plain text.
    pub text: String,
    /// A bot's rich content.
    pub content: Option<Content>,
    /// For a slash command: how its delivery to the bot went.
    pub bot_state: BotState,
    pub created_ms: i64,
    pub edited: bool,
}

/// What a live listener of a conversation is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum ChatUpdate {
    /// A new message, or a new version of one (edited, or its command's
    /// delivery went somewhere).
    Message {
        message: ChatMessage,
    },
    Deleted {
        id: String,
    },
}

crate::domain::stored_names! {
    /// How a command's delivery to its bot went.
    pub enum BotState {
        /// Not a command.
        None = "",
        /// Queued or being delivered.
        Sent = "sent",
        /// The bot's endpoint took it.
        Delivered = "delivered",
        /// The last attempt got no answer in time, or a failure; retries
        /// may follow.
        NoAnswer = "no_answer",
    }
}

/// A bot's message content, as the chat message API takes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Content {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<Head>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<BodyItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Head {
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_head: Option<TextOnly>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TextOnly {
    #[serde(default)]
    pub text: String,
}

/// One body item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum BodyItem {
    Message {
        text: String,
    },
    Fields {
        items: Vec<Field>,
    },
    Attachments {
        #[serde(default)]
        resource_url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        information: Option<Information>,
    },
    Actions {
        items: Vec<Action>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Information {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<TextOnly>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<TextOnly>,
}

/// A button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub text: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub style: String,
}

/// Reads and checks a bot's content (JSON as sent); what is kept is what
/// this re-serialises, so no field the page does not know is stored.
/// The error says what is wrong, for the API's answer.
pub fn parse_content(value: &serde_json::Value) -> Result<Content, String> {
    let content: Content = serde_json::from_value(value.clone()).map_err(|e| {
        format!("content is not a chat message (head, body items of type message, fields, attachments, actions): {e}")
    })?;
    check_content(&content)?;
    Ok(content)
}

fn check_short(what: &str, text: &str) -> Result<(), String> {
    if text.chars().count() > MAX_SHORT_CHARS {
        return Err(format!("{what} is at most {MAX_SHORT_CHARS} characters."));
    }
    check_clean(what, text)
}

/// Control characters other than line breaks and tabs are no text.
fn check_clean(what: &str, text: &str) -> Result<(), String> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(format!("{what} holds a control character."));
    }
    Ok(())
}

/// The content's rules: something to show, bounded sizes, buttons with a
/// value, attachment links that are http(s).
pub fn check_content(content: &Content) -> Result<(), String> {
    if content
        .head
        .as_ref()
        .is_none_or(|h| h.text.trim().is_empty())
        && content.body.is_empty()
    {
        return Err("content needs a head text or at least one body item.".into());
    }
    if let Some(head) = &content.head {
        check_short("head.text", &head.text)?;
        if let Some(sub) = &head.sub_head {
            check_short("head.sub_head.text", &sub.text)?;
        }
    }
    if content.body.len() > MAX_BODY_ITEMS {
        return Err(format!("body has at most {MAX_BODY_ITEMS} items."));
    }
    let mut chars = 0;
    for item in &content.body {
        match item {
            BodyItem::Message { text } => {
                chars += text.chars().count();
                check_clean("a message item", text)?;
            }
            BodyItem::Fields { items } => {
                if items.len() > MAX_ITEMS {
                    return Err(format!("fields has at most {MAX_ITEMS} items."));
                }
                for field in items {
                    check_short("a field's key", &field.key)?;
                    check_short("a field's value", &field.value)?;
                }
            }
            BodyItem::Attachments {
                resource_url,
                information,
            } => {
                if resource_url.len() > MAX_URL_CHARS {
                    return Err(format!(
                        "an attachment's resource_url is at most {MAX_URL_CHARS} characters."
                    ));
                }
                if !resource_url.is_empty() && safe_link(resource_url).is_none() {
                    return Err("an attachment's resource_url must be an http or https URL.".into());
                }
                if let Some(info) = information {
                    for (what, text) in [
                        ("an attachment's title", info.title.as_ref()),
                        ("an attachment's description", info.description.as_ref()),
                    ] {
                        if let Some(text) = text {
                            check_short(what, &text.text)?;
                        }
                    }
                }
            }
            BodyItem::Actions { items } => {
                if items.is_empty() || items.len() > MAX_ITEMS {
                    return Err(format!("actions has 1 to {MAX_ITEMS} buttons."));
                }
                for action in items {
                    check_short("a button's text", &action.text)?;
                    check_short("a button's value", &action.value)?;
                    if !action.style.is_empty()
                        && !BUTTON_STYLES
                            .iter()
                            .any(|known| known.eq_ignore_ascii_case(&action.style))
                    {
                        return Err(format!(
                            "a button's style is one of {}.",
                            BUTTON_STYLES.join(", ")
                        ));
                    }
                    if action.text.trim().is_empty() {
                        return Err("a button needs a text.".into());
                    }
                }
            }
        }
    }
    if chars > MAX_MESSAGE_CHARS {
        return Err(format!(
            "the message items hold at most {MAX_MESSAGE_CHARS} characters in all."
        ));
    }
    Ok(())
}

impl Content {
    /// The button `value` of this content, if it has one.
    pub fn action(&self, value: &str) -> Option<&Action> {
        self.body.iter().find_map(|item| match item {
            BodyItem::Actions { items } => items.iter().find(|a| a.value == value),
            _ => None,
        })
    }

    /// A plain-text summary (for a notification line or a search).
    pub fn summary(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if let Some(head) = &self.head {
            parts.push(&head.text);
        }
        for item in &self.body {
            if let BodyItem::Message { text } = item {
                parts.push(text);
            }
        }
        parts.join(" — ")
    }
}

/// A piece of a message's text, as the page draws it: the only marks are
/// `*bold*`, `_italic_`, `` `code` `` and links (`[text](https://…)` or a
/// bare http(s) address). Everything else is text, drawn as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Span {
    Text(String),
    Bold(String),
    Italic(String),
    Code(String),
    Link { text: String, href: String },
}

/// The address of a link a message may carry: http or https only, parsed
/// and written back (so what reaches `href` is a URL the parser wrote).
pub fn safe_link(href: &str) -> Option<String> {
    let url = url::Url::parse(href).ok()?;
    matches!(url.scheme(), "http" | "https")
        .then(|| url.host_str().is_some_and(|h| !h.is_empty()))
        .filter(|ok| *ok)
        .map(|_| url.to_string())
}

/// Splits `text` into spans (see `Span`).
pub fn spans(text: &str) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let flush = |plain: &mut String, out: &mut Vec<Span>| {
        if !plain.is_empty() {
            out.push(Span::Text(std::mem::take(plain)));
        }
    };
    while let Some(c) = rest.chars().next() {
        // A mark opens only at the start or after a space or punctuation,
        // so that snake_case and 2*3*4 stay text.
        let opens = plain
            .chars()
            .last()
            .is_none_or(|p| p.is_whitespace() || "([{\"'".contains(p));
        if let (true, Some(mark)) = (opens, ['*', '_', '`'].into_iter().find(|m| *m == c)) {
            let inner = &rest[1..];
            if let Some(end) = inner.find(mark) {
                let body = &inner[..end];
                if !body.is_empty() && !body.starts_with(' ') && !body.ends_with(' ') {
                    flush(&mut plain, &mut out);
                    let body = body.to_owned();
                    out.push(match mark {
                        '*' => Span::Bold(body),
                        '_' => Span::Italic(body),
                        _ => Span::Code(body),
                    });
                    rest = &inner[end + 1..];
                    continue;
                }
            }
        }
        if c == '[' {
            if let Some((label, href, len)) = markdown_link(rest) {
                flush(&mut plain, &mut out);
                out.push(Span::Link { text: label, href });
                rest = &rest[len..];
                continue;
            }
        }
        if opens && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
                .unwrap_or(rest.len());
            // A sentence's full stop or comma after a link is not part of it.
            let candidate = rest[..end].trim_end_matches(['.', ',', ')', '!', '?', ';', ':']);
            if let Some(href) = safe_link(candidate) {
                flush(&mut plain, &mut out);
                out.push(Span::Link {
                    text: candidate.to_owned(),
                    href,
                });
                rest = &rest[candidate.len()..];
                continue;
            }
        }
        plain.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut plain, &mut out);
    out
}

/// `[label](url)` at the start of `text`: the label, the safe address and
/// how many bytes it spans.
fn markdown_link(text: &str) -> Option<(String, String, usize)> {
    let close = text.find("](")?;
    let label = &text[1..close];
    if label.is_empty() || label.contains('[') || label.contains('\n') {
        return None;
    }
    let after = &text[close + 2..];
    let end = after.find(')')?;
    let href = safe_link(&after[..end])?;
    Some((label.to_owned(), href, close + 2 + end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_lowercase_words_with_dashes() {
        assert_eq!(validate_command("/weather").as_deref(), Ok("weather"));
        assert_eq!(validate_command(" jira-2 ").as_deref(), Ok("jira-2"));
        for bad in [
            "",
            "/",
            "Weather",
            "we ather",
            "2fa",
            "<b>",
            "a_b",
            &"a".repeat(33),
        ] {
            assert!(validate_command(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn channel_names_refuse_markup() {
        assert_eq!(validate_channel_name(" général ").as_deref(), Ok("général"));
        assert!(validate_channel_name("<script>x</script>").is_err());
        assert!(validate_channel_name("a\"b").is_err());
        assert!(validate_channel_name("").is_err());
    }

    #[test]
    fn messages_are_bounded() {
        assert!(validate_message("   ").is_err());
        assert!(validate_message(&"x".repeat(MAX_MESSAGE_CHARS)).is_ok());
        let too_long = validate_message(&"x".repeat(MAX_MESSAGE_CHARS + 1)).unwrap_err();
        assert!(too_long.contains("4096"), "{too_long}");
    }

    #[test]
    fn commands_are_read_from_the_start() {
        assert_eq!(
            parse_command("/weather Paris now"),
            Some(("weather", "Paris now"))
        );
        assert_eq!(parse_command("  /weather"), Some(("weather", "")));
        assert_eq!(parse_command("weather /x"), None);
        assert_eq!(parse_command("/ x"), None);
    }

    #[test]
    fn jids_round_trip() {
        assert_eq!(parse_jid(&user_jid("usr_1")), Some(Jid::User("usr_1")));
        assert_eq!(
            parse_jid(&channel_jid("chn_1")),
            Some(Jid::Channel("chn_1"))
        );
        assert_eq!(parse_jid(&robot_jid("app_1")), Some(Jid::Robot("app_1")));
        assert_eq!(parse_jid("x@xmpp.zoom.us"), None);
        assert_eq!(parse_jid("a'b@xmpp.portico"), None);
    }

    #[test]
    fn marks_and_links_come_only_from_the_allow_list() {
        assert_eq!(
            spans("*hi* _there_ `x` snake_case_name 2*3*4"),
            vec![
                Span::Bold("hi".into()),
                Span::Text(" ".into()),
                Span::Italic("there".into()),
                Span::Text(" ".into()),
                Span::Code("x".into()),
                Span::Text(" snake_case_name 2*3*4".into()),
            ]
        );
        assert_eq!(
            spans("see [docs](https://example.com/a?b=1) or https://x.example/p."),
            vec![
                Span::Text("see ".into()),
                Span::Link {
                    text: "docs".into(),
                    href: "https://example.com/a?b=1".into()
                },
                Span::Text(" or ".into()),
                Span::Link {
                    text: "https://x.example/p".into(),
                    href: "https://x.example/p".into()
                },
                Span::Text(".".into()),
            ]
        );
        // Not http(s): text, as typed.
        assert_eq!(
            spans("[x](javascript:alert(1)) <b>"),
            vec![Span::Text("[x](javascript:alert(1)) <b>".into())]
        );
    }

    #[test]
    fn content_is_checked() {
        let ok = serde_json::json!({"head": {"text": "Hi", "sub_head": {"text": "s"}},
            "body": [{"type": "message", "text": "m"}, {"type": "fields", "items": [{"key": "k", "value": "v"}]},
                     {"type": "actions", "items": [{"text": "Yes", "value": "yes", "style": "Primary"}]},
                     {"type": "attachments", "resource_url": "https://example.com", "information": {"title": {"text": "t"}}}]});
        let content = parse_content(&ok).unwrap();
        assert_eq!(content.action("yes").map(|a| a.text.as_str()), Some("Yes"));
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"body": [{"type": "html", "text": "<b>"}]}),
            serde_json::json!({"body": [{"type": "attachments", "resource_url": "javascript:alert(1)"}]}),
            serde_json::json!({"body": [{"type": "actions", "items": []}]}),
            serde_json::json!({"body": [{"type": "message", "text": "x".repeat(MAX_MESSAGE_CHARS + 1)}]}),
            serde_json::json!({"head": {"text": "a\u{0}b"}}),
        ] {
            assert!(parse_content(&bad).is_err(), "{bad}");
        }
    }
}
