import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { ChainError } from "./errors.ts";

// The `fetch` that viem's http transport calls, over node:http(s) with keep-alive sockets instead of the
// global fetch (undici). Peers poll the chain every second or so; on the development machine a JSON-RPC
// call through undici cost 1.9–2.8 ms of CPU and through this 1.3–1.4 ms (docs/BENCHMARKS.md), and a
// verifier spends much of its CPU on such calls. The answer is buffered up to `maxBytes` and refused
// beyond (a hostile endpoint cannot fill memory); viem applies its own cap, timeout and retries on top.

export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Largest JSON-RPC answer accepted (a wide eth_getLogs range is the biggest). */
export const MAX_RPC_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

function headersOf(res: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
  }
  return h;
}

export function nodeHttpFetch({ maxBytes = MAX_RPC_RESPONSE_BYTES }: { maxBytes?: number } = {}): FetchFn {
  const agents = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return reject(new ChainError(`${url.protocol} is not an http(s) URL`, { url: url.toString() }));
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const body = init.body === undefined || init.body === null ? undefined : String(init.body);
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => (headers[k] = v));
      if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
      const request = url.protocol === "https:" ? httpsRequest : httpRequest;
      const req = request(url, { method: init.method ?? "GET", headers, agent: agents[url.protocol] }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy();
            reject(new ChainError(`${url.host} answered more than ${maxBytes} bytes`, { url: url.toString(), maxBytes }));
          } else chunks.push(c);
        });
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 599) return reject(new ChainError(`${url.host} answered HTTP status ${status}`, { status }));
          resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? "", headers: headersOf(res) }));
        });
      });
      const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("close", () => signal?.removeEventListener("abort", onAbort));
      req.on("error", reject);
      req.end(body);
    });
}
