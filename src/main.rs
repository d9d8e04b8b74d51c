//! The `varvault` binary: the web app and its operator commands.

use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use varvault::model::Role;
use varvault::server::{accounts, config::Config, db::Db, startup::Application, telemetry};

#[derive(Parser)]
#[command(name = "varvault", version, about = "Workspace variables and secrets")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
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
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    match run(cli.command.unwrap_or(Command::Serve)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One clear line, no backtrace: this is what an operator reads.
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn open_db(config: &Config) -> Result<Db, String> {
    let db = Db::connect(&config.database_url)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
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

async fn run(command: Command) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
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
            let role = Role::parse(&role).ok_or("--role must be owner, admin or editor")?;
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
