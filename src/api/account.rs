//! The profile, the account's members, roles and invites.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::auth::UserOut;
use crate::domain::account::Role;
use crate::error::AppError;

/// One account the user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOut {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// The one the user works in now.
    pub current: bool,
}

/// The profile page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileOut {
    pub user: UserOut,
    pub member_since: String,
    pub accounts: Vec<AccountOut>,
}

/// One member of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberOut {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub joined: String,
}

/// An invite not used yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInviteOut {
    pub id: String,
    pub role: Role,
    pub invited_by: String,
    pub expires: String,
}

/// The members page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersOut {
    pub account_name: String,
    pub my_user_id: String,
    pub my_role: Role,
    pub members: Vec<MemberOut>,
    /// Empty unless the viewer may manage members.
    pub invites: Vec<PendingInviteOut>,
    /// Where invite links start (`https://portico.example/invite/`): the
    /// server's public address, so that the link is the same however the
    /// page was reached (behind a proxy, the browser's origin may not be).
    pub invite_link_base: String,
    /// The invite link this viewer just made, shown once (from a flash
    /// cookie only its own post set: never from the address, where it
    /// would stay in the history and could be planted by a link).
    pub new_invite_link: Option<String>,
    /// Whether Portico can email an invite (SMTP configured).
    pub email_on: bool,
}

/// A new invite, for clients that post for JSON (the page shows it from
/// `MembersOut::new_invite_link`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NewInviteOut {
    pub token: String,
    pub link: String,
}

/// The flash cookie that carries a new invite's token to the members page.
pub const NEW_INVITE_COOKIE: &str = "portico_new_invite";

/// What an invite link shows before it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteOut {
    pub account_name: String,
    pub invited_by: String,
    pub role: Role,
    pub expires: String,
}

/// The signed-in user's profile and accounts.
#[server(endpoint = "profile")]
pub async fn profile() -> Result<ProfileOut, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let rows =
                repo::accounts::memberships_of(&context::state()?.db.pool, &user.user_id).await?;
            let accounts = rows
                .into_iter()
                .map(|row| AccountOut {
                    current: row.account_id == user.account_id,
                    role: row.role,
                    id: row.account_id,
                    name: row.account_name,
                })
                .collect();
            Ok(ProfileOut {
                member_since: context::date(user.created_at),
                user: user.into(),
                accounts,
            })
        }
        .await,
    )
}

/// Changes the signed-in user's display name.
#[server(endpoint = "update_profile")]
pub async fn update_profile(display_name: String) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let name = crate::domain::account::validate_display_name(&display_name)
                .map_err(|message| AppError::field("display_name", message))?;
            let state = context::state()?;
            let accounts = repo::accounts::memberships_of(&state.db.pool, &user.user_id).await?;
            let object =
                crate::server::webhooks::events::user_object(&user.user_id, &name, &user.email);
            let now = state.now_ms();
            let mut change = crate::server::change::Change::begin(&state).await?;
            repo::users::set_display_name(&mut change, &user.user_id, &name).await?;
            for account in &accounts {
                change
                    .raise(
                        "user.updated",
                        &account.account_id,
                        &user.user_id,
                        &object,
                        now,
                    )
                    .await?;
            }
            change.commit().await?;
            context::redirect("/profile?saved=1");
            Ok(())
        }
        .await,
    )
}

/// Changes the signed-in user's password (the current one must be right)
/// and ends their other sessions; this one stays signed in.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::server::{auth, context};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            auth::accounts::change_password(
                &state,
                &user.user_id,
                &current_password,
                &new_password,
            )
            .await?;
            auth::session::end_others(&state, &context::parts()?.headers, &user.user_id).await?;
            context::redirect("/profile?password_changed=1");
            Ok(())
        }
        .await,
    )
}

/// Makes another of the user's accounts the current one.
#[server(endpoint = "switch_account")]
pub async fn switch_account(account_id: String) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            if !repo::users::set_current_account(
                &context::state()?.db.pool,
                &user.user_id,
                &account_id,
            )
            .await?
            {
                return Err(AppError::NotFound);
            }
            context::redirect("/profile");
            Ok(())
        }
        .await,
    )
}

