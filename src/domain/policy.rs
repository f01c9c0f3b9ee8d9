//! Who may do what to whom inside an organization.

use super::Role;

/// Why an action was refused; the text says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("Only owners and admins can invite people. Ask an admin of this organization.")]
    MayNotInvite,
    #[error("Only owners can invite or make owners. Choose Admin or Member, or ask an owner.")]
    MayNotGrantOwner,
    #[error("Only owners and admins can manage invitations.")]
    MayNotManageInvitations,
    #[error("Only owners and admins can see this.")]
    AdminsOnly,
    #[error("Only owners can change this setting.")]
    OwnersOnly,
}

/// Whether `actor` may invite someone with role `granted`: members may not
/// invite, and nobody grants a role above what they may grant.
pub fn may_invite(actor: Role, granted: Role) -> Result<(), PolicyError> {
    if !actor.is_admin() {
        return Err(PolicyError::MayNotInvite);
    }
    if !actor.may_grant(granted) {
        return Err(PolicyError::MayNotGrantOwner);
    }
    Ok(())
}

/// Whether `actor` may resend or revoke an invitation that offers `offered`.
pub fn may_manage_invitation(actor: Role, offered: Role) -> Result<(), PolicyError> {
    if !actor.is_admin() {
        return Err(PolicyError::MayNotManageInvitations);
    }
    if !actor.may_grant(offered) {
        return Err(PolicyError::MayNotGrantOwner);
    }
    Ok(())
}

/// Whether `actor` may see administrative lists (invitations, activity).
pub fn may_administer(actor: Role) -> Result<(), PolicyError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(PolicyError::AdminsOnly)
    }
}

/// Whether `actor` may change organization settings (seats, invitation lifetime).
pub fn may_change_settings(actor: Role) -> Result<(), PolicyError> {
    if actor == Role::Owner {
        Ok(())
    } else {
        Err(PolicyError::OwnersOnly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn invite_matrix() {
        assert_eq!(may_invite(Owner, Owner), Ok(()));
        assert_eq!(may_invite(Owner, Admin), Ok(()));
        assert_eq!(may_invite(Owner, Member), Ok(()));
        assert_eq!(may_invite(Admin, Owner), Err(PolicyError::MayNotGrantOwner));
        assert_eq!(may_invite(Admin, Admin), Ok(()));
        assert_eq!(may_invite(Admin, Member), Ok(()));
        for role in Role::ALL {
            assert_eq!(may_invite(Member, role), Err(PolicyError::MayNotInvite));
        }
    }

    #[test]
    fn managing_invitations() {
        assert_eq!(may_manage_invitation(Admin, Owner), Err(PolicyError::MayNotGrantOwner));
        assert_eq!(may_manage_invitation(Admin, Member), Ok(()));
        assert_eq!(may_manage_invitation(Member, Member), Err(PolicyError::MayNotManageInvitations));
        assert!(may_administer(Admin).is_ok() && may_administer(Member).is_err());
        assert!(may_change_settings(Owner).is_ok() && may_change_settings(Admin).is_err());
    }
}
