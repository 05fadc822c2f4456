//! Pure domain types and validation: no sqlx, axum or web-sys, so the same
//! code is compiled into the browser bundle and the server.

/// A closed set of names stored as TEXT and sent in forms and JSON: the
/// enum with `ALL`, `as_str` (the stored name), `parse`, serde under the
/// same names, and `TryFrom<String>`, which repository rows decode through
/// (`#[sqlx(try_from = "String")]`), so that a row never carries a string
/// that stands for a type.
macro_rules! stored_names {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$variant_meta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and submitted) name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Parses the stored or submitted name.
            pub fn parse(value: &str) -> Option<$name> {
                match value {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(value: String) -> Result<Self, String> {
                Self::parse(&value)
                    .ok_or_else(|| format!("{value:?} is not a {}", stringify!($name)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use stored_names;

pub mod account;
pub mod app;
pub mod app_access;
pub mod audit;
pub mod chat;
pub mod events;
pub mod fields;
pub mod listing;
pub mod marketplace;
pub mod media;
pub mod meeting;
pub mod notify;
pub mod oauth;
pub mod review;
pub mod text;
pub mod time;
