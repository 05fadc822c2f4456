//! Accounts, users and roles: the rules for sign-up, sign-in and membership.

use super::fields::FieldErrors;

/// Shortest password we accept (NIST SP 800-63B: at least 8).
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest password we accept; longer input is refused, never truncated.
pub const PASSWORD_MAX_CHARS: usize = 128;
/// Longest display name.
pub const DISPLAY_NAME_MAX_CHARS: usize = 64;
/// Longest email address (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;

super::stored_names! {
    /// A member's role inside one account (organisation); `ALL` is most
    /// powerful first.
    pub enum Role {
        /// Created the account; can do everything, including managing admins.
        Owner = "owner",
        /// Manages members and account-level apps.
        Admin = "admin",
        /// Uses the platform and installs apps for themselves.
        Member = "member",
    }
}

impl Role {
    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }

    /// Owners and admins manage the account's members and invites.
    pub fn can_manage_members(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// Whether `actor` may change `target`'s role from `from` to `to` (or remove
/// them, when `to` is `None`). Admins manage members and other admins; only
/// owners touch owners or make new ones. The last-owner rule needs the
/// member count and is checked where that is known.
pub fn may_change_role(actor: Role, from: Role, to: Option<Role>) -> Result<(), String> {
    if !actor.can_manage_members() {
        return Err("Only owners and admins can manage members.".into());
    }
    let touches_owner = from == Role::Owner || to == Some(Role::Owner);
    if touches_owner && actor != Role::Owner {
        return Err("Only an owner can change an owner or make someone owner.".into());
    }
    Ok(())
}

/// Trims and lower-cases an email, then checks its shape
/// (`check_email`): the address as stored.
pub fn validate_email(input: &str) -> Result<String, String> {
    let email = input.trim().to_lowercase();
    check_email(&email)?;
    Ok(email)
}

/// Checks an email's shape: the check the browser runs as you type.
///
/// We check the shape a person can get wrong (one `@`, a dotted domain, no
/// spaces); whether the mailbox exists is not something a form can know.
/// Case does not change the verdict for what people type (the server checks
/// the lower-cased address with this same function), so the browser checks
/// the text as typed and leaves lower-casing, whose Unicode tables are 8 KiB
/// of WASM, to the server.
pub fn check_email(input: &str) -> Result<(), String> {
    let email = input.trim();
    if email.is_empty() {
        return Err("Enter your email address.".into());
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(format!(
            "An email address has at most {EMAIL_MAX_CHARS} characters."
        ));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("Enter an email address like name@example.com.".into());
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if local.is_empty()
        || local.len() > 64
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
        || local.contains('@')
        || !domain_ok
    {
        return Err("Enter an email address like name@example.com.".into());
    }
    Ok(())
}

/// Trims a display name and checks its length.
pub fn validate_display_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Enter your name.".into());
    }
    if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
        return Err(format!(
            "A name has at most {DISPLAY_NAME_MAX_CHARS} characters."
        ));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err("A name cannot contain control characters.".into());
    }
    Ok(name.to_owned())
}

/// Checks a new password's length in characters (not bytes). Passwords are
/// used exactly as typed: no trimming, no truncation.
pub fn validate_new_password(input: &str) -> Result<(), String> {
    let chars = input.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(format!(
            "Use at least {PASSWORD_MIN_CHARS} characters for your password."
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(format!(
            "A password has at most {PASSWORD_MAX_CHARS} characters."
        ));
    }
    Ok(())
}

/// A checked sign-up form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpForm {
    /// Lower-cased, trimmed.
    pub email: String,
    /// Trimmed.
    pub display_name: String,
    /// Exactly as typed.
    pub password: String,
}

/// Checks every sign-up field and reports all problems at once.
pub fn validate_sign_up(
    email: &str,
    display_name: &str,
    password: &str,
) -> Result<SignUpForm, FieldErrors> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", validate_email(email));
    let display_name = errors.check("display_name", validate_display_name(display_name));
    errors.check("password", validate_new_password(password));
    errors.into_result()?;
    Ok(SignUpForm {
        email: email.unwrap_or_default(),
        display_name: display_name.unwrap_or_default(),
        password: password.to_owned(),
    })
}

