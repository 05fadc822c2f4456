//! Who may do what to an app. The rule, in one place for both builds: an
//! app is managed by the member who created it and by the account's owners
//! and admins; collaborators (account members a manager added) may edit it
//! but not delete it, rotate its production secrets, submit it or change
//! its collaborators; every other member of the account sees at most its
//! name and status. `server::app_access` applies it to every app-scoped
//! server function and route.

use crate::domain::account::Role;

super::stored_names! {
    /// The caller's relation to one app.
    pub enum AppRole {
        /// The app's creator, or an owner or admin of its account.
        Manager = "manager",
        /// Added to the app by a manager.
        Collaborator = "collaborator",
        /// Any other member of the account.
        Member = "member",
    }
}

/// What someone wants to do to an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppAction {
    /// Know that it exists: its name and status (My apps, the overview).
    See,
    /// Read its pages: listing, credentials (never a stored secret), OAuth
    /// settings, features, the Secret Token, the delivery log.
    Open,
    /// Change what a review looks at: listing, media, redirect URLs,
    /// scopes, subscriptions, the deauthorization endpoint. Frozen while
    /// the app is in review (`frozen_in_review`).
    Edit,
    /// Work on it without changing what is reviewed: the development
    /// secret, test events and redeliveries.
    Develop,
    /// Rotate or revoke a production secret: the production client secret
    /// and the webhook Secret Token, which signs production deliveries.
    RotateProductionSecret,
    /// Delete it.
    Delete,
    /// Submit it for review.
    Submit,
    /// Add or remove collaborators.
    ManageCollaborators,
    /// Read the audit log (who changed what): the app's managers.
    ReadAuditLog,
}

impl AppRole {
    /// The caller's relation to an app, from their account role, whether
    /// they created it, and whether they are one of its collaborators.
    pub fn of(account_role: Role, is_creator: bool, is_collaborator: bool) -> AppRole {
        if is_creator || account_role.can_manage_members() {
            AppRole::Manager
        } else if is_collaborator {
            AppRole::Collaborator
        } else {
            AppRole::Member
        }
    }

    /// May someone with this relation do `action`?
    pub fn may(self, action: AppAction) -> bool {
        match self {
            AppRole::Manager => true,
            AppRole::Collaborator => {
                matches!(
                    action,
                    AppAction::See | AppAction::Open | AppAction::Edit | AppAction::Develop
                )
            }
            AppRole::Member => action == AppAction::See,
        }
    }

    /// Why `action` is refused to someone with this relation.
    pub fn refusal(self, action: AppAction) -> &'static str {
        match (self, action) {
            (AppRole::Collaborator, AppAction::Delete) => {
                "Collaborators can't delete an app: ask its creator or an owner or admin of the account."
            }
            (AppRole::Collaborator, AppAction::RotateProductionSecret) => {
                "Collaborators can't rotate or revoke production secrets: ask the app's creator or an owner or admin of the account."
            }
            (AppRole::Collaborator, AppAction::Submit) => {
                "Collaborators can't submit an app for review: ask its creator or an owner or admin of the account."
            }
            (_, AppAction::ManageCollaborators) => {
                "Only the app's creator and the account's owners and admins can change its collaborators."
            }
            (AppRole::Collaborator, AppAction::ReadAuditLog) => {
                "Only the app's creator and the account's owners and admins can read its audit log."
            }
            _ => {
                "Only this app's creator, its collaborators and the account's owners and admins can open or change it."
            }
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            AppRole::Manager => "Manager",
            AppRole::Collaborator => "Collaborator",
            AppRole::Member => "Member",
        }
    }
}

impl AppAction {
    /// Whether the action is refused while the app is in review: the
    /// submitted version is what the reviewer approves, so what they look
    /// at cannot change under them (withdraw the submission first).
    pub fn frozen_in_review(self) -> bool {
        self == AppAction::Edit
    }
}

/// Why a frozen action is refused while the app is in review.
pub const IN_REVIEW_REFUSAL: &str =
    "This app is in review, so its listing and configuration are frozen. Withdraw the submission to change them.";

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [AppAction; 8] = [
        AppAction::See,
        AppAction::Open,
        AppAction::Edit,
        AppAction::Develop,
        AppAction::RotateProductionSecret,
        AppAction::Delete,
        AppAction::Submit,
        AppAction::ManageCollaborators,
    ];

    #[test]
    fn creators_owners_and_admins_manage() {
        assert_eq!(AppRole::of(Role::Member, true, false), AppRole::Manager);
        assert_eq!(AppRole::of(Role::Owner, false, false), AppRole::Manager);
        assert_eq!(AppRole::of(Role::Admin, false, true), AppRole::Manager);
        assert_eq!(
            AppRole::of(Role::Member, false, true),
            AppRole::Collaborator
        );
        assert_eq!(AppRole::of(Role::Member, false, false), AppRole::Member);
        assert!(ALL.iter().all(|a| AppRole::Manager.may(*a)));
    }

    #[test]
    fn collaborators_edit_but_do_not_delete_rotate_production_submit_or_share() {
        let allowed: Vec<_> = ALL
            .into_iter()
            .filter(|a| AppRole::Collaborator.may(*a))
            .collect();
        assert_eq!(
            allowed,
            [
                AppAction::See,
                AppAction::Open,
                AppAction::Edit,
                AppAction::Develop
            ]
        );
        for action in [
            AppAction::Delete,
            AppAction::RotateProductionSecret,
            AppAction::Submit,
        ] {
            assert!(AppRole::Collaborator
                .refusal(action)
                .starts_with("Collaborators can't"));
        }
    }

    #[test]
    fn roles_read_back_and_nothing_else_is_one() {
        for role in AppRole::ALL {
            assert_eq!(AppRole::parse(role.as_str()), Some(*role));
            assert_eq!(AppRole::try_from(role.as_str().to_owned()), Ok(*role));
        }
        assert_eq!(AppRole::parse("owner"), None);
        assert!(AppRole::try_from("Manager".to_owned()).is_err());
    }

    #[test]
    fn other_members_only_see_it() {
        let allowed: Vec<_> = ALL
            .into_iter()
            .filter(|a| AppRole::Member.may(*a))
            .collect();
        assert_eq!(allowed, [AppAction::See]);
        assert!(AppRole::Member
            .refusal(AppAction::Edit)
            .contains("creator, its collaborators"));
    }
}
