//! The rules of variables, workflows, the audit log and access tokens,
//! called directly with actors proven by database checks (no HTTP): fast,
//! and beside the HTTP permission matrix in tests/api, which tests the
//! wiring. Every refusal is paired with the same call succeeding for an
//! actor that may make it, so a refusal for the wrong reason fails.

#[path = "../support/mod.rs"]
mod support;

use support::domain::{domain, Domain, CLIENT};
use varvault::error::AppError;
use varvault::model::{Role, Scope, VariableKind, Visibility};
use varvault::server::infra::crypto::SecretValue;
use varvault::server::infra::db::audit::AuditFilter;
use varvault::server::rules::variables::{self, NewVariable};
use varvault::server::web::authz::Actor;
use varvault::server::{rules::audit, rules::tokens, rules::workflows};

fn plain(name: &str, value: &str) -> NewVariable {
    NewVariable {
        kind: VariableKind::Plain,
        name: variables::parse_name(name).expect("name"),
        value: SecretValue::new(value.into()),
        visibility: None,
        allowed_hosts: Default::default(),
        description: String::new(),
        expires_on: None,
    }
}

fn secret(name: &str, visibility: Visibility) -> NewVariable {
    NewVariable {
        kind: VariableKind::Secret,
        name: variables::parse_name(name).expect("name"),
        value: SecretValue::new("sk-live-rules-0123456789".into()),
        visibility: Some(visibility),
        allowed_hosts: variables::parse_hosts("api.example.com").expect("hosts"),
        description: String::new(),
        expires_on: None,
    }
}

async fn names(d: &Domain, actor: &Actor) -> Vec<String> {
    let page = variables::list(&d.db, actor, &Default::default())
        .await
        .expect("list");
    page.variables.into_iter().map(|v| v.name).collect()
}

async fn log(d: &Domain) -> Vec<(Option<String>, bool, String)> {
    let owner = Actor::Member(d.owner().await);
    audit::page(&d.db, &owner, AuditFilter::default())
        .await
        .expect("log")
        .entries
        .into_iter()
        .map(|e| (e.actor, e.by_token, e.action))
        .collect()
}

#[tokio::test]
async fn editors_write_plain_variables_and_not_secrets() {
    let d = domain().await;
    let editor = d.actor("ed@example.com", Role::Editor).await;
    let admin = d.actor("ad@example.com", Role::Admin).await;

    let refused = variables::create(
        &d.db,
        &d.keyring,
        &editor,
        secret("TOKEN", Visibility::Masked),
    )
    .await
    .unwrap_err();
    assert_eq!(refused, AppError::Forbidden);
    assert!(names(&d, &editor).await.is_empty(), "nothing stored");

    variables::create(&d.db, &d.keyring, &editor, plain("REGION", "eu-west-1"))
        .await
        .expect("an editor writes plain variables");
    variables::create(
        &d.db,
        &d.keyring,
        &admin,
        secret("TOKEN", Visibility::Masked),
    )
    .await
    .expect("an admin writes secrets");
    assert_eq!(names(&d, &editor).await, ["REGION", "TOKEN"]);

    let editor_page = variables::list(&d.db, &editor, &Default::default())
        .await
        .unwrap();
    let admin_page = variables::list(&d.db, &admin, &Default::default())
        .await
        .unwrap();
    assert!(!editor_page.can_write_secrets);
    assert!(admin_page.can_write_secrets);
}

#[tokio::test]
async fn masked_secrets_reveal_with_an_entry_and_restricted_ones_never() {
    let d = domain().await;
    let owner = Actor::Member(d.owner().await);
    let editor = d.actor("ed@example.com", Role::Editor).await;
    let masked = variables::create(
        &d.db,
        &d.keyring,
        &owner,
        secret("MASKED", Visibility::Masked),
    )
    .await
    .unwrap();
    let restricted = variables::create(
        &d.db,
        &d.keyring,
        &owner,
        secret("LOCKED", Visibility::Restricted),
    )
    .await
    .unwrap();

    let value = variables::reveal(&d.db, &d.keyring, &editor, masked.id, None)
        .await
        .expect("every member reveals a masked secret");
    assert_eq!(value.expose(), "sk-live-rules-0123456789");
    let entries = log(&d).await;
    assert_eq!(
        entries[0],
        (
            Some("ed@example.com".into()),
            false,
            "secret.revealed".into()
        )
    );

    for actor in [&owner, &editor] {
        let refused = variables::reveal(&d.db, &d.keyring, actor, restricted.id, None)
            .await
            .unwrap_err();
        assert_eq!(refused, AppError::Forbidden);
    }
    assert_eq!(
        log(&d).await.len(),
        entries.len(),
        "a refusal writes no entry"
    );
}

