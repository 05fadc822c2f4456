//! Sign-up, sign-in with per-account backoff, password changes and
//! reviewer creation: the rules that the server functions and the command
//! line share. Every password hash goes through the state's `HashGate`.

use crate::domain::account::{
    validate_new_password, validate_sign_in, validate_sign_up, SignUpForm,
};
use crate::domain::fields::FieldErrors;
use crate::error::AppError;
use crate::server::auth::password::{self, Busy};
use crate::server::repo::{self, is_unique_violation, users::NewUser};
use crate::server::state::AppState;

/// The one answer for an unknown email and a wrong password, so the form
/// does not tell which addresses have accounts.
pub const BAD_CREDENTIALS: &str = "Email or password is incorrect.";

impl From<Busy> for AppError {
    fn from(_: Busy) -> Self {
        AppError::Busy {
            message: "Portico is busy with other sign-ins right now. Try again in a moment."
                .to_owned(),
        }
    }
}

/// Creates a user (and their own account) from a sign-up form; returns the
/// new user's id.
pub async fn sign_up(
    state: &AppState,
    email: &str,
    display_name: &str,
    password_text: &str,
) -> Result<String, AppError> {
    let form = validate_new_user(email, display_name, password_text)?;
    create_user(state, &form, false).await
}

/// The sign-up rules (`validate_sign_up`) and, on the server only, the
/// common-password rule, all reported at once.
fn validate_new_user(
    email: &str,
    display_name: &str,
    password_text: &str,
) -> Result<SignUpForm, FieldErrors> {
    let words = personal_words(email, display_name);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let common = password::check_not_common(password_text, &words);
    match validate_sign_up(email, display_name, password_text) {
        Ok(form) => {
            let mut errors = FieldErrors::new();
            errors.check("password", common);
            errors.into_result().map(|()| form)
        }
        Err(mut errors) => {
            if errors.get("password").is_none() {
                errors.check("password", common);
            }
            Err(errors)
        }
    }
}

/// What a guesser knows of the user, for the common-password check: the
/// email, its local part and the name, whole and word by word.
fn personal_words(email: &str, display_name: &str) -> Vec<String> {
    let email = email.trim();
    let local = email.split('@').next().unwrap_or_default();
    let mut words = vec![email.to_owned(), display_name.trim().to_owned()];
    words.extend(
        local
            .split(|c: char| !c.is_alphanumeric())
            .chain(display_name.split_whitespace())
            .chain(std::iter::once(local))
            .filter(|w| w.chars().count() >= 3)
            .map(str::to_owned),
    );
    words
}

async fn create_user(
    state: &AppState,
    form: &SignUpForm,
    is_reviewer: bool,
) -> Result<String, AppError> {
    let hash = hash_new_password(state, &form.password).await?;
    let created = repo::users::create_with_account(
        &state.db.pool,
        NewUser {
            email: &form.email,
            display_name: &form.display_name,
            password_hash: &hash,
            is_reviewer,
            now: state.now_ms(),
        },
    )
    .await;
    match created {
        Ok(id) => Ok(id),
        Err(err) if is_unique_violation(&err) => Err(AppError::field(
            "email",
            "An account with this email already exists. Sign in instead.",
        )),
        Err(err) => Err(err.into()),
    }
}

async fn hash_new_password(state: &AppState, password_text: &str) -> Result<String, AppError> {
    state
        .password_hashing
        .hash(password_text.to_owned())
        .await?
        .map_err(|e| crate::server::context::internal(format!("password hashing failed: {e}")))
}

/// Checks an email and password; returns the user's id. Repeated failures
/// lock the account for a growing time (see `sign_in_lock_seconds`).
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password_text: &str,
) -> Result<String, AppError> {
    let email = validate_sign_in(email, password_text)?;
    let user = repo::users::find_by_email(&state.db.pool, &email).await?;
    match user {
        Some(user) => {
            check_password(state, &user.id, &user.password_hash, password_text).await?;
            Ok(user.id)
        }
        None => {
            // An unknown email costs the same hash as a wrong password.
            state
                .password_hashing
                .verify(password_text.to_owned(), None)
                .await?;
            Err(AppError::BadCredentials)
        }
    }
}

