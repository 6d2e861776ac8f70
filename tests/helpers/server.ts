// deno-lint-ignore-file no-explicit-any
/** Test helpers: an in-process server on a free port with a temp data folder, and a small client. */
import { parseServerArgs } from "../../src/server/server_options.ts";
import { type ServerHandle, type StartOptions, startServer } from "../../src/server/server.ts";

export const TEST_PASSWORD = "correct horse battery staple";

/** A JSON answer. */
export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A client for one server; `token` is sent as bearer when set. */
export class Client {
  token?: string;
  cookie?: string;
  constructor(readonly base: string, readonly host?: string) {}

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts: { raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.cookie) headers.Cookie = this.cookie;
    if (this.host) headers.Host = this.host;
    if (body !== undefined || opts.raw !== undefined) headers["Content-Type"] = "application/json";
    const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const r = this.host
      ? await rawRequest(this.base, method, path, { ...headers, Host: this.host }, payload)
      : await fetch(this.base + path, { method, headers, body: payload });
    const setCookie = r.headers.get("set-cookie");
    if (setCookie) {
      const kv = setCookie.split(";")[0];
      this.cookie = kv.endsWith("=") ? undefined : kv;
    }
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON.
    }
    return { status: r.status, body: parsed as T, headers: r.headers };
  }

  get<T = any>(path: string) {
    return this.request<T>("GET", path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>("POST", path, body);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>("PUT", path, body);
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>("PATCH", path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>("DELETE", path);
  }

  /** Signs in with the password; keeps the access token and refresh cookie. */
  async login(password = TEST_PASSWORD): Promise<Answer> {
    const r = await this.post("/api/v1/auth/login", { Password: password, RememberMe: true });
    if (r.status === 200) this.token = r.body.AccessToken;
    return r;
  }
}

/**
 * An HTTP/1.1 request over a plain TCP connection, so the Host header can be anything (fetch
 * always sends the URL's host).
 */
async function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Response> {
  const u = new URL(base);
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  try {
    const data = new TextEncoder().encode(body ?? "");
    const head = [
      `${method} ${path} HTTP/1.1`,
      "Connection: close",
      `Content-Length: ${data.length}`,
    ];
    for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
    await conn.write(new TextEncoder().encode(head.join("\r\n") + "\r\n\r\n"));
    if (data.length) await conn.write(data);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const all = new TextDecoder().decode(
      chunks.reduce((a, b) => {
        const x = new Uint8Array(a.length + b.length);
        x.set(a);
        x.set(b, a.length);
        return x;
      }, new Uint8Array()),
    );
    const split = all.indexOf("\r\n\r\n");
    const lines = all.slice(0, split).split("\r\n");
    const status = Number(lines[0].split(" ")[1]);
    const h = new Headers();
    for (const l of lines.slice(1)) {
      h.append(l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim());
    }
    let rest = all.slice(split + 4);
    if (h.get("transfer-encoding")?.includes("chunked")) {
      let out = "";
      while (rest.length) {
        const eol = rest.indexOf("\r\n");
        const size = parseInt(rest.slice(0, eol), 16);
        if (!size) break;
        out += rest.slice(eol + 2, eol + 2 + size);
        rest = rest.slice(eol + 2 + size + 2);
      }
      rest = out;
    }
    return new Response(rest, { status, headers: h });
  } finally {
    conn.close();
  }
}

/** A started test server with its data folder. */
export interface TestServer {
  server: ServerHandle;
  dataFolder: string;
  client: Client;
  close(): Promise<void>;
}

/** Starts a server on a free port with a fresh data folder and a known password. */
export async function startTestServer(
  args: string[] = [],
  opts: StartOptions & { dataFolder?: string; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dataFolder = opts.dataFolder ?? await Deno.makeTempDir({ prefix: "dup-server-test-" });
  const cfg = parseServerArgs([
    `--server-datafolder=${dataFolder}`,
    "--webservice-port=0",
    `--webservice-password=${TEST_PASSWORD}`,
    ...args,
  ], opts.env ?? {});
  const server = await startServer(cfg, { print: () => {}, startScheduler: false, ...opts });
  const client = new Client(`http://127.0.0.1:${server.port}`);
  return {
    server,
    dataFolder,
    client,
    async close() {
      await server.close();
      if (!opts.dataFolder) await Deno.remove(dataFolder, { recursive: true }).catch(() => {});
    },
  };
}

/** Runs `fn` with a signed-in client, closing the server afterwards even on failure. */
export async function withServer(
  fn: (t: TestServer) => Promise<void>,
  args: string[] = [],
  opts: StartOptions & { dataFolder?: string; env?: Record<string, string> } = {},
): Promise<void> {
  const t = await startTestServer(args, opts);
  try {
    const r = await t.client.login();
    if (r.status !== 200) throw new Error(`login failed: ${JSON.stringify(r.body)}`);
    await fn(t);
  } finally {
    await t.close();
  }
}

/** Polls `fn` until it returns a truthy value or `ms` pass; returns the last value. */
export async function until<T>(fn: () => Promise<T> | T, ms = 20_000, step = 50): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!v && Date.now() < end) {
    await new Promise((r) => setTimeout(r, step));
    v = await fn();
  }
  return v;
}

/** Waits for a task to end (Completed, Failed, Stopped or Aborted) and returns its info. */
export async function finished(client: Client, taskId: number, ms = 60_000): Promise<any> {
  const t = await until(async () => {
    const r = await client.get(`/api/v1/task/${taskId}`);
    return ["Completed", "Failed", "Stopped", "Aborted"].includes(r.body.Status)
      ? r.body
      : undefined;
  }, ms);
  if (!t) throw new Error(`task ${taskId} did not finish within ${ms} ms`);
  return t;
}

/**
 * The body of `POST /api/v1/backups` for an encrypted backup of `source` to the local folder
 * `target`, without a schedule. `settings` replace or add to the defaults (passphrase, 1mb dblocks).
 */
export function localBackupBody(
  name: string,
  source: string,
  target: string,
  settings: Record<string, string> = {},
) {
  const all: Record<string, string> = {
    "encryption-module": "aes",
    passphrase: "server-test-pass",
    "dblock-size": "1mb",
    ...settings,
  };
  return {
    Backup: {
      Name: name,
      TargetURL: `file://${target}`,
      Sources: [source.endsWith("/") ? source : source + "/"],
      Settings: Object.entries(all).map(([Name, Value]) => ({ Name, Value })),
      Filters: [],
    },
    Schedule: null,
  };
}
