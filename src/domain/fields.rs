//! Field-level validation errors, shared by every form.

use serde::{Deserialize, Serialize};

/// One message per invalid form field, in the order the fields were checked.
///
/// The field name is the form input's `name`, so a form can put each message
/// beside its field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    /// An empty set of errors.
    pub fn new() -> Self {
        Self::default()
    }

    /// One error for one field.
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// Records `message` for `field`; the first message for a field wins.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    /// Records the error of a validation result, if any.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, message)| message.as_str())
    }

    /// True when no field has an error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when empty, otherwise the errors.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_message_per_field_wins() {
        let mut errors = FieldErrors::new();
        errors.add("email", "first");
        errors.add("email", "second");
        errors.add("password", "short");
        assert_eq!(errors.get("email"), Some("first"));
        assert_eq!(errors.get("password"), Some("short"));
        assert_eq!(errors.0.len(), 2);
        assert!(errors.into_result().is_err());
        assert!(FieldErrors::new().into_result().is_ok());
    }
}
