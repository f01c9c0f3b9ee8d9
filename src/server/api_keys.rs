//! Organization API keys: issued in Settings, presented as `Bearer` secrets
//! to `/api/v1`. A key acts as its creator narrowed to its scopes; the
//! creator's membership and access are read again on every request.

use chrono::{DateTime, Duration, Utc};
use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;
use rand::Rng;
use uuid::Uuid;

use super::actor::{self, KeyInUse, Member, User};
use super::state::AppState;
use super::token::hash_secret;
use super::{audit, db, rate_limit};
use crate::domain::api_key::{self, ApiScope};
use crate::domain::policy;
use crate::domain::text::Name;
use crate::error::AppError;
use crate::model::api_keys::{ApiKeyItem, ApiKeyRequest, IssuedApiKey};
use crate::model::orgs::OrgView;
use crate::server::db::Pool;

/// Longest expiry a key may be given, in days.
pub const MAX_EXPIRY_DAYS: u32 = 366;

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: Uuid,
    name: String,
    scopes: String,
    last_four: String,
    created_by: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for ApiKeyItem {
    fn from(row: KeyRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            scopes: parse_scopes(&row.scopes),
            last_four: row.last_four,
            created_by: row.created_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// Scopes as stored: space-separated names (unknown ones are dropped).
fn parse_scopes(text: &str) -> Vec<ApiScope> {
    text.split_whitespace()
        .filter_map(ApiScope::parse)
        .collect()
}

const KEY_COLUMNS: &str =
    "SELECT k.id, k.name, k.scopes, k.last_four, u.name AS created_by, k.created_at,
        k.expires_at, k.last_used_at, k.revoked_at
     FROM api_keys k JOIN users u ON u.id = k.created_by";

/// Creates a key (owners and admins); its secret is in the answer only.
pub async fn create(
    pool: &Pool,
    actor: &Member,
    request: ApiKeyRequest,
) -> Result<IssuedApiKey, AppError> {
    let name = Name::parse(&request.name).map_err(|e| AppError::invalid("name", e))?;
    let mut scopes = request.scopes;
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(AppError::invalid("scopes", "Choose at least one scope."));
    }
    let now = Utc::now();
    let expires_at = match request.expires_in_days {
        None => None,
        Some(days @ 1..=MAX_EXPIRY_DAYS) => Some(now + Duration::days(i64::from(days))),
        Some(_) => {
            return Err(AppError::invalid(
                "expires_in_days",
                format!("Choose an expiry between 1 and {MAX_EXPIRY_DAYS} days, or none."),
            ))
        }
    };
    let random: String = OsRng
        .sample_iter(&Alphanumeric)
        .take(api_key::RANDOM_LEN)
        .map(char::from)
        .collect();
    let secret = api_key::format_secret(&random);
    let last_four = secret[secret.len() - 4..].to_owned();
    let id = Uuid::new_v4();
    let scope_text = scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");

    let mut tx = db::begin_write(pool).await?;
    let actor = actor::refresh(&mut tx, actor).await?;
    policy::may_administer(actor.org.role)?;
    sqlx::query(
        "INSERT INTO api_keys (id, org_id, name, scopes, secret_hash, last_four, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(actor.org.id)
    .bind(name.as_str())
    .bind(&scope_text)
    .bind(hash_secret(&secret))
    .bind(&last_four)
    .bind(actor.user.id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    audit::by(
        &mut tx,
        &actor,
        "api_key.created",
        name.as_str(),
        &scope_text,
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedApiKey {
        key: ApiKeyItem {
            id,
            name: name.as_str().to_owned(),
            scopes,
            last_four,
            created_by: actor.user.name.clone(),
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked_at: None,
        },
        secret,
    })
}

/// Every key of the organization, newest first (owners and admins).
pub async fn list(pool: &Pool, actor: &Member) -> Result<Vec<ApiKeyItem>, AppError> {
    policy::may_administer(actor.org.role)?;
    let rows: Vec<KeyRow> = sqlx::query_as(&format!(
        "{KEY_COLUMNS} WHERE k.org_id = $1 ORDER BY k.created_at DESC, k.id"
    ))
    .bind(actor.org.id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ApiKeyItem::from).collect())
}

/// Revokes a key at once (owners and admins); revoking twice is a no-op.
pub async fn revoke(pool: &Pool, actor: &Member, id: Uuid) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    let actor = actor::refresh(&mut tx, actor).await?;
    policy::may_administer(actor.org.role)?;
    let name: Option<(String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT name, revoked_at FROM api_keys WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(actor.org.id)
            .fetch_optional(&mut *tx)
            .await?;
    let (name, revoked_at) = name.ok_or_else(|| AppError::NotFound("API key".into()))?;
    if revoked_at.is_none() {
        sqlx::query("UPDATE api_keys SET revoked_at = $1, revoked_by = $2 WHERE id = $3")
            .bind(Utc::now())
            .bind(actor.user.id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::by(&mut tx, &actor, "api_key.revoked", &name, "").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The member a presented key acts as in the organization at `slug`, and the
/// key's scopes.
pub struct KeyHolder {
    /// The key's creator as of now, carrying the key for Activity.
    pub member: Member,
    scopes: Vec<ApiScope>,
}

impl KeyHolder {
    /// The member, if the key's scopes cover `scope` (403 otherwise); what
    /// the member may do is then checked by the service as for the console.
    pub fn with_scope(&self, scope: ApiScope) -> Result<&Member, AppError> {
        if self.scopes.contains(&scope) {
            Ok(&self.member)
        } else {
            Err(AppError::Forbidden(format!(
                "This API key does not have the {} scope.",
                scope.as_str()
            )))
        }
    }
}

/// The stored key behind a presented secret, with its organization and, if
/// they are still an active member of it, its creator: read in one query on
/// every API request.
#[derive(sqlx::FromRow)]
struct PresentedKey {
    id: Uuid,
    name: String,
    scopes: String,
    created_by: Uuid,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    org_id: Uuid,
    org_name: String,
    slug: String,
    seat_limit: i64,
    invitation_ttl_days: i64,
    /// `None` once the creator is no longer an active member.
    creator_role: Option<String>,
    creator_email: Option<String>,
    creator_name: Option<String>,
    creator_verified_at: Option<DateTime<Utc>>,
    creator_active_at: Option<DateTime<Utc>>,
}

/// Checks a presented secret for the organization at `slug`: 401 when it is
/// malformed, unknown, revoked or expired or its creator is no longer an
/// active member; 404 when it belongs to another organization; 429 past the
/// key's rate limit. Records the key's last use.
pub async fn authenticate(
    state: &AppState,
    secret: &str,
    slug: &str,
) -> Result<KeyHolder, AppError> {
    let secret = secret.trim();
    if !api_key::is_well_formed(secret) {
        return Err(AppError::BadApiKey(
            "The API key is not a Gatehouse key (it starts with ghk_; check that it was copied whole).".into(),
        ));
    }
    let row: Option<PresentedKey> = sqlx::query_as(
        "SELECT k.id, k.name, k.scopes, k.created_by, k.expires_at, k.revoked_at, k.last_used_at,
                o.id AS org_id, o.name AS org_name, o.slug, o.seat_limit, o.invitation_ttl_days,
                m.role AS creator_role, u.email AS creator_email, u.name AS creator_name,
                u.email_verified_at AS creator_verified_at, u.last_active_at AS creator_active_at
         FROM api_keys k JOIN organizations o ON o.id = k.org_id
         LEFT JOIN memberships m ON m.org_id = k.org_id AND m.user_id = k.created_by AND m.status = 'active'
         LEFT JOIN users u ON u.id = m.user_id
         WHERE k.secret_hash = $1",
    )
    .bind(hash_secret(secret))
    .fetch_optional(&state.pool)
    .await?;
    let key = row.ok_or_else(|| AppError::BadApiKey("The API key is not known.".into()))?;
    let PresentedKey {
        id,
        ref name,
        expires_at,
        revoked_at,
        last_used_at,
        ..
    } = key;
    let now = Utc::now();
    if revoked_at.is_some() {
        return Err(AppError::BadApiKey(format!(
            "The API key {name} was revoked."
        )));
    }
    if let Some(at) = expires_at.filter(|at| *at <= now) {
        return Err(AppError::BadApiKey(format!(
            "The API key {name} expired on {}.",
            crate::domain::dates::moment(at)
        )));
    }
    if key.slug != slug {
        return Err(AppError::NotFound("Organization".into()));
    }
    rate_limit::hit(
        &state.pool,
        &format!("api-key:{id}"),
        state.config.api_key_limit,
        state.config.rate_window,
    )
    .await?;
    let (Some(role), Some(email), Some(user_name)) =
        (&key.creator_role, key.creator_email, key.creator_name)
    else {
        return Err(AppError::BadApiKey(format!(
            "The member who created the API key {name} is no longer in the organization."
        )));
    };
    let user = User {
        id: key.created_by,
        email,
        name: user_name,
        email_verified_at: key.creator_verified_at,
        last_active_at: key.creator_active_at,
        // A key's calls never open the console.
        active_org_id: None,
    };
    let org = OrgView {
        id: key.org_id,
        name: key.org_name,
        slug: key.slug,
        role: actor::parse_role(role)?,
        seat_limit: key.seat_limit,
        invitation_ttl_days: key.invitation_ttl_days,
    };
    // At most once a minute, decided from the row already read, so a busy
    // script's calls write no more than their rate-limit hit.
    if last_used_at.is_none_or(|at| now - at >= chrono::Duration::minutes(1)) {
        db::write(
            &state.pool,
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id),
        )
        .await?;
    }
    Ok(KeyHolder {
        member: Member {
            user,
            org,
            api_key: Some(KeyInUse { id, name: key.name }),
        },
        scopes: parse_scopes(&key.scopes),
    })
}
