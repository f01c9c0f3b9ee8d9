//! Who may do what to whom inside an organization.

use super::access::{preset, Access, Grant, Permission, Scope};
use super::Role;

/// Why an action was refused; the text says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("You do not have the “Members: invite people” permission. Ask an admin of this organization.")]
    MayNotInvite,
    #[error("You can invite people as members only.")]
    MembersInviteMembers,
    #[error("You cannot give access you do not have yourself: {0}.")]
    BeyondOwnAccess(String),
    #[error("Only owners can invite or make owners. Choose Admin or Member, or ask an owner.")]
    MayNotGrantOwner,
    #[error("You can resend or revoke only invitations you sent; other people’s need the “Members: manage” permission.")]
    MayNotManageInvitations,
    #[error("Seeing invitations needs the “Members: view” or “Members: invite people” permission. Ask an admin.")]
    MayNotSeeInvitations,
    #[error("Only owners and admins can see this.")]
    AdminsOnly,
    #[error("Only owners can change this setting.")]
    OwnersOnly,
    #[error("Only owners and admins can change roles or remove members.")]
    MayNotManageMembers,
    #[error("Only owners can change or remove an owner, or make someone an owner.")]
    OwnersManageOwners,
    #[error("You cannot remove yourself. Use “Leave organization” instead.")]
    RemoveSelf,
}

/// Whether `actor` may change a member whose role is `current` to `new`.
/// Admins manage members and admins but never owners, and never make owners.
pub fn may_change_role(actor: Role, current: Role, new: Role) -> Result<(), PolicyError> {
    if !actor.is_admin() {
        return Err(PolicyError::MayNotManageMembers);
    }
    if (current == Role::Owner || new == Role::Owner) && actor != Role::Owner {
        return Err(PolicyError::OwnersManageOwners);
    }
    Ok(())
}

/// Whether `actor` may remove a member whose role is `target`; never oneself.
pub fn may_remove(actor: Role, target: Role, is_self: bool) -> Result<(), PolicyError> {
    if is_self {
        return Err(PolicyError::RemoveSelf);
    }
    if !actor.is_admin() {
        return Err(PolicyError::MayNotManageMembers);
    }
    if target == Role::Owner && actor != Role::Owner {
        return Err(PolicyError::OwnersManageOwners);
    }
    Ok(())
}

/// Nobody grants (or takes away) beyond what they hold: `grant` must be held
/// at the same or a wider scope.
pub fn may_grant(actor: &Access, grant: &Grant) -> Result<(), PolicyError> {
    if actor.may_grant(grant) {
        Ok(())
    } else {
        Err(PolicyError::BeyondOwnAccess(grant.permission().label()))
    }
}

/// Whether `actor` may invite someone with role `granted`: only with
/// `members:invite` (admins hold it by default), and nobody grants a role
/// above their own.
pub fn may_invite(actor: &Access, granted: Role) -> Result<(), PolicyError> {
    if !actor.may_invite() {
        return Err(PolicyError::MayNotInvite);
    }
    if !actor.role().may_grant(granted) {
        return Err(if actor.role() == Role::Member {
            PolicyError::MembersInviteMembers
        } else {
            PolicyError::MayNotGrantOwner
        });
    }
    may_grant_role_access(actor, granted)
}

/// Granting a role hands out what the role holds: a narrowed admin cannot
/// make someone a full admin.
pub fn may_grant_role_access(actor: &Access, granted: Role) -> Result<(), PolicyError> {
    match preset(granted)
        .into_iter()
        .find(|p| granted != Role::Member && !actor.allows(*p, Scope::Organization))
    {
        Some(missing) => Err(PolicyError::BeyondOwnAccess(format!(
            "the {} role ({})",
            granted.label(),
            missing.label()
        ))),
        None => Ok(()),
    }
}

/// Whether `actor` may resend or revoke an invitation that offers `offered`:
/// anyone's with `members:manage`, their own (`sent_by_actor`) with
/// `members:invite`, and never one offering a role above their own.
pub fn may_manage_invitation(
    actor: &Access,
    offered: Role,
    sent_by_actor: bool,
) -> Result<(), PolicyError> {
    let org = Scope::Organization;
    if !(actor.allows(Permission::MEMBERS_MANAGE, org) || sent_by_actor && actor.may_invite()) {
        return Err(PolicyError::MayNotManageInvitations);
    }
    if !actor.role().may_grant(offered) {
        return Err(PolicyError::MayNotGrantOwner);
    }
    Ok(())
}

/// Which invitations a member may list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationsVisible {
    All,
    /// Only those they sent: a delegated inviter follows up on their own.
    Own,
}

