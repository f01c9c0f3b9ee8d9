//! The permission catalogue and effective access: role + direct grants +
//! team grants, computed here and nowhere else.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

use super::Role;

/// Something in an organization that access is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Resource {
    Projects,
    Databases,
    Logs,
    Metrics,
    EnvironmentVariables,
    Billing,
    GithubIntegration,
    AiKeys,
    ApiKeys,
    Members,
}

/// What may be done to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Action {
    View,
    Manage,
    /// Only on `Members`: send invitations.
    Invite,
}

/// One entry of the catalogue, e.g. `logs:view` or `members:invite`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Permission {
    pub resource: Resource,
    pub action: Action,
}

const fn p(resource: Resource, action: Action) -> Permission {
    Permission { resource, action }
}

/// Every permission there is, in the order pickers show them.
pub const CATALOGUE: [Permission; 21] = {
    use Action::*;
    use Resource::*;
    [
        p(Projects, View),
        p(Projects, Manage),
        p(Databases, View),
        p(Databases, Manage),
        p(Logs, View),
        p(Logs, Manage),
        p(Metrics, View),
        p(Metrics, Manage),
        p(EnvironmentVariables, View),
        p(EnvironmentVariables, Manage),
        p(Billing, View),
        p(Billing, Manage),
        p(GithubIntegration, View),
        p(GithubIntegration, Manage),
        p(AiKeys, View),
        p(AiKeys, Manage),
        p(ApiKeys, View),
        p(ApiKeys, Manage),
        p(Members, View),
        p(Members, Manage),
        p(Members, Invite),
    ]
};

impl Resource {
    fn key(self) -> &'static str {
        match self {
            Self::Projects => "projects",
            Self::Databases => "databases",
            Self::Logs => "logs",
            Self::Metrics => "metrics",
            Self::EnvironmentVariables => "env_vars",
            Self::Billing => "billing",
            Self::GithubIntegration => "github",
            Self::AiKeys => "ai_keys",
            Self::ApiKeys => "api_keys",
            Self::Members => "members",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Projects => "Projects",
            Self::Databases => "Databases",
            Self::Logs => "Logs",
            Self::Metrics => "Metrics",
            Self::EnvironmentVariables => "Environment variables",
            Self::Billing => "Billing",
            Self::GithubIntegration => "GitHub integration",
            Self::AiKeys => "AI keys",
            Self::ApiKeys => "API keys",
            Self::Members => "Members",
        }
    }
}

impl Permission {
    /// See every project.
    pub const PROJECTS_VIEW: Self = p(Resource::Projects, Action::View);
    /// Create, rename and archive projects.
    pub const PROJECTS_MANAGE: Self = p(Resource::Projects, Action::Manage);
    /// Change members' roles, teams and permissions; remove members.
    pub const MEMBERS_MANAGE: Self = p(Resource::Members, Action::Manage);
    /// See the members list and every invitation.
    pub const MEMBERS_VIEW: Self = p(Resource::Members, Action::View);
    /// Send invitations.
    pub const MEMBERS_INVITE: Self = p(Resource::Members, Action::Invite);

    /// The stored spelling, `resource:action`.
    pub fn key(self) -> String {
        let action = match self.action {
            Action::View => "view",
            Action::Manage => "manage",
            Action::Invite => "invite",
        };
        format!("{}:{action}", self.resource.key())
    }

    /// The label shown in pickers, e.g. "Logs: view".
    pub fn label(self) -> String {
        let action = match self.action {
            Action::View => "view",
            Action::Manage => "manage",
            Action::Invite => "invite people",
        };
        format!("{}: {action}", self.resource.label())
    }

    /// Parses a stored key; only catalogue entries exist.
    pub fn parse(key: &str) -> Option<Self> {
        CATALOGUE.into_iter().find(|p| p.key() == key.trim())
    }

    /// Whether a grant of this permission may be limited to one project.
    pub fn is_project_scoped(self) -> bool {
        !matches!(self.resource, Resource::Billing | Resource::Members)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// Where a grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Everywhere in the organization, every project included.
    Organization,
    /// One project only.
    Project(Uuid),
}

impl Scope {
    /// Reads a form's "where": empty for the whole organization, else a project id.
    pub fn from_form(text: &str) -> Option<Self> {
        match text.trim() {
            "" => Some(Self::Organization),
            id => id.parse().ok().map(Self::Project),
        }
    }
}

/// A permission at a scope. Billing and members apply to the whole
/// organization only, so a grant of them on one project cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grant {
    permission: Permission,
    scope: Scope,
}

