//! The `varvault` binary: the web app and its operator commands.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use varvault::model::Role;
use varvault::server::infra::crypto::{master, MasterKey, MasterKeySource};
use varvault::server::web::startup::{open_database, Application};
use varvault::server::{
    infra::config::Config, infra::db::Db, infra::telemetry, rules::accounts, rules::rotation,
};

#[derive(Parser)]
#[command(name = "varvault", version, about = "Workspace variables and secrets")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The settings, mostly given as environment variables (README).
    #[command(flatten)]
    settings: varvault::server::infra::config::EnvSettings,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the web app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an account. The password is read from a prompt, or from the
    /// first line of standard input when it is not a terminal; never from
    /// the command line, where other users could see it.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Slug of a workspace to join, or the name of a new workspace the
        /// user will own.
        #[arg(long)]
        workspace: Option<String>,
        /// Role in an existing workspace: owner, admin or editor.
        #[arg(long, default_value = "editor")]
        role: String,
    },
    /// Set a new password for an account and end all of its sessions. The
    /// password is read as for create-user.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Re-wrap every data key under a new master key, in one transaction.
    /// The new key comes from --new-key-file, VARVAULT_NEW_MASTER_KEY, or
    /// --generate-new-key (a new file, mode 0600). Secrets are untouched.
    RotateMasterKey {
        /// A file holding the new key (standard base64 of 32 bytes).
        #[arg(long, conflicts_with = "generate_new_key")]
        new_key_file: Option<PathBuf>,
        /// Generate the new key into this file (it must not exist).
        #[arg(long)]
        generate_new_key: Option<PathBuf>,
    },
    /// Give a workspace a new data key and re-encrypt its secrets in small
    /// batches while the app keeps serving. Running it again after a crash
    /// completes the rotation.
    RotateWorkspaceKey {
        /// The workspace's slug.
        workspace: String,
        #[arg(long, default_value_t = 500)]
        batch_size: i64,
    },
    /// Print the web app's pages, one route per line (`/w/{ws}/variables`):
    /// what a reverse proxy passes on; the browser tests visit each.
    Routes,
    /// Decrypt every data key and secret under the current master key and
    /// print counts per workspace (never values); exit 1 on any failure.
    Check,
    /// Use a running varvault's REST API: VARVAULT_URL (default
    /// http://127.0.0.1:3000) and an access token in VARVAULT_TOKEN, both
    /// from the environment only.
    Remote {
        /// The workspace (slug) the token must belong to: nothing is done
        /// with a token of another one.
        #[arg(long, global = true)]
        workspace: Option<String>,
        #[command(subcommand)]
        action: varvault::server::infra::remote::RemoteAction,
    },
}

