//! Who is signed in: the user id, when and how they signed in, in the server-side session.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::Session;
#[cfg(feature = "postgres")]
use tower_sessions_sqlx_store::PostgresStore as Table;
#[cfg(not(feature = "postgres"))]
use tower_sessions_sqlx_store::SqliteStore as Table;
use uuid::Uuid;

use crate::domain::identity::ProviderAccount;
use crate::error::AppError;
use crate::server::accounts;
use crate::server::actor::User;
use crate::server::db::{self, Pool};

const USER_KEY: &str = "user_id";
/// When this session signed in: a password reset ends every session of the
/// user that began before it (the store cannot be searched by user, since
/// tower-sessions keeps each session's data as one encoded blob).
const SIGNED_IN_AT_KEY: &str = "signed_in_at";
/// The provider account this session signed in through, if it did.
const VIA_KEY: &str = "signed_in_via";

pub(crate) fn store_error(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %err, "session store error");
    AppError::Internal
}

/// The session of the current server function call.
pub async fn current() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(error = %err, "session layer missing");
        AppError::Internal
    })
}

/// The signed-in user, or `None`. A session that began before the user's
/// sessions were ended (by a password reset) counts as signed out.
pub async fn signed_in_user(session: &Session, pool: &Pool) -> Result<Option<User>, AppError> {
    let Some(id) = session.get::<Uuid>(USER_KEY).await.map_err(store_error)? else {
        return Ok(None);
    };
    let since: Option<DateTime<Utc>> = session.get(SIGNED_IN_AT_KEY).await.map_err(store_error)?;
    // Only read: the server-rendered page runs several resources on this one
    // session at once, and one flushing it while the session layer saves it
    // answered 500 ("missing session id"). An ended session stays refused
    // (it began before `sessions_valid_after`) until it expires and is purged.
    accounts::find_for_session(pool, id, since).await
}

/// Marks `user` signed in under a fresh session id (no session fixation),
/// through a provider account (`via`) or a password (`None`).
pub async fn sign_in(
    session: &Session,
    user: Uuid,
    via: Option<&ProviderAccount>,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(store_error)?;
    session.insert(USER_KEY, user).await.map_err(store_error)?;
    match via {
        Some(account) => session
            .insert(VIA_KEY, account)
            .await
            .map_err(store_error)?,
        None => {
            session.remove_value(VIA_KEY).await.map_err(store_error)?;
        }
    }
    session
        .insert(SIGNED_IN_AT_KEY, Utc::now())
        .await
        .map_err(store_error)
}

/// The provider account this session signed in through; `None` after a password.
pub async fn signed_in_via(session: &Session) -> Result<Option<ProviderAccount>, AppError> {
    session.get(VIA_KEY).await.map_err(store_error)
}

/// Ends the session and deletes it from the store.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(store_error)
}

/// Deletes the sessions whose expiry has passed.
pub async fn delete_expired(pool: &Pool) -> Result<(), session_store::Error> {
    Store::new(pool.clone()).delete_expired().await
}

/// The session table, its writes taken in a writer's turn (see
/// [`db::begin_write`]) rather than left to contend for SQLite's write lock,
/// and made through the connection kept for them (see [`db::writer`]), as
/// the session store takes a pool. Reads go through the pool.
#[derive(Debug, Clone)]
pub struct Store {
    reads: Table,
    writes: Table,
    pool: Pool,
}

impl Store {
    pub fn new(pool: Pool) -> Self {
        Self {
            reads: Table::new(pool.clone()),
            writes: Table::new(db::writer(&pool)),
            pool,
        }
    }

    /// Creates the session table if it is missing.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        self.writes.migrate().await
    }

    async fn turn(&self) -> session_store::Result<db::Turn> {
        db::take_turn(&self.pool)
            .await
            .map_err(|err| session_store::Error::Backend(err.to_string()))
    }

    async fn delete_expired(&self) -> session_store::Result<()> {
        let _turn = self.turn().await?;
        self.writes.delete_expired().await
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let _turn = self.turn().await?;
        self.writes.create(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let _turn = self.turn().await?;
        self.writes.save(record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.reads.load(id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let _turn = self.turn().await?;
        self.writes.delete(id).await
    }
}