/// All invitations with `members:view` (or `members:manage`); one's own with `members:invite`.
pub fn invitations_visible(actor: &Access) -> Result<InvitationsVisible, PolicyError> {
    let org = Scope::Organization;
    if actor.allows(Permission::MEMBERS_VIEW, org) || actor.allows(Permission::MEMBERS_MANAGE, org)
    {
        Ok(InvitationsVisible::All)
    } else if actor.may_invite() {
        Ok(InvitationsVisible::Own)
    } else {
        Err(PolicyError::MayNotSeeInvitations)
    }
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
        use crate::domain::access::{Grant, Permission};
        let plain = |role| Access::new(role, [], []);
        assert_eq!(may_invite(&plain(Owner), Owner), Ok(()));
        assert_eq!(may_invite(&plain(Owner), Admin), Ok(()));
        assert_eq!(may_invite(&plain(Owner), Member), Ok(()));
        assert_eq!(
            may_invite(&plain(Admin), Owner),
            Err(PolicyError::MayNotGrantOwner)
        );
        assert_eq!(may_invite(&plain(Admin), Admin), Ok(()));
        assert_eq!(may_invite(&plain(Admin), Member), Ok(()));
        for role in Role::ALL {
            assert_eq!(
                may_invite(&plain(Member), role),
                Err(PolicyError::MayNotInvite)
            );
        }
        let invite = Grant::org_wide(Permission::MEMBERS_INVITE);
        let delegated = Access::new(Member, [invite], []);
        assert_eq!(may_invite(&delegated, Member), Ok(()));
        assert_eq!(
            may_invite(&delegated, Admin),
            Err(PolicyError::MembersInviteMembers)
        );
        let narrowed =
            Access::new(Admin, [], []).narrowed([Permission::parse("databases:manage").unwrap()]);
        assert!(matches!(
            may_invite(&narrowed, Admin),
            Err(PolicyError::BeyondOwnAccess(_))
        ));
        assert_eq!(may_invite(&narrowed, Member), Ok(()));
    }

    #[test]
    fn role_change_matrix() {
        for (actor, current, new, ok) in [
            (Owner, Owner, Admin, true),
            (Owner, Member, Owner, true),
            (Owner, Admin, Member, true),
            (Admin, Member, Admin, true),
            (Admin, Admin, Member, true),
            (Admin, Owner, Admin, false),
            (Admin, Member, Owner, false),
            (Member, Member, Admin, false),
            (Member, Admin, Member, false),
        ] {
            assert_eq!(
                may_change_role(actor, current, new).is_ok(),
                ok,
                "{actor:?} {current:?}->{new:?}"
            );
        }
    }

    #[test]
    fn removal_matrix() {
        assert_eq!(may_remove(Owner, Owner, true), Err(PolicyError::RemoveSelf));
        assert_eq!(
            may_remove(Admin, Member, true),
            Err(PolicyError::RemoveSelf)
        );
        assert!(may_remove(Owner, Owner, false).is_ok());
        assert!(may_remove(Owner, Admin, false).is_ok());
        assert!(may_remove(Admin, Admin, false).is_ok());
        assert!(may_remove(Admin, Member, false).is_ok());
        assert_eq!(
            may_remove(Admin, Owner, false),
            Err(PolicyError::OwnersManageOwners)
        );
        assert_eq!(
            may_remove(Member, Member, false),
            Err(PolicyError::MayNotManageMembers)
        );
    }

    #[test]
    fn managing_invitations() {
        use crate::domain::access::Grant;
        let admin = Access::new(Admin, [], []);
        assert_eq!(
            may_manage_invitation(&admin, Owner, true),
            Err(PolicyError::MayNotGrantOwner)
        );
        assert_eq!(may_manage_invitation(&admin, Member, false), Ok(()));
        let plain = Access::new(Member, [], []);
        assert_eq!(
            may_manage_invitation(&plain, Member, true),
            Err(PolicyError::MayNotManageInvitations)
        );
        assert_eq!(
            invitations_visible(&plain),
            Err(PolicyError::MayNotSeeInvitations)
        );
        // A delegated inviter follows up on their own invitations only.
        let delegated = Access::new(Member, [Grant::org_wide(Permission::MEMBERS_INVITE)], []);
        assert_eq!(may_manage_invitation(&delegated, Member, true), Ok(()));
        assert_eq!(
            may_manage_invitation(&delegated, Member, false),
            Err(PolicyError::MayNotManageInvitations)
        );
        assert_eq!(invitations_visible(&delegated), Ok(InvitationsVisible::Own));
        assert_eq!(invitations_visible(&admin), Ok(InvitationsVisible::All));
        // An admin without members:manage keeps their own, not everyone's.
        let narrowed = admin.clone().narrowed([Permission::MEMBERS_MANAGE]);
        assert_eq!(may_manage_invitation(&narrowed, Member, true), Ok(()));
        assert_eq!(
            may_manage_invitation(&narrowed, Member, false),
            Err(PolicyError::MayNotManageInvitations)
        );
        assert!(may_administer(Admin).is_ok() && may_administer(Member).is_err());
        assert!(may_change_settings(Owner).is_ok() && may_change_settings(Admin).is_err());
    }
}