/// Ends on a command line or setting clap cannot parse: help and version
/// as clap prints them, an error as one line naming the setting (not
/// clap's usage page).
fn clap_failure(err: clap::Error) -> ExitCode {
    if !err.use_stderr() {
        err.exit(); // --help, --version
    }
    let text = err.render().to_string();
    eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    // First, before any thread: each thread may get a malloc arena.
    varvault::server::infra::memory::limit_arenas();
    telemetry::init(std::env::args().nth(1).as_deref() == Some("remote"));
    let command = varvault::server::infra::config::ignore_empty_env(Cli::command());
    let matches = match command.try_get_matches() {
        Ok(matches) => matches,
        Err(err) => return clap_failure(err),
    };
    if let Err(err) = varvault::server::infra::config::refuse_secrets_on_command_line(&matches) {
        eprintln!("error: {err}");
        return ExitCode::FAILURE;
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => return clap_failure(err),
    };
    let config = match Config::from_settings(cli.settings) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    // A client's failure is for the person at the terminal, not the log.
    let log_failure = !matches!(command, Command::Remote { .. });
    let result = runtime.block_on(run(config, command));
    // Tasks still running (requests past the shutdown grace, a DNS lookup
    // on the blocking pool) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One clear line, no backtrace: this is what an operator reads.
            if log_failure {
                tracing::error!("{message}");
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the database the way `serve` does: the master key is checked
/// before any migration or write.
async fn open_db(config: &Config) -> Result<Db, String> {
    let (db, _keyring) = open_database(config).await.map_err(|e| e.to_string())?;
    Ok(db)
}

fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Password again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn new_master_key(
    new_key_file: Option<PathBuf>,
    generate: Option<PathBuf>,
) -> Result<(MasterKey, String), String> {
    if let Some(path) = generate {
        let key = master::generate_file(&path).map_err(|e| e.to_string())?;
        return Ok((MasterKey::new(key), path.display().to_string()));
    }
    if let Some(path) = new_key_file {
        let key = master::read_file(&path).map_err(|e| e.to_string())?;
        return Ok((MasterKey::new(key), path.display().to_string()));
    }
    match std::env::var("VARVAULT_NEW_MASTER_KEY") {
        Ok(text) if !text.trim().is_empty() => {
            let text = zeroize::Zeroizing::new(text);
            let key = master::parse_base64(&text, "VARVAULT_NEW_MASTER_KEY")
                .map_err(|e| e.to_string())?;
            Ok((MasterKey::new(key), "VARVAULT_NEW_MASTER_KEY".into()))
        }
        _ => Err(
            "give the new key with --new-key-file PATH, VARVAULT_NEW_MASTER_KEY, \
                  or --generate-new-key PATH"
                .into(),
        ),
    }
}

async fn rotate_master_key(
    config: &Config,
    new_key_file: Option<PathBuf>,
    generate: Option<PathBuf>,
) -> Result<(), String> {
    let db = Db::connect(&config.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let old = master::load(&config.master_key).map_err(|e| e.to_string())?;
    let wrapped_by = varvault::server::infra::db::data_keys::wrapping_key_ids(&db)
        .await
        .map_err(|e| e.to_string())?;
    let (new, new_from) = new_master_key(new_key_file, generate)?;
    if new.id() == old.id() {
        return Err("the new master key is the current one".into());
    }
    if let Some(other) = wrapped_by
        .iter()
        .find(|id| *id != old.id() && *id != new.id())
    {
        return Err(format!(
            "the database holds keys wrapped by master key {other}, which is neither the \
             current key ({}) nor the new one ({}); nothing was changed",
            old.id(),
            new.id()
        ));
    }
    db.migrate().await.map_err(|e| e.to_string())?;
    let n = rotation::rotate_master_key(&db, &old, &new)
        .await
        .map_err(|e| e.to_string())?;
    db.close().await;
    let config_hint = match &config.master_key {
        MasterKeySource::Default(path) => format!("replace {} with it", path.display()),
        MasterKeySource::File(path) => format!("replace {} with it", path.display()),
        MasterKeySource::Env(_) => "set VARVAULT_MASTER_KEY to it".into(),
    };
    println!(
        "re-wrapped {n} data keys under the new master key (id {}, from {new_from}).\n\
         Next:\n\
         1. give every instance the new key ({config_hint}) and restart them;\n\
         2. run `varvault check`; if an instance created keys with the old key meanwhile, \
         run this command again, then check;\n\
         3. only then destroy the old key (id {}) and its backups.",
        new.id(),
        old.id()
    );
    Ok(())
}

async fn run(config: Config, command: Command) -> Result<(), String> {
    match command {
        Command::Serve => {
            let app = Application::build(config)
                .await
                .map_err(|e| e.to_string())?;
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Migrate => {
            let db = open_db(&config).await?;
            db.close().await;
            println!("database is up to date");
            Ok(())
        }
        Command::CreateUser {
            email,
            name,
            workspace,
            role,
        } => {
            let role = Role::parse(&role.trim().to_ascii_lowercase())
                .ok_or("--role must be owner, admin or editor")?;
            let password = read_password()?;
            let db = open_db(&config).await?;
            let joined = accounts::create_user(
                &db,
                &email,
                &name,
                password,
                workspace.as_deref().map(|w| (w, role)),
            )
            .await
            .map_err(|e| e.to_string())?;
            db.close().await;
            match joined {
                Some(slug) => println!("created {email} in workspace {slug}"),
                None => println!("created {email}"),
            }
            Ok(())
        }
        Command::RotateMasterKey {
            new_key_file,
            generate_new_key,
        } => rotate_master_key(&config, new_key_file, generate_new_key).await,
        Command::RotateWorkspaceKey {
            workspace,
            batch_size,
        } => {
            let (db, keyring) = open_database(&config).await.map_err(|e| e.to_string())?;
            let id = rotation::workspace_id(&db, &workspace)
                .await
                .map_err(|e| e.to_string())?;
            let done = rotation::rotate_workspace_key(&db, &keyring, id, batch_size.max(1), |_| {
                std::ops::ControlFlow::Continue(())
            })
            .await
            .map_err(|e| e.to_string())?;
            db.close().await;
            println!(
                "workspace {workspace}: key version {}, {} values re-encrypted, {} old versions deleted",
                done.version, done.reencrypted, done.deleted_versions
            );
            Ok(())
        }
        Command::Remote { workspace, action } => {
            varvault::server::infra::remote::run(workspace.as_deref(), action).await
        }
        Command::Routes => {
            for route in leptos_axum::generate_route_list(varvault::app::App) {
                println!("{}", route.path());
            }
            Ok(())
        }
        Command::Check => {
            let (db, keyring) = open_database(&config).await.map_err(|e| e.to_string())?;
            let reports = rotation::check(&db, &keyring)
                .await
                .map_err(|e| e.to_string())?;
            db.close().await;
            let mut failed = 0;
            let mut unusable = 0;
            for r in &reports {
                println!(
                    "workspace {}: {} data keys, {} secrets, {} failed, {} earlier values, {} unusable",
                    r.slug,
                    r.data_keys,
                    r.secrets,
                    r.failed,
                    r.versions,
                    r.unusable.len()
                );
                for why in &r.unusable {
                    println!("  unusable: {why}");
                }
                failed += r.failed;
                unusable += r.unusable.len();
            }
            if failed > 0 {
                return Err(format!("{failed} keys or values do not decrypt"));
            }
            if unusable > 0 {
                return Err(format!(
                    "{unusable} secrets or blocks refuse to run until an owner or admin mends them"
                ));
            }
            println!("all keys and values decrypt under the current master key");
            Ok(())
        }
        Command::ResetPassword { email } => {
            let password = read_password()?;
            let db = open_db(&config).await?;
            accounts::reset_password(&db, &email, password)
                .await
                .map_err(|e| e.to_string())?;
            db.close().await;
            println!("password reset for {email}; all of its sessions have ended");
            Ok(())
        }
    }
}