/// A grant asked for an organization-wide permission on one project.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” applies to the whole organization, not to one project.")]
pub struct OrgWideOnly(pub String);

impl Grant {
    /// `permission` everywhere in the organization.
    pub fn org_wide(permission: Permission) -> Self {
        Self {
            permission,
            scope: Scope::Organization,
        }
    }

    /// `permission` at `scope`, refused when the permission cannot be limited to a project.
    pub fn new(permission: Permission, scope: Scope) -> Result<Self, OrgWideOnly> {
        match scope {
            Scope::Project(_) if !permission.is_project_scoped() => {
                Err(OrgWideOnly(permission.label()))
            }
            _ => Ok(Self { permission, scope }),
        }
    }

    pub fn permission(&self) -> Permission {
        self.permission
    }

    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The project this grant is limited to, if any.
    pub fn project(&self) -> Option<Uuid> {
        match self.scope {
            Scope::Organization => None,
            Scope::Project(id) => Some(id),
        }
    }
}

/// Where a held grant comes from, for "who has access and why".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    Role(Role),
    Direct,
    Team(String),
}

/// Whether one permission, at one scope, can be switched for a member by
/// changing their own grants there: what the permission editor shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Switch {
    /// Not held; granting it here gives it.
    Off,
    /// Held only through what is edited here; switching it off takes it away.
    On,
    /// Held for a reason this editor does not change, said in words
    /// (e.g. "from team Backend"): switching it off would change nothing.
    Fixed(String),
}

/// What one member may do in one organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    role: Role,
    grants: Vec<(Grant, Source)>,
    /// Admin defaults taken away from this member (a narrowed admin).
    narrowed: Vec<Permission>,
}

/// Whether an admin holds `permission` by default: everything but billing.
pub fn admin_default(permission: Permission) -> bool {
    permission.resource != Resource::Billing
}

impl Access {
    /// Effective access from the role, the member's own grants and those of their teams.
    pub fn new(
        role: Role,
        direct: impl IntoIterator<Item = Grant>,
        teams: impl IntoIterator<Item = (String, Grant)>,
    ) -> Self {
        let mut grants: Vec<(Grant, Source)> =
            direct.into_iter().map(|g| (g, Source::Direct)).collect();
        grants.extend(teams.into_iter().map(|(team, g)| (g, Source::Team(team))));
        Self {
            role,
            grants,
            narrowed: Vec::new(),
        }
    }

    /// Takes admin defaults away (owners cannot be narrowed: they hold everything).
    pub fn narrowed(mut self, without: impl IntoIterator<Item = Permission>) -> Self {
        self.narrowed = without.into_iter().collect();
        self
    }

    /// The role this access starts from.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Why `permission` is held at `scope`, or `None` when it is not.
    pub fn reason(&self, permission: Permission, scope: Scope) -> Option<Source> {
        match self.role {
            Role::Owner => return Some(Source::Role(Role::Owner)),
            Role::Admin if self.by_admin_role(permission) => {
                return Some(Source::Role(Role::Admin))
            }
            _ => {}
        }
        self.grants
            .iter()
            .find(|(g, _)| g.permission == permission && covers(g.scope, scope))
            .map(|(_, source)| source.clone())
    }

    /// Whether an admin holds `permission` by their role: a default not taken away.
    fn by_admin_role(&self, permission: Permission) -> bool {
        self.role == Role::Admin
            && admin_default(permission)
            && !self.narrowed.contains(&permission)
    }

    /// How `permission` at `scope` is held, for editing the member's own
    /// grants at exactly that scope (admin defaults count as their own at
    /// organization scope, where narrowing switches them off).
    pub fn switch(&self, permission: Permission, scope: Scope) -> Switch {
        let fixed = match self.role {
            Role::Owner => Some("owners hold every permission".to_owned()),
            Role::Admin if self.by_admin_role(permission) && scope != Scope::Organization => {
                Some("Admin role, whole organization".to_owned())
            }
            _ => self
                .grants
                .iter()
                .filter(|(g, _)| g.permission == permission && covers(g.scope, scope))
                .find_map(|(g, source)| match source {
                    Source::Team(team) => Some(format!("from team {team}")),
                    Source::Direct if g.scope != scope => {
                        Some("granted for the whole organization".to_owned())
                    }
                    _ => None,
                }),
        };
        match fixed {
            Some(why) => Switch::Fixed(why),
            None if self.allows(permission, scope) => Switch::On,
            None => Switch::Off,
        }
    }

