/** A list of log rows whose columns vary by source (operation log, remote log, server log). */
import type { LogRow } from "../types.ts";
import { formatDate, formatDuration, formatSize } from "../lib/format.ts";

/** Dates in logs arrive as ISO strings, unix seconds or unix milliseconds. */
export function logTime(v: unknown): string {
  if (typeof v === "number") return formatDate(v < 1e11 ? v * 1000 : v);
  if (typeof v === "string" && /^\d+$/.test(v)) return logTime(Number(v));
  return formatDate(v as string);
}

function pretty(v: unknown): string {
  if (typeof v !== "string") return JSON.stringify(v, null, 2);
  const s = v.trim();
  if ((s.startsWith("{") && s.endsWith("}")) || (s.startsWith("[") && s.endsWith("]"))) {
    try {
      return JSON.stringify(JSON.parse(s), null, 2);
    } catch { /* not JSON */ }
  }
  return v;
}

/**
 * A one-line summary of an operation result stored as JSON in a log row ({MainOperation,
 * ParsedResult, ...counts}), or null when the message is not such a result. Reads Duplicati's
 * PascalCase names and the engine's camelCase names.
 */
export function resultSummary(
  message: string,
): { title: string; level: string; facts: string[] } | null {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(message);
  } catch {
    return null;
  }
  if (!r || typeof r !== "object" || typeof r.MainOperation !== "string") return null;
  const pick = (...keys: string[]) => {
    for (const k of keys) if (typeof r[k] === "number") return r[k] as number;
    return undefined;
  };
  const count = (...keys: string[]) => {
    for (const k of keys) if (Array.isArray(r[k])) return (r[k] as unknown[]).length;
    return 0;
  };
  const facts: string[] = [];
  const add = (label: string, v: number | undefined, size = false) => {
    if (v !== undefined) facts.push(`${label} ${size ? formatSize(v) : v.toLocaleString()}`);
  };
  add("examined", pick("ExaminedFiles", "examinedFiles"));
  add("added", pick("AddedFiles", "addedFiles"));
  add("changed", pick("ModifiedFiles", "modifiedFiles"));
  add("deleted", pick("DeletedFiles", "deletedFiles"));
  add("uploaded", pick("BytesUploaded", "bytesUploaded", "uploadedBytes"), true);
  add("restored", pick("RestoredFiles", "restoredFiles"));
  add("size", pick("SizeOfRestoredFiles", "sizeRestored"), true);
  const begin = Date.parse(String(r.BeginTime ?? ""));
  const end = Date.parse(String(r.EndTime ?? ""));
  if (Number.isFinite(begin) && Number.isFinite(end)) {
    facts.push(`took ${formatDuration((end - begin) / 1000)}`);
  }
  const w = count("Warnings", "warnings");
  const e = count("Errors", "errors");
  if (w) facts.push(`${w} warning${w === 1 ? "" : "s"}`);
  if (e) facts.push(`${e} error${e === 1 ? "" : "s"}`);
  const level = String(r.ParsedResult ?? r.Status ?? "");
  return { title: `${r.MainOperation}: ${level || "finished"}`, level: level.toLowerCase(), facts };
}

const TIME_KEYS = ["Timestamp", "When", "Time"];
const KIND_KEYS = ["Type", "Level", "Operation"];
const TEXT_KEYS = ["Message", "Path"];

export function LogTable(props: { rows: LogRow[]; empty?: string }) {
  if (props.rows.length === 0) return <p class="muted">{props.empty ?? "No log entries."}</p>;
  return (
    <ul class="log-list">
      {props.rows.map((r, i) => {
        const timeKey = TIME_KEYS.find((k) => k in r);
        const kindKey = KIND_KEYS.find((k) => k in r);
        const textKey = TEXT_KEYS.find((k) => k in r);
        const kind = kindKey ? String(r[kindKey] ?? "") : "";
        const text = textKey ? String(r[textKey] ?? "") : "";
        const rest = Object.entries(r).filter(([k, v]) =>
          k !== timeKey && k !== kindKey && k !== textKey && v !== null && v !== "" && k !== "ID"
        );
        const long = text.length > 160 || text.includes("\n") || rest.length > 0;
        const result = resultSummary(text);
        const firstLine = result
          ? `${result.title}${result.facts.length ? ` (${result.facts.join(", ")})` : ""}`
          : text.split("\n")[0].slice(0, 160);
        return (
          <li
            key={String(r.ID ?? i)}
            class={`log-row ${kind.toLowerCase()} ${result?.level ?? ""}`}
          >
            <div class="log-head">
              {timeKey && <time class="muted small">{logTime(r[timeKey])}</time>}
              {kind && <span class="badge">{kind}</span>}
              {!long && <span class="log-text">{text}</span>}
            </div>
            {long && (
              <details>
                <summary class="log-text">
                  {result ? <strong>{firstLine}</strong> : firstLine || "(details)"}
                </summary>
                {text && <pre class="mono small">{pretty(text)}</pre>}
                {rest.map(([k, v]) => (
                  <div key={k} class="small">
                    <strong>{k}:</strong> <pre class="mono small inline">{pretty(v)}</pre>
                  </div>
                ))}
              </details>
            )}
          </li>
        );
      })}
    </ul>
  );
}
