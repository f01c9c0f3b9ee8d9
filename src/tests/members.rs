use chrono::Utc;
use std::collections::HashSet;
use uuid::Uuid;

use super::support;
use super::{join, last_mail_to, member, user};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::invitations::InvitationRequest;
use crate::model::members::{MemberFilter, MemberItem, MemberPage, MemberRows, MemberSort};
use crate::server::actor::{Member, User};
use crate::server::db::{Batch, Db, Pool};
use crate::server::members::{self, MemberQuery, Removal};
use crate::server::state::AppState;
use crate::server::{invitations, organizations};
use sqlx::QueryBuilder;

struct Acme {
    state: AppState,
    owner: Member,
    admin: Member,
    plain: Member,
}

/// "acme" with an owner, an admin and a member.
async fn acme(pool: &Pool) -> Acme {
    let state = support::state(pool.clone());
    let owner = user(&state, "owner@example.com").await;
    let org = organizations::create(pool, owner.id, "Acme").await.unwrap();
    let admin = user(&state, "admin@example.com").await;
    let plain = user(&state, "member@example.com").await;
    join(pool, org.id, admin.id, Role::Admin).await;
    join(pool, org.id, plain.id, Role::Member).await;
    Acme {
        owner: member(pool, &owner, "acme").await,
        admin: member(pool, &admin, "acme").await,
        plain: member(pool, &plain, "acme").await,
        state,
    }
}

async fn role_of(pool: &Pool, user: &User) -> Option<Role> {
    organizations::view(pool, user.id, "acme")
        .await
        .ok()
        .map(|v| v.role)
}

