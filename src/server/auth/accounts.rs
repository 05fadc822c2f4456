//! Sign-up, sign-in with per-account backoff, and reviewer creation: the
//! rules that the server functions and the command line share.

use crate::domain::account::{
    sign_in_lock_seconds, validate_sign_in, validate_sign_up, SignUpForm,
};
use crate::error::AppError;
use crate::server::auth::password;
use crate::server::repo::{self, is_unique_violation, users::NewUser};
use crate::server::state::AppState;

/// The one answer for an unknown email and a wrong password, so the form
/// does not tell which addresses have accounts.
pub const BAD_CREDENTIALS: &str = "Email or password is incorrect.";

/// Creates a user (and their own account) from a sign-up form; returns the
/// new user's id.
pub async fn sign_up(
    state: &AppState,
    email: &str,
    display_name: &str,
    password_text: &str,
) -> Result<String, AppError> {
    let form = validate_sign_up(email, display_name, password_text)?;
    create_user(state, &form, false).await
}

async fn create_user(
    state: &AppState,
    form: &SignUpForm,
    is_reviewer: bool,
) -> Result<String, AppError> {
    let hash = password::hash(form.password.clone())
        .await
        .map_err(|e| crate::server::context::internal(format!("password hashing failed: {e}")))?;
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

/// Checks an email and password; returns the user's id. Repeated failures
/// lock the account for a growing time (see `sign_in_lock_seconds`).
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password_text: &str,
) -> Result<String, AppError> {
    let email = validate_sign_in(email, password_text)?;
    let pool = &state.db.pool;
    let user = repo::users::find_by_email(pool, &email).await?;
    let now = state.now_ms();
    if let Some(user) = &user {
        if user.locked_until > now {
            return Err(locked_message(user.locked_until - now));
        }
    }
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    if password::verify(password_text.to_owned(), stored_hash).await {
        let user = user.expect("a password only verifies against a stored hash");
        if user.failed_signins != 0 {
            repo::users::reset_failed_sign_ins(pool, &user.id).await?;
        }
        return Ok(user.id);
    }
    if let Some(user) = user {
        let failures = repo::users::record_failed_sign_in(pool, &user.id).await?;
        let lock_seconds = sign_in_lock_seconds(failures);
        if lock_seconds > 0 {
            repo::users::lock_until(pool, &user.id, now + lock_seconds * 1000).await?;
            return Err(locked_message(lock_seconds * 1000));
        }
    }
    Err(AppError::BadCredentials)
}

fn locked_message(remaining_ms: i64) -> AppError {
    let seconds = (remaining_ms + 999) / 1000;
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

/// Makes sure a reviewer with this email exists: creates the user (with
/// their own account) or marks the existing user as a reviewer. Returns
/// true when a new user was created.
pub async fn ensure_reviewer(
    state: &AppState,
    email: &str,
    display_name: &str,
    password_text: &str,
) -> Result<bool, AppError> {
    let form = validate_sign_up(email, display_name, password_text)?;
    if let Some(existing) = repo::users::find_by_email(&state.db.pool, &form.email).await? {
        repo::users::set_reviewer(&state.db.pool, &existing.id).await?;
        return Ok(false);
    }
    create_user(state, &form, true).await.map(|_| true)
}
