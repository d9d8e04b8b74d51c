//! Workflows and their API blocks (SPEC §5): what a block may hold, and
//! the usage index its references feed. Every member may build and run.

use crate::error::AppError;
use crate::model::{
    BlockId, BlockInput, BlockView, Day, Expiry, HttpMethod, KeyValue, Permission, SecretHealth,
    SecretOption, VariableId, VariableKind, WorkflowId, WorkflowSummary, WorkflowView, WorkspaceId,
};
use crate::server::infra::db::workflows::{self as rows, BlockUpdate};
use crate::server::infra::db::{now_ms, runs, variables, Db};
use crate::server::rules::accounts::clean_name;
use crate::server::rules::api_block::{placement, rules};
use crate::server::web::authz::Actor;
use crate::template::{self, RefKind};

const URL_MAX_BYTES: usize = 8 * 1024;
const BODY_MAX_BYTES: usize = 1024 * 1024;
const ROWS_MAX: usize = 100;
/// Options the picker shows at most (search narrows 10,000 secrets).
pub const PICKER_LIMIT: i64 = 50;

/// The name of a block's input in errors: `url`, `body`, `query.N.value`,
/// `headers.N.name`, … (rows counted from 1, as the labels say).
fn row_field(list: &str, row: usize, part: &str) -> String {
    format!("{list}.{}.{part}", row + 1)
}

/// The workspace in which `actor` builds and runs workflows, once it is
/// known that it may.
fn builder_ws(actor: &Actor) -> Result<WorkspaceId, AppError> {
    actor.require(Permission::UseWorkflows)?;
    Ok(actor.workspace().id)
}