/// Checks a known user's password under the backoff: the attempt is
/// counted (and refused while the account is locked) before the hash runs,
/// so guesses sent together are checked no faster than one by one.
async fn check_password(
    state: &AppState,
    user_id: &str,
    stored_hash: &str,
    password_text: &str,
) -> Result<(), AppError> {
    let pool = &state.db.pool;
    let now = state.now_ms();
    let Some(attempt) = repo::users::admit_sign_in(pool, user_id, now).await? else {
        let locked_until = repo::users::sign_in_locked_until(pool, user_id).await?;
        return Err(locked_message(locked_until - now));
    };
    let verified = state
        .password_hashing
        .verify(password_text.to_owned(), Some(stored_hash.to_owned()))
        .await;
    match verified {
        Ok(true) => {
            repo::users::clear_sign_in_attempts(pool, user_id).await?;
            Ok(())
        }
        Ok(false) if attempt.locked_until > now => Err(locked_message(attempt.locked_until - now)),
        Ok(false) => Err(AppError::BadCredentials),
        // Counted though not checked: taking it back could reopen a lock
        // that other attempts have seen, and a flood that fills the gate
        // could as well have sent wrong guesses.
        Err(busy) => Err(busy.into()),
    }
}

fn locked_message(remaining_ms: i64) -> AppError {
    let seconds = (remaining_ms.max(1) + 999) / 1000;
    let wait = if seconds >= 120 {
        format!("{} minutes", (seconds + 59) / 60)
    } else if seconds == 1 {
        "1 second".to_owned()
    } else {
        format!("{seconds} seconds")
    };
    AppError::TooManyAttempts {
        message: format!(
            "Too many failed sign-in attempts for this account. Wait {wait}, then try again."
        ),
    }
}

/// The signed-in user changes their password: the current one must be
/// right (under the same backoff as sign-in), the new one must pass the
/// sign-up rules. Ending the user's other sessions is the caller's part.
pub async fn change_password(
    state: &AppState,
    user_id: &str,
    current_password: &str,
    new_password: &str,
) -> Result<(), AppError> {
    let user = repo::users::find_by_id(&state.db.pool, user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let mut errors = FieldErrors::new();
    if current_password.is_empty() {
        errors.add("current_password", "Enter your current password.");
    }
    if errors
        .check("new_password", validate_new_password(new_password))
        .is_some()
    {
        let words = personal_words(&user.email, &user.display_name);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        errors.check(
            "new_password",
            password::check_not_common(new_password, &words),
        );
    }
    errors.into_result()?;
    match check_password(state, &user.id, &user.password_hash, current_password).await {
        Err(AppError::BadCredentials) => {
            return Err(AppError::field(
                "current_password",
                "That is not your current password.",
            ))
        }
        other => other?,
    }
    let hash = hash_new_password(state, new_password).await?;
    repo::users::set_password_hash(&state.db.pool, &user.id, &hash).await?;
    Ok(())
}

/// Makes sure a reviewer with this email exists: creates the user (with
/// their own account) or marks the existing user as a reviewer. Returns
/// true when a new user was created.
pub async fn ensure_reviewer(
    state: &AppState,
    email: &str,
    display_name: &str,
    password_text: &str,
) -> Result<bool, AppError> {
    // Said on the command line or in the log: every field's problem in words.
    let spelled_out = |errors: FieldErrors| AppError::refused(errors.to_string());
    let form = validate_sign_up(email, display_name, password_text).map_err(spelled_out)?;
    if let Some(existing) = repo::users::find_by_email(&state.db.pool, &form.email).await? {
        repo::users::set_reviewer(&state.db.pool, &existing.id).await?;
        return Ok(false);
    }
    validate_new_user(email, display_name, password_text).map_err(spelled_out)?;
    create_user(state, &form, true).await.map(|_| true)
}