/// The members (and, for owners and admins, pending invites) of the
/// current account.
#[server(endpoint = "members")]
pub async fn members() -> Result<MembersOut, AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            let state = context::state()?;
            let pool = &state.db.pool;
            let members = repo::accounts::members(pool, &user.account_id)
                .await?
                .into_iter()
                .map(|row| MemberOut {
                    role: row.role,
                    joined: context::date(row.created_at),
                    user_id: row.user_id,
                    display_name: row.display_name,
                    email: row.email,
                })
                .collect();
            let invites = if user.role.can_manage_members() {
                repo::invites::pending(pool, &user.account_id, state.now_ms())
                    .await?
                    .into_iter()
                    .map(|row| PendingInviteOut {
                        role: row.role,
                        expires: context::date(row.expires_at),
                        id: row.id,
                        invited_by: row.inviter_name,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let link_base = invite_link_base()?;
            Ok(MembersOut {
                account_name: user.account_name,
                my_user_id: user.user_id,
                my_role: user.role,
                members,
                invites,
                new_invite_link: context::take_flash_cookie(NEW_INVITE_COOKIE, "/account/members")?
                    .filter(|token| {
                        token.len() == 43
                            && token
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    })
                    .map(|token| format!("{link_base}{token}")),
                invite_link_base: link_base,
                email_on: state.mailer.is_some(),
            })
        }
        .await,
    )
}

/// Where invite links start: the server's public address.
#[cfg(feature = "ssr")]
fn invite_link_base() -> Result<String, AppError> {
    Ok(format!(
        "{}/invite/",
        crate::server::context::state()?
            .config
            .base_url()
            .trim_end_matches('/')
    ))
}

/// Makes an invite link (owners and admins), shown once on the members
/// page for the admin to pass on; with an `email` address and SMTP
/// configured, Portico also emails it there (the link is sealed with the
/// server key until the mail is sent, then forgotten).
#[server(endpoint = "create_invite")]
pub async fn create_invite(
    role: String,
    #[server(default)] email: Option<String>,
) -> Result<NewInviteOut, AppError> {
    use crate::server::{context, ids, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            if !user.role.can_manage_members() {
                return Err(AppError::no_permission());
            }
            let role = match Role::parse(&role) {
                Some(role @ (Role::Admin | Role::Member)) => role,
                Some(Role::Owner) => {
                    return Err(AppError::field(
                        "role",
                        "Invite as admin or member; make someone owner after they join.",
                    ))
                }
                None => return Err(AppError::field("role", "Choose a role.")),
            };
            let state = context::state()?;
            let email = match email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
                None => None,
                Some(_) if state.mailer.is_none() => {
                    return Err(AppError::field(
                        "email",
                        "This Portico sends no email: leave the address out and pass the link on yourself.",
                    ))
                }
                Some(address) => Some(
                    crate::domain::account::validate_email(address)
                        .map_err(|message| AppError::field("email", message))?,
                ),
            };
            let token = ids::new_secret();
            let now = state.now_ms();
            let mut change = crate::server::change::Change::begin(&state).await?;
            repo::invites::create(
                &mut change,
                &ids::hash_secret(&token),
                &user.account_id,
                role.as_str(),
                &user.user_id,
                now,
                now + state.config.invite_hours * 3_600_000,
            )
            .await?;
            let link = format!("{}{token}", invite_link_base()?);
            if let Some(address) = &email {
                crate::server::mail::notify(
                    &mut change,
                    &state,
                    repo::notifications::Recipient::Address(address),
                    &crate::domain::notify::Message::invited(
                        &user.account_name,
                        &user.display_name,
                        role.label(),
                        crate::domain::notify::SECRET_SLOT,
                    ),
                    Some(&link),
                )
                .await?;
            }
            change.commit().await?;
            crate::server::mail::wake(&state);
            if context::is_plain_form_post()? {
                context::set_flash_cookie(NEW_INVITE_COOKIE, &token, "/account/members");
                context::redirect("/account/members");
            }
            Ok(NewInviteOut { token, link })
        }
        .await,
    )
}

/// Revokes an unused invite of the current account.
#[server(endpoint = "revoke_invite")]
pub async fn revoke_invite(invite_id: String) -> Result<(), AppError> {
    use crate::server::{context, repo};
    context::finish(
        async {
            let user = context::require_user().await?;
            if !user.role.can_manage_members() {
                return Err(AppError::no_permission());
            }
            let state = context::state()?;
            if !repo::invites::revoke(&state.db.pool, &user.account_id, &invite_id, state.now_ms())
                .await?
            {
                return Err(AppError::NotFound);
            }
            context::redirect("/account/members");
            Ok(())
        }
        .await,
    )
}

