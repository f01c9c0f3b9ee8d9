use uuid::Uuid;

use super::support::{self, Client};
use super::{join, member, secret_of, user};
use crate::domain::access::{Grant, Permission, Scope, Switch};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::invitations::InvitationRequest;
use crate::server::actor::Member;
use crate::server::actor::User;
use crate::server::db::Pool;
use crate::server::invitations::{self, link};
use crate::server::members::{self, Removal};
use crate::server::state::AppState;
use crate::server::{organizations, projects, teams};

struct Org {
    state: AppState,
    owner: Member,
    web: Uuid,
    api: Uuid,
    backend: Uuid,
}

/// "acme" with projects Web and API, and a team Backend that sees API.
async fn org(pool: &Pool) -> Org {
    let state = support::state(pool.clone());
    let owner = user(&state, "owner@example.com").await;
    organizations::create(pool, owner.id, "Acme").await.unwrap();
    let owner = member(pool, &owner, "acme").await;
    let web = projects::create(pool, &owner, "Web").await.unwrap();
    let api = projects::create(pool, &owner, "API").await.unwrap();
    let backend = teams::create(pool, &owner, "Backend").await.unwrap();
    let view = Grant::new(Permission::PROJECTS_VIEW, Scope::Project(api)).unwrap();
    teams::grant(pool, &owner, backend, view).await.unwrap();
    Org {
        state,
        owner,
        web,
        api,
        backend,
    }
}

/// Catalogue permissions by key.
fn perms(keys: &[impl AsRef<str>]) -> Vec<Permission> {
    keys.iter()
        .map(|k| Permission::parse(k.as_ref()).expect("a catalogue key"))
        .collect()
}

