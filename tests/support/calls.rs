//! Calls a browser makes, as methods of the test's app: variables and
//! workflows through their server functions, from the app's own origin.

use super::canary::{MASKED_CANARY, RESTRICTED_CANARY};
use super::{spawn_app_with, TestApp, WORKSPACE};
use varvault::model::{
    BlockId, BlockInput, BlockView, HttpMethod, KeyValue, VariableView, VariablesPage, WorkflowId,
};

/// An app whose blocks may call 127.0.0.1 (the tests' upstreams), with a
/// short outbound timeout.
pub async fn spawn_private_app() -> TestApp {
    spawn_app_with(|c| {
        c.allow_private_networks = true;
        c.outbound_timeout = std::time::Duration::from_secs(2);
    })
    .await
}

pub fn block(id: BlockId, url: &str, headers: &[(&str, &str)], body: &str) -> BlockInput {
    BlockInput {
        id,
        name: "Fetch tickets".into(),
        method: if body.is_empty() {
            HttpMethod::Get
        } else {
            HttpMethod::Post
        },
        url: url.into(),
        query: vec![],
        headers: headers
            .iter()
            .map(|(n, v)| KeyValue {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect(),
        body: body.into(),
    }
}

impl TestApp {
    pub async fn create_variable(
        &self,
        client: &reqwest::Client,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form = vec![("workspace", WORKSPACE)];
        form.extend_from_slice(fields);
        self.call_with(client, "create_variable", &form).await
    }

    pub async fn create_ok(&self, fields: &[(&str, &str)]) -> VariableView {
        let res = self.create_variable(&self.client, fields).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        res.json().await.unwrap()
    }

    pub async fn list_variables(&self, client: &reqwest::Client) -> VariablesPage {
        let res = self
            .call_with(client, "list_variables", &[("workspace", WORKSPACE)])
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// A masked and a restricted secret with canary values, and a plain one.
    pub async fn seed(&self) -> (VariableView, VariableView, VariableView) {
        let masked = self
            .create_ok(&[
                ("kind", "secret"),
                ("name", "MASKED_TOKEN"),
                ("value", MASKED_CANARY),
                ("visibility", "masked"),
            ])
            .await;
        let restricted = self
            .create_ok(&[
                ("kind", "secret"),
                ("name", "ZENDESK_TOKEN"),
                ("value", RESTRICTED_CANARY),
                ("visibility", "restricted"),
                ("allowed_hosts", "*.zendesk.com"),
            ])
            .await;
        let plain = self
            .create_ok(&[
                ("kind", "plain"),
                ("name", "REGION"),
                ("value", "eu-west-1"),
            ])
            .await;
        (masked, restricted, plain)
    }

    pub async fn workflow(&self, client: &reqwest::Client) -> (WorkflowId, BlockId) {
        let res = self
            .call_with(
                client,
                "create_workflow",
                &[("workspace", WORKSPACE), ("name", "Support sync")],
            )
            .await;
        assert!(res.status().is_success() || res.status().is_redirection());
        let id: WorkflowId = res.json().await.unwrap();
        let res = self
            .call_with(
                client,
                "add_block",
                &[("workspace", WORKSPACE), ("workflow_id", &id.to_string())],
            )
            .await;
        let block: BlockView = res.json().await.unwrap();
        (id, block.block.id)
    }

    pub async fn save_block(&self, client: &reqwest::Client, b: &BlockInput) -> reqwest::Response {
        client
            .post(self.url("/api/save_block"))
            .header("origin", self.origin())
            .json(&serde_json::json!({ "workspace": WORKSPACE, "block": b }))
            .send()
            .await
            .unwrap()
    }

    pub async fn run_block(&self, client: &reqwest::Client, id: BlockId) -> reqwest::Response {
        self.call_with(
            client,
            "run_block",
            &[("workspace", WORKSPACE), ("id", &id.to_string())],
        )
        .await
    }
}
