//! What an owner sets for single sign-on: the connection, claimed domains
//! and group-to-team mappings. Every change is in Activity.

use chrono::Utc;
use uuid::Uuid;

use super::connections::{self, own_provider_id};
use crate::domain::identity::{ProviderKind, TenantId};
use crate::domain::sso::EmailDomain;
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::model::sso::{
    GroupMapping, OwnProvider, SsoConnection, SsoConnectionRequest, SsoSettings, OWN_PROVIDER,
};
use crate::server::actor::{parse_role, refresh, Member};
use crate::server::db::Pool;
use crate::server::identity::providers::{ProviderConfig, ProviderOwner};
use crate::server::state::AppState;
use crate::server::{audit, db, teams};
use openidconnect::IssuerUrl;

fn require_owner(actor: &Member) -> Result<(), AppError> {
    if actor.org.role == Role::Owner {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only owners manage single sign-on.".into(),
        ))
    }
}

/// A write transaction for an owner: the role is read again inside it, so an
/// owner demoted since the request began is refused.
async fn as_owner(pool: &Pool, actor: &Member) -> Result<(db::WriteTx, Member), AppError> {
    require_owner(actor)?;
    let mut tx = db::begin_write(pool).await?;
    let actor = refresh(&mut tx, actor).await?;
    require_owner(&actor)?;
    Ok((tx, actor))
}

/// The stored connection, as Settings shows it.
#[derive(sqlx::FromRow)]
struct ConnectionRow {
    provider: String,
    issuer: Option<String>,
    client_id: Option<String>,
    tenant: Option<String>,
    default_role: String,
    require_sso: bool,
}

/// The Single sign-on section (owners only).
pub async fn load(state: &AppState, actor: &Member) -> Result<SsoSettings, AppError> {
    require_owner(actor)?;
    let (pool, providers) = (&state.pool, &state.providers);
    let org = actor.org.id;
    let row: Option<ConnectionRow> = sqlx::query_as(
        "SELECT provider, issuer, client_id, tenant, default_role, require_sso FROM sso_connections WHERE org_id = $1",
    )
    .bind(org)
    .fetch_optional(pool)
    .await?;
    let connection = match row {
        None => None,
        Some(ConnectionRow {
            provider,
            issuer,
            client_id,
            tenant,
            default_role: role,
            require_sso,
        }) => Some(SsoConnection {
            // A provider the operator has since removed still shows by name.
            provider: connections::provider(pool, providers, &provider)
                .await?
                .as_ref()
                .map(ProviderConfig::button)
                .unwrap_or(crate::model::auth::ProviderButton {
                    id: provider.clone(),
                    label: provider,
                    kind: ProviderKind::Generic,
                }),
            own: issuer
                .zip(client_id)
                .map(|(issuer, client_id)| OwnProvider { issuer, client_id }),
            tenant,
            default_role: parse_role(&role)?,
            require_sso,
        }),
    };
    let domains =
        sqlx::query_scalar("SELECT domain FROM sso_domains WHERE org_id = $1 ORDER BY domain")
            .bind(org)
            .fetch_all(pool)
            .await?;
    let mappings: Vec<(String, Uuid, String)> = sqlx::query_as(
        "SELECT g.group_name, t.id, t.name FROM sso_group_teams g JOIN teams t ON t.id = g.team_id
         WHERE g.org_id = $1 ORDER BY g.group_name, t.name",
    )
    .bind(org)
    .fetch_all(pool)
    .await?;
    Ok(SsoSettings {
        connection,
        domains,
        mappings: mappings
            .into_iter()
            .map(|(group, team_id, team_name)| GroupMapping {
                group,
                team_id,
                team_name,
            })
            .collect(),
        providers: providers.all().iter().map(ProviderConfig::button).collect(),
        own_redirect_uri: state
            .config
            .link(&format!("/auth/{}/callback", own_provider_id(org))),
    })
}

