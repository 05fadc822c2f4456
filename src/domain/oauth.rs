//! OAuth rules that do not need a database: which redirect URLs an app may
//! register, whether a requested `redirect_uri` matches what was
//! registered (PROTOCOL.md, "OAuth"), and which scopes each app type may
//! ask for. The credentials pages and the authorization server (issue 4)
//! build on these; the browser runs the same checks as you type.

use serde::{Deserialize, Serialize};

use super::app::AppKind;
use super::fields::FieldErrors;

/// The query of `GET /oauth/authorize` (and the hidden fields of the
/// consent form, which posts them back with the decision).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub code_challenge: Option<String>,
    #[serde(default)]
    pub code_challenge_method: Option<String>,
}

/// True for the hosts a developer's own machine answers to, where plain
/// http is allowed during development.
fn is_local_host(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

super::stored_names! {
    /// What an OAuth token is: an access token (one hour, sent to the
    /// API) or a refresh token (90 days, once, for a new pair).
    pub enum TokenKind {
        Access = "access",
        Refresh = "refresh",
    }
}

/// A redirect URL or allow-list entry as the developer registers it:
/// absolute, https (http only for localhost, 127.0.0.1 and [::1]), no
/// fragment, no user name or password. Returned as typed, trimmed: the
/// authorization server compares registered and requested URLs string for
/// string, so nothing is normalised behind the developer's back.
pub fn validate_redirect_url(input: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("Enter a redirect URL.".into());
    }
    let url = url::Url::parse(text)
        .map_err(|_| "Enter a full URL, like https://example.com/oauth/callback.".to_owned())?;
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" if !host.is_empty() => {}
        "http" if is_local_host(host) => {}
        "http" => return Err("Use https:// (http:// only for localhost).".into()),
        _ => return Err("Enter a web address starting with https://.".into()),
    }
    if text.contains('#') {
        return Err("A redirect URL cannot have a fragment (#…).".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("A redirect URL cannot contain a user name or password.".into());
    }
    Ok(text.to_owned())
}

/// The most allow-list entries an app may have.
pub const MAX_ALLOW_LIST: usize = 20;

/// The allow list as typed into its box, one URL per line: each line
/// checked as a redirect URL, blank lines and repeats dropped.
pub fn validate_allow_list(input: &str) -> Result<Vec<String>, String> {
    let mut entries: Vec<String> = Vec::new();
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let entry = validate_redirect_url(line).map_err(|e| format!("Line {}: {e}", n + 1))?;
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }
    if entries.len() > MAX_ALLOW_LIST {
        return Err(format!("At most {MAX_ALLOW_LIST} URLs."));
    }
    Ok(entries)
}

/// The redirect settings form as submitted (raw text; a checkbox is `Some`
/// when ticked).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectsIn {
    pub development_redirect_url: String,
    pub production_redirect_url: String,
    /// One URL per line.
    pub allow_list: String,
    #[serde(default)]
    pub strict_mode: Option<String>,
    /// "Add the redirect URLs to the allow list too."
    #[serde(default)]
    pub add_to_allow_list: Option<String>,
}

/// Redirect settings that passed, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRedirects {
    /// Empty: not set yet.
    pub development: String,
    pub production: String,
    pub allow_list: Vec<String>,
    pub strict_mode: bool,
}

/// Every field of the redirect settings form at once; with
/// `add_to_allow_list`, the redirect URLs join the allow list (which still
/// holds at most `MAX_ALLOW_LIST`).
pub fn validate_redirects(input: &RedirectsIn) -> Result<ValidRedirects, FieldErrors> {
    let mut errors = FieldErrors::new();
    let development = errors.check(
        "development_redirect_url",
        validate_optional_redirect_url(&input.development_redirect_url),
    );
    let production = errors.check(
        "production_redirect_url",
        validate_optional_redirect_url(&input.production_redirect_url),
    );
    let list = errors.check("allow_list", validate_allow_list(&input.allow_list));
    let (Some(development), Some(production), Some(mut allow_list)) =
        (development, production, list)
    else {
        return Err(errors);
    };
    if input.add_to_allow_list.is_some() {
        for url in [&development, &production] {
            if !url.is_empty() && !allow_list.contains(url) {
                allow_list.push(url.clone());
            }
        }
        if allow_list.len() > MAX_ALLOW_LIST {
            errors.add("allow_list", format!("At most {MAX_ALLOW_LIST} URLs."));
            return Err(errors);
        }
    }
    Ok(ValidRedirects {
        development,
        production,
        allow_list,
        strict_mode: input.strict_mode.is_some(),
    })
}