async fn workflow_of(db: &Db, actor: &Actor, id: WorkflowId) -> Result<String, AppError> {
    rows::workflow_name(db.pool(), builder_ws(actor)?, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<WorkflowSummary>, AppError> {
    Ok(rows::list_workflows(db.pool(), builder_ws(actor)?)
        .await?
        .into_iter()
        .map(|(id, name, blocks, updated_at)| WorkflowSummary {
            id,
            name,
            blocks,
            updated_at,
        })
        .collect())
}

pub async fn create(db: &Db, actor: &Actor, name: &str) -> Result<WorkflowId, AppError> {
    let name = clean_name(name, "name", "Workflow name")?;
    let mut tx = db.begin_write().await?;
    let id = rows::insert_workflow(&mut tx, builder_ws(actor)?, &name).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn rename(db: &Db, actor: &Actor, id: WorkflowId, name: &str) -> Result<(), AppError> {
    let name = clean_name(name, "name", "Workflow name")?;
    workflow_of(db, actor, id).await?;
    let mut tx = db.begin_write().await?;
    rows::rename_workflow(&mut tx, id, &name).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(db: &Db, actor: &Actor, id: WorkflowId) -> Result<(), AppError> {
    workflow_of(db, actor, id).await?;
    let mut tx = db.begin_write().await?;
    rows::delete_workflow(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

fn block_view(record: rows::BlockRecord, missing: Vec<String>) -> BlockView {
    BlockView {
        position: record.position,
        missing,
        block: BlockInput {
            id: record.id,
            name: record.name,
            method: HttpMethod::parse(&record.method).unwrap_or(HttpMethod::Get),
            url: record.url,
            query: record.query,
            headers: record.headers,
            body: record.body,
        },
    }
}

fn missing_message(kind: RefKind, name: &str) -> String {
    match kind {
        RefKind::Secret => format!("Missing secret {name}"),
        RefKind::Var => format!("Missing variable {name}"),
    }
}

pub async fn view(db: &Db, actor: &Actor, id: WorkflowId) -> Result<WorkflowView, AppError> {
    let name = workflow_of(db, actor, id).await?;
    let missing = rows::missing_refs(db.pool(), id).await?;
    let blocks = rows::blocks_of(db.pool(), id)
        .await?
        .into_iter()
        .map(|b| {
            let gone = missing
                .iter()
                .filter(|(block, ..)| *block == b.id)
                .map(|(_, kind, name)| missing_message(*kind, name))
                .collect();
            block_view(b, gone)
        })
        .collect();
    let mut secrets = rows::referenced_secrets(db.pool(), id).await?;
    annotate(db, &mut secrets).await?;
    Ok(WorkflowView {
        id,
        name,
        blocks,
        can_write_secrets: actor.can(Permission::WriteSecrets),
        secrets,
    })
}

pub async fn add_block(
    db: &Db,
    actor: &Actor,
    workflow_id: WorkflowId,
) -> Result<BlockView, AppError> {
    workflow_of(db, actor, workflow_id).await?;
    let mut tx = db.begin_write().await?;
    let count = rows::blocks_of(&mut *tx, workflow_id).await?.len();
    let name = format!("API block {}", count + 1);
    let id = rows::insert_block(
        &mut tx,
        builder_ws(actor)?,
        workflow_id,
        &name,
        actor.user_id(),
    )
    .await?;
    rows::touch_workflow(&mut tx, workflow_id).await?;
    let record = rows::block(&mut *tx, builder_ws(actor)?, id)
        .await?
        .ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(block_view(record, Vec::new()))
}

/// Checks one field's template: parses, holds at most one secret, names
/// only variables that exist (of the right kind). Returns its references.
/// The variables a save has looked up, by lower-case name: each name is
/// read once per save, however often the block repeats it.
type Lookups = std::collections::HashMap<String, Option<(VariableKind, String)>>;

async fn lookup(
    db: &Db,
    ws: WorkspaceId,
    seen: &mut Lookups,
    name: &str,
) -> Result<Option<(VariableKind, String)>, AppError> {
    let key = name.to_ascii_lowercase();
    if let Some(found) = seen.get(&key) {
        return Ok(found.clone());
    }
    let found = variables::by_name(db.pool(), ws, name)
        .await?
        .map(|v| (v.kind, v.name));
    seen.insert(key, found.clone());
    Ok(found)
}

async fn check_field(
    db: &Db,
    ws: WorkspaceId,
    seen: &mut Lookups,
    (field, label): (&str, &str),
    text: &str,
) -> Result<Vec<(RefKind, String)>, AppError> {
    let invalid = |message: String| AppError::invalid(field, message);
    let pieces = template::parse(text).map_err(|e| invalid(format!("{label}: {e}")))?;
    let secrets = template::refs(&pieces, RefKind::Secret);
    if secrets.len() > 1 {
        return Err(invalid(format!(
            "{label} holds {} secrets; a field may hold at most one",
            secrets.len()
        )));
    }
    let mut refs = Vec::new();
    for name in secrets {
        match lookup(db, ws, seen, &name).await? {
            Some((VariableKind::Secret, name)) => refs.push((RefKind::Secret, name)),
            _ => return Err(invalid(format!("{label}: there is no secret named {name}"))),
        }
    }
    let mut vars = template::refs(&pieces, RefKind::Var);
    vars.sort_by_key(|n| n.to_ascii_lowercase());
    vars.dedup_by_key(|n| n.to_ascii_lowercase());
    for name in vars {
        match lookup(db, ws, seen, &name).await? {
            Some((VariableKind::Plain, name)) => refs.push((RefKind::Var, name)),
            _ => {
                return Err(invalid(format!(
                    "{label}: there is no variable named {name}"
                )))
            }
        }
    }
    Ok(refs)
}

fn clean_rows(list: &[KeyValue]) -> Vec<KeyValue> {
    list.iter()
        .filter(|kv| !(kv.name.trim().is_empty() && kv.value.is_empty()))
        .map(|kv| KeyValue {
            name: kv.name.trim().to_string(),
            value: kv.value.clone(),
        })
        .collect()
}

/// A block's request fields, as a saved block or an agent's request
/// (`agents::http_request`) holds them.
pub struct Fields {
    pub method: HttpMethod,
    pub url: String,
    pub query: Vec<KeyValue>,
    pub headers: Vec<KeyValue>,
    pub body: String,
}

/// What a block may hold (sizes, rows, header names, placeholders that
/// name existing secrets and variables, at most one secret per field),
/// for every block saved and every request an agent sends: the fields
/// cleaned (empty rows dropped, names and URL trimmed) and their
/// references.
pub async fn check_fields(
    db: &Db,
    ws: WorkspaceId,
    input: Fields,
) -> Result<(Fields, Vec<(RefKind, String)>), AppError> {
    let url = input.url.trim().to_string();
    if url.len() > URL_MAX_BYTES {
        return Err(AppError::invalid("url", "URL must be at most 8 KiB"));
    }
    if input.body.len() > BODY_MAX_BYTES {
        return Err(AppError::invalid("body", "Body must be at most 1 MiB"));
    }
    let query = clean_rows(&input.query);
    let headers = clean_rows(&input.headers);
    if query.len() > ROWS_MAX || headers.len() > ROWS_MAX {
        return Err(AppError::rule(format!(
            "A block holds at most {ROWS_MAX} parameters and {ROWS_MAX} headers"
        )));
    }

    let mut seen = Lookups::new();
    let mut refs = check_field(db, ws, &mut seen, ("url", "URL"), &url).await?;
    placement::check_saved(&url).map_err(|e| AppError::invalid("url", e.to_string()))?;
    for (i, kv) in query.iter().enumerate() {
        if kv.name.contains("{{") {
            return Err(AppError::invalid(
                &row_field("query", i, "name"),
                format!("Parameter name {}: names cannot hold placeholders", i + 1),
            ));
        }
        let label = format!("Parameter value {}", i + 1);
        let field = row_field("query", i, "value");
        refs.extend(check_field(db, ws, &mut seen, (&field, &label), &kv.value).await?);
    }
    for (i, kv) in headers.iter().enumerate() {
        if let Some(refusal) = rules::header_name_refusal(i + 1, &kv.name) {
            return Err(AppError::invalid(&row_field("headers", i, "name"), refusal));
        }
        let label = format!("Header value {}", i + 1);
        let field = row_field("headers", i, "value");
        if rules::carries_credential(&kv.value) {
            return Err(AppError::invalid(&field, rules::credential_refusal(i + 1)));
        }
        refs.extend(check_field(db, ws, &mut seen, (&field, &label), &kv.value).await?);
    }
    refs.extend(check_field(db, ws, &mut seen, ("body", "Body"), &input.body).await?);
    let fields = Fields {
        method: input.method,
        url,
        query,
        headers,
        body: input.body,
    };
    Ok((fields, refs))
}

pub async fn save_block(db: &Db, actor: &Actor, input: BlockInput) -> Result<BlockView, AppError> {
    let ws = builder_ws(actor)?;
    let existing = rows::block(db.pool(), ws, input.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = clean_name(&input.name, "name", "Block name")?;
    let fields = Fields {
        method: input.method,
        url: input.url,
        query: input.query,
        headers: input.headers,
        body: input.body,
    };
    let (f, refs) = check_fields(db, ws, fields).await?;

    let mut tx = db.begin_write().await?;
    let update = BlockUpdate {
        name: &name,
        method: f.method.as_str(),
        url: &f.url,
        query: &f.query,
        headers: &f.headers,
        body: &f.body,
    };
    rows::update_block(&mut tx, input.id, &update, actor.user_id()).await?;
    rows::set_refs(&mut tx, ws, input.id, &refs).await?;
    rows::touch_workflow(&mut tx, existing.workflow_id).await?;
    let record = rows::block(&mut *tx, ws, input.id)
        .await?
        .ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(block_view(record, Vec::new()))
}

pub async fn delete_block(db: &Db, actor: &Actor, id: BlockId) -> Result<(), AppError> {
    let block = rows::block(db.pool(), builder_ws(actor)?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin_write().await?;
    rows::delete_block(&mut tx, id).await?;
    rows::touch_workflow(&mut tx, block.workflow_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a block one place up or down.
pub async fn move_block(db: &Db, actor: &Actor, id: BlockId, up: bool) -> Result<(), AppError> {
    let block = rows::block(db.pool(), builder_ws(actor)?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin_write().await?;
    let mut all = rows::blocks_of(&mut *tx, block.workflow_id).await?;
    let Some(i) = all.iter().position(|b| b.id == id) else {
        return Err(AppError::NotFound);
    };
    let j = if up {
        i.checked_sub(1)
    } else {
        (i + 1 < all.len()).then_some(i + 1)
    };
    if let Some(j) = j {
        all.swap(i, j);
        for (pos, b) in all.iter().enumerate() {
            rows::set_position(&mut tx, b.id, pos as i64 + 1).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

pub async fn search_secrets(
    db: &Db,
    actor: &Actor,
    search: &str,
) -> Result<Vec<SecretOption>, AppError> {
    let mut options =
        rows::search_secrets(db.pool(), builder_ws(actor)?, search.trim(), PICKER_LIMIT).await?;
    annotate(db, &mut options).await?;
    Ok(options)
}

/// Notes each option that has expired or is failing, for its chip.
async fn annotate(db: &Db, options: &mut [SecretOption]) -> Result<(), AppError> {
    let ids: Vec<VariableId> = options.iter().map(|o| o.id).collect();
    let expiries = rows::expiry_dates(db.pool(), &ids).await?;
    let runs = runs::recent(db.pool(), &ids).await?;
    let today = Day::of_ms(now_ms());
    for option in options {
        let expired = expiries
            .iter()
            .find(|(id, _)| *id == option.id)
            .and_then(|(_, day)| Day::parse(day))
            .is_some_and(|day| Expiry::on(day, today) == Expiry::Expired);
        let health = SecretHealth::from_runs(
            runs.iter()
                .filter(|r| r.variable_id == option.id)
                .map(|r| (r.block_name.as_str(), r.status, r.at)),
        );
        let mut notes = Vec::new();
        if expired {
            notes.push("Expired".to_string());
        }
        if let Some(failing) = health.failing {
            notes.push(format!("Failing: {}", failing.reason()));
        }
        option.note = (!notes.is_empty()).then(|| notes.join(" · "));
    }
    Ok(())
}
