//! Members of an organization: the table (keyset pages) and seat usage.
//! Changes to membership are in [`changes`], the audit trail in [`activity`].

pub mod activity;
pub mod changes;

pub use activity::activity;
pub use changes::{
    change_role, leave, my_permissions, permission_switches, remove, set_permissions,
    transfer_ownership, Removal,
};

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::access::Sight;
use super::actor::User;
use super::actor::{parse_role, Member};
use super::invitations::store::seats_used;
use crate::domain::Role;
use crate::error::AppError;
use crate::model::members::{
    DirectoryEntry, MemberFilter, MemberItem, MemberPage, MemberRows, MemberSort, SeatUsage,
};
use crate::server::db::{self, Conn, Db, Pool};

/// Rows per page of the members table.
pub const PAGE_SIZE: i64 = crate::model::members::MEMBERS_PER_PAGE as i64;

/// The order a cursor belongs to.
fn order_tag(sort: MemberSort, descending: bool) -> &'static str {
    match (sort, descending) {
        (MemberSort::Name, false) => "name",
        (MemberSort::Name, true) => "name-desc",
        (MemberSort::Joined, false) => "joined",
        (MemberSort::Joined, true) => "joined-desc",
    }
}

/// A checked request for one page of members.
#[derive(Debug, Clone)]
pub struct MemberQuery {
    pub search: Option<String>,
    pub role: Option<Role>,
    pub sort: MemberSort,
    /// Sort key and id of the last row of the previous page.
    pub after: Option<(String, Uuid)>,
    pub descending: bool,
}

impl MemberQuery {
    /// Checks the list's controls as sent by the console or the API.
    pub fn parse(filter: &MemberFilter) -> Result<Self, AppError> {
        let search = filter.search.trim();
        if search.chars().count() > 254 {
            return Err(AppError::invalid(
                "search",
                "Search for at most 254 characters.",
            ));
        }
        // A cursor names the order it was made for; in another order it
        // would continue from an arbitrary place.
        let order = order_tag(filter.sort, filter.descending);
        let after = match filter.after.trim() {
            "" => None,
            text => match text.split_once(':') {
                Some((tag, cursor)) if tag == order => super::db::parse_cursor(cursor)?,
                _ => {
                    return Err(AppError::invalid(
                        "after",
                        "This page link belongs to another order or is out of date. Start from the first page.",
                    ))
                }
            },
        };
        Ok(Self {
            search: (!search.is_empty()).then(|| search.to_owned()),
            role: filter.role,
            sort: filter.sort,
            after,
            descending: filter.descending,
        })
    }

    /// The cursor that continues after `row` in this query's order.
    fn cursor_after(&self, key: &str, id: Uuid) -> String {
        format!(
            "{}:{}",
            order_tag(self.sort, self.descending),
            super::db::encode_cursor(key, id)
        )
    }

