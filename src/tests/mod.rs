//! Database and HTTP-level tests over a fresh SQLite per test (`#[sqlx::test(migrator = "crate::server::db::MIGRATOR")]`).

mod access;
mod accounts;
mod api_v1;
mod api_v1_bulk;
mod api_v1_routes;
mod bulk;
mod fake_provider;
mod http;
mod inbox;
mod invitations;
mod invitations_http;
mod members;
mod members_http;
mod organizations;
mod outbox;
mod page_forms;
mod provider_sign_in;
mod sso;
mod support;
mod trust;

use crate::server::db::Pool;

/// The newest outbox message to `to`: (subject, text body).
pub async fn last_mail_to(pool: &Pool, to: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT subject, text_body FROM outbox WHERE to_addr = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(to)
    .fetch_one(pool)
    .await
    .expect("a mail was queued")
}

/// The first link in a text that contains `marker`, made relative to the site.
pub fn link_path(text: &str, marker: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("http") && w.contains(marker))
        .expect("mail contains the link");
    let after_scheme = link.split_once("://").unwrap().1;
    format!("/{}", after_scheme.split_once('/').unwrap().1)
}

/// A new account (unverified) with the given email.
pub async fn user(
    state: &crate::server::state::AppState,
    email: &str,
) -> crate::server::actor::User {
    let name = email.split('@').next().unwrap();
    crate::server::accounts::sign_up(
        state,
        crate::server::accounts::SignUp {
            name,
            email,
            password: "long enough",
        },
    )
    .await
    .unwrap()
}

/// The stored account with this address.
pub async fn user_by_email(pool: &Pool, email: &str) -> crate::server::actor::User {
    sqlx::query_as(&format!(
        "SELECT {} FROM users WHERE email = $1",
        crate::server::accounts::USER_COLUMNS
    ))
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Makes `user` an active member of `org` with `role`, bypassing invitations.
pub async fn join(pool: &Pool, org: uuid::Uuid, user: uuid::Uuid, role: crate::domain::Role) {
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(org)
    .bind(user)
    .bind(role.as_str())
    .bind(chrono::Utc::now())
    .execute(pool)
    .await
    .unwrap();
}

/// `user` acting in the organization at `slug`.
pub async fn member(
    pool: &Pool,
    user: &crate::server::actor::User,
    slug: &str,
) -> crate::server::actor::Member {
    let org = crate::server::organizations::view(pool, user.id, slug)
        .await
        .unwrap();
    crate::server::actor::Member {
        user: user.clone(),
        org,
        api_key: None,
    }
}

/// The secret of an issued link.
pub fn secret_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

/// The secret of the newest invitation link mailed to `to` (the mailed link,
/// not the shareable one shown to the inviter).
pub async fn mailed_secret(pool: &Pool, to: &str) -> String {
    let text: String = sqlx::query_scalar("SELECT text_body FROM outbox WHERE to_addr = $1 AND text_body LIKE '%/invite/%' ORDER BY id DESC LIMIT 1")
        .bind(to)
        .fetch_one(pool)
        .await
        .expect("an invitation mail was queued");
    link_path(&text, "/invite/")
        .trim_start_matches("/invite/")
        .to_owned()
}