/// Checks that a sign-in form is filled in. Whether the password is right is
/// the server's business, and it answers the same for unknown emails.
pub fn validate_sign_in(email: &str, password: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", validate_email(email));
    if password.is_empty() {
        errors.add("password", "Enter your password.");
    } else if password.chars().count() > PASSWORD_MAX_CHARS {
        errors.add(
            "password",
            format!("A password has at most {PASSWORD_MAX_CHARS} characters."),
        );
    }
    errors.into_result()?;
    Ok(email.unwrap_or_default())
}

/// Seconds an account stays locked after `failures` consecutive failed
/// sign-ins: free for the first few, then doubling up to 15 minutes, which
/// makes guessing slow without locking a real user out for long.
pub fn sign_in_lock_seconds(failures: i64) -> i64 {
    const FREE_ATTEMPTS: i64 = 5;
    const MAX_LOCK_SECONDS: i64 = 15 * 60;
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let exponent = (failures - FREE_ATTEMPTS).min(20) as u32;
    (2_i64.pow(exponent) * 2).min(MAX_LOCK_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            validate_email("  Ada@Example.COM ").as_deref(),
            Ok("ada@example.com")
        );
        // The browser's check takes it as typed, case and spaces included.
        assert_eq!(check_email("  Ada@Example.COM "), Ok(()));
        assert_eq!(
            check_email("Ada@Example"),
            validate_email("Ada@Example").map(|_| ())
        );
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "ada@exa mple.com",
            "ada@.example.com",
            "ada@example..com",
            "ada@example.com.",
            "a b@example.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} should be refused");
            assert!(
                check_email(bad).is_err(),
                "{bad:?}: the browser refuses it too"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(validate_email(&long).is_err());
    }

    #[test]
    fn display_name_rules() {
        assert_eq!(validate_display_name("  Ada  ").as_deref(), Ok("Ada"));
        assert!(validate_display_name("").is_err());
        assert!(validate_display_name("   ").is_err());
        assert!(validate_display_name(&"x".repeat(DISPLAY_NAME_MAX_CHARS)).is_ok());
        assert!(validate_display_name(&"x".repeat(DISPLAY_NAME_MAX_CHARS + 1)).is_err());
        assert!(validate_display_name("bad\u{7}name").is_err());
    }

    #[test]
    fn password_length_counts_characters_and_never_truncates() {
        assert!(validate_new_password("1234567").is_err());
        assert!(validate_new_password("12345678").is_ok());
        // 8 characters, 16 bytes: accepted because we count characters.
        assert!(validate_new_password("éééééééé").is_ok());
        assert!(validate_new_password(&"p".repeat(128)).is_ok());
        assert!(validate_new_password(&"p".repeat(129)).is_err());
        // Leading and trailing spaces are part of the password.
        let form = validate_sign_up("a@b.co", "A", "  spaced  ").unwrap();
        assert_eq!(form.password, "  spaced  ");
    }

    #[test]
    fn sign_up_reports_every_field() {
        let errors = validate_sign_up("nope", "", "short").unwrap_err();
        assert!(errors.get("email").is_some());
        assert!(errors.get("display_name").is_some());
        assert!(errors.get("password").is_some());
    }

    #[test]
    fn sign_in_needs_both_fields() {
        let errors = validate_sign_in("", "").unwrap_err();
        assert!(errors.get("email").is_some());
        assert!(errors.get("password").is_some());
        assert_eq!(
            validate_sign_in("Ada@Example.com", "x").as_deref(),
            Ok("ada@example.com")
        );
    }

    #[test]
    fn lock_grows_then_caps() {
        assert_eq!(sign_in_lock_seconds(0), 0);
        assert_eq!(sign_in_lock_seconds(4), 0);
        assert_eq!(sign_in_lock_seconds(5), 2);
        assert_eq!(sign_in_lock_seconds(6), 4);
        assert_eq!(sign_in_lock_seconds(7), 8);
        assert_eq!(sign_in_lock_seconds(40), 900);
    }

    #[test]
    fn role_rules() {
        assert_eq!(Role::parse("admin"), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
        assert!(may_change_role(Role::Member, Role::Member, Some(Role::Admin)).is_err());
        assert!(may_change_role(Role::Admin, Role::Member, Some(Role::Admin)).is_ok());
        assert!(may_change_role(Role::Admin, Role::Admin, None).is_ok());
        assert!(may_change_role(Role::Admin, Role::Owner, Some(Role::Member)).is_err());
        assert!(may_change_role(Role::Admin, Role::Member, Some(Role::Owner)).is_err());
        assert!(may_change_role(Role::Owner, Role::Member, Some(Role::Owner)).is_ok());
    }
}
