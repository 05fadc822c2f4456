//! URL fields' browser-side checks, fetched the first time they are needed.
//!
//! The URL rules (`domain::listing`, `domain::events`, `domain::oauth`) are
//! the same functions the server runs, but they parse with the `url` crate,
//! which is one of the largest pieces of the App information, Credentials
//! and Features pages. With `cargo leptos build --split` the `#[lazy]`
//! function below, and the parser only it reaches, is its own WASM chunk:
//! the page becomes interactive without it, and a URL field asks for it
//! when first focused, so it is usually there before the field is left.

use crate::domain::{events, listing, oauth};

/// Which rule a URL field is checked by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UrlRule {
    /// A listing link the public sees (privacy policy, support, configure
    /// URL); empty while the listing is a draft.
    OptionalPublicUrl,
    /// A webhook or deauthorization endpoint; empty means none.
    EndpointUrl,
    /// An OAuth redirect URL; empty means none.
    RedirectUrl,
    /// The OAuth allow list, one URL per line.
    AllowList,
}

impl UrlRule {
    /// The rule's verdict, from the domain validator the server also runs.
    pub fn check(self, value: &str) -> Result<(), String> {
        match self {
            Self::OptionalPublicUrl => listing::validate_optional_url(value).map(|_| ()),
            Self::EndpointUrl => events::validate_endpoint_url(value).map(|_| ()),
            Self::RedirectUrl => oauth::validate_optional_redirect_url(value).map(|_| ()),
            Self::AllowList => oauth::validate_allow_list(value).map(|_| ()),
        }
    }
}

/// Checks `value` by `rule`, loading the URL-checking chunk on first use.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
pub fn check_url(rule: UrlRule, value: String) -> Result<(), String> {
    rule.check(&value)
}

#[cfg(test)]
mod tests {
    use super::UrlRule;

    #[test]
    fn each_rule_is_its_domain_validator() {
        // Every URL field may be left empty: a listing is a draft until
        // it is submitted, endpoints and redirect URLs are optional.
        assert!(UrlRule::OptionalPublicUrl.check("").is_ok());
        assert!(UrlRule::EndpointUrl.check("").is_ok());
        assert!(UrlRule::RedirectUrl.check("").is_ok());
        assert!(UrlRule::AllowList.check("").is_ok());
        for rule in [
            UrlRule::OptionalPublicUrl,
            UrlRule::EndpointUrl,
            UrlRule::RedirectUrl,
        ] {
            assert!(rule.check("https://example.com/x").is_ok(), "{rule:?}");
            assert!(rule.check("http://example.com/x").is_err(), "{rule:?}");
            assert!(rule.check("not a url").is_err(), "{rule:?}");
        }
        assert!(UrlRule::AllowList
            .check("https://a.example/cb\nhttp://localhost:3000/cb")
            .is_ok());
        let line_two = UrlRule::AllowList
            .check("https://a.example/cb\nftp://b.example")
            .unwrap_err();
        assert!(line_two.starts_with("Line 2"), "{line_two}");
    }
}