    /// Refuses, in the name directory, what would reveal what it hides: a
    /// role filter lists who holds a role, join-date order tells who came when.
    fn within(&self, sight: Sight) -> Result<(), AppError> {
        let hidden = self.role.is_some() || self.sort == MemberSort::Joined;
        if sight == Sight::Directory && hidden {
            return Err(AppError::Forbidden(
                "Filtering by role and sorting by joined date need the “Members: view” permission."
                    .into(),
            ));
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    user_id: Uuid,
    name: String,
    email: String,
    role: String,
    joined_at: DateTime<Utc>,
    last_active_at: Option<DateTime<Utc>>,
    sort_key: String,
    teams: Option<String>,
    /// A search's matches, counted with its page.
    total: Option<i64>,
}

impl Row {
    /// The row as the name directory shows it.
    fn entry(self) -> DirectoryEntry {
        DirectoryEntry {
            user_id: self.user_id,
            name: self.name,
            teams: self
                .teams
                .map(|t| t.split('\u{1f}').map(str::to_owned).collect())
                .unwrap_or_default(),
        }
    }

    /// The row as the members list shows it.
    fn item(self) -> Result<MemberItem, AppError> {
        Ok(MemberItem {
            email: self.email.clone(),
            role: parse_role(&self.role)?,
            joined_at: self.joined_at,
            last_active_at: self.last_active_at,
            entry: self.entry(),
        })
    }
}

/// Pushes the FROM and WHERE clauses shared by the page and its count, over
/// the memberships (`m`) alone: a page joins its users only for its own
/// rows, not for every match it sorts. In the name directory search
/// matches names only, so nobody probes addresses through it.
fn push_source<'a>(qb: &mut QueryBuilder<'a, Db>, org: Uuid, query: &'a MemberQuery, sight: Sight) {
    let searched = query
        .search
        .as_deref()
        .map(|search| db::push_member_search(qb, search, sight == Sight::Directory));
    if searched != Some(true) {
        qb.push(" FROM memberships m");
    }
    qb.push(" WHERE m.org_id = ")
        .push_bind(org)
        .push(" AND m.status = 'active'");
    if let Some(role) = query.role {
        qb.push(" AND m.role = ").push_bind(role.as_str());
    }
    if searched == Some(false) {
        // Only punctuation: no word of anyone's begins with it.
        qb.push(" AND FALSE");
    }
}

/// One page of active members, as `actor` may see them (see [`Sight`]).
/// Keyset pagination: each page continues after the last row of the previous
/// one, so rows are neither lost nor repeated while members join, and no
/// page costs more than its own rows.
///
/// A search is the exception: its matches are found, sorted and counted
/// once, in one statement (at 100,000 members "member12" matches 1,111, and
/// finding them is most of the time), where a page and a separate count
/// would each find them again.
pub async fn list(
    pool: &Pool,
    actor: &Member,
    query: &MemberQuery,
) -> Result<MemberPage, AppError> {
    let mut conn = pool.acquire().await?;
    let sight = Sight::load(&mut conn, actor).await?;
    query.within(sight)?;
    // The column pages are ordered and cut by, the cursor text it gives, and
    // how a cursor's text compares with it again.
    let (key, shown, bounds) = match query.sort {
        MemberSort::Name => ("m.sort_name", "m.sort_name".to_owned(), ("", "")),
        MemberSort::Joined => (
            "m.joined_at",
            db::time_key("m.joined_at"),
            db::TIME_FROM_KEY,
        ),
    };
    let columns =
        format!("m.user_id, m.org_id, m.role, m.joined_at, {shown} AS sort_key, {key} AS page_key");
    let searching = query.search.is_some();
    let mut qb = QueryBuilder::<Db>::new("");
    if searching {
        qb.push(format!("WITH matched AS MATERIALIZED (SELECT {columns}"));
        push_source(&mut qb, actor.org.id, query, sight);
        qb.push(") ");
    }
    // The page's memberships first (`p`), then their users and teams.
    qb.push(format!(
        "SELECT u.id AS user_id, u.name, u.email, p.role, p.joined_at, u.last_active_at, p.sort_key,
                (SELECT {} FROM team_members tm JOIN teams t ON t.id = tm.team_id
                 WHERE tm.user_id = p.user_id AND t.org_id = p.org_id) AS teams,
                {} AS total
         FROM (SELECT ",
        db::joined("t.name"),
        if searching { "(SELECT COUNT(*) FROM matched)" } else { "CAST(NULL AS BIGINT)" },
    ));
    let (key, id) = if searching {
        qb.push("* FROM matched WHERE TRUE");
        ("page_key", "user_id")
    } else {
        qb.push(&columns);
        push_source(&mut qb, actor.org.id, query, sight);
        (key, "m.user_id")
    };
    let order = if query.descending { "DESC" } else { "ASC" };
    if let Some((after_key, after_id)) = &query.after {
        let beyond = if query.descending { "<" } else { ">" };
        let (open, close) = bounds;
        qb.push(format!(" AND ({key} {beyond} {open}"))
            .push_bind(after_key.clone())
            .push(format!("{close} OR ({key} = {open}"))
            .push_bind(after_key.clone())
            .push(format!("{close} AND {id} {beyond} "))
            .push_bind(*after_id)
            .push("))");
    }
    qb.push(format!(" ORDER BY {key} {order}, {id} {order} LIMIT "))
        .push_bind(PAGE_SIZE + 1)
        .push(format!(
            ") p JOIN users u ON u.id = p.user_id ORDER BY p.page_key {order}, p.user_id {order}"
        ));
    let mut rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last()
            .map(|r| query.cursor_after(&r.sort_key, r.user_id))
    } else {
        None
    };
    // A search past its last match returns no row to carry its count.
    let total = match rows.first().and_then(|r| r.total) {
        Some(total) => total,
        None => count(&mut conn, actor.org.id, query, sight).await?,
    };
    let items = match sight {
        Sight::Members => {
            MemberRows::List(rows.into_iter().map(Row::item).collect::<Result<_, _>>()?)
        }
        Sight::Directory => MemberRows::Directory(rows.into_iter().map(Row::entry).collect()),
    };
    Ok(MemberPage { items, next, total })
}

/// How many members the filters of `query` match. All of them is the
/// organization's counter; a role or search is counted through an index.
async fn count(
    conn: &mut Conn,
    org: Uuid,
    query: &MemberQuery,
    sight: Sight,
) -> Result<i64, AppError> {
    if query.role.is_none() && query.search.is_none() {
        return active_members(conn, org).await;
    }
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*)");
    push_source(&mut count, org, query, sight);
    Ok(count.build_query_scalar().fetch_one(conn).await?)
}

