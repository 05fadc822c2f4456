//! The app's listing ("App information"): what each field must hold. The
//! browser runs these as you type; the server runs them again on save.

use serde::{Deserialize, Serialize};

use super::account::{validate_display_name, validate_email};
use super::app::validate_app_name;
use super::fields::FieldErrors;

pub const SHORT_DESCRIPTION_MAX_CHARS: usize = 150;
pub const LONG_DESCRIPTION_MAX_CHARS: usize = 4000;
/// At most this many categories per app.
pub const MAX_CATEGORIES: usize = 3;

/// The fixed list of Marketplace categories: (stored slug, label).
pub const CATEGORIES: [(&str, &str); 12] = [
    ("analytics", "Analytics"),
    ("collaboration", "Collaboration"),
    ("crm", "CRM"),
    ("customer-service", "Customer service"),
    ("developer-tools", "Developer tools"),
    ("education", "Education"),
    ("health", "Health"),
    ("marketing", "Marketing"),
    ("productivity", "Productivity"),
    ("recording", "Recording"),
    ("scheduling", "Scheduling"),
    ("security", "Security"),
];

/// The label of a category slug.
pub fn category_label(slug: &str) -> Option<&'static str> {
    CATEGORIES
        .iter()
        .find(|(s, _)| *s == slug)
        .map(|(_, label)| *label)
}

/// The information form as submitted (raw text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InformationIn {
    pub name: String,
    pub short_description: String,
    pub long_description: String,
    pub contact_name: String,
    pub contact_email: String,
    pub privacy_url: String,
    pub support_url: String,
    /// Optional: empty means none.
    pub configure_url: String,
    pub categories: Vec<String>,
}

/// The fields that passed: `None` for each field that did not, so a save
/// keeps every valid field and leaves each invalid one as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InformationPatch {
    pub name: Option<String>,
    pub short_description: Option<String>,
    pub long_description: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub privacy_url: Option<String>,
    pub support_url: Option<String>,
    pub configure_url: Option<String>,
    /// Slugs, in the fixed list's order.
    pub categories: Option<Vec<String>>,
}

/// A description: trimmed, not empty, at most `max` characters, plain text
/// (line breaks and tabs allowed, other control characters not).
pub(crate) fn validate_text(input: &str, what: &str, max: usize) -> Result<String, String> {
    let text = input.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return Err(format!("Enter a {what}."));
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(format!(
            "A {what} has at most {max} characters (this one has {chars})."
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(format!("A {what} is plain text: no control characters."));
    }
    Ok(text)
}

/// The short description (1–150 characters).
pub fn validate_short_description(input: &str) -> Result<String, String> {
    validate_text(input, "short description", SHORT_DESCRIPTION_MAX_CHARS)
}

/// The long description (1–4000 characters, line breaks kept).
pub fn validate_long_description(input: &str) -> Result<String, String> {
    validate_text(input, "long description", LONG_DESCRIPTION_MAX_CHARS)
}

/// A URL people follow from the listing: https, or http only for a
/// machine's own address (localhost, 127.0.0.1, [::1]) during development.
/// No user name or password in it.
pub fn validate_public_url(input: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("Enter a URL.".into());
    }
    let url = url::Url::parse(text).map_err(|_| {
        if text.is_ascii() {
            "Enter a full URL, like https://example.com/privacy.".to_owned()
        } else {
            // Host names are checked as ASCII (see Cargo.toml, idna_adapter).
            "Write an international domain name in its xn-- form (e.g. https://xn--bcher-kva.example)."
                .to_owned()
        }
    })?;
    let host = url.host_str().unwrap_or_default();
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match url.scheme() {
        "https" if !host.is_empty() => {}
        "http" if local => {}
        "http" => return Err("Use an https:// address (http:// only for localhost).".into()),
        _ => return Err("Enter a web address starting with https://.".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("A URL cannot contain a user name or password.".into());
    }
    Ok(url.to_string())
}

/// The optional configure URL: empty, or a public URL.
pub fn validate_optional_url(input: &str) -> Result<String, String> {
    if input.trim().is_empty() {
        Ok(String::new())
    } else {
        validate_public_url(input)
    }
}

super::stored_names! {
    /// How users add an app (the developer's Install page).
    pub enum InstallOption {
        /// Portico starts the authorization from the Marketplace listing.
        Marketplace = "marketplace",
        /// The listing says "Visit site to add" and links to the
        /// developer's landing page, which starts the authorization.
        LandingPage = "landing_page",
    }
}

/// The Install page's form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstallOptionIn {
    #[serde(default)]
    pub install_option: String,
    #[serde(default)]
    pub landing_url: String,
}