/// Connects the organization to a configured provider (or changes how).
pub async fn connect(
    state: &AppState,
    actor: &Member,
    request: SsoConnectionRequest,
) -> Result<(), AppError> {
    require_owner(actor)?;
    let pool = &state.pool;
    let own = if request.provider == OWN_PROVIDER {
        Some(own_provider(state, actor, &request).await?)
    } else {
        None
    };
    let provider = match &own {
        Some(own) => own,
        None => state.providers.get(&request.provider).ok_or_else(|| {
            AppError::invalid(
                "provider",
                "Choose one of the identity providers this server offers.",
            )
        })?,
    };
    let tenant = match (provider.kind, request.tenant_id.trim()) {
        (ProviderKind::Entra, "") => None,
        (ProviderKind::Entra, typed) => {
            Some(TenantId::parse(typed).map_err(|e| AppError::invalid("tenant_id", e))?)
        }
        (_, "") => None,
        (_, _) => {
            return Err(AppError::invalid(
                "tenant_id",
                "Only a Microsoft Entra ID connection has a Tenant ID.",
            ))
        }
    };
    if request.default_role == Role::Owner {
        return Err(AppError::invalid(
            "default_role",
            "People added by signing in join as Member or Admin, never Owner.",
        ));
    }
    let (mut tx, actor) = as_owner(pool, actor).await?;
    let actor = &actor;
    sqlx::query(
        "INSERT INTO sso_connections (org_id, provider, issuer, client_id, client_secret, tenant, default_role, require_sso, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (org_id) DO UPDATE SET provider = excluded.provider, issuer = excluded.issuer,
            client_id = excluded.client_id, client_secret = excluded.client_secret, tenant = excluded.tenant,
            default_role = excluded.default_role, require_sso = excluded.require_sso",
    )
    .bind(actor.org.id)
    .bind(&provider.id)
    .bind(own.as_ref().map(|p| &p.issuer))
    .bind(own.as_ref().map(|p| &p.client_id))
    .bind(own.as_ref().map(|p| &p.client_secret))
    .bind(tenant.as_ref().map(TenantId::as_str))
    .bind(request.default_role.as_str())
    .bind(request.require_sso)
    .bind(Utc::now())
    .execute(&mut *tx)
    .await?;
    let details = format!(
        "{}{}, new people join as {}{}",
        provider.label,
        tenant.map(|t| format!(" (tenant {t})")).unwrap_or_default(),
        request.default_role.label(),
        if request.require_sso {
            ", SSO required"
        } else {
            ""
        }
    );
    audit::by(&mut tx, actor, "sso.connected", &provider.label, &details).await?;
    tx.commit().await?;
    Ok(())
}

/// The organization's own OpenID Connect provider from the form: a URL the
/// server may fetch (https, or http where tests allow it), a client id, and
/// a secret (typed, or the one stored before). Its discovery document must
/// answer before anything is saved.
async fn own_provider(
    state: &AppState,
    actor: &Member,
    request: &SsoConnectionRequest,
) -> Result<ProviderConfig, AppError> {
    let issuer = request.issuer.trim().trim_end_matches('/').to_owned();
    let scheme_ok = issuer.starts_with("https://")
        || (state.config.allow_http_issuers && issuer.starts_with("http://"));
    let issuer_problem = if IssuerUrl::new(issuer.clone()).is_err() || !scheme_ok {
        Some("Enter the issuer URL, starting with https:// (the one in its /.well-known/openid-configuration).")
    } else {
        None
    };
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT client_secret FROM sso_connections WHERE org_id = $1 AND client_secret IS NOT NULL",
    )
    .bind(actor.org.id)
    .fetch_optional(&state.pool)
    .await?;
    let secret = match request.client_secret.trim() {
        "" => stored,
        typed => Some(typed.to_owned()),
    };
    AppError::check_fields([
        issuer_problem.map(|m| ("issuer", m)),
        request.client_id.trim().is_empty().then_some((
            "client_id",
            "Enter the client id the provider gave this application.",
        )),
        secret.is_none().then_some((
            "client_secret",
            "Enter the client secret the provider gave this application.",
        )),
    ])?;
    let provider = ProviderConfig {
        id: own_provider_id(actor.org.id),
        label: format!("{} SSO", actor.org.name),
        kind: ProviderKind::Generic,
        issuer: issuer.clone(),
        client_id: request.client_id.trim().to_owned(),
        client_secret: secret.unwrap_or_default(),
        // Only its discovery is read here.
        owner: ProviderOwner::Organization {
            domains: Vec::new(),
        },
    };
    state.providers.metadata(&provider, true).await.map_err(|_| {
        AppError::invalid("issuer", format!("{issuer}/.well-known/openid-configuration did not answer with an OpenID Connect discovery document naming this issuer. Check the URL."))
    })?;
    Ok(provider)
}

/// Disconnects single sign-on; claimed domains and mappings stay for a reconnect.
pub async fn disconnect(pool: &Pool, actor: &Member) -> Result<(), AppError> {
    let (mut tx, actor) = as_owner(pool, actor).await?;
    let actor = &actor;
    let gone = sqlx::query("DELETE FROM sso_connections WHERE org_id = $1")
        .bind(actor.org.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(AppError::Conflict(
            "Single sign-on is not connected.".into(),
        ));
    }
    audit::by(&mut tx, actor, "sso.disconnected", "", "").await?;
    tx.commit().await?;
    Ok(())
}

