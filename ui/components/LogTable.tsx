/** A list of log rows whose columns vary by source (operation log, remote log, server log). */
import type { LogRow } from "../types.ts";
import { formatDate } from "../lib/format.ts";

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
        const firstLine = text.split("\n")[0].slice(0, 160);
        return (
          <li key={String(r.ID ?? i)} class={`log-row ${kind.toLowerCase()}`}>
            <div class="log-head">
              {timeKey && <time class="muted small">{logTime(r[timeKey])}</time>}
              {kind && <span class="badge">{kind}</span>}
              {!long && <span class="log-text">{text}</span>}
            </div>
            {long && (
              <details>
                <summary class="log-text">{firstLine || "(details)"}</summary>
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