fn invite(email: &str, role: Role, teams: &[Uuid], permissions: &[&str]) -> InvitationRequest {
    InvitationRequest {
        teams: teams.to_vec(),
        permissions: perms(permissions),
        ..InvitationRequest::plain(email, role)
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_invitation_carries_teams_and_permissions_applied_at_accept(pool: Pool) {
    let o = org(&pool).await;
    let issued = invitations::create(
        &o.state,
        &o.owner,
        invite(
            "dev@example.com",
            Role::Member,
            &[o.backend],
            &["logs:view"],
        ),
    )
    .await
    .unwrap();
    let details = link::preview(
        &pool,
        &crate::server::identity::providers::Providers::new(Vec::new()),
        &secret_of(&issued.link),
        None,
    )
    .await
    .unwrap();
    assert_eq!(details.teams, ["Backend"]);
    assert_eq!(details.permissions, ["Logs: view"]);
    let dev = user(&o.state, "dev@example.com").await;
    let mailed = super::mailed_secret(&pool, "dev@example.com").await;
    link::accept(&pool, mailed.as_str(), &dev, None)
        .await
        .unwrap();
    let dev = member(&pool, &dev, "acme").await;
    let visible: Vec<String> = projects::list(&pool, &dev)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(visible, ["API"], "exactly the team's projects");
    let mut conn = pool.acquire().await.unwrap();
    let access = crate::server::access::load(&mut conn, dev.org.id, dev.user.id, Role::Member)
        .await
        .unwrap();
    assert!(access.allows(
        Permission::parse("logs:view").unwrap(),
        Scope::Project(o.web)
    ));
    assert!(!access.sees_project(o.web));
    assert!(access.sees_project(o.api));
    let why = projects::who_has_access(&pool, &o.owner, o.api)
        .await
        .unwrap();
    assert!(
        why.iter()
            .any(|r| r.email.as_deref() == Some("dev@example.com") && r.why == "Team Backend"),
        "{why:?}"
    );
    assert!(why
        .iter()
        .any(|r| r.email.as_deref() == Some("owner@example.com")
            && r.why == "Owner of the organization"));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn delegated_inviters_cannot_grant_beyond_what_they_hold(pool: Pool) {
    let o = org(&pool).await;
    let lead = joined(&o, "lead@example.com", Role::Member).await;
    let lead_m = member(&pool, &lead, "acme").await;
    // Without members:invite: refused.
    let err = invitations::create(
        &o.state,
        &lead_m,
        invite("x@example.com", Role::Member, &[], &[]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(ref m) if m.contains("Members: invite people")),
        "{err:?}"
    );
    // With it: members only, and only permissions held.
    let invite_perm = Grant::org_wide(Permission::MEMBERS_INVITE);
    let logs = Grant::org_wide(Permission::parse("logs:view").unwrap());
    for g in [invite_perm, logs] {
        crate::server::access::add_grant(
            &mut pool.acquire().await.unwrap(),
            o.owner.org.id,
            crate::server::access::Holder::User(lead.id),
            &g,
        )
        .await
        .unwrap();
    }
    let err = invitations::create(
        &o.state,
        &lead_m,
        invite("x@example.com", Role::Admin, &[], &[]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(ref m) if m.contains("members only")),
        "{err:?}"
    );
    let err = invitations::create(
        &o.state,
        &lead_m,
        invite("x@example.com", Role::Member, &[], &["logs:manage"]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(ref m) if m.contains("Logs: manage")),
        "{err:?}"
    );
    let err = invitations::create(
        &o.state,
        &lead_m,
        invite("x@example.com", Role::Member, &[o.backend], &[]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(ref m) if m.contains("team Backend")),
        "{err:?}"
    );
    invitations::create(
        &o.state,
        &lead_m,
        invite("x@example.com", Role::Member, &[], &["logs:view"]),
    )
    .await
    .unwrap();
    // Admins do not hold billing, so cannot give it.
    let admin = joined(&o, "admin@example.com", Role::Admin).await;
    let admin = member(&pool, &admin, "acme").await;
    let err = invitations::create(
        &o.state,
        &admin,
        invite("y@example.com", Role::Member, &[], &["billing:view"]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn removal_with_projects_option_clears_grants_and_teams(pool: Pool) {
    let o = org(&pool).await;
    invitations::create(
        &o.state,
        &o.owner,
        invite(
            "dev@example.com",
            Role::Member,
            &[o.backend],
            &["logs:view"],
        ),
    )
    .await
    .unwrap();
    let dev = user(&o.state, "dev@example.com").await;
    let mailed = super::mailed_secret(&pool, "dev@example.com").await;
    link::accept(&pool, mailed.as_str(), &dev, None)
        .await
        .unwrap();
    let removal = Removal {
        user_id: dev.id,
        expected: Some(Role::Member),
        remove_from_projects: true,
        revoke_their_invitations: false,
    };
    members::remove(&o.state, &o.owner, removal).await.unwrap();
    let grants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM grants WHERE user_id = $1")
        .bind(dev.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let teams: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM team_members WHERE user_id = $1")
        .bind(dev.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((grants, teams), (0, 0));
}

/// Acme over HTTP: its owner, project Web, team Core, and signed-in members
/// without any permission.
struct Console {
    owner: Client,
    project: String,
    team: String,
}

impl Console {
    async fn new(pool: &Pool) -> Self {
        let mut owner = Client::new(pool.clone()).await;
        owner.sign_up("Owner", "owner@example.com").await;
        owner.create_org("Acme").await;
        let project = owner
            .call("create_project", &[("slug", "acme"), ("name", "Web")])
            .await;
        assert_eq!(project.status, 200, "{:?}", project.body);
        let project = project.body.as_str().unwrap().to_owned();
        let team = owner
            .call("create_team", &[("slug", "acme"), ("name", "Core")])
            .await
            .body
            .as_str()
            .unwrap()
            .to_owned();
        Self {
            owner,
            project,
            team,
        }
    }

    /// A signed-in plain member of Acme with no permissions, and their id.
    async fn plain_member(&self, name: &str, email: &str) -> (Client, String) {
        let pool = &self.owner.state.pool;
        let mut client = self.owner.fresh();
        client.sign_up(name, email).await;
        let org: Uuid = sqlx::query_scalar("SELECT id FROM organizations")
            .fetch_one(pool)
            .await
            .unwrap();
        let id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(pool)
            .await
            .unwrap();
        join(pool, org, id, Role::Member).await;
        (client, id.to_string())
    }

    /// The owner's call, which must succeed.
    async fn owner_does(&mut self, endpoint: &str, form: &[(&str, &str)]) {
        let reply = self.owner.call(endpoint, form).await;
        assert_eq!(reply.status, 200, "{endpoint}: {:?}", reply.body);
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn every_access_function_refuses_without_the_permission(pool: Pool) {
    let console = Console::new(&pool).await;
    let (mut plain, plain_key) = console.plain_member("Plain", "plain@example.com").await;
    let Console {
        mut owner,
        project,
        team,
    } = console;
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "revoke_team_grant",
            vec![
                ("slug", "acme"),
                ("team", &team),
                ("permission", "projects:view"),
                ("project", ""),
            ],
        ),
        (
            "remove_team_member",
            vec![("slug", "acme"), ("team", &team), ("user_id", &plain_key)],
        ),
        (
            "member_permissions",
            vec![("slug", "acme"), ("user_id", &plain_key), ("project", "")],
        ),
        ("create_project", vec![("slug", "acme"), ("name", "Sneaky")]),
        (
            "update_project",
            vec![
                ("slug", "acme"),
                ("project", &project),
                ("name", "Renamed"),
                ("archive", "false"),
            ],
        ),
        ("create_team", vec![("slug", "acme"), ("name", "Mine")]),
        ("delete_team", vec![("slug", "acme"), ("team", &team)]),
        (
            "rename_team",
            vec![("slug", "acme"), ("team", &team), ("name", "Taken over")],
        ),
        (
            "add_project_member",
            vec![
                ("slug", "acme"),
                ("project", &project),
                ("email", "plain@example.com"),
            ],
        ),
        (
            "add_team_member",
            vec![
                ("slug", "acme"),
                ("team", &team),
                ("email", "plain@example.com"),
            ],
        ),
        (
            "grant_team",
            vec![
                ("slug", "acme"),
                ("team", &team),
                ("permission", "projects:view"),
                ("project", &project),
            ],
        ),
    ];
    for (endpoint, form) in calls {
        let reply = plain.call(endpoint, &form).await;
        assert_eq!(reply.status, 403, "{endpoint}: {:?}", reply.body);
    }
    for (endpoint, arguments) in [
        (
            "set_member_permissions",
            serde_json::json!({
                "slug": "acme",
                "user_id": plain_key,
                "project": "",
                "permissions": perms(&["logs:view"]),
            }),
        ),
        (
            "create_invitation",
            serde_json::json!({
                "slug": "acme",
                "request": InvitationRequest::plain("x@example.com", Role::Member),
            }),
        ),
    ] {
        let reply = plain.call_json(endpoint, arguments).await;
        assert_eq!(reply.status, 403, "{endpoint}: {:?}", reply.body);
    }
    // A project the member cannot see is not found.
    assert_eq!(
        plain
            .call("project_access", &[("slug", "acme"), ("project", &project)])
            .await
            .status,
        404
    );
    assert_eq!(
        plain.call("list_projects", &[("slug", "acme")]).await.body,
        serde_json::json!({ "can_manage": false, "items": [] })
    );
    // The owner's calls work.
    let reply = owner
        .call(
            "rename_team",
            &[("slug", "acme"), ("team", &team), ("name", "Core Platform")],
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let reply = owner
        .call(
            "grant_team",
            &[
                ("slug", "acme"),
                ("team", &team),
                ("permission", "projects:view"),
                ("project", &project),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let reply = owner
        .call(
            "add_team_member",
            &[
                ("slug", "acme"),
                ("team", &team),
                ("email", "plain@example.com"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let visible = plain.call("list_projects", &[("slug", "acme")]).await;
    assert_eq!(visible.body["items"][0]["name"], "Web");
    let reply = owner
        .call(
            "add_project_member",
            &[
                ("slug", "acme"),
                ("project", &project),
                ("email", "nobody@example.com"),
            ],
        )
        .await;
    assert_eq!(reply.status, 400, "not a member: {:?}", reply.body);
    let reply = owner
        .call(
            "add_project_member",
            &[
                ("slug", "acme"),
                ("project", &project),
                ("email", "plain@example.com"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let why = owner
        .call("project_access", &[("slug", "acme"), ("project", &project)])
        .await;
    assert!(
        why.body.to_string().contains("Granted directly"),
        "{:?}",
        why.body
    );
    let teams = plain.call("list_teams", &[("slug", "acme")]).await;
    assert_eq!(teams.body[0]["name"], "Core Platform");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn every_read_function_shows_a_plain_member_names_but_no_addresses(pool: Pool) {
    let mut console = Console::new(&pool).await;
    let (mut olga, olga_key) = console.plain_member("Olga Other", "olga@example.com").await;
    let (mut plain, plain_key) = console.plain_member("Plain", "plain@example.com").await;
    let (team, project) = (console.team.clone(), console.project.clone());
    let core = [("slug", "acme"), ("team", team.as_str())];
    for (permission, place) in [("billing:manage", ""), ("projects:view", project.as_str())] {
        let grant = [("permission", permission), ("project", place)];
        console
            .owner_does("grant_team", &[&core[..], &grant].concat())
            .await;
    }
    for email in ["olga@example.com", "plain@example.com"] {
        console
            .owner_does(
                "add_team_member",
                &[&core[..], &[("email", email)]].concat(),
            )
            .await;
    }
    // Olga has been active, so there is a last-active time to hide.
    assert_eq!(
        olga.call("organization", &[("slug", "acme")]).await.status,
        200
    );

    // The members list takes its controls as one JSON-encoded filter.
    let members = |search: &str, role: Option<&str>, sort: &str| {
        serde_json::json!({
            "slug": "acme",
            "filter": { "search": search, "role": role, "sort": sort, "after": "" },
        })
    };
    let at_acme = vec![("slug", "acme")];
    let reads: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("seats", at_acme.clone()),
        ("my_permissions", at_acme.clone()),
        ("list_teams", at_acme.clone()),
        ("list_projects", at_acme.clone()),
        (
            "project_access",
            vec![("slug", "acme"), ("project", &project)],
        ),
        ("organization", at_acme.clone()),
        ("dashboard", at_acme.clone()),
        ("heartbeat", vec![("org", "acme")]),
        ("inbox", vec![]),
        ("current_user", vec![]),
    ];
    let mut answers = std::collections::HashMap::new();
    let mut replies = vec![(
        "list_members",
        plain
            .call_json("list_members", members("", None, "name"))
            .await,
    )];
    for (endpoint, form) in reads {
        replies.push((endpoint, plain.call(endpoint, &form).await));
    }
    for (endpoint, reply) in replies {
        assert_eq!(reply.status, 200, "{endpoint}: {:?}", reply.body);
        let text = reply.body.to_string();
        assert!(
            !text.contains("olga@example.com"),
            "{endpoint} shows a member's address: {text}"
        );
        // The dashboard names the owners and admins to ask for access, with their addresses.
        assert_eq!(
            text.contains("owner@example.com"),
            endpoint == "dashboard",
            "{endpoint}: {text}"
        );
        answers.insert(endpoint, text);
    }
    // The directory: names and teams, nothing else about a member.
    let directory = &answers["list_members"];
    assert!(
        directory.contains("Olga Other") && directory.contains("Core"),
        "{directory}"
    );
    for hidden in ["email", "role", "joined_at", "last_active_at"] {
        assert!(
            !directory.contains(&format!("\"{hidden}\"")),
            "{hidden}: {directory}"
        );
    }
    // Teams: names of members, not what the team holds.
    let teams = &answers["list_teams"].to_lowercase();
    assert!(teams.contains("olga other"), "{teams}");
    assert!(
        !teams.contains("billing") && !teams.contains("projects"),
        "{teams}"
    );
    assert!(answers["project_access"].contains("Olga Other"));
    // Search matches names only, so addresses cannot be probed through it.
    // ("olga@" is the word "olga", found in her name; "olga@example" needs
    // a word of her name to begin with "example".)
    for (search, found) in [("Olga", 1), ("olga@example", 0), ("example.com", 0)] {
        let reply = plain
            .call_json("list_members", members(search, None, "name"))
            .await;
        assert_eq!(reply.body["total"], found, "{search}: {:?}", reply.body);
    }
    // Filtering by role or ordering by join date would reveal what the directory hides.
    for filter in [
        members("", Some("admin"), "name"),
        members("", None, "joined"),
    ] {
        assert_eq!(
            plain.call_json("list_members", filter.clone()).await.status,
            403,
            "{filter}"
        );
    }
    for (endpoint, form) in [
        ("list_activity", vec![("slug", "acme"), ("action", "")]),
        (
            "list_invitations",
            vec![("slug", "acme"), ("status", ""), ("after", "")],
        ),
        (
            "member_permissions",
            vec![("slug", "acme"), ("user_id", &olga_key), ("project", "")],
        ),
    ] {
        let reply = plain.call(endpoint, &form).await;
        assert_eq!(reply.status, 403, "{endpoint}: {:?}", reply.body);
    }

    // With `members:view` the same member sees the members list and what
    // teams hold (billing:manage stays: it comes from team Core).
    let grant = serde_json::json!({
        "slug": "acme",
        "user_id": plain_key,
        "project": "",
        "permissions": perms(&["members:view", "billing:manage"]),
    });
    let reply = console
        .owner
        .call_json("set_member_permissions", grant)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let mut replies = Vec::new();
    for (filter, shows) in [
        (members("", Some("owner"), "joined"), "owner@example.com"),
        (members("", None, "name"), "olga@example.com"),
    ] {
        let reply = plain.call_json("list_members", filter).await;
        replies.push(("list_members", reply, shows));
    }
    for (endpoint, form, shows) in [
        ("list_teams", at_acme.clone(), "billing"),
        (
            "project_access",
            vec![("slug", "acme"), ("project", &project)],
            "olga@example.com",
        ),
    ] {
        replies.push((endpoint, plain.call(endpoint, &form).await, shows));
    }
    for (endpoint, reply, shows) in replies {
        let text = reply.body.to_string().to_lowercase();
        assert!(
            reply.status == 200 && text.contains(shows),
            "{endpoint}: {text}"
        );
    }
}

/// A new user who is already an active member of acme with `role`.
async fn joined(o: &Org, email: &str, role: Role) -> User {
    let u = user(&o.state, email).await;
    join(&o.state.pool, o.owner.org.id, u.id, role).await;
    u
}

/// Sets what `user` holds org-wide to exactly `permissions`, as `actor`.
async fn set_org_wide(
    o: &Org,
    actor: &Member,
    user: Uuid,
    permissions: &[Permission],
) -> Result<(), AppError> {
    members::set_permissions(&o.state, actor, user, Scope::Organization, permissions).await
}

/// Keys of what `user` holds org-wide, as the owner's permission editor shows it.
async fn held(o: &Org, user: Uuid) -> Vec<String> {
    members::permission_switches(&o.state, &o.owner, user, Scope::Organization)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.switch != Switch::Off)
        .map(|row| row.permission.key())
        .collect()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_permission_editor_narrows_admins_and_grants_members(pool: Pool) {
    let o = org(&pool).await;
    let admin = joined(&o, "admin@example.com", Role::Admin).await;
    let plain = joined(&o, "plain@example.com", Role::Member).await;
    let admin_m = member(&pool, &admin, "acme").await;
    // Take members:invite away from the admin: everything else stays.
    let all_but_invite: Vec<String> = held(&o, admin.id)
        .await
        .into_iter()
        .filter(|k| k != "members:invite")
        .collect();
    set_org_wide(&o, &o.owner, admin.id, &perms(&all_but_invite))
        .await
        .unwrap();
    let now = held(&o, admin.id).await;
    assert!(!now.contains(&"members:invite".to_owned()) && now.contains(&"logs:manage".to_owned()));
    let err = invitations::create(
        &o.state,
        &admin_m,
        invite("x@example.com", Role::Member, &[], &[]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    // Grant a member logs:view; an admin cannot hand out billing.
    set_org_wide(&o, &admin_m, plain.id, &perms(&["logs:view"]))
        .await
        .unwrap();
    assert_eq!(held(&o, plain.id).await, ["logs:view"]);
    let err = set_org_wide(
        &o,
        &admin_m,
        plain.id,
        &perms(&["logs:view", "billing:view"]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(ref m) if m.contains("Billing")),
        "{err:?}"
    );
    let plain_m = member(&pool, &plain, "acme").await;
    assert!(matches!(
        set_org_wide(&o, &plain_m, admin.id, &[]).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        set_org_wide(&o, &o.owner, o.owner.user.id, &[]).await,
        Err(AppError::Conflict(_))
    ));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_narrowed_admin_cannot_make_full_admins_and_rejoining_starts_fresh(pool: Pool) {
    let o = org(&pool).await;
    let admin = joined(&o, "admin@example.com", Role::Admin).await;
    let plain = joined(&o, "plain@example.com", Role::Member).await;
    let keep: Vec<String> = held(&o, admin.id)
        .await
        .into_iter()
        .filter(|k| k != "databases:manage")
        .collect();
    set_org_wide(&o, &o.owner, admin.id, &perms(&keep))
        .await
        .unwrap();
    let admin_m = member(&pool, &admin, "acme").await;
    let err = members::change_role(
        &o.state,
        &admin_m,
        plain.id,
        Role::Admin,
        Some(Role::Member),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(ref m) if m.contains("Admin role")),
        "{err:?}"
    );
    let err = invitations::create(
        &o.state,
        &admin_m,
        invite("new@example.com", Role::Admin, &[], &[]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    // Without members:manage the admin can neither change roles nor remove members.
    let keep: Vec<String> = keep.into_iter().filter(|k| k != "members:manage").collect();
    set_org_wide(&o, &o.owner, admin.id, &perms(&keep))
        .await
        .unwrap();
    let err = members::change_role(
        &o.state,
        &admin_m,
        plain.id,
        Role::Member,
        Some(Role::Member),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let removal = Removal {
        user_id: plain.id,
        expected: Some(Role::Member),
        remove_from_projects: false,
        revoke_their_invitations: false,
    };
    assert!(matches!(
        members::remove(&o.state, &admin_m, removal).await,
        Err(AppError::Forbidden(_))
    ));

    // Plain gets a grant, is removed (without the project option), and is invited back: old access is gone.
    set_org_wide(
        &o,
        &o.owner,
        plain.id,
        &perms(&["logs:view", "databases:view"]),
    )
    .await
    .unwrap();
    let removal = Removal {
        user_id: plain.id,
        expected: Some(Role::Member),
        remove_from_projects: false,
        revoke_their_invitations: false,
    };
    members::remove(&o.state, &o.owner, removal).await.unwrap();
    invitations::create(
        &o.state,
        &o.owner,
        invite("plain@example.com", Role::Member, &[], &["metrics:view"]),
    )
    .await
    .unwrap();
    let mailed = super::mailed_secret(&pool, "plain@example.com").await;
    link::accept(&pool, mailed.as_str(), &plain, None)
        .await
        .unwrap();
    assert_eq!(held(&o, plain.id).await, ["metrics:view"]);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_editor_works_per_project_and_says_why_inherited_access_stays(pool: Pool) {
    let o = org(&pool).await;
    let dev = joined(&o, "dev@example.com", Role::Member).await;
    teams::add_member(&pool, &o.owner, o.backend, "dev@example.com")
        .await
        .unwrap();
    let (web, api) = (Scope::Project(o.web), Scope::Project(o.api));
    let switches = |scope| members::permission_switches(&o.state, &o.owner, dev.id, scope);

    // A direct grant on Web only.
    members::set_permissions(
        &o.state,
        &o.owner,
        dev.id,
        web,
        &perms(&["databases:manage", "projects:view"]),
    )
    .await
    .unwrap();
    let at_web = switches(web).await.unwrap();
    let on: Vec<_> = at_web
        .iter()
        .filter(|r| r.switch == Switch::On)
        .map(|r| r.permission.key())
        .collect();
    assert_eq!(on, ["projects:view", "databases:manage"]);
    assert!(
        at_web.iter().all(|r| r.permission.is_project_scoped()),
        "billing and members are not offered per project"
    );
    assert!(held(&o, dev.id).await.is_empty(), "nothing org-wide");
    let dev_m = member(&pool, &dev, "acme").await;
    let seen: Vec<String> = projects::list(&pool, &dev_m)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(seen, ["API", "Web"], "API through Backend, Web directly");

    // What the team gives is locked, with the reason; switching it off is refused, not ignored.
    let view_api = switches(api)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.permission == Permission::PROJECTS_VIEW)
        .unwrap();
    assert_eq!(view_api.switch, Switch::Fixed("from team Backend".into()));
    assert!(!view_api.yours);
    let err = members::set_permissions(&o.state, &o.owner, dev.id, api, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref m) if m.contains("from team Backend")),
        "{err:?}"
    );

    // Billing cannot be limited to a project.
    let err = members::set_permissions(&o.state, &o.owner, dev.id, web, &perms(&["billing:view"]))
        .await
        .unwrap_err();
    assert_eq!(
        err.field_message("permissions").as_deref(),
        Some("“Billing: view” applies to the whole organization, not to one project.")
    );

    // Switching off at Web removes exactly the Web grants.
    members::set_permissions(&o.state, &o.owner, dev.id, web, &[])
        .await
        .unwrap();
    assert!(switches(web)
        .await
        .unwrap()
        .iter()
        .all(|r| r.switch == Switch::Off));

    // Only those who manage members read the editor.
    assert!(matches!(
        members::permission_switches(&o.state, &dev_m, o.owner.user.id, Scope::Organization).await,
        Err(AppError::Forbidden(_))
    ));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn teams_hold_any_permission_org_wide_or_per_project_and_lose_it_again(pool: Pool) {
    let o = org(&pool).await;
    let dev = joined(&o, "dev@example.com", Role::Member).await;
    teams::add_member(&pool, &o.owner, o.backend, "dev@example.com")
        .await
        .unwrap();
    let logs = Grant::org_wide(Permission::parse("logs:view").unwrap());
    teams::grant(&pool, &o.owner, o.backend, logs)
        .await
        .unwrap();
    let described: Vec<String> = teams::list(&pool, &o.owner).await.unwrap()[0]
        .grants
        .iter()
        .flatten()
        .map(|g| g.describe())
        .collect();
    assert_eq!(
        described,
        ["Logs: view, whole organization", "Projects: view on API"]
    );
    assert_eq!(held(&o, dev.id).await, ["logs:view"]);
    teams::revoke(&pool, &o.owner, o.backend, logs)
        .await
        .unwrap();
    assert!(held(&o, dev.id).await.is_empty());

    // Over HTTP: org-wide-only permissions are refused per project, with the reason.
    let mut owner = Client::new(pool.clone()).await;
    let (status, _, page) = owner.sign_in_with("owner@example.com", "long enough").await;
    assert_eq!(status, 303, "{page}");
    let reply = owner
        .call(
            "grant_team",
            &[
                ("slug", "acme"),
                ("team", &o.backend.to_string()),
                ("permission", "members:manage"),
                ("project", &o.web.to_string()),
            ],
        )
        .await;
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    assert!(
        reply.body.to_string().contains("whole organization"),
        "{:?}",
        reply.body
    );
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn delegated_inviters_follow_up_on_their_own_invitations_only(pool: Pool) {
    let o = org(&pool).await;
    let lead = joined(&o, "lead@example.com", Role::Member).await;
    let lead_m = member(&pool, &lead, "acme").await;
    let err = invitations::list(&pool, &lead_m, None, "")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(ref m) if m.contains("Members: view")),
        "{err:?}"
    );
    set_org_wide(&o, &o.owner, lead.id, &perms(&["members:invite"]))
        .await
        .unwrap();
    invitations::create(
        &o.state,
        &lead_m,
        invite("mine@example.com", Role::Member, &[], &[]),
    )
    .await
    .unwrap();
    invitations::create(
        &o.state,
        &o.owner,
        invite("theirs@example.com", Role::Member, &[], &[]),
    )
    .await
    .unwrap();

    let seen = invitations::list(&pool, &lead_m, None, "")
        .await
        .unwrap()
        .items;
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].email.as_str(), seen[0].can_manage),
        ("mine@example.com", true)
    );
    let all = invitations::list(&pool, &o.owner, None, "")
        .await
        .unwrap()
        .items;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|i| i.can_manage));

    let theirs = all
        .iter()
        .find(|i| i.email == "theirs@example.com")
        .unwrap();
    assert!(matches!(
        invitations::revoke(&o.state, &lead_m, theirs.id).await,
        Err(AppError::Forbidden(ref m)) if m.contains("only invitations you sent")
    ));
    assert!(matches!(
        invitations::resend(&o.state, &lead_m, theirs.id).await,
        Err(AppError::Forbidden(_))
    ));
    invitations::resend(&o.state, &lead_m, seen[0].id)
        .await
        .unwrap();
    invitations::revoke(&o.state, &lead_m, seen[0].id)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn nobody_takes_away_through_teams_or_edits_above_their_role(pool: Pool) {
    let o = org(&pool).await;
    let admin = joined(&o, "admin@example.com", Role::Admin).await;
    let lead = joined(&o, "lead@example.com", Role::Member).await;
    let admin_m = member(&pool, &admin, "acme").await;
    // The owner gives Backend billing; an admin (no billing) may neither
    // change who is in it nor delete it.
    let billing = Grant::org_wide(Permission::parse("billing:manage").unwrap());
    teams::grant(&pool, &o.owner, o.backend, billing)
        .await
        .unwrap();
    teams::add_member(&pool, &o.owner, o.backend, "lead@example.com")
        .await
        .unwrap();
    for refused in [
        teams::remove_member(&pool, &admin_m, o.backend, lead.id).await,
        teams::delete(&pool, &admin_m, o.backend).await,
        teams::revoke(&pool, &admin_m, o.backend, billing).await,
    ] {
        assert!(
            matches!(refused, Err(AppError::Forbidden(ref m)) if m.contains("Backend") || m.contains("Billing")),
            "{refused:?}"
        );
    }
    assert_eq!(
        teams::list(&pool, &o.owner).await.unwrap()[0].members.len(),
        1
    );

    // A member holding members:manage still cannot edit an admin's permissions.
    // (Billing comes from Backend: it is part of what lead holds.)
    let keys = ["members:manage", "billing:manage"];
    set_org_wide(&o, &o.owner, lead.id, &perms(&keys))
        .await
        .unwrap();
    let lead_m = member(&pool, &lead, "acme").await;
    assert!(matches!(
        set_org_wide(&o, &lead_m, admin.id, &[]).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        members::permission_switches(&o.state, &lead_m, admin.id, Scope::Organization).await,
        Err(AppError::Forbidden(_))
    ));

    // The database refuses a members grant limited to one project, whoever writes it.
    let forged = sqlx::query(
        "INSERT INTO grants (org_id, user_id, permission, project_id) VALUES ($1, $2, 'members:manage', $3)",
    )
    .bind(o.owner.org.id)
    .bind(lead.id)
    .bind(o.web)
    .execute(&pool)
    .await;
    assert!(forged.is_err());
}

/// What the heartbeat reports as `user`'s access version in Acme.
async fn access_version(o: &Org, user: &User) -> i64 {
    crate::server::notifications::pulse(&o.state.pool, user, Some("acme"))
        .await
        .unwrap()
        .access
        .expect("an active member")
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn every_change_to_a_members_access_moves_their_version_only(pool: Pool) {
    let o = org(&pool).await;
    let dev = joined(&o, "dev@example.com", Role::Member).await;
    let bystander = joined(&o, "other@example.com", Role::Member).await;
    let untouched = access_version(&o, &bystander).await;
    let mut seen = access_version(&o, &dev).await;
    let mut moved = |now: i64, what: &str| {
        assert!(
            now > seen,
            "{what} did not move the version ({seen} -> {now})"
        );
        seen = now;
    };
    set_org_wide(&o, &o.owner, dev.id, &perms(&["logs:view"]))
        .await
        .unwrap();
    moved(access_version(&o, &dev).await, "a direct grant");
    set_org_wide(&o, &o.owner, dev.id, &[]).await.unwrap();
    moved(access_version(&o, &dev).await, "taking a grant away");
    teams::add_member(&pool, &o.owner, o.backend, "dev@example.com")
        .await
        .unwrap();
    moved(access_version(&o, &dev).await, "joining a team");
    teams::remove_member(&pool, &o.owner, o.backend, dev.id)
        .await
        .unwrap();
    moved(access_version(&o, &dev).await, "leaving a team");
    teams::add_member(&pool, &o.owner, o.backend, "dev@example.com")
        .await
        .unwrap();
    moved(access_version(&o, &dev).await, "joining again");
    let logs = Grant::new(Permission::parse("logs:view").unwrap(), Scope::Organization).unwrap();
    teams::grant(&pool, &o.owner, o.backend, logs)
        .await
        .unwrap();
    moved(access_version(&o, &dev).await, "a grant to their team");
    teams::revoke(&pool, &o.owner, o.backend, logs)
        .await
        .unwrap();
    moved(access_version(&o, &dev).await, "a revoke from their team");
    members::change_role(&o.state, &o.owner, dev.id, Role::Admin, Some(Role::Member))
        .await
        .unwrap();
    moved(access_version(&o, &dev).await, "a role change");
    let all_admin = held(&o, dev.id).await;
    set_org_wide(&o, &o.owner, dev.id, &perms(&["projects:view"]))
        .await
        .unwrap();
    moved(access_version(&o, &dev).await, "narrowing an admin");
    set_org_wide(&o, &o.owner, dev.id, &perms(&all_admin))
        .await
        .unwrap();
    moved(access_version(&o, &dev).await, "widening an admin again");
    teams::delete(&pool, &o.owner, o.backend).await.unwrap();
    moved(access_version(&o, &dev).await, "deleting their team");
    assert_eq!(access_version(&o, &bystander).await, untouched);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn an_admin_invited_with_permissions_held_back_joins_narrowed(pool: Pool) {
    let o = org(&pool).await;
    let narrowed = |email: &'static str, role: Role| InvitationRequest {
        withheld: perms(&["env_vars:manage", "members:invite", "billing:view"]),
        ..InvitationRequest::plain(email, role)
    };
    // Only an Admin's defaults can be held back.
    for role in [Role::Owner, Role::Member] {
        let err = invitations::create(&o.state, &o.owner, narrowed("x@example.com", role))
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Invalid { .. }) && err.field_message("permissions").is_some(),
            "{role}: {err:?}"
        );
    }
    let issued = invitations::create(&o.state, &o.owner, narrowed("ada@example.com", Role::Admin))
        .await
        .unwrap();
    // Revoked and invited again, the invitation still holds the same back.
    invitations::revoke(&o.state, &o.owner, issued.invitation_id)
        .await
        .unwrap();
    let again = invitations::resend(&o.state, &o.owner, issued.invitation_id)
        .await
        .unwrap();
    let details = link::preview(
        &pool,
        &crate::server::identity::providers::Providers::new(Vec::new()),
        &secret_of(&again.link),
        None,
    )
    .await
    .unwrap();
    // Billing is not an Admin default, so there was nothing to hold back.
    assert_eq!(
        details.withheld,
        ["Environment variables: manage", "Members: invite people"]
    );
    let ada = user(&o.state, "ada@example.com").await;
    let mailed = super::mailed_secret(&pool, "ada@example.com").await;
    link::accept(&pool, mailed.as_str(), &ada, None)
        .await
        .unwrap();
    let held = held(&o, ada.id).await;
    assert!(held.contains(&"env_vars:view".to_owned()), "{held:?}");
    assert!(held.contains(&"members:manage".to_owned()), "{held:?}");
    assert!(!held.contains(&"env_vars:manage".to_owned()), "{held:?}");
    assert!(!held.contains(&"members:invite".to_owned()), "{held:?}");
}
