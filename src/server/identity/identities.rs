//! Provider identities linked to accounts: found by (issuer, subject),
//! created under the linking rule, listed and removed by their owner.

use chrono::Utc;
use uuid::Uuid;

use super::oidc::ProviderLogin;
use crate::domain::identity::{link, Linking};
use crate::domain::text::Name;
use crate::error::AppError;
use crate::model::auth::{LinkedIdentity, SignInMethods};
use crate::server::accounts;
use crate::server::actor::User;
use crate::server::db::{Conn, Pool};
use crate::server::identity::providers::ProviderOwner;
use crate::server::{audit, db};

/// How a provider login maps to an account.
pub enum Resolved {
    /// The identity was linked before (or just now) to this account.
    Account(User),
    /// The identity is linked to another account than the signed-in one.
    LinkedElsewhere,
    /// Nobody is signed in and the provider vouches for no address.
    Unvouched,
    /// An organization's own provider names an address that already has an
    /// account: its owner must sign in to it and link the provider.
    SignInFirst,
}

/// The account a login belongs to, linking or creating it under the
/// linking rule ([`crate::domain::identity::link`]), in one transaction.
pub async fn resolve(
    pool: &Pool,
    login: &ProviderLogin,
    signed_in: Option<&User>,
) -> Result<Resolved, AppError> {
    let mut tx = db::begin_write(pool).await?;
    let now = Utc::now();
    let known: Option<(Uuid, String)> = sqlx::query_as(
        "SELECT user_id, provider FROM identities WHERE issuer = $1 AND subject = $2",
    )
    .bind(&login.issuer)
    .bind(&login.subject)
    .fetch_optional(&mut *tx)
    .await?;
    let user_id = match known {
        // The same issuer and subject through another provider is not the
        // same identity: one provider must not speak for another's accounts.
        Some((owner, provider))
            if provider != login.provider.id || signed_in.is_some_and(|me| me.id != owner) =>
        {
            return Ok(Resolved::LinkedElsewhere)
        }
        Some((owner, _)) => {
            sqlx::query("UPDATE identities SET last_used_at = $1, email = $2 WHERE issuer = $3 AND subject = $4")
                .bind(now)
                .bind(&login.claims.email)
                .bind(&login.issuer)
                .bind(&login.subject)
                .execute(&mut *tx)
                .await?;
            owner
        }
        None => {
            let vouched = login.vouched();
            let owner = match &vouched {
                Some(address) => owner_of(&mut tx, address.as_str()).await?,
                None => None,
            };
            let organizations = matches!(login.provider.owner, ProviderOwner::Organization { .. });
            if organizations && owner.is_some() && signed_in.is_none() {
                return Ok(Resolved::SignInFirst);
            }
            let user_id = match link(signed_in.map(|u| u.id), vouched, owner) {
                Linking::LinkTo(id) => {
                    secure_unverified(&mut tx, id, login).await?;
                    id
                }
                Linking::NewVerifiedUser(address) => {
                    create_user(&mut tx, address.as_str(), login).await?
                }
                Linking::Refuse => return Ok(Resolved::Unvouched),
            };
            insert_identity(&mut tx, user_id, login).await?;
            user_id
        }
    };
    tx.commit().await?;
    let user = accounts::find(pool, user_id)
        .await?
        .ok_or(AppError::Internal)?;
    Ok(Resolved::Account(user))
}

async fn owner_of(conn: &mut Conn, email: &str) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?)
}