fn removal(user: Uuid, expected: Role) -> Removal {
    Removal {
        user_id: user,
        expected: Some(expected),
        remove_from_projects: false,
        revoke_their_invitations: false,
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn role_change_matrix(pool: Pool) {
    let a = acme(&pool).await;
    let (o, ad, m) = (&a.owner, &a.admin, &a.plain);
    // Members change nothing.
    assert!(matches!(
        members::change_role(&a.state, m, ad.user.id, Role::Member, Some(Role::Admin)).await,
        Err(AppError::Forbidden(_))
    ));
    // Admins never touch owners and never make owners.
    assert!(matches!(
        members::change_role(&a.state, ad, o.user.id, Role::Admin, Some(Role::Owner)).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        members::change_role(&a.state, ad, m.user.id, Role::Owner, Some(Role::Member)).await,
        Err(AppError::Forbidden(_))
    ));
    members::change_role(&a.state, ad, m.user.id, Role::Admin, Some(Role::Member))
        .await
        .unwrap();
    assert_eq!(role_of(&pool, &m.user).await, Some(Role::Admin));
    // Owners do everything.
    members::change_role(&a.state, o, m.user.id, Role::Owner, Some(Role::Admin))
        .await
        .unwrap();
    assert_eq!(role_of(&pool, &m.user).await, Some(Role::Owner));
    // A stale view is reported, not overwritten.
    let stale = members::change_role(&a.state, o, m.user.id, Role::Member, Some(Role::Admin))
        .await
        .unwrap_err();
    assert!(
        stale
            .to_string()
            .contains("changed since the page was loaded"),
        "{stale}"
    );
    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'member.role_changed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audit, 2);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn the_last_owner_cannot_be_demoted_or_leave(pool: Pool) {
    let a = acme(&pool).await;
    let err = members::change_role(
        &a.state,
        &a.owner,
        a.owner.user.id,
        Role::Admin,
        Some(Role::Owner),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("last owner"), "{err}");
    let err = members::leave(&a.state, &a.owner).await.unwrap_err();
    assert!(err.to_string().contains("last owner"), "{err}");
    members::leave(&a.state, &a.plain).await.unwrap();
    assert_eq!(role_of(&pool, &a.plain.user).await, None);
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn two_owners_demoting_each_other_at_once_leave_one_owner(pool: Pool) {
    for _ in 0..5 {
        let a = acme(&pool).await;
        members::change_role(
            &a.state,
            &a.owner,
            a.admin.user.id,
            Role::Owner,
            Some(Role::Admin),
        )
        .await
        .unwrap();
        let second = member(&pool, &a.admin.user, "acme").await;
        let (s1, s2) = (a.state.clone(), a.state.clone());
        let (o1, o2) = (a.owner.clone(), second.clone());
        let t1 = tokio::spawn(async move {
            members::change_role(&s1, &o1, o2.user.id, Role::Member, Some(Role::Owner)).await
        });
        let (o1, o2) = (a.owner.clone(), second.clone());
        let t2 = tokio::spawn(async move {
            members::change_role(&s2, &o2, o1.user.id, Role::Member, Some(Role::Owner)).await
        });
        let (r1, r2) = (t1.await.unwrap(), t2.await.unwrap());
        assert!(r1.is_ok() != r2.is_ok(), "exactly one wins: {r1:?} {r2:?}");
        let owners: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE role = 'owner' AND status = 'active'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(owners, 1);
        sqlx::query("DELETE FROM organizations")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM audit_events")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM outbox")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM users")
            .execute(&pool)
            .await
            .unwrap();
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn removal_matrix_and_history(pool: Pool) {
    let a = acme(&pool).await;
    let err = members::remove(&a.state, &a.owner, removal(a.owner.user.id, Role::Owner))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Leave organization"), "{err}");
    assert!(matches!(
        members::remove(&a.state, &a.plain, removal(a.admin.user.id, Role::Admin)).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        members::remove(&a.state, &a.admin, removal(a.owner.user.id, Role::Owner)).await,
        Err(AppError::Forbidden(_))
    ));
    members::remove(&a.state, &a.admin, removal(a.plain.user.id, Role::Member))
        .await
        .unwrap();
    // Access is gone on the next request; the row stays as history.
    assert_eq!(
        organizations::view(&pool, a.plain.user.id, "acme")
            .await
            .unwrap_err(),
        AppError::NotFound("Organization".into())
    );
    let (status, by): (String, Uuid) =
        sqlx::query_as("SELECT status, removed_by FROM memberships WHERE user_id = $1")
            .bind(a.plain.user.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), by), ("removed", a.admin.user.id));
    let (subject, _) = last_mail_to(&pool, "member@example.com").await;
    assert_eq!(subject, "You were removed from Acme");
    // Removing again: the member changed meanwhile.
    let again = members::remove(&a.state, &a.admin, removal(a.plain.user.id, Role::Member))
        .await
        .unwrap_err();
    assert!(matches!(again, AppError::Conflict(_)));
    // A removed person can be invited again and rejoin.
    invitations::create(
        &a.state,
        &a.owner,
        InvitationRequest::plain("member@example.com", Role::Admin),
    )
    .await
    .unwrap();
    let mailed = super::mailed_secret(&pool, "member@example.com").await;
    invitations::link::accept(&pool, mailed.as_str(), &a.plain.user, None)
        .await
        .unwrap();
    assert_eq!(role_of(&pool, &a.plain.user).await, Some(Role::Admin));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn removal_cascades_to_projects_and_invitations_only_when_asked(pool: Pool) {
    let a = acme(&pool).await;
    let project = crate::server::projects::create(&pool, &a.owner, "Web")
        .await
        .unwrap();
    for m in [&a.admin, &a.plain] {
        crate::server::projects::add_member(&pool, &a.owner, project, &m.user.email)
            .await
            .unwrap();
    }
    let new = |email| InvitationRequest::plain(email, Role::Member);
    invitations::create(&a.state, &a.admin, new("x@example.com"))
        .await
        .unwrap();
    members::remove(&a.state, &a.owner, removal(a.plain.user.id, Role::Member))
        .await
        .unwrap();
    let rows = |id: Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM grants WHERE user_id = $1 AND project_id IS NOT NULL",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(rows(a.plain.user.id).await, 1, "kept without the option");
    let full = Removal {
        user_id: a.admin.user.id,
        expected: Some(Role::Admin),
        remove_from_projects: true,
        revoke_their_invitations: true,
    };
    members::remove(&a.state, &a.owner, full).await.unwrap();
    assert_eq!(rows(a.admin.user.id).await, 0);
    let status: String =
        sqlx::query_scalar("SELECT status FROM invitations WHERE email = 'x@example.com'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "revoked");
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn transfer_ownership_swaps_roles(pool: Pool) {
    let a = acme(&pool).await;
    assert!(matches!(
        members::transfer_ownership(&a.state, &a.admin, a.plain.user.id).await,
        Err(AppError::Forbidden(_))
    ));
    members::transfer_ownership(&a.state, &a.owner, a.plain.user.id)
        .await
        .unwrap();
    assert_eq!(role_of(&pool, &a.plain.user).await, Some(Role::Owner));
    assert_eq!(role_of(&pool, &a.owner.user).await, Some(Role::Admin));
}

/// The rows of a page of the members list (not the name directory).
fn listed(page: &MemberPage) -> &[MemberItem] {
    match &page.items {
        MemberRows::List(items) => items,
        MemberRows::Directory(_) => panic!("the name directory, not the members list"),
    }
}

async fn seed_members(pool: &Pool, org: Uuid, n: usize, prefix: &str) {
    crate::server::fixtures::seed_members(pool, org, n, prefix)
        .await
        .unwrap();
}

/// The checked query for the list's controls.
fn query(search: &str, role: Option<Role>, sort: MemberSort, after: &str) -> MemberQuery {
    MemberQuery::parse(&MemberFilter {
        search: search.into(),
        role,
        sort,
        descending: false,
        after: after.into(),
    })
    .unwrap()
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn pages_lose_and_repeat_nothing_while_members_join(pool: Pool) {
    let a = acme(&pool).await;
    seed_members(&pool, a.owner.org.id, 160, "Seed").await;
    let orders = [
        (MemberSort::Name, false),
        (MemberSort::Joined, false),
        (MemberSort::Name, true),
        (MemberSort::Joined, true),
    ];
    for (sort, descending) in orders {
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        let mut after = String::new();
        let mut pages = 0;
        loop {
            let query = MemberQuery::parse(&MemberFilter {
                sort,
                descending,
                after: after.clone(),
                ..MemberFilter::default()
            })
            .unwrap();
            let page = members::list(&pool, &a.owner, &query).await.unwrap();
            assert!(listed(&page).len() as i64 <= members::PAGE_SIZE);
            for item in listed(&page) {
                if !item.entry.name.starts_with("Late") {
                    names.push(item.entry.name.to_lowercase());
                }
                assert!(
                    seen.insert(item.entry.user_id),
                    "{sort:?}: repeated {}",
                    item.email
                );
            }
            pages += 1;
            // Someone joins between page loads.
            seed_members(
                &pool,
                a.owner.org.id,
                3,
                &format!("Late{sort:?}{descending}{pages}x"),
            )
            .await;
            match page.next {
                Some(next) => after = next,
                None => break,
            }
        }
        let originals: HashSet<Uuid> = sqlx::query_scalar::<_, Uuid>(
            "SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email NOT LIKE 'late%'",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
        assert!(
            originals.is_subset(&seen),
            "{sort:?}: every member present before paging was listed"
        );
        assert!(pages >= 4);
        if sort == MemberSort::Name {
            let mut expected = names.clone();
            expected.sort();
            if descending {
                expected.reverse();
            }
            assert_eq!(names, expected, "descending: {descending}");
        }
    }
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn search_filter_and_totals(pool: Pool) {
    let a = acme(&pool).await;
    seed_members(&pool, a.owner.org.id, 30, "Zed").await;
    let q = query("ADMIN@", None, MemberSort::Name, "");
    let page = members::list(&pool, &a.owner, &q).await.unwrap();
    assert_eq!(
        (page.total, listed(&page)[0].email.as_str()),
        (1, "admin@example.com")
    );
    let q = query("", Some(Role::Owner), MemberSort::Name, "");
    assert_eq!(members::list(&pool, &a.owner, &q).await.unwrap().total, 1);
    let q = query("zed", Some(Role::Member), MemberSort::Joined, "");
    assert_eq!(members::list(&pool, &a.owner, &q).await.unwrap().total, 30);
    // LIKE wildcards in the search are literal.
    let q = query("%", None, MemberSort::Name, "");
    assert_eq!(members::list(&pool, &a.owner, &q).await.unwrap().total, 0);
    let usage = members::seat_usage(&pool, &a.owner).await.unwrap();
    assert_eq!((usage.active, usage.pending, usage.limit), (33, 0, 10));
    assert_eq!(usage.summary(), "33 of 10 seats used");
}

/// A search counts all its matches on every page, and pages through them
/// in either order without losing or repeating one, in both sights.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn a_search_is_counted_and_paged_whole(pool: Pool) {
    let a = acme(&pool).await;
    seed_members(&pool, a.owner.org.id, 60, "Zed").await;
    seed_members(&pool, a.owner.org.id, 5, "Yak").await;
    // In name order every match ties, so only the id after the sort key
    // orders them; in joining order each has its own time.
    sqlx::query("UPDATE users SET name = 'Zed Same' WHERE email LIKE 'zed%'")
        .execute(&pool)
        .await
        .unwrap();
    for (actor, sort, descending) in [
        (&a.owner, MemberSort::Name, false),
        (&a.owner, MemberSort::Name, true),
        (&a.owner, MemberSort::Joined, false),
        (&a.owner, MemberSort::Joined, true),
        (&a.plain, MemberSort::Name, false),
        (&a.plain, MemberSort::Name, true),
    ] {
        let mut seen = HashSet::new();
        let mut after = String::new();
        let mut sizes = Vec::new();
        loop {
            let q = MemberQuery::parse(&MemberFilter {
                search: "zed".into(),
                sort,
                descending,
                after,
                ..MemberFilter::default()
            })
            .unwrap();
            let page = members::list(&pool, actor, &q).await.unwrap();
            assert_eq!(
                page.total,
                60,
                "{sort:?} {descending}: page {}",
                sizes.len() + 1
            );
            let ids: Vec<Uuid> = match &page.items {
                MemberRows::List(items) => items.iter().map(|i| i.entry.user_id).collect(),
                MemberRows::Directory(entries) => entries.iter().map(|e| e.user_id).collect(),
            };
            sizes.push(ids.len());
            assert!(sizes.len() <= 2, "{sort:?} {descending}: paging never ends");
            seen.extend(ids);
            match page.next {
                Some(next) => after = next,
                None => break,
            }
        }
        assert_eq!(
            (sizes, seen.len()),
            (vec![50, 10], 60),
            "{sort:?} {descending}"
        );
    }

    // Past its last match a page has no row to carry the count.
    let first = members::list(&pool, &a.owner, &query("zed", None, MemberSort::Name, ""))
        .await
        .unwrap();
    let kept: Vec<Uuid> = listed(&first).iter().map(|i| i.entry.user_id).collect();
    let mut gone = QueryBuilder::<Db>::new(
        "DELETE FROM memberships WHERE user_id IN (SELECT id FROM users WHERE email LIKE 'zed%') AND user_id NOT IN (",
    );
    let mut ids = gone.separated(", ");
    for id in &kept {
        ids.push_bind(*id);
    }
    gone.push(")").build().execute(&pool).await.unwrap();
    let after = first.next.unwrap();
    let past = members::list(
        &pool,
        &a.owner,
        &query("zed", None, MemberSort::Name, &after),
    )
    .await
    .unwrap();
    assert_eq!((listed(&past).len(), past.total), (0, 50));
}

#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn activity_is_for_admins_newest_first(pool: Pool) {
    let a = acme(&pool).await;
    for i in 0..60 {
        let email = format!("p{i}@example.com");
        sqlx::query("INSERT INTO audit_events (org_id, actor_id, action, target, at) VALUES ($1, $2, 'invitation.created', $3, $4)")
            .bind(a.owner.org.id)
            .bind(a.owner.user.id)
            .bind(email)
            .bind(Utc::now())
            .execute(&pool)
            .await
            .unwrap();
    }
    assert!(matches!(
        members::activity(&pool, &a.plain, "", None).await,
        Err(AppError::Forbidden(_))
    ));
    let first = members::activity(&pool, &a.admin, "invitation.created", None)
        .await
        .unwrap();
    assert_eq!(first.items.len(), 50);
    assert_eq!(first.items[0].target, "p59@example.com");
    let second = members::activity(&pool, &a.admin, "invitation.created", first.next_before)
        .await
        .unwrap();
    assert_eq!(second.items.len(), 10);
    assert!(second.next_before.is_none());
}

/// The members counter behind seats and totals, and the full-text index behind
/// search, follow joins, removals, rejoins and renames.
#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]
async fn counts_and_search_follow_every_change(pool: Pool) {
    let a = acme(&pool).await;
    seed_members(&pool, a.owner.org.id, 12, "Quill").await;
    let counted = || async {
        let counted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND status = 'active'",
        )
        .bind(a.owner.org.id)
        .fetch_one(&pool)
        .await
        .unwrap();
        let usage = members::seat_usage(&pool, &a.owner).await.unwrap();
        let all = query("", None, MemberSort::Name, "");
        let total = members::list(&pool, &a.owner, &all).await.unwrap().total;
        assert_eq!((usage.active, total), (counted, counted));
        counted
    };
    assert_eq!(counted().await, 15);
    members::remove(&a.state, &a.owner, removal(a.plain.user.id, Role::Member))
        .await
        .unwrap();
    assert_eq!(counted().await, 14);
    // Rejoining reuses the removed membership's row.
    let mut batch = Batch::default();
    invitations::store::admit(
        &mut batch,
        a.owner.org.id,
        a.plain.user.id,
        Role::Member,
        invitations::store::Joining::Again,
        Utc::now(),
    );
    batch
        .run(&mut *pool.acquire().await.unwrap())
        .await
        .unwrap();
    assert_eq!(counted().await, 15);

    let found = |actor: Member, search: &'static str| {
        let pool = pool.clone();
        async move {
            let q = query(search, None, MemberSort::Name, "");
            members::list(&pool, &actor, &q).await.unwrap().total
        }
    };
    // The beginning of any word, in any case, of a name or (for those who
    // see addresses) an address; several words must all be found; quotes
    // and other punctuation are plain separators.
    assert_eq!(found(a.owner.clone(), "QUI").await, 12);
    assert_eq!(found(a.owner.clone(), "quill11@exa").await, 1);
    assert_eq!(found(a.owner.clone(), "\"quill\" 0").await, 12);
    assert_eq!(
        found(a.owner.clone(), "uill").await,
        0,
        "words are found by their start"
    );
    assert_eq!(found(a.owner.clone(), "\"*").await, 0);
    assert_eq!(
        found(a.plain.clone(), "member@exam").await,
        0,
        "addresses hidden"
    );
    assert_eq!(found(a.owner.clone(), "member@exam").await, 1);
    sqlx::query("UPDATE users SET name = 'Renata Ortiz' WHERE id = $1")
        .bind(a.plain.user.id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(found(a.owner.clone(), "renata").await, 1);
    assert_eq!(found(a.plain.clone(), "ort ren").await, 1);
    // A name typed with a combining mark is the same word as the stored one.
    sqlx::query("UPDATE users SET name = 'Jürgen Müller' WHERE id = $1")
        .bind(a.plain.user.id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(found(a.owner.clone(), "Mu\u{308}ller").await, 1);
    assert_eq!(found(a.owner.clone(), "muller jur").await, 1);
    sqlx::query("DELETE FROM memberships WHERE user_id = $1")
        .bind(a.plain.user.id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(counted().await, 14);
    assert_eq!(found(a.owner.clone(), "renata").await, 0);
}