    /// Whether `permission` is held at `scope`.
    pub fn allows(&self, permission: Permission, scope: Scope) -> bool {
        self.reason(permission, scope).is_some()
    }

    /// Whether this member may send invitations.
    pub fn may_invite(&self) -> bool {
        self.allows(Permission::MEMBERS_INVITE, Scope::Organization)
    }

    /// Nobody grants beyond what they hold: each grant must be held at the same or a wider scope.
    pub fn may_grant(&self, grant: &Grant) -> bool {
        self.allows(grant.permission, grant.scope)
    }

    /// Whether `project` is visible: `projects:view` on it or on the whole
    /// organization (other grants on a project do not reveal it).
    pub fn sees_project(&self, project: Uuid) -> bool {
        self.allows(Permission::PROJECTS_VIEW, Scope::Project(project))
    }
}

fn covers(held: Scope, wanted: Scope) -> bool {
    held == Scope::Organization || held == wanted
}

/// Grants the invite dialog preselects for a role.
pub fn preset(role: Role) -> Vec<Permission> {
    match role {
        Role::Owner => CATALOGUE.to_vec(),
        Role::Admin => CATALOGUE
            .into_iter()
            .filter(|p| admin_default(*p))
            .collect(),
        // Read-only observability; which projects they see comes from teams and project grants.
        Role::Member => vec![
            p(Resource::Logs, Action::View),
            p(Resource::Metrics, Action::View),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Resource::*;

    fn org(permission: Permission) -> Grant {
        Grant::org_wide(permission)
    }

    fn project(permission: Permission, id: Uuid) -> Grant {
        Grant::new(permission, Scope::Project(id)).unwrap()
    }

    #[test]
    fn catalogue_keys_are_unique_and_parse() {
        let keys: std::collections::HashSet<_> = CATALOGUE.iter().map(|p| p.key()).collect();
        assert_eq!(keys.len(), CATALOGUE.len());
        for perm in CATALOGUE {
            assert_eq!(Permission::parse(&perm.key()), Some(perm));
        }
        assert_eq!(
            Permission::parse("members:invite"),
            Some(p(Members, Invite))
        );
        assert_eq!(Permission::parse("logs:delete"), None);
    }

    #[test]
    fn owners_hold_everything_admins_all_but_billing_members_nothing() {
        let owner = Access::new(Role::Owner, [], []);
        let admin = Access::new(Role::Admin, [], []);
        let member = Access::new(Role::Member, [], []);
        for perm in CATALOGUE {
            assert!(owner.allows(perm, Scope::Organization));
            assert_eq!(
                admin.allows(perm, Scope::Organization),
                perm.resource != Billing,
                "{perm}"
            );
            assert!(!member.allows(perm, Scope::Organization));
        }
        assert!(admin.may_invite() && !member.may_invite());
    }

    #[test]
    fn direct_and_team_grants_add_up_with_scopes() {
        let (web, api) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let access = Access::new(
            Role::Member,
            [org(p(Logs, View)), project(p(Databases, Manage), web)],
            [
                ("Backend".to_owned(), project(p(Projects, View), api)),
                ("Ops".to_owned(), org(p(Members, Invite))),
            ],
        );
        // Org-wide grant covers every project.
        assert!(access.allows(p(Logs, View), Scope::Project(web)));
        assert!(access.allows(p(Logs, View), Scope::Organization));
        // A project grant covers that project only, never the organization.
        assert!(access.allows(p(Databases, Manage), Scope::Project(web)));
        assert!(!access.allows(p(Databases, Manage), Scope::Project(api)));
        assert!(!access.allows(p(Databases, Manage), Scope::Organization));
        // Team grants are inherited, and say where they come from.
        assert!(access.sees_project(api) && !access.sees_project(web));
        assert_eq!(
            access.reason(p(Projects, View), Scope::Project(api)),
            Some(Source::Team("Backend".into()))
        );
        assert!(access.may_invite());
        assert!(!access.allows(p(Logs, Manage), Scope::Organization));
    }

    #[test]
    fn nobody_grants_beyond_what_they_hold() {
        let web = Uuid::from_u128(1);
        let lead = Access::new(
            Role::Member,
            [project(p(Logs, View), web), org(p(Members, Invite))],
            [],
        );
        assert!(lead.may_grant(&project(p(Logs, View), web)));
        assert!(!lead.may_grant(&org(p(Logs, View))), "not wider than held");
        assert!(!lead.may_grant(&project(p(Logs, Manage), web)));
        let admin = Access::new(Role::Admin, [], []);
        assert!(admin.may_grant(&org(p(Logs, Manage))));
        assert!(
            !admin.may_grant(&org(p(Billing, View))),
            "admins do not hold billing"
        );
        assert!(Access::new(Role::Owner, [], []).may_grant(&org(p(Billing, Manage))));
    }

    #[test]
    fn admins_can_be_narrowed_but_grants_still_count() {
        let invite = p(Members, Invite);
        let narrowed = Access::new(Role::Admin, [], []).narrowed([invite]);
        assert!(!narrowed.may_invite());
        assert!(narrowed.allows(p(Logs, Manage), Scope::Organization));
        let regranted = Access::new(Role::Admin, [org(invite)], []).narrowed([invite]);
        assert!(regranted.may_invite());
        assert!(
            Access::new(Role::Owner, [], [])
                .narrowed([invite])
                .may_invite(),
            "owners hold everything"
        );
    }

    #[test]
    fn billing_and_members_apply_org_wide_only() {
        let web = Scope::Project(Uuid::from_u128(1));
        for perm in CATALOGUE {
            let limited = Grant::new(perm, web);
            assert_eq!(
                limited.is_err(),
                matches!(perm.resource, Billing | Members),
                "{perm}"
            );
            assert!(Grant::new(perm, Scope::Organization).is_ok());
        }
        assert_eq!(
            Grant::new(p(Billing, View), web).unwrap_err().to_string(),
            "“Billing: view” applies to the whole organization, not to one project."
        );
    }

    #[test]
    fn switches_say_what_an_editor_can_change_and_why_not() {
        let (web, api) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let member = Access::new(
            Role::Member,
            [org(p(Logs, View)), project(p(Databases, Manage), web)],
            [("Backend".to_owned(), project(p(Projects, View), api))],
        );
        let at_web = Scope::Project(web);
        assert_eq!(
            member.switch(p(Logs, View), Scope::Organization),
            Switch::On
        );
        assert_eq!(
            member.switch(p(Logs, View), at_web),
            Switch::Fixed("granted for the whole organization".into())
        );
        assert_eq!(member.switch(p(Databases, Manage), at_web), Switch::On);
        assert_eq!(
            member.switch(p(Databases, Manage), Scope::Organization),
            Switch::Off
        );
        assert_eq!(
            member.switch(p(Projects, View), Scope::Project(api)),
            Switch::Fixed("from team Backend".into())
        );
        // A team grant wins over a direct one: switching the direct one off would change nothing.
        let both = Access::new(
            Role::Member,
            [org(p(Logs, View))],
            [("Ops".to_owned(), org(p(Logs, View)))],
        );
        assert_eq!(
            both.switch(p(Logs, View), Scope::Organization),
            Switch::Fixed("from team Ops".into())
        );
        let admin = Access::new(Role::Admin, [], []).narrowed([p(Members, Invite)]);
        assert_eq!(
            admin.switch(p(Logs, Manage), Scope::Organization),
            Switch::On
        );
        assert_eq!(
            admin.switch(p(Members, Invite), Scope::Organization),
            Switch::Off
        );
        assert_eq!(
            admin.switch(p(Logs, Manage), at_web),
            Switch::Fixed("Admin role, whole organization".into())
        );
        assert!(matches!(
            Access::new(Role::Owner, [], []).switch(p(Logs, View), Scope::Organization),
            Switch::Fixed(_)
        ));
    }

    #[test]
    fn presets() {
        assert_eq!(preset(Role::Member), vec![p(Logs, View), p(Metrics, View)]);
        assert!(!preset(Role::Admin).iter().any(|p| p.resource == Billing));
        assert_eq!(preset(Role::Owner).len(), CATALOGUE.len());
    }
}
