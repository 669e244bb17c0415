import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "mocha";
import { createPublicClient, http } from "viem";
import { ChainError, nodeHttpFetch } from "../../lib/chain/index.ts";

// The fetch viem's transport uses (lib/chain/node-fetch.ts), against a plain local HTTP server.

describe("chain: node:http fetch for viem (lib/chain/node-fetch.ts)", () => {
  let server: Server;
  let base: string;
  const requests: { method: string; body: string; type: string | undefined }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        requests.push({ method: req.method ?? "", body, type: req.headers["content-type"] });
        if (req.url === "/big") return res.end("x".repeat(4096));
        if (req.url === "/slow") return void setTimeout(() => res.end("late"), 5_000).unref();
        if (req.url === "/teapot") return res.writeHead(418, { "content-type": "text/plain" }).end("no");
        const id = (JSON.parse(body || "{}") as { id?: number }).id ?? 0;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x2a" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("posts the body and returns the status, headers and body as a Response", async () => {
    const res = await nodeHttpFetch()(`${base}/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"id":7}' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(await res.json(), { jsonrpc: "2.0", id: 7, result: "0x2a" });
    assert.deepEqual(requests.at(-1), { method: "POST", body: '{"id":7}', type: "application/json" });
    const teapot = await nodeHttpFetch()(`${base}/teapot`);
    assert.equal(teapot.status, 418);
    assert.equal(await teapot.text(), "no");
  });

  it("serves viem's http transport (a JSON-RPC call end to end)", async () => {
    const client = createPublicClient({ transport: http(`${base}/rpc`, { fetchFn: nodeHttpFetch(), retryCount: 0 }) });
    assert.equal(await client.getBlockNumber({ cacheTime: 0 }), 42n);
  });

  it("refuses an answer over maxBytes", async () => {
    await assert.rejects(nodeHttpFetch({ maxBytes: 1024 })(`${base}/big`), (e: Error) => e instanceof ChainError && /more than 1024 bytes/.test(e.message));
    const ok = await nodeHttpFetch({ maxBytes: 8192 })(`${base}/big`);
    assert.equal((await ok.text()).length, 4096);
  });

  it("stops waiting when the signal aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("gave up")), 50);
    const t0 = Date.now();
    await assert.rejects(nodeHttpFetch()(`${base}/slow`, { signal: controller.signal }), /gave up/);
    assert.ok(Date.now() - t0 < 2_000);
  });

  it("refuses a URL that is not http(s), and a refused connection", async () => {
    await assert.rejects(nodeHttpFetch()("ftp://127.0.0.1/x"), ChainError);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(nodeHttpFetch()(`http://127.0.0.1:${port}/`), /ECONNREFUSED/);
  });
});