/// The Install page's form, checked: a landing page needs its URL (a
/// public URL, like the listing's); with the Marketplace option a URL may
/// stay saved for later but must still be valid.
pub fn validate_install_option(
    input: &InstallOptionIn,
) -> Result<(InstallOption, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let option = InstallOption::parse(&input.install_option);
    if option.is_none() {
        errors.add(
            "install_option",
            "Choose how users add your app: from the Marketplace or from your landing page.",
        );
    }
    let landing_url = if option == Some(InstallOption::LandingPage) {
        errors.check("landing_url", validate_public_url(&input.landing_url))
    } else {
        errors.check("landing_url", validate_optional_url(&input.landing_url))
    };
    match (option, landing_url) {
        (Some(option), Some(url)) if errors.is_empty() => Ok((option, url)),
        _ => Err(errors),
    }
}

/// Up to three categories from the fixed list; returned in list order.
pub fn validate_categories(input: &[String]) -> Result<Vec<String>, String> {
    if let Some(unknown) = input.iter().find(|slug| category_label(slug).is_none()) {
        return Err(format!("“{unknown}” is not one of the categories."));
    }
    let chosen: Vec<String> = CATEGORIES
        .iter()
        .filter(|(slug, _)| input.iter().any(|s| s == slug))
        .map(|(slug, _)| (*slug).to_owned())
        .collect();
    if chosen.len() > MAX_CATEGORIES {
        return Err(format!("Choose at most {MAX_CATEGORIES} categories."));
    }
    Ok(chosen)
}

/// A listing field while the listing is a draft: empty is saved as empty
/// (the listing is complete only when submitted for review, and the submit
/// checklist is where a missing field counts); anything typed must pass
/// `rule`.
pub fn draft(input: &str, rule: fn(&str) -> Result<String, String>) -> Result<String, String> {
    if input.trim().is_empty() {
        Ok(String::new())
    } else {
        rule(input)
    }
}

/// `draft` for the browser's checks, which only need the verdict.
pub fn check_draft(input: &str, rule: fn(&str) -> Result<String, String>) -> Result<(), String> {
    draft(input, rule).map(|_| ())
}

