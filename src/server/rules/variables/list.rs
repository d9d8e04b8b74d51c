//! Reading variables: one page of the panel (searched, filtered and
//! paged in the database), one variable by id or name.

use super::{view, ListRequest};
use crate::error::AppError;
use crate::model::{
    Day, ListFilter, Permission, SecretHealth, VariableId, VariableKind, VariableView,
    VariablesPage, EXPIRING_SOON_DAYS,
};
use crate::server::infra::db::variables::{self as rows, ListQuery};
use crate::server::infra::db::{now_ms, runs, Db};
use crate::server::web::authz::Actor;
use crate::template::RefKind;

/// Rows of one page of the Variables panel.
pub const PAGE_SIZE: i64 = 50;

/// One page of the Variables panel: rows in name order from a cursor,
/// searched and filtered in the database, with where each is used and how
/// each secret's runs went.
pub async fn list(db: &Db, actor: &Actor, req: &ListRequest) -> Result<VariablesPage, AppError> {
    actor.require(Permission::ReadVariables)?;
    let ws = actor.workspace().id;
    let soon = Day(Day::of_ms(now_ms()).0 + EXPIRING_SOON_DAYS).to_iso();
    let query = ListQuery {
        search: req.search.trim(),
        kind: req.kind,
        expiring_by: (req.filter == ListFilter::Expiring).then_some(soon.as_str()),
        failing: req.filter == ListFilter::Failing,
        after: req.after.as_deref(),
        before: req.before.as_deref(),
        limit: PAGE_SIZE,
    };
    let (records, more) = rows::page(db.pool(), ws, &query).await?;
    let backwards = query.before.is_some() && query.after.is_none();
    let first = records.first().map(|r| r.name.to_ascii_lowercase());
    let last = records.last().map(|r| r.name.to_ascii_lowercase());
    let (prev, next) = if backwards {
        (first.filter(|_| more), last)
    } else {
        (
            first.filter(|_| query.after.is_some()),
            last.filter(|_| more),
        )
    };

    let keys: Vec<String> = records
        .iter()
        .map(|r| r.name.to_ascii_lowercase())
        .collect();
    let usages = crate::server::infra::db::workflows::usages(db.pool(), ws, &keys).await?;
    let secret_ids: Vec<VariableId> = records
        .iter()
        .filter(|r| r.kind == VariableKind::Secret)
        .map(|r| r.id)
        .collect();
    let runs = runs::recent(db.pool(), &secret_ids).await?;
    let health = secret_ids
        .iter()
        .filter_map(|id| {
            let mine = runs.iter().filter(|r| r.variable_id == *id);
            let health =
                SecretHealth::from_runs(mine.map(|r| (r.block_name.as_str(), r.status, r.at)));
            (health.runs > 0).then_some((*id, health))
        })
        .collect();
    let variables = records
        .into_iter()
        .map(|record| {
            let ref_kind = match record.kind {
                VariableKind::Secret => RefKind::Secret,
                VariableKind::Plain => RefKind::Var,
            };
            let key = record.name.to_ascii_lowercase();
            let mut v = view(record);
            v.used_in = usages
                .iter()
                .filter(|(kind, name_key, _)| *kind == ref_kind && *name_key == key)
                .map(|(_, _, used)| used.clone())
                .collect();
            v.usage_count = v.used_in.len() as i64;
            v
        })
        .collect();
    Ok(VariablesPage {
        variables,
        health,
        can_write_secrets: actor.can(Permission::WriteSecrets),
        next,
        prev,
    })
}

/// One variable as the panel shows it (no usages).
pub async fn get(db: &Db, actor: &Actor, id: VariableId) -> Result<VariableView, AppError> {
    actor.require(Permission::ReadVariables)?;
    let record = rows::get(db.pool(), actor.workspace().id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view(record))
}

/// One variable by name, any case (the REST API's address for it).
pub async fn get_by_name(db: &Db, actor: &Actor, name: &str) -> Result<VariableView, AppError> {
    actor.require(Permission::ReadVariables)?;
    let record = rows::by_name(db.pool(), actor.workspace().id, name)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(view(record))
}

/// The id of a variable by name, for a caller that may write some kind of
/// variable but not read them (a token with a write scope only): whether
/// the name exists is told only to those who could change it.
pub async fn id_by_name(db: &Db, actor: &Actor, name: &str) -> Result<VariableId, AppError> {
    if !(actor.can(Permission::WritePlain) || actor.can(Permission::WriteSecrets)) {
        return Err(AppError::Forbidden);
    }
    Ok(rows::by_name(db.pool(), actor.workspace().id, name)
        .await?
        .ok_or(AppError::NotFound)?
        .id)
}
