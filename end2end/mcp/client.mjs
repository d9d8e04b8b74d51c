// An AI agent's side of /mcp through the official TypeScript SDK (npm
// @modelcontextprotocol/sdk, pinned in package.json), protocol 2025-11-25.
// Reads a plan from MCP_PLAN ({url, token, calls: [{tool, arguments}]},
// or {stdio: {command, args, env}, calls} to start `varvault remote mcp`),
// lists the tools, makes each call and prints what the SDK handed back as
// one JSON document; tests/api/mcp/sdk.rs judges it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const plan = JSON.parse(process.env.MCP_PLAN);
const transport = plan.stdio
  ? new StdioClientTransport({ ...plan.stdio, stderr: 'inherit' })
  : new StreamableHTTPClientTransport(new URL(plan.url), {
      requestInit: { headers: { Authorization: `Bearer ${plan.token}` } },
    });
const client = new Client(
  { name: 'varvault-ts-test', version: '1.0.0' },
  { capabilities: { elicitation: { url: {} } } },
);
await client.connect(transport);
const out = {
  protocol: transport.protocolVersion ?? null,
  session: transport.sessionId ?? null,
  tools: (await client.listTools()).tools.map((t) => t.name),
  calls: [],
};
for (const call of plan.calls) {
  try {
    const r = await client.callTool({ name: call.tool, arguments: call.arguments });
    out.calls.push({
      tool: call.tool,
      isError: r.isError === true,
      text: r.content?.[0]?.text ?? '',
      structured: r.structuredContent ?? null,
    });
  } catch (e) {
    out.calls.push({ tool: call.tool, error: String(e?.message ?? e), code: e?.code ?? null, data: e?.data ?? null });
  }
}
await client.close();
process.stdout.write(JSON.stringify(out));