/// Checks every field of a draft listing; returns what passed and the
/// errors of the rest. Only the name is needed (every app has one); the
/// other fields may be left empty until the listing is submitted.
pub fn validate_information(input: &InformationIn) -> (InformationPatch, FieldErrors) {
    let mut errors = FieldErrors::new();
    let patch = InformationPatch {
        name: errors.check("name", validate_app_name(&input.name)),
        short_description: errors.check(
            "short_description",
            draft(&input.short_description, validate_short_description),
        ),
        long_description: errors.check(
            "long_description",
            draft(&input.long_description, validate_long_description),
        ),
        contact_name: errors.check(
            "contact_name",
            draft(&input.contact_name, validate_display_name),
        ),
        contact_email: errors.check("contact_email", draft(&input.contact_email, validate_email)),
        privacy_url: errors.check(
            "privacy_url",
            draft(&input.privacy_url, validate_public_url),
        ),
        support_url: errors.check(
            "support_url",
            draft(&input.support_url, validate_public_url),
        ),
        configure_url: errors.check("configure_url", validate_optional_url(&input.configure_url)),
        categories: errors.check("categories", validate_categories(&input.categories)),
    };
    (patch, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_landing_page_needs_its_url() {
        let check = |option: &str, url: &str| {
            validate_install_option(&InstallOptionIn {
                install_option: option.into(),
                landing_url: url.into(),
            })
        };
        assert_eq!(
            check("marketplace", "").unwrap(),
            (InstallOption::Marketplace, String::new())
        );
        assert!(check("landing_page", "")
            .unwrap_err()
            .get("landing_url")
            .is_some());
        assert!(check("landing_page", "http://example.com/add").is_err());
        assert_eq!(
            check("landing_page", "https://example.com/add").unwrap(),
            (InstallOption::LandingPage, "https://example.com/add".into())
        );
        assert!(check("marketplace", "javascript:alert(1)").is_err());
        assert!(check("both", "")
            .unwrap_err()
            .get("install_option")
            .is_some());
    }

    fn valid() -> InformationIn {
        InformationIn {
            name: "Acme".into(),
            short_description: "Notes for meetings.".into(),
            long_description: "Line one.\r\nLine two.".into(),
            contact_name: "Ada".into(),
            contact_email: "ada@example.com".into(),
            privacy_url: "https://acme.example/privacy".into(),
            support_url: "http://localhost:8080/help".into(),
            configure_url: "".into(),
            categories: vec!["productivity".into(), "analytics".into()],
        }
    }

    #[test]
    fn a_complete_form_passes_whole() {
        let (patch, errors) = validate_information(&valid());
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(
            patch.long_description.as_deref(),
            Some("Line one.\nLine two.")
        );
        assert_eq!(patch.configure_url.as_deref(), Some(""));
        assert_eq!(
            patch.categories,
            Some(vec!["analytics".to_owned(), "productivity".to_owned()])
        );
    }

    #[test]
    fn invalid_fields_are_reported_and_left_out_while_valid_ones_pass() {
        let mut input = valid();
        input.short_description = "x".repeat(151);
        input.privacy_url = "http://acme.example/privacy".into();
        let (patch, errors) = validate_information(&input);
        assert!(errors
            .get("short_description")
            .unwrap()
            .contains("at most 150"));
        assert!(errors.get("privacy_url").unwrap().contains("https"));
        assert_eq!(patch.short_description, None);
        assert_eq!(patch.privacy_url, None);
        assert_eq!(patch.name.as_deref(), Some("Acme"));
        assert!(patch.support_url.is_some());
    }

    #[test]
    fn a_half_filled_draft_saves_its_empty_fields_empty() {
        let input = InformationIn {
            name: "Acme".into(),
            short_description: "  ".into(),
            contact_email: "ada@example.com".into(),
            ..InformationIn::default()
        };
        let (patch, errors) = validate_information(&input);
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(patch.short_description.as_deref(), Some(""));
        assert_eq!(patch.long_description.as_deref(), Some(""));
        assert_eq!(patch.privacy_url.as_deref(), Some(""));
        assert_eq!(patch.contact_email.as_deref(), Some("ada@example.com"));
        // The name is never optional, and what is typed must still be right.
        let (patch, errors) = validate_information(&InformationIn {
            support_url: "http://acme.example".into(),
            ..InformationIn::default()
        });
        assert!(errors.get("name").is_some());
        assert!(errors.get("support_url").unwrap().contains("https"));
        assert_eq!(patch.name, None);
        assert_eq!(patch.support_url, None);
        assert_eq!(check_draft("", validate_public_url), Ok(()));
        assert!(check_draft("x", validate_public_url).is_err());
    }

    #[test]
    fn urls() {
        assert!(validate_public_url("https://example.com").is_ok());
        assert!(validate_public_url("http://127.0.0.1:3000/x").is_ok());
        assert!(validate_public_url("http://[::1]/x").is_ok());
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "http://example.com",
            "https://user:pw@example.com",
            "javascript:alert(1)",
        ] {
            assert!(validate_public_url(bad).is_err(), "{bad}");
        }
        assert_eq!(validate_optional_url("  ").as_deref(), Ok(""));
        assert!(validate_public_url("https://bücher.example/")
            .unwrap_err()
            .contains("xn--"));
        assert!(validate_public_url("https://xn--bcher-kva.example/").is_ok());
        assert!(validate_public_url("https://example.com/ünïcode-path").is_ok());
    }

    #[test]
    fn descriptions_and_categories() {
        assert!(validate_short_description(&"x".repeat(150)).is_ok());
        assert!(validate_long_description(&"x".repeat(4001)).is_err());
        assert!(validate_long_description("bell\u{7}").is_err());
        assert!(validate_categories(&["nope".into()]).is_err());
        let four: Vec<String> = CATEGORIES[..4]
            .iter()
            .map(|(s, _)| (*s).to_owned())
            .collect();
        assert!(validate_categories(&four).is_err());
        assert_eq!(validate_categories(&[]), Ok(vec![]));
    }
}
