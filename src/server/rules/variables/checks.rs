//! What a new or changed variable must be: every rule checked before a
//! transaction starts, each refusal naming its field.

use super::{require_writer, NewVariable, DESCRIPTION_MAX_CHARS};
use crate::error::AppError;
use crate::model::{
    check_secret_value, check_variable_value, Day, ValueVersion, VariableKind, VariableName,
    Visibility,
};
use crate::server::infra::crypto::SecretValue;
use crate::server::infra::hosts::HostPatterns;
use crate::server::web::authz::Actor;

pub(super) fn check_description(text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(AppError::invalid(
            "description",
            format!("Description must be at most {DESCRIPTION_MAX_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

/// A secret's expiry date: empty for none, else a real `YYYY-MM-DD` day.
/// Plain variables have none.
pub(super) fn check_expiry(kind: VariableKind, text: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if kind == VariableKind::Plain {
        return Err(AppError::invalid(
            "expires_on",
            "Only a secret has an expiry date",
        ));
    }
    let day = Day::parse(text).ok_or_else(|| {
        AppError::invalid(
            "expires_on",
            "Expiry date must be a date written YYYY-MM-DD, in the years 2000 to 9999",
        )
    })?;
    Ok(Some(day.to_iso()))
}

/// A value of `kind` as its rules allow it.
pub(super) fn check_value(kind: VariableKind, value: &str) -> Result<(), String> {
    match kind {
        VariableKind::Plain => check_variable_value(value),
        VariableKind::Secret => check_secret_value(value),
    }
}

/// Parses allowed hosts for a secret of `visibility`: restricted secrets
/// need at least one.
pub(super) fn allowed_hosts_for(visibility: Visibility, text: &str) -> Result<String, AppError> {
    let patterns = HostPatterns::parse(text).map_err(|m| AppError::invalid("allowed_hosts", m))?;
    if visibility == Visibility::Restricted && patterns.is_empty() {
        return Err(AppError::invalid(
            "allowed_hosts",
            "A restricted secret needs at least one allowed host",
        ));
    }
    Ok(patterns.to_stored())
}

/// A secret's visibility, which every secret must have.
pub(super) fn require_visibility(v: Option<Visibility>) -> Result<Visibility, AppError> {
    v.ok_or_else(|| AppError::invalid("visibility", "Choose a visibility: Masked or Restricted"))
}

pub(super) fn no_such_version(v: ValueVersion) -> AppError {
    AppError::invalid("version", format!("Version {v} is not kept any more"))
}

/// A new variable whose input passed every check.
pub(super) struct Checked {
    pub kind: VariableKind,
    pub name: VariableName,
    pub value: SecretValue,
    pub visibility: Option<Visibility>,
    pub allowed_hosts: String,
    pub description: String,
    pub expires_on: Option<String>,
}

pub(super) fn check_new(actor: &Actor, input: NewVariable) -> Result<Checked, AppError> {
    require_writer(actor, input.kind)?;
    let name = VariableName::parse(&input.name).map_err(|m| AppError::invalid("name", m))?;
    check_value(input.kind, input.value.expose()).map_err(|m| AppError::invalid("value", m))?;
    let description = check_description(&input.description)?;
    let expires_on = check_expiry(input.kind, &input.expires_on)?;
    let (visibility, allowed_hosts) = match input.kind {
        VariableKind::Plain => (None, String::new()),
        VariableKind::Secret => {
            let v = require_visibility(input.visibility)?;
            (Some(v), allowed_hosts_for(v, &input.allowed_hosts)?)
        }
    };
    Ok(Checked {
        kind: input.kind,
        name,
        value: input.value,
        visibility,
        allowed_hosts,
        description,
        expires_on,
    })
}
