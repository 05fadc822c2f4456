//! The audit log's vocabulary: what was done to an app. Each entry names
//! the change (and which fields or environment), never a secret's value.

super::stored_names! {
    /// One kind of change to an app.
    pub enum AuditAction {
        AppCreated = "app_created",
        ListingSaved = "listing_saved",
        MediaAdded = "media_added",
        MediaRemoved = "media_removed",
        MediaMoved = "media_moved",
        InstallOptionSaved = "install_option_saved",
        RedirectsSaved = "redirects_saved",
        ScopesSaved = "scopes_saved",
        SecretGenerated = "secret_generated",
        OldSecretRevoked = "old_secret_revoked",
        PublishableUrlMade = "publishable_url_made",
        SecretTokenRotated = "secret_token_rotated",
        SubscriptionSaved = "subscription_saved",
        SubscriptionDeleted = "subscription_deleted",
        DeauthorizationSaved = "deauthorization_saved",
        ChatBotSaved = "chat_bot_saved",
        CollaboratorAdded = "collaborator_added",
        CollaboratorRemoved = "collaborator_removed",
        Submitted = "submitted",
        Withdrawn = "withdrawn",
        Approved = "approved",
        Rejected = "rejected",
        Activated = "activated",
        Deactivated = "deactivated",
    }
}

/// Groups of actions, for the log's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditGroup {
    Listing,
    Credentials,
    Features,
    People,
    Review,
}

impl AuditGroup {
    pub const ALL: [AuditGroup; 5] = [
        AuditGroup::Listing,
        AuditGroup::Credentials,
        AuditGroup::Features,
        AuditGroup::People,
        AuditGroup::Review,
    ];

    /// The name in the filter and in the address (`?group=`).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditGroup::Listing => "listing",
            AuditGroup::Credentials => "credentials",
            AuditGroup::Features => "features",
            AuditGroup::People => "people",
            AuditGroup::Review => "review",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditGroup::Listing => "Listing",
            AuditGroup::Credentials => "Credentials and OAuth",
            AuditGroup::Features => "Features",
            AuditGroup::People => "Collaborators",
            AuditGroup::Review => "Review",
        }
    }

    pub fn parse(text: &str) -> Option<AuditGroup> {
        AuditGroup::ALL.into_iter().find(|g| g.as_str() == text)
    }

    /// The actions in the group.
    pub fn actions(self) -> Vec<AuditAction> {
        AuditAction::ALL
            .iter()
            .copied()
            .filter(|a| a.group() == self)
            .collect()
    }
}

impl AuditAction {
    /// What the log says, for people.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::AppCreated => "Created the app",
            AuditAction::ListingSaved => "Saved the listing",
            AuditAction::MediaAdded => "Added media",
            AuditAction::MediaRemoved => "Removed media",
            AuditAction::MediaMoved => "Reordered media",
            AuditAction::InstallOptionSaved => "Saved the install option",
            AuditAction::RedirectsSaved => "Saved redirect URLs",
            AuditAction::ScopesSaved => "Saved scopes",
            AuditAction::SecretGenerated => "Generated a client secret",
            AuditAction::OldSecretRevoked => "Revoked the previous client secret",
            AuditAction::PublishableUrlMade => "Made a Publishable URL",
            AuditAction::SecretTokenRotated => "Rotated the Secret Token",
            AuditAction::SubscriptionSaved => "Saved an event subscription",
            AuditAction::SubscriptionDeleted => "Deleted an event subscription",
            AuditAction::DeauthorizationSaved => "Saved the deauthorization endpoint",
            AuditAction::ChatBotSaved => "Saved the chat bot's command and endpoints",
            AuditAction::CollaboratorAdded => "Added a collaborator",
            AuditAction::CollaboratorRemoved => "Removed a collaborator",
            AuditAction::Submitted => "Submitted for review",
            AuditAction::Withdrawn => "Withdrew the submission",
            AuditAction::Approved => "Approved",
            AuditAction::Rejected => "Rejected",
            AuditAction::Activated => "Activated the private app",
            AuditAction::Deactivated => "Deactivated the private app",
        }
    }

    pub fn group(self) -> AuditGroup {
        use AuditAction::*;
        match self {
            AppCreated | ListingSaved | MediaAdded | MediaRemoved | MediaMoved
            | InstallOptionSaved => AuditGroup::Listing,
            RedirectsSaved | ScopesSaved | SecretGenerated | OldSecretRevoked
            | PublishableUrlMade => AuditGroup::Credentials,
            SecretTokenRotated | SubscriptionSaved | SubscriptionDeleted | DeauthorizationSaved
            | ChatBotSaved => AuditGroup::Features,
            CollaboratorAdded | CollaboratorRemoved => AuditGroup::People,
            Submitted | Withdrawn | Approved | Rejected | Activated | Deactivated => {
                AuditGroup::Review
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_in_exactly_one_group() {
        let total: usize = AuditGroup::ALL.iter().map(|g| g.actions().len()).sum();
        assert_eq!(total, AuditAction::ALL.len());
        for g in AuditGroup::ALL {
            assert_eq!(AuditGroup::parse(g.as_str()), Some(g));
        }
        assert_eq!(AuditGroup::parse("nope"), None);
    }
}