async fn active_members(conn: &mut Conn, org: Uuid) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT active_members FROM organizations WHERE id = $1")
            .bind(org)
            .fetch_one(conn)
            .await?,
    )
}

/// Active members, pending invitations and the limit.
pub async fn seat_usage(pool: &Pool, actor: &Member) -> Result<SeatUsage, AppError> {
    let mut conn = pool.acquire().await?;
    let used = seats_used(&mut conn, actor.org.id, Utc::now(), None).await?;
    let active = active_members(&mut conn, actor.org.id).await?;
    let limit: i64 = sqlx::query_scalar("SELECT seat_limit FROM organizations WHERE id = $1")
        .bind(actor.org.id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(SeatUsage {
        active,
        pending: used - active,
        limit,
    })
}

/// Notes that `user` was active now. Writes at most once a minute, decided
/// from the row already loaded, so most requests (the bell's polling among
/// them) take no write lock.
pub async fn touch_last_active(pool: &Pool, user: &User) -> Result<(), AppError> {
    let now = Utc::now();
    if user
        .last_active_at
        .is_some_and(|at| now - at < chrono::Duration::minutes(1))
    {
        return Ok(());
    }
    db::write(
        pool,
        sqlx::query("UPDATE users SET last_active_at = $1 WHERE id = $2")
            .bind(now)
            .bind(user.id),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::from_u128(7);
        let cursor = crate::server::db::encode_cursor("ann.lee", id);
        assert_eq!(
            crate::server::db::parse_cursor(&cursor).unwrap(),
            Some(("ann.lee".to_owned(), id))
        );
        let filter = |search: &str, after: &str| MemberFilter {
            search: search.into(),
            role: Some(Role::Admin),
            sort: MemberSort::Joined,
            descending: false,
            after: after.into(),
        };
        assert!(MemberQuery::parse(&filter("", "nonsense")).is_err());
        assert!(MemberQuery::parse(&filter(&"x".repeat(255), "")).is_err());
        // Unknown roles and orders do not get past the wire types.
        assert!(serde_json::from_str::<MemberFilter>(r#"{"role":"root"}"#).is_err());
        assert!(serde_json::from_str::<MemberFilter>(r#"{"sort":"age"}"#).is_err());
        // A cursor made for one order is refused in another.
        let joined = MemberQuery::parse(&filter("", "")).unwrap();
        let next = joined.cursor_after("2026-01-01", id);
        assert!(MemberQuery::parse(&filter("", &next)).is_ok());
        let by_name = MemberFilter {
            sort: MemberSort::Name,
            ..filter("", &next)
        };
        assert!(MemberQuery::parse(&by_name).is_err());
        let q = MemberQuery::parse(&filter("  bob ", "")).unwrap();
        assert_eq!(
            (q.search.as_deref(), q.role, q.sort),
            (Some("bob"), Some(Role::Admin), MemberSort::Joined)
        );
    }
}
