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
    /// Signed in, but not allowed to do this.
    #[error("You don't have permission to do that.")]
    Forbidden,
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
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Refused { .. } => 409,
            AppError::EndpointCheck { .. } => 422,
            AppError::TooManyAttempts { .. } => 429,
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
