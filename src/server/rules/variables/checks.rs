//! What a new or changed variable must be: every rule checked before a
//! transaction starts, each refusal naming its field.

use super::{require_writer, NewVariable, DESCRIPTION_MAX_CHARS};
use crate::error::AppError;
use crate::model::{
    check_secret_value, check_variable_value, Day, ValueVersion, VariableKind, VariableName,
    Visibility,
};
use crate::server::infra::crypto::SecretValue;
use crate::server::infra::db::now_ms;
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

/// The edges parse each field once, into the types the rules carry; each
/// refusal names its field.
pub fn parse_name(text: &str) -> Result<VariableName, AppError> {
    VariableName::parse(text).map_err(|m| AppError::invalid("name", m))
}

/// An expiry date as a form or JSON body writes it: empty for none, else
/// a real `YYYY-MM-DD` day.
pub fn parse_expiry(text: &str) -> Result<Option<Day>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Day::parse(text).map(Some).ok_or_else(|| {
        AppError::invalid(
            "expires_on",
            "Expiry date must be a date written YYYY-MM-DD, in the years 2000 to 9999",
        )
    })
}

/// The "Allowed hosts" text of the panel (commas or new lines).
pub fn parse_hosts(text: &str) -> Result<HostPatterns, AppError> {
    HostPatterns::parse(text).map_err(|m| AppError::invalid("allowed_hosts", m))
}

/// Allowed hosts as a JSON array: one pattern per item.
pub fn parse_host_list(items: &[String]) -> Result<HostPatterns, AppError> {
    HostPatterns::parse_list(items).map_err(|m| AppError::invalid("allowed_hosts", m))
}

/// Only a secret has an expiry date.
pub(super) fn check_expiry(kind: VariableKind, day: Option<Day>) -> Result<Option<Day>, AppError> {
    if day.is_some() && kind == VariableKind::Plain {
        return Err(AppError::invalid(
            "expires_on",
            "Only a secret has an expiry date",
        ));
    }
    Ok(day)
}

/// A date set or changed may not be before today (UTC, the day expiry is
/// judged by): a secret saved already expired is a slip of the picker.
/// An edit that leaves a past date as it was keeps it.
pub(super) fn check_not_past(day: Option<Day>, today: Day) -> Result<(), AppError> {
    match day {
        Some(day) if day < today => Err(AppError::invalid(
            "expires_on",
            "Expires on cannot be in the past",
        )),
        _ => Ok(()),
    }
}

/// A value of `kind` as its rules allow it.
pub(super) fn check_value(kind: VariableKind, value: &str) -> Result<(), String> {
    match kind {
        VariableKind::Plain => check_variable_value(value),
        VariableKind::Secret => check_secret_value(value),
    }
}

/// A secret of `visibility`'s allowed hosts: restricted secrets need at
/// least one.
pub(super) fn check_hosts(visibility: Visibility, hosts: &HostPatterns) -> Result<(), AppError> {
    if visibility == Visibility::Restricted && hosts.is_empty() {
        return Err(AppError::invalid(
            "allowed_hosts",
            "A restricted secret needs at least one allowed host",
        ));
    }
    Ok(())
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
    pub allowed_hosts: HostPatterns,
    pub description: String,
    pub expires_on: Option<Day>,
}

pub(super) fn check_new(actor: &Actor, input: NewVariable) -> Result<Checked, AppError> {
    require_writer(actor, input.kind)?;
    check_value(input.kind, input.value.expose()).map_err(|m| AppError::invalid("value", m))?;
    let description = check_description(&input.description)?;
    let expires_on = check_expiry(input.kind, input.expires_on)?;
    check_not_past(expires_on, Day::of_ms(now_ms()))?;
    let (visibility, allowed_hosts) = match input.kind {
        VariableKind::Plain => (None, HostPatterns::default()),
        VariableKind::Secret => {
            let v = require_visibility(input.visibility)?;
            check_hosts(v, &input.allowed_hosts)?;
            (Some(v), input.allowed_hosts)
        }
    };
    Ok(Checked {
        kind: input.kind,
        name: input.name,
        value: input.value,
        visibility,
        allowed_hosts,
        description,
        expires_on,
    })
}
