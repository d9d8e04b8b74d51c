"""An AI agent's side of /mcp through the official Python SDK (PyPI `mcp`,
pinned in .ci/mcp-python.txt), protocol 2026-07-28 (no initialize).

Reads a plan from MCP_PLAN ({url, token, calls: [{tool, arguments}]}),
lists the tools, makes each call and prints what the SDK handed back as
one JSON document; tests/api/mcp/sdk.rs judges it. It declares URL
elicitation and records each URL it is asked to open.
"""

import asyncio
import json
import os

import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def main() -> None:
    plan = json.loads(os.environ["MCP_PLAN"])
    opened: list[str] = []

    async def elicit(context, params):  # noqa: ANN001 - the SDK's callback shape
        opened.append(getattr(params, "url", None) or "")
        return types.ElicitResult(action="accept")

    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {plan['token']}"})
    transport = streamable_http_client(plan["url"], http_client=http)
    out: dict = {"calls": []}
    async with Client(transport, mode="2026-07-28", elicitation_callback=elicit) as client:
        out["tools"] = [t.name for t in (await client.list_tools()).tools]
        for call in plan["calls"]:
            try:
                r = await client.call_tool(call["tool"], call["arguments"])
                text = r.content[0].text if r.content else ""
                out["calls"].append(
                    {
                        "tool": call["tool"],
                        "isError": bool(r.is_error),
                        "text": text,
                        "structured": r.structured_content,
                    }
                )
            except Exception as e:  # the SDK raises MCPError for JSON-RPC errors
                out["calls"].append({"tool": call["tool"], "error": str(e)})
    out["elicitations"] = opened
    print(json.dumps(out))


asyncio.run(main())
