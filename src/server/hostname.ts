/**
 * The Host header allow-list against DNS rebinding: a page on evil.example that resolves its name
 * to 127.0.0.1 still sends `Host: evil.example`, which is refused.
 */
import { isIP } from "node:net";

const ALWAYS = new Set(["localhost", "127.0.0.1", "::1", "localhost.localdomain"]);

/** The host name of a Host header value, without port and brackets, lower case. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") >= 0 ? h.indexOf("]") : undefined);
  const colon = h.lastIndexOf(":");
  return colon >= 0 && h.indexOf(":") === colon ? h.slice(0, colon) : h;
}

/** Parses `--webservice-allowed-hostnames` (`;` or `,` separated). */
export function parseAllowedHostnames(value: string | undefined): string[] {
  return (value ?? "").split(/[;,]/).map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
}

/**
 * True when a request with this Host header may be served: local names, literal IP addresses and
 * the configured names (`*` allows every name). A missing header is refused.
 */
export function isHostAllowed(
  header: string | undefined | null,
  allowed: readonly string[],
): boolean {
  if (!header) return false;
  if (allowed.includes("*")) return true;
  const host = hostOf(header);
  if (ALWAYS.has(host) || isIP(host) !== 0) return true;
  return allowed.includes(host);
}