#[tokio::test]
async fn membership_is_checked_in_the_database() {
    let d = domain().await;
    let editor = d.actor("ed@example.com", Role::Editor).await;
    let Actor::Member(member) = &editor else {
        unreachable!()
    };
    let user = member.user.user_id;
    // The same user, proven again: the positive control.
    assert!(d.member_of(user).await.is_ok());
    let above_role =
        varvault::server::web::authz::member_of(&d.db, user, &d.slug, Role::Admin, CLIENT)
            .await
            .unwrap_err();
    assert_eq!(above_role, AppError::Forbidden);
    let elsewhere = varvault::server::web::authz::member_of(
        &d.db,
        user,
        "no-such-workspace",
        Role::Editor,
        CLIENT,
    )
    .await
    .unwrap_err();
    assert_eq!(elsewhere, AppError::Forbidden);
    let removed_owner = d.owner().await;
    varvault::server::rules::accounts::remove_member(&d.db, &removed_owner, user)
        .await
        .unwrap();
    assert_eq!(d.member_of(user).await.unwrap_err(), AppError::Forbidden);
}

#[tokio::test]
async fn tokens_act_by_their_scopes_and_are_named_in_the_log() {
    let d = domain().await;
    let owner = Actor::Member(d.owner().await);
    let masked = variables::create(
        &d.db,
        &d.keyring,
        &owner,
        secret("MASKED", Visibility::Masked),
    )
    .await
    .unwrap();

    let reader = d.token_actor("reader", &[Scope::VariablesRead]).await;
    assert_eq!(names(&d, &reader).await, ["MASKED"]);
    let page = variables::list(&d.db, &reader, &Default::default())
        .await
        .unwrap();
    assert_eq!(page.variables[0].value, None, "no value in a listing");
    let refused = variables::reveal(&d.db, &d.keyring, &reader, masked.id, None).await;
    assert_eq!(
        refused.unwrap_err(),
        AppError::Forbidden,
        "no scope reveals"
    );
    let refused = variables::create(&d.db, &d.keyring, &reader, plain("A", "1")).await;
    assert_eq!(refused.unwrap_err(), AppError::Forbidden);
    assert_eq!(
        workflows::list(&d.db, &reader).await.unwrap_err(),
        AppError::Forbidden
    );
    let refused = audit::page(&d.db, &reader, AuditFilter::default()).await;
    assert_eq!(refused.unwrap_err(), AppError::Forbidden);

    let writer = d
        .token_actor("ci-bot", &[Scope::VariablesWrite, Scope::AuditRead])
        .await;
    variables::create(&d.db, &d.keyring, &writer, plain("REGION", "eu-west-1"))
        .await
        .expect("variables:write writes plain variables");
    let refused = variables::create(&d.db, &d.keyring, &writer, secret("T2", Visibility::Masked));
    assert_eq!(refused.await.unwrap_err(), AppError::Forbidden);
    let entries = audit::page(&d.db, &writer, AuditFilter::default())
        .await
        .expect("audit:read reads the log")
        .entries;
    assert_eq!(
        (
            entries[0].actor.as_deref(),
            entries[0].by_token,
            entries[0].action.as_str()
        ),
        (Some("ci-bot"), true, "variable.created")
    );
    assert_eq!(entries[0].client_addr.as_deref(), Some(CLIENT));

    let secrets = d.token_actor("vault-sync", &[Scope::SecretsWrite]).await;
    variables::create(
        &d.db,
        &d.keyring,
        &secrets,
        secret("T3", Visibility::Masked),
    )
    .await
    .expect("secrets:write writes secrets");
}

