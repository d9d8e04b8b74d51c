//! `varvault remote mcp`: MCP over standard input and output for an agent
//! on this machine (a desktop client that starts a command), forwarded
//! message by message to the server's `/mcp` with the token from the
//! environment. The server keeps no session, so each line is one POST;
//! the answer (JSON, or the messages of an event stream) goes back as
//! lines. Nothing but MCP messages is written to standard output.

use super::remote::Remote;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A line longer than this is refused (the server takes 4 MiB at most).
const LINE_MAX: usize = 4 * 1024 * 1024;

/// Forwards every line of standard input until it ends.
pub async fn serve(remote: &Remote) -> Result<(), String> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut out = tokio::io::stdout();
    // The version the handshake settled, sent with each later request.
    let mut version: Option<String> = None;
    while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
        if line.trim().is_empty() {
            continue;
        }
        let answers = match serde_json::from_str::<Value>(&line) {
            Ok(_) if line.len() > LINE_MAX => vec![error(Value::Null, -32600, "message too large")],
            Ok(message) => forward(remote, &message, &mut version).await,
            Err(_) => vec![error(Value::Null, -32700, "Parse error")],
        };
        for answer in answers {
            let mut text = answer.to_string();
            text.push('\n');
            out.write_all(text.as_bytes())
                .await
                .map_err(|e| e.to_string())?;
        }
        out.flush().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// One message to `/mcp`: the messages that answer it (none for a
/// notification).
async fn forward(remote: &Remote, message: &Value, version: &mut Option<String>) -> Vec<Value> {
    let id = message.get("id").cloned();
    let method = message["method"].as_str().unwrap_or_default();
    let mut request = remote
        .client
        .post(format!("{}/mcp", remote.base))
        .bearer_auth(&remote.token)
        .header("accept", "application/json, text/event-stream")
        .json(message);
    let per_request =
        message["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"].as_str();
    if let Some(v) = per_request.or(version.as_deref()) {
        request = request.header("mcp-protocol-version", v);
    }
    if !method.is_empty() {
        request = request.header("mcp-method", method);
    }
    if let Some(name) = message["params"]["name"]
        .as_str()
        .filter(|_| method == "tools/call")
    {
        request = request.header("mcp-name", name);
    }
    let failed = |text: String| match &id {
        Some(id) => vec![error(id.clone(), -32603, &super::remote::printable(&text))],
        None => Vec::new(),
    };
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return failed(format!("cannot reach {}: {}", remote.base, e.without_url())),
    };
    let status = response.status();
    let sse = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let text = match response.text().await {
        Ok(text) => text,
        Err(e) => return failed(e.to_string()),
    };
    if !status.is_success() {
        let said = text.lines().next().unwrap_or_default();
        return failed(format!(
            "{} answered HTTP {}: {said}",
            remote.base,
            status.as_u16()
        ));
    }
    let answers: Vec<Value> = if sse {
        text.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect()
    } else {
        serde_json::from_str(&text).into_iter().collect()
    };
    if method == "initialize" {
        if let Some(v) = answers
            .iter()
            .find_map(|a| a["result"]["protocolVersion"].as_str())
        {
            *version = Some(v.to_string());
        }
    }
    answers
}
