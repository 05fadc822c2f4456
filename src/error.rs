//! `AppError`: the one error type of server functions and plain routes.
//!
//! It crosses the wire as JSON, so a form can show field errors beside their
//! fields. Internal failures carry only a request id: the detail goes to the
//! log, never to the person.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::fields::FieldErrors;

/// What went wrong, in words fit for the person who caused it.
///
/// On the wire: `{"kind": "<variant>", ...its fields}`, serde's internally
/// tagged form, both ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// One or more form fields are invalid; each message belongs beside its field.
    #[error("Please correct the highlighted fields.")]
    Invalid {
        /// Field name → message.
        fields: FieldErrors,
    },
    /// Unknown email or wrong password: one answer for both.
    #[error("Email or password is incorrect.")]
    BadCredentials,
    /// The request needs a signed-in user.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Signed in, but not allowed to do this; the message says who may
    /// (e.g. an app's managers).
    #[error("{message}")]
    Forbidden {
        /// Shown as is.
        message: String,
    },
    /// The thing does not exist, or is not visible to this user.
    #[error("We couldn't find that.")]
    NotFound,
    /// A refusal with its own explanation (e.g. "try again in 30 seconds").
    #[error("{message}")]
    Refused {
        /// Shown as is.
        message: String,
    },
    /// Slowed down after repeated failures; the message says how long to wait.
    #[error("{message}")]
    TooManyAttempts {
        /// Shown as is.
        message: String,
    },
    /// The server is at capacity for this work (password hashing); the
    /// message says to try again shortly. 503 with Retry-After.
    #[error("{message}")]
    Busy {
        /// Shown as is.
        message: String,
    },
    /// An endpoint failed the URL validation: what was sent and what came
    /// back, for the page to show.
    #[error("{problem}")]
    EndpointCheck {
        /// The endpoint.
        url: String,
        /// Why it failed, in words.
        problem: String,
        /// The request: headers, a blank line, the body.
        sent: String,
        /// The answer's status, when one came.
        status: Option<u16>,
        /// The answer's headers, one per line.
        received_headers: String,
        /// The first 4 KiB of the answer's body.
        received_body: String,
    },
    /// Our fault. The detail is in the server log under this request id.
    #[error(
        "Something went wrong on our side. If it keeps happening, quote request id {request_id}."
    )]
    Internal {
        /// Matches the `x-request-id` response header and the log line.
        request_id: String,
    },
    /// The request could not reach the server or its answer could not be read.
    #[error("The request failed: {message}")]
    Transport {
        /// From the server-function machinery; never holds server internals.
        message: String,
    },
}

impl AppError {
    /// A single invalid field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            fields: FieldErrors::single(field, message),
        }
    }

    /// A refusal with an explanation.
    pub fn refused(message: impl Into<String>) -> Self {
        AppError::Refused {
            message: message.into(),
        }
    }

    /// A 403 with its reason.
    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden {
            message: message.into(),
        }
    }

    /// A 403 for which "who may" needs no words.
    pub fn no_permission() -> Self {
        Self::forbidden("You don't have permission to do that.")
    }

    /// The message for one field, if this is a validation error naming it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields } => fields.get(field).map(str::to_owned),
            _ => None,
        }
    }

    /// HTTP status for JSON clients.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 422,
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden { .. } => 403,
            AppError::NotFound => 404,
            AppError::Refused { .. } => 409,
            AppError::EndpointCheck { .. } => 422,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Busy { .. } => 503,
            AppError::Internal { .. } => 500,
            AppError::Transport { .. } => 400,
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(fields: FieldErrors) -> Self {
        AppError::Invalid { fields }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let message = match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                "the form was incomplete; please reload the page and try again".to_owned()
            }
            ServerFnErrorErr::Request(_) => "could not reach the server".to_owned(),
            other => other.to_string(),
        };
        AppError::Transport { message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant, so the hand-written reader is checked against
    /// the derived writer for all of them.
    fn one_of_each() -> Vec<AppError> {
        vec![
            AppError::field("name", "That name is taken"),
            AppError::BadCredentials,
            AppError::Unauthenticated,
            AppError::no_permission(),
            AppError::forbidden("only the app's managers"),
            AppError::NotFound,
            AppError::refused("try again in 30 seconds"),
            AppError::TooManyAttempts {
                message: "wait a minute".into(),
            },
            AppError::Busy {
                message: "try again in a moment".into(),
            },
            AppError::EndpointCheck {
                url: "https://hooks.example/in".into(),
                problem: "answered 500".into(),
                sent: "POST / HTTP/1.1".into(),
                status: Some(500),
                received_headers: "content-type: text/plain".into(),
                received_body: "oops".into(),
            },
            AppError::EndpointCheck {
                url: "https://hooks.example/in".into(),
                problem: "timed out".into(),
                sent: String::new(),
                status: None,
                received_headers: String::new(),
                received_body: String::new(),
            },
            AppError::Internal {
                request_id: "r-1".into(),
            },
            AppError::Transport {
                message: "could not reach the server".into(),
            },
        ]
    }

    #[test]
    fn every_variant_reads_back_what_it_writes() {
        for error in one_of_each() {
            let json = serde_json::to_string(&error).unwrap();
            let back: AppError = serde_json::from_str(&json).unwrap();
            assert_eq!(back, error, "{json}");
        }
    }

    #[test]
    fn reads_the_tag_anywhere_and_ignores_unknown_fields() {
        let json = r#"{"message":"slow down","extra":1,"kind":"too_many_attempts"}"#;
        let error: AppError = serde_json::from_str(json).unwrap();
        assert_eq!(
            error,
            AppError::TooManyAttempts {
                message: "slow down".into()
            }
        );
    }

    #[test]
    fn refuses_a_variant_without_its_fields_or_an_unknown_kind() {
        let missing = serde_json::from_str::<AppError>(r#"{"kind":"internal"}"#).unwrap_err();
        assert!(missing.to_string().contains("request_id"), "{missing}");
        let unknown = serde_json::from_str::<AppError>(r#"{"kind":"teapot"}"#).unwrap_err();
        assert!(unknown.to_string().contains("teapot"), "{unknown}");
        assert!(serde_json::from_str::<AppError>(r#"{"message":"x"}"#).is_err());
    }
}