/// A vouched address joining an account nobody had verified: whoever set
/// that account's password never proved the mailbox (someone may have
/// registered the address first to wait for its owner), so the password
/// and every session of the account end, and the address is verified.
async fn secure_unverified(
    conn: &mut Conn,
    user: Uuid,
    login: &ProviderLogin,
) -> Result<(), AppError> {
    let Some(address) = login.vouched() else {
        return Ok(());
    };
    let changed = sqlx::query(
        "UPDATE users SET sessions_valid_after = $1, email_verified_at = $2
         WHERE id = $3 AND email = $4 AND email_verified_at IS NULL",
    )
    .bind(Utc::now())
    .bind(Utc::now())
    .bind(user)
    .bind(address.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed > 0 {
        // Whatever they linked goes too: it was linked by the same person.
        for sql in [
            "DELETE FROM passwords WHERE user_id = $1",
            "DELETE FROM identities WHERE user_id = $1",
        ] {
            sqlx::query(sql).bind(user).execute(&mut *conn).await?;
        }
        audit::record(
            conn,
            None,
            Some(user),
            "user.email_verified",
            address.as_str(),
            &format!("by {}; unproven password removed", login.provider.label),
        )
        .await?;
    }
    Ok(())
}

async fn create_user(
    conn: &mut Conn,
    email: &str,
    login: &ProviderLogin,
) -> Result<Uuid, AppError> {
    let local = email.split('@').next().unwrap_or(email);
    let name = login
        .name
        .as_deref()
        .map(|n| n.chars().take(100).collect::<String>())
        .and_then(|n| Name::parse(&n).ok())
        .map(|n| n.as_str().to_owned())
        .unwrap_or_else(|| local.to_owned());
    let id = Uuid::new_v4();
    let now = Utc::now();
    sqlx::query(
        "INSERT INTO users (id, email, name, email_verified_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(email)
    .bind(&name)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        None,
        Some(id),
        "user.signed_up",
        email,
        &format!("through {}", login.provider.label),
    )
    .await?;
    Ok(id)
}

async fn insert_identity(
    conn: &mut Conn,
    user: Uuid,
    login: &ProviderLogin,
) -> Result<(), AppError> {
    let now = Utc::now();
    sqlx::query(
        "INSERT INTO identities (id, user_id, provider, issuer, subject, tid, oid, email, created_at, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(Uuid::new_v4())
    .bind(user)
    .bind(&login.provider.id)
    .bind(&login.issuer)
    .bind(&login.subject)
    .bind(&login.claims.tid)
    .bind(&login.oid)
    .bind(&login.claims.email)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let label = login.claims.email.as_deref().unwrap_or(&login.subject);
    audit::record(
        conn,
        None,
        Some(user),
        "identity.linked",
        label,
        &login.provider.label,
    )
    .await?;
    Ok(())
}

/// The ways `user` can sign in: a password or not, and each linked identity.
pub async fn methods(
    pool: &Pool,
    user: &User,
    label_of: impl Fn(&str) -> String,
) -> Result<SignInMethods, AppError> {
    let has_password: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM passwords WHERE user_id = $1)")
            .bind(user.id)
            .fetch_one(pool)
            .await?;
    let rows: Vec<(Uuid, String, Option<String>, chrono::DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, provider, email, created_at FROM identities WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user.id)
    .fetch_all(pool)
    .await?;
    Ok(SignInMethods {
        has_password,
        identities: rows
            .into_iter()
            .map(|(id, provider, email, linked_at)| LinkedIdentity {
                id,
                provider: label_of(&provider),
                email,
                linked_at,
            })
            .collect(),
    })
}

/// Unlinks one of `user`'s identities, unless it is their last way to sign in.
pub async fn remove(pool: &Pool, user: &User, identity: Uuid) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    let (has_password, count): (bool, i64) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM passwords WHERE user_id = $1),
                (SELECT COUNT(*) FROM identities WHERE user_id = $1)",
    )
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    let label: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT provider, email FROM identities WHERE id = $1 AND user_id = $2")
            .bind(identity)
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
    let (provider, email) =
        label.ok_or_else(|| AppError::NotFound("That sign-in method".into()))?;
    if !has_password && count <= 1 {
        return Err(AppError::Conflict(
            "This is your only way to sign in. Set a password (Forgot password on the sign-in page) or link another provider first.".into(),
        ));
    }
    sqlx::query("DELETE FROM identities WHERE id = $1")
        .bind(identity)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        None,
        Some(user.id),
        "identity.unlinked",
        email.as_deref().unwrap_or(""),
        &provider,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