/// An optional redirect URL: empty means "not set yet".
pub fn validate_optional_redirect_url(input: &str) -> Result<String, String> {
    if input.trim().is_empty() {
        Ok(String::new())
    } else {
        validate_redirect_url(input)
    }
}

/// Scopes as stored and sent (`"user:read meeting:read"`), parsed; unknown
/// words are dropped.
pub fn parse_scope_list(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

/// Scopes in their wire form, space-separated.
pub fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a `redirect_uri` sent to `/oauth/authorize` may be used.
///
/// Strict mode (the default): it must equal one of the registered URLs,
/// string for string. With strict mode off it may instead start with an
/// allow-list entry, and then only if scheme, host and port equal the
/// entry's, the match ends at a path segment boundary, and the URI has no
/// `..` segment (plain or percent-encoded), no userinfo and no fragment.
pub fn redirect_allowed(
    requested: &str,
    registered: &[String],
    allow_list: &[String],
    strict: bool,
) -> bool {
    if registered.iter().any(|r| r == requested) {
        return true;
    }
    if strict {
        return false;
    }
    allow_list
        .iter()
        .any(|entry| matches_allow_list_entry(requested, entry))
}

fn matches_allow_list_entry(requested: &str, entry: &str) -> bool {
    if requested.contains('#') || has_dot_dot_segment(requested) {
        return false;
    }
    let (Ok(asked), Ok(allowed)) = (url::Url::parse(requested), url::Url::parse(entry)) else {
        return false;
    };
    if !asked.username().is_empty() || asked.password().is_some() {
        return false;
    }
    if asked.scheme() != allowed.scheme()
        || asked.host_str() != allowed.host_str()
        || asked.port_or_known_default() != allowed.port_or_known_default()
    {
        return false;
    }
    // The path must start with the entry's and end there or at a segment
    // boundary, so /oauth does not allow /oauthx.
    let (path, prefix) = (asked.path(), allowed.path());
    let Some(rest) = path.strip_prefix(prefix) else {
        return false;
    };
    prefix.ends_with('/') || rest.is_empty() || rest.starts_with('/')
}

/// `..` as a path segment, also percent-encoded (`%2e%2e`, any case).
fn has_dot_dot_segment(uri: &str) -> bool {
    let path = uri
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(uri)
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    path.split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == ".." || decoded == "."
    })
}

/// One permission an app can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    UserRead,
    MeetingRead,
    MeetingWrite,
    UserReadAdmin,
    MeetingReadAdmin,
    MeetingWriteAdmin,
    ImchatBot,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::UserRead,
        Scope::MeetingRead,
        Scope::MeetingWrite,
        Scope::UserReadAdmin,
        Scope::MeetingReadAdmin,
        Scope::MeetingWriteAdmin,
        Scope::ImchatBot,
    ];

    /// The scope as it appears on the wire (`scope=user:read meeting:write`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UserRead => "user:read",
            Scope::MeetingRead => "meeting:read",
            Scope::MeetingWrite => "meeting:write",
            Scope::UserReadAdmin => "user:read:admin",
            Scope::MeetingReadAdmin => "meeting:read:admin",
            Scope::MeetingWriteAdmin => "meeting:write:admin",
            Scope::ImchatBot => "imchat:bot",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// What the scope lets an app do, for the consent page.
    pub fn explanation(self) -> &'static str {
        match self {
            Scope::UserRead => "See your profile: name, email and account.",
            Scope::MeetingRead => "See your meetings.",
            Scope::MeetingWrite => "Create, change and delete your meetings.",
            Scope::UserReadAdmin => "See every user of the account.",
            Scope::MeetingReadAdmin => "See the meetings of every user of the account.",
            Scope::MeetingWriteAdmin => {
                "Create, change and delete meetings for every user of the account."
            }
            Scope::ImchatBot => "Send chat messages as the app's bot.",
        }
    }

    /// True for the `:admin` scopes, which act on the whole account.
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Scope::UserReadAdmin | Scope::MeetingReadAdmin | Scope::MeetingWriteAdmin
        )
    }
}