/// Claims an email domain: only an owner whose own address in it is verified
/// may, and a domain belongs to one organization.
pub async fn claim_domain(pool: &Pool, actor: &Member, typed: &str) -> Result<String, AppError> {
    require_owner(actor)?;
    let domain = EmailDomain::parse(typed).map_err(|e| AppError::invalid("domain", e))?;
    if domain.is_public_mail() {
        return Err(AppError::invalid("domain", format!("{domain} is a public mail service: its addresses belong to people, not to one organization.")));
    }
    let mine = Email::parse(&actor.user.email).map_err(|_| AppError::Internal)?;
    if EmailDomain::of(&mine) != domain || actor.user.email_verified_at.is_none() {
        return Err(AppError::invalid(
            "domain",
            format!("You can claim {domain} only with a verified address of your own in it; yours is {mine}{}.",
                if actor.user.email_verified_at.is_none() { " (not verified yet)" } else { "" }),
        ));
    }
    let (mut tx, actor) = as_owner(pool, actor).await?;
    let actor = &actor;
    let holder: Option<Uuid> =
        sqlx::query_scalar("SELECT org_id FROM sso_domains WHERE domain = $1")
            .bind(domain.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    match holder {
        Some(org) if org == actor.org.id => {
            return Err(AppError::invalid("domain", format!("{domain} is already claimed by this organization.")))
        }
        Some(_) => {
            return Err(AppError::invalid("domain", format!("{domain} is claimed by another organization. A domain belongs to one organization.")))
        }
        None => {}
    }
    sqlx::query(
        "INSERT INTO sso_domains (domain, org_id, claimed_by, claimed_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(domain.as_str())
    .bind(actor.org.id)
    .bind(actor.user.id)
    .bind(Utc::now())
    .execute(&mut *tx)
    .await?;
    audit::by(&mut tx, actor, "sso.domain_claimed", domain.as_str(), "").await?;
    tx.commit().await?;
    Ok(domain.to_string())
}

/// Gives up a claimed domain.
pub async fn release_domain(pool: &Pool, actor: &Member, domain: &str) -> Result<(), AppError> {
    let (mut tx, actor) = as_owner(pool, actor).await?;
    let actor = &actor;
    let gone = sqlx::query("DELETE FROM sso_domains WHERE domain = $1 AND org_id = $2")
        .bind(domain)
        .bind(actor.org.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(AppError::NotFound("That domain".into()));
    }
    audit::by(&mut tx, actor, "sso.domain_released", domain, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Maps a provider group to a team of the organization.
pub async fn map_group(
    pool: &Pool,
    actor: &Member,
    group: &str,
    team: Uuid,
) -> Result<(), AppError> {
    require_owner(actor)?;
    let group = group.trim();
    if group.is_empty() || group.chars().count() > 256 {
        return Err(AppError::invalid(
            "group",
            "Enter the group's name or id as the provider sends it (1 to 256 characters).",
        ));
    }
    let mapping = Mapping { group, team };
    mapping
        .change(
            pool,
            actor,
            "INSERT INTO sso_group_teams (org_id, group_name, team_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            "sso.group_mapped",
            |team_name| AppError::invalid("group", format!("{group} already maps to {team_name}.")),
        )
        .await
}

/// Removes a group-to-team mapping; the team's members stay until their next sign-in.
pub async fn unmap_group(
    pool: &Pool,
    actor: &Member,
    group: &str,
    team: Uuid,
) -> Result<(), AppError> {
    Mapping { group, team }
        .change(
            pool,
            actor,
            "DELETE FROM sso_group_teams WHERE org_id = $1 AND group_name = $2 AND team_id = $3",
            "sso.group_unmapped",
            |_| AppError::NotFound("That mapping".into()),
        )
        .await
}

/// One group-to-team mapping of the actor's organization.
struct Mapping<'a> {
    group: &'a str,
    team: Uuid,
}

impl Mapping<'_> {
    /// Runs `sql` (binding organization, group and team) with its Activity
    /// entry; `unchanged` is the error when it changed no row.
    async fn change(
        &self,
        pool: &Pool,
        actor: &Member,
        sql: &str,
        action: &str,
        unchanged: impl FnOnce(&str) -> AppError,
    ) -> Result<(), AppError> {
        let (mut tx, actor) = as_owner(pool, actor).await?;
        let team_name = teams::team_name(&mut tx, actor.org.id, self.team).await?;
        let changed = sqlx::query(sql)
            .bind(actor.org.id)
            .bind(self.group)
            .bind(self.team)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(unchanged(&team_name));
        }
        let details = format!("group {}", self.group);
        audit::by(&mut tx, &actor, action, &team_name, &details).await?;
        tx.commit().await?;
        Ok(())
    }
}
