//! The binary as a process: its CLI, and `varvault serve` on the test's
//! database with every log line kept (tests that read the server's log).

use super::TestApp;
use std::path::Path;
use std::process::{Command, Output};

pub fn key_path(app_dir: &Path) -> std::path::PathBuf {
    app_dir.join("data/master.key")
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl TestApp {
    pub fn cli(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_varvault"));
        cmd.args(args)
            .env("VARVAULT_DATABASE_URL", self.db_url())
            .env("VARVAULT_MASTER_KEY_FILE", key_path(self.dir()))
            .env("RUST_LOG", "info")
            .current_dir(self.dir());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().expect("run varvault")
    }

    /// Runs `varvault serve` on the test's database with every log line kept
    /// in `log`, and points the test's client at it.
    pub async fn serve_in_a_process(&mut self, log: &Path) -> std::process::Child {
        self.serve_in_a_process_with(log, &[]).await
    }

    /// [`TestApp::serve_in_a_process`] with more environment variables.
    pub async fn serve_in_a_process_with(
        &mut self,
        log: &Path,
        envs: &[(&str, &str)],
    ) -> std::process::Child {
        let log_file = std::fs::File::create(log).unwrap();
        // Port 0: the server binds and keeps its listener, then logs the address.
        let mut child = Command::new(env!("CARGO_BIN_EXE_varvault"))
            .arg("serve")
            .env("VARVAULT_DATABASE_URL", self.db_url())
            .env("VARVAULT_MASTER_KEY_FILE", key_path(self.dir()))
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_SITE_ROOT", self.dir())
            .env("RUST_LOG", "trace")
            // So an API block can call the test's echo server on 127.0.0.1.
            .env("VARVAULT_ALLOW_PRIVATE_NETWORKS", "true")
            .envs(envs.iter().copied())
            .current_dir(self.dir())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap();
        for _ in 0..200 {
            if let Some(addr) = listening_addr(&std::fs::read_to_string(log).unwrap_or_default()) {
                self.addr = addr;
                if let Ok(res) = self.client.get(self.url("/healthz")).send().await {
                    if res.status() == 200 {
                        return child;
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "the server process did not start: {}",
            std::fs::read_to_string(log).unwrap()
        );
    }
}

/// The address in the server's "listening on http://ADDR" log line.
fn listening_addr(log: &str) -> Option<std::net::SocketAddr> {
    let rest = &log[log.find("listening on http://")? + "listening on http://".len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}
