/**
 * HTTP reports (Duplicati's `sendhttp` module). Targets: `--send-http-url` (`;`-separated, with
 * `--send-http-verb` and `--send-http-result-output-format`), `--send-http-form-urls` (POST, text
 * report as a form field) and `--send-http-json-urls` (POST, JSON report). A failed request is
 * retried `--send-http-retries` times `--send-http-retry-delay` apart; a report that cannot be
 * delivered is a warning, never a failure of the operation.
 */
import type { Logger } from "../../core/log.ts";
import { expandTemplate } from "./report_template.ts";
import { type FinishedOperation, ReportChannel } from "./report_channel.ts";
import { type ResultFormat, resultFormatOf } from "./result_format.ts";

const DEFAULT_MESSAGE =
  "Duplicati %OPERATIONNAME% report for %backup-name% (%machine-id%, %backup-id%, %machine-name%)\n\n%RESULT%";

/** One place a report goes. */
export interface HttpTarget {
  url: string;
  verb: string;
  format: ResultFormat;
}

/** The report targets the options name (duplicates removed). */
export function httpTargets(op: FinishedOperation): HttpTarget[] {
  const o = op.options;
  const split = (v: string | undefined) =>
    (v ?? "").split(";").map((s) => s.trim()).filter((s) => s);
  const targets: HttpTarget[] = [];
  const verb = (o.str("send-http-verb") ?? "POST").toUpperCase() || "POST";
  const format = resultFormatOf(o.str("send-http-result-output-format"));
  for (const url of split(o.str("send-http-url"))) targets.push({ url, verb, format });
  for (const url of split(o.str("send-http-form-urls"))) {
    targets.push({ url, verb: "POST", format: "Duplicati" });
  }
  for (const url of split(o.str("send-http-json-urls"))) {
    targets.push({ url, verb: "POST", format: "Json" });
  }
  const seen = new Set<string>();
  return targets.filter((t) => {
    const k = `${t.url}\n${t.verb}\n${t.format}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    for (const k of [...u.searchParams.keys()]) {
      if (/key|token|secret|pass/i.test(k)) u.searchParams.set(k, "****");
    }
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Sends the HTTP reports for a finished operation, if any target is configured and the result
 * qualifies. Resolves when every target was tried; failures are logged as warnings.
 */
export async function sendHttpReports(op: FinishedOperation, logger: Logger): Promise<void> {
  const targets = httpTargets(op);
  if (targets.length === 0) return;
  const channel = new ReportChannel("send-http", op);
  if (!channel.shouldSend()) return;
  const template = channel.bodyText("send-http-message", DEFAULT_MESSAGE);
  const ctx = channel.templateContext();
  const bodies = new Map<ResultFormat, string>();
  for (const t of targets) {
    if (!bodies.has(t.format)) bodies.set(t.format, expandTemplate(template, ctx, t.format, false));
  }
  const paramName = op.options.str("send-http-message-parameter-name") || "message";
  const extra = op.options.str("send-http-extra-parameters");
  const attempts = Math.max(1, op.options.int("send-http-retries", 3));
  const delay = op.options.timespan("send-http-retry-delay", 1000);
  for (const t of targets) {
    const text = bodies.get(t.format)!;
    const body = t.format === "Json"
      ? text
      : `${paramName}=${encodeURIComponent(text)}${extra ? `&${extra}` : ""}`;
    const contentType = t.format === "Json"
      ? "application/json"
      : "application/x-www-form-urlencoded";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(t.url, {
          method: t.verb,
          headers: { "content-type": contentType },
          body: t.verb === "GET" || t.verb === "HEAD" ? undefined : body,
          signal: AbortSignal.timeout(100_000),
        });
        const answer = await res.text();
        logger.verbose(`HTTP report to ${redactUrl(t.url)}: ${res.status} ${res.statusText}`);
        if (!res.ok) throw new Error(`${res.status} ${res.statusText} ${answer.slice(0, 200)}`);
        break;
      } catch (err) {
        const why = (err as Error).message;
        logger.warn(
          `HTTP report attempt ${attempt} of ${attempts} to ${redactUrl(t.url)} failed: ${why}`,
        );
        if (attempt < attempts) await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