/// The scopes an app type may ask for: user-managed apps the user scopes,
/// account-level apps the `:admin` ones, a chat bot `imchat:bot`, and a
/// webhook-only app none (it has no OAuth credentials).
pub fn scopes_for(kind: AppKind) -> &'static [Scope] {
    match kind {
        AppKind::UserManaged => &[Scope::UserRead, Scope::MeetingRead, Scope::MeetingWrite],
        AppKind::AccountLevel => &[
            Scope::UserReadAdmin,
            Scope::MeetingReadAdmin,
            Scope::MeetingWriteAdmin,
        ],
        AppKind::ChatBot => &[Scope::ImchatBot],
        AppKind::WebhookOnly => &[],
    }
}

/// Checks the scopes a developer picked for an app of `kind`; returns them
/// in a fixed order, without repeats.
pub fn validate_scopes(kind: AppKind, picked: &[String]) -> Result<Vec<Scope>, String> {
    let allowed = scopes_for(kind);
    let mut scopes = Vec::new();
    for text in picked {
        let scope = Scope::parse(text).ok_or_else(|| format!("“{text}” is not a scope."))?;
        if !allowed.contains(&scope) {
            return Err(match kind {
                AppKind::UserManaged => format!(
                    "A user-managed app acts for one user: “{text}” is an account-wide scope."
                ),
                AppKind::AccountLevel => {
                    format!("An account-level app uses the :admin scopes, not “{text}”.")
                }
                AppKind::ChatBot => format!("A chat bot takes imchat:bot, not “{text}”."),
                AppKind::WebhookOnly => "A webhook-only app has no OAuth scopes.".into(),
            });
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.sort_by_key(|s| Scope::ALL.iter().position(|a| a == s));
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_settings_are_checked_at_once_and_can_join_the_allow_list() {
        let form = RedirectsIn {
            development_redirect_url: " http://localhost:3000/cb ".into(),
            production_redirect_url: "https://app.example.com/cb".into(),
            allow_list: "https://app.example.com/cb\n\nhttps://other.example.com/cb".into(),
            strict_mode: Some("on".into()),
            add_to_allow_list: Some("on".into()),
        };
        let valid = validate_redirects(&form).unwrap();
        assert_eq!(valid.development, "http://localhost:3000/cb");
        assert_eq!(
            valid.allow_list,
            list(&[
                "https://app.example.com/cb",
                "https://other.example.com/cb",
                "http://localhost:3000/cb",
            ])
        );
        assert!(valid.strict_mode);

        let errors = validate_redirects(&RedirectsIn {
            development_redirect_url: "http://example.com/cb".into(),
            production_redirect_url: "https://ok.example.com/cb#frag".into(),
            allow_list: "nope".into(),
            ..RedirectsIn::default()
        })
        .unwrap_err();
        for field in [
            "development_redirect_url",
            "production_redirect_url",
            "allow_list",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }

        // Twenty entries are the most, the added redirect URLs included.
        let full: Vec<String> = (0..MAX_ALLOW_LIST)
            .map(|n| format!("https://example.com/{n}"))
            .collect();
        let errors = validate_redirects(&RedirectsIn {
            production_redirect_url: "https://app.example.com/cb".into(),
            allow_list: full.join("\n"),
            add_to_allow_list: Some("on".into()),
            ..RedirectsIn::default()
        })
        .unwrap_err();
        assert_eq!(errors.get("allow_list"), Some("At most 20 URLs."));
    }

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn redirect_urls_that_can_be_registered() {
        for ok in [
            "https://app.example/oauth/callback",
            "https://app.example:8443/cb?x=1",
            "http://localhost:3000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
        ] {
            assert_eq!(validate_redirect_url(ok).as_deref(), Ok(ok), "{ok}");
        }
        for bad in [
            "",
            "app.example/cb",
            "http://app.example/cb",
            "https://app.example/cb#frag",
            "https://user:pw@app.example/cb",
            "ftp://app.example/cb",
            "javascript:alert(1)",
        ] {
            assert!(validate_redirect_url(bad).is_err(), "{bad}");
        }
    }

    /// The mismatch table: in strict mode anything but the exact string fails.
    #[test]
    fn strict_mode_compares_string_for_string() {
        let registered = list(&["https://app.example/cb"]);
        assert!(redirect_allowed(
            "https://app.example/cb",
            &registered,
            &[],
            true
        ));
        for other in [
            "https://app.example/cb/",         // trailing slash
            "https://APP.example/cb",          // case
            "https://app.example/CB",          // case in the path
            "https://app.example/cb?extra=1",  // extra query
            "https://app.example/cb#x",        // fragment
            "https://app.example:444/cb",      // other port
            "https://evil@app.example/cb",     // userinfo
            "http://app.example/cb",           // http vs https
            "https://app.example.evil.com/cb", // other host
        ] {
            assert!(!redirect_allowed(other, &registered, &[], true), "{other}");
        }
    }

    #[test]
    fn the_allow_list_applies_only_outside_strict_mode() {
        let registered = list(&["https://app.example/cb"]);
        let allow = list(&["https://app.example/oauth"]);
        assert!(!redirect_allowed(
            "https://app.example/oauth/team",
            &registered,
            &allow,
            true
        ));
        for ok in [
            "https://app.example/oauth",
            "https://app.example/oauth/team-a",
            "https://app.example/oauth?next=1",
            "https://app.example:443/oauth/x",
        ] {
            assert!(redirect_allowed(ok, &registered, &allow, false), "{ok}");
        }
        for bad in [
            "https://app.example/oauthx",             // not a segment boundary
            "https://app.example/oauth/../admin",     // dot-dot
            "https://app.example/oauth/%2E%2E/admin", // encoded dot-dot
            "https://app.example/oauth/x#frag",       // fragment
            "https://u:p@app.example/oauth/x",        // userinfo
            "http://app.example/oauth/x",             // scheme
            "https://app.example:8443/oauth/x",       // port
            "https://app.example.evil.com/oauth",     // host
        ] {
            assert!(!redirect_allowed(bad, &registered, &allow, false), "{bad}");
        }
    }

    #[test]
    fn allow_lists_are_checked_line_by_line() {
        assert_eq!(
            validate_allow_list(
                "https://a.example/cb\n\n  https://b.example/x  \nhttps://a.example/cb"
            ),
            Ok(list(&["https://a.example/cb", "https://b.example/x"]))
        );
        assert_eq!(validate_allow_list(""), Ok(vec![]));
        let err = validate_allow_list("https://a.example/cb\nhttp://b.example/x").unwrap_err();
        assert!(err.starts_with("Line 2:"), "{err}");
        let many: String = (0..21)
            .map(|i| format!("https://a.example/{i}\n"))
            .collect();
        assert!(validate_allow_list(&many).is_err());
        assert_eq!(validate_optional_redirect_url("  "), Ok(String::new()));
        assert!(validate_optional_redirect_url("ftp://x").is_err());
        assert_eq!(
            parse_scope_list("user:read bogus meeting:write"),
            vec![Scope::UserRead, Scope::MeetingWrite]
        );
        assert_eq!(
            scope_list(&[Scope::UserRead, Scope::MeetingWrite]),
            "user:read meeting:write"
        );
    }

    #[test]
    fn scopes_follow_the_app_type() {
        assert_eq!(
            validate_scopes(
                AppKind::UserManaged,
                &list(&["meeting:write", "user:read", "user:read"])
            ),
            Ok(vec![Scope::UserRead, Scope::MeetingWrite])
        );
        assert!(
            validate_scopes(AppKind::UserManaged, &list(&["user:read:admin"]))
                .unwrap_err()
                .contains("account-wide")
        );
        assert!(validate_scopes(AppKind::AccountLevel, &list(&["user:read"])).is_err());
        assert_eq!(
            validate_scopes(AppKind::AccountLevel, &list(&["meeting:read:admin"])),
            Ok(vec![Scope::MeetingReadAdmin])
        );
        assert_eq!(
            validate_scopes(AppKind::ChatBot, &list(&["imchat:bot"])),
            Ok(vec![Scope::ImchatBot])
        );
        assert!(validate_scopes(AppKind::WebhookOnly, &list(&["user:read"])).is_err());
        assert!(validate_scopes(AppKind::ChatBot, &list(&["nope"])).is_err());
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            assert!(!scope.explanation().is_empty());
        }
        assert!(Scope::MeetingWriteAdmin.is_admin() && !Scope::MeetingWrite.is_admin());
    }
}
