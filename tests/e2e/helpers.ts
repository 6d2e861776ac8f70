/**
 * End-to-end helpers: the real server as a subprocess on a free port with its own data folder, and
 * Debian's Chromium driven by playwright-core. Everything is cleaned up by `close()`.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
export const CHROMIUM = "/usr/bin/chromium";

/** Where screenshots go: $UI_ARTIFACTS, or tests/artifacts/ (git-ignored). */
export const ARTIFACTS = Deno.env.get("UI_ARTIFACTS") ??
  fileURLToPath(new URL("../artifacts/", import.meta.url));

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  /** The password given with --webservice-password ("" when the server made one up). */
  password: string;
  /** Everything the server printed so far. */
  output: () => string;
  close: () => Promise<void>;
}

/**
 * Starts `main.ts server` and resolves once it answers HTTP. Without a password the server makes
 * one up and prints a one-time sign-in link.
 */
export async function startServer(password = ""): Promise<RunningServer> {
  const dataDir = await Deno.makeTempDir({ prefix: "ui-e2e-data-" });
  let lastErr = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "server",
        `--webservice-port=${port}`,
        `--server-datafolder=${dataDir}`,
        ...(password ? [`--webservice-password=${password}`] : []),
      ],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).spawn();
    let out = "";
    const dec = new TextDecoder();
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) out += dec.decode(chunk, { stream: true });
    };
    const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
    let exited = false;
    const status = child.status.then((s) => {
      exited = true;
      return s;
    });
    const url = `http://127.0.0.1:${port}`;
    const close = async () => {
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
        const t = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
        }, 5000);
        await status;
        clearTimeout(t);
      }
      await pumps.catch(() => {});
    };
    const deadline = Date.now() + 60_000;
    while (!exited && Date.now() < deadline) {
      try {
        const r = await fetch(`${url}/`);
        await r.body?.cancel();
        if (r.ok) {
          return {
            url,
            port,
            dataDir,
            password,
            output: () => out,
            close: async () => {
              await close();
              await Deno.remove(dataDir, { recursive: true }).catch(() => {});
            },
          };
        }
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 150));
    }
    await close();
    lastErr = out;
    // The port may have been taken between probing and binding: try another one.
  }
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  throw new Error(`The server did not start:\n${lastErr}`);
}

/** Launches headless Chromium with the flags that work in containers and CI. */
export async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Saves a full-page screenshot as an artifact; returns the file's path. */
export async function shot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
  return path;
}

/** Throws unless every path is a non-empty PNG file. */
export async function assertPngs(paths: string[]): Promise<void> {
  const magic = [0x89, 0x50, 0x4e, 0x47];
  for (const p of paths) {
    const bytes = await Deno.readFile(p);
    if (bytes.length < 100 || magic.some((b, i) => bytes[i] !== b)) {
      throw new Error(`${p} is not a PNG screenshot (${bytes.length} bytes)`);
    }
  }
}

/** Throws when the page is wider than the window (content that makes the page scroll sideways). */
export async function assertNoSideScroll(page: Page, what: string): Promise<void> {
  const [scroll, client] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.clientWidth,
  ]);
  if (scroll > client + 1) {
    throw new Error(`${what}: the page is ${scroll}px wide in a ${client}px window`);
  }
}

/** Signs in over the API (for checks the test makes beside the browser). */
export async function apiToken(server: RunningServer): Promise<string> {
  const r = await fetch(`${server.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ Password: server.password }),
  });
  if (!r.ok) throw new Error(`login failed: ${r.status} ${await r.text()}`);
  return (await r.json()).AccessToken;
}

/** GET on the API with a token. */
export async function apiGet<T>(server: RunningServer, token: string, path: string): Promise<T> {
  const r = await fetch(`${server.url}/api/v1${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
  return await r.json();
}

/** Writes `count` files of random bytes (incompressible) under `dir`; returns their paths. */
export async function randomFiles(dir: string, count: number, size: number): Promise<string[]> {
  await Deno.mkdir(join(dir, "sub"), { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(size);
    for (let o = 0; o < size; o += 65536) crypto.getRandomValues(bytes.subarray(o, o + 65536));
    const p = join(dir, i % 2 ? "sub" : "", `file-${i}.bin`);
    await Deno.writeFile(p, bytes);
    out.push(p);
  }
  return out;
}

/** Every file below `dir` with the given base name. */
export async function findFiles(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.name === name) found.push(p);
    }
  };
  await walk(dir);
  return found;
}