/// Changes a member's role (see `domain::account::may_change_role`).
#[server(endpoint = "change_role")]
pub async fn change_role(user_id: String, role: String) -> Result<(), AppError> {
    use crate::domain::account::may_change_role;
    use crate::server::{context, repo};
    context::finish(
        async {
            let actor = context::require_user().await?;
            let new_role =
                Role::parse(&role).ok_or_else(|| AppError::field("role", "Choose a role."))?;
            let state = context::state()?;
            let current = repo::accounts::role_of(&state.db.pool, &actor.account_id, &user_id)
                .await?
                .and_then(|r| Role::parse(&r))
                .ok_or(AppError::NotFound)?;
            may_change_role(actor.role, current, Some(new_role)).map_err(AppError::refused)?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            if !repo::accounts::set_role(
                &mut change,
                &actor.account_id,
                &user_id,
                new_role.as_str(),
            )
            .await?
            {
                return Err(AppError::refused("An account needs at least one owner."));
            }
            change.commit().await?;
            context::redirect("/account/members");
            Ok(())
        }
        .await,
    )
}

/// Removes a member from the current account.
#[server(endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), AppError> {
    use crate::domain::account::may_change_role;
    use crate::server::{context, repo};
    context::finish(
        async {
            let actor = context::require_user().await?;
            let state = context::state()?;
            let current = repo::accounts::role_of(&state.db.pool, &actor.account_id, &user_id)
                .await?
                .and_then(|r| Role::parse(&r))
                .ok_or(AppError::NotFound)?;
            may_change_role(actor.role, current, None).map_err(AppError::refused)?;
            let mut change = crate::server::change::Change::begin(&state).await?;
            if !repo::accounts::remove_member(
                &mut change,
                &actor.account_id,
                &user_id,
                state.now_ms(),
            )
            .await?
            {
                return Err(AppError::refused("An account needs at least one owner."));
            }
            change.commit().await?;
            ensure_has_account(&state, &user_id).await?;
            context::redirect("/account/members");
            Ok(())
        }
        .await,
    )
}

/// What an invite link offers, or `None` when it is expired, used or unknown.
#[server(endpoint = "invite_details")]
pub async fn invite_details(token: String) -> Result<Option<InviteOut>, AppError> {
    use crate::server::{context, ids, repo};
    context::finish(
        async {
            let state = context::state()?;
            let invite = repo::invites::find_usable(
                &state.db.pool,
                &ids::hash_secret(&token),
                state.now_ms(),
            )
            .await?;
            Ok(invite.map(|row| InviteOut {
                role: row.role,
                expires: context::date(row.expires_at),
                account_name: row.account_name,
                invited_by: row.inviter_name,
            }))
        }
        .await,
    )
}

/// The signed-in user accepts an invite (the Join button of its page):
/// they join its account, which becomes their current one. The only way
/// an invite is used: signing up or in through its link does not join.
#[server(endpoint = "accept_invite")]
pub async fn accept_invite(token: String) -> Result<(), AppError> {
    use crate::server::context;
    context::finish(
        async {
            let user = context::require_user().await?;
            let destination =
                crate::server::members::join_with_invite(&context::state()?, &token, &user.user_id)
                    .await?;
            context::redirect(&destination);
            Ok(())
        }
        .await,
    )
}

/// The signed-in user declines an invite (the Decline button of its
/// page): they do not join, and go home. The invite stays unused, so the
/// one who sent it can still revoke it, and a link opened by mistake costs
/// nothing.
#[server(endpoint = "decline_invite")]
pub async fn decline_invite(token: String) -> Result<(), AppError> {
    use crate::server::{context, ids};
    context::finish(
        async {
            let user = context::require_user().await?;
            tracing::info!(
                user_id = %user.user_id,
                invite = %ids::hash_secret(&token),
                "invite declined"
            );
            context::redirect("/");
            Ok(())
        }
        .await,
    )
}

/// Every user keeps at least one account: one removed from their last gets
/// a fresh one of their own.
#[cfg(feature = "ssr")]
async fn ensure_has_account(
    state: &crate::server::state::AppState,
    user_id: &str,
) -> Result<(), AppError> {
    use crate::server::repo;
    let pool = &state.db.pool;
    if repo::accounts::memberships_of(pool, user_id)
        .await?
        .is_empty()
    {
        if let Some(user) = repo::users::find_by_id(pool, user_id).await? {
            repo::users::create_personal_account(pool, user_id, &user.display_name, state.now_ms())
                .await?;
        }
    }
    Ok(())
}