#[tokio::test]
async fn a_token_is_refused_when_revoked_expired_malformed_or_off_network() {
    let d = domain().await;
    let token = d
        .token("net", &[Scope::VariablesRead], "10.1.0.0/16\n192.0.2.10")
        .await;
    assert!(d.token_caller(token.expose(), "10.1.2.3").await.is_ok());
    assert!(d
        .token_caller(token.expose(), "::ffff:10.1.2.3")
        .await
        .is_ok());
    assert!(d.token_caller(token.expose(), CLIENT).await.is_ok());
    assert_eq!(
        d.token_caller(token.expose(), "10.2.0.1")
            .await
            .unwrap_err(),
        AppError::Forbidden
    );

    // One character changed, cut, or another workspace's shape: unknown.
    let mut other = token.expose().to_string();
    let last = other.pop().unwrap();
    other.push(if last == 'A' { 'B' } else { 'A' });
    for bad in [other.as_str(), &token.expose()[..20], "vv_", "Bearer x"] {
        assert_eq!(
            d.token_caller(bad, CLIENT).await.unwrap_err(),
            AppError::Unauthenticated,
            "{bad}"
        );
    }

    let owner = d.owner().await;
    let id = d.token_caller(token.expose(), CLIENT).await.unwrap().id;
    tokens::revoke(&d.db, &owner, id).await.unwrap();
    assert_eq!(
        d.token_caller(token.expose(), CLIENT).await.unwrap_err(),
        AppError::Unauthenticated
    );
    assert_eq!(
        tokens::revoke(&d.db, &owner, id).await.unwrap_err(),
        AppError::NotFound,
        "revoked once"
    );

    let expiring = tokens::create(
        &d.db,
        &owner,
        tokens::NewToken {
            name: "soon".into(),
            scopes: vec![Scope::VariablesRead],
            expires_at: Some(varvault::server::infra::db::now_ms() + 300),
            allowed_networks: String::new(),
        },
    )
    .await
    .unwrap();
    assert!(d
        .token_caller(expiring.token.expose(), CLIENT)
        .await
        .is_ok());
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        d.token_caller(expiring.token.expose(), CLIENT)
            .await
            .unwrap_err(),
        AppError::Unauthenticated
    );
}

#[tokio::test]
async fn only_owners_and_admins_make_tokens_and_bad_input_names_its_field() {
    let d = domain().await;
    let Actor::Member(editor) = d.actor("ed@example.com", Role::Editor).await else {
        unreachable!()
    };
    let Actor::Member(admin) = d.actor("ad@example.com", Role::Admin).await else {
        unreachable!()
    };
    let input = |name: &str, scopes: Vec<Scope>, networks: &str| tokens::NewToken {
        name: name.into(),
        scopes,
        expires_at: None,
        allowed_networks: networks.into(),
    };
    let refused = tokens::create(&d.db, &editor, input("t", vec![Scope::VariablesRead], ""));
    assert_eq!(refused.await.unwrap_err(), AppError::Forbidden);
    tokens::create(&d.db, &admin, input("t", vec![Scope::VariablesRead], ""))
        .await
        .expect("an admin makes tokens");

    for (bad, field) in [
        (input("", vec![Scope::VariablesRead], ""), "name"),
        (input("u", vec![], ""), "scopes"),
        (
            input("u", vec![Scope::AuditRead], "10.0.0.0/33"),
            "allowed_networks",
        ),
        (input("t", vec![Scope::AuditRead], ""), "name"),
    ] {
        let err = tokens::create(&d.db, &admin, bad).await.unwrap_err();
        assert_eq!(err.field(), Some(field), "{err:?}");
    }
    let past = tokens::NewToken {
        expires_at: Some(1),
        ..input("u", vec![Scope::AuditRead], "")
    };
    let err = tokens::create(&d.db, &admin, past).await.unwrap_err();
    assert_eq!(err.field(), Some("expires_at"));
}
