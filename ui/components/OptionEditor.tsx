/**
 * Editor for a list of advanced options ([{Name: "--opt", Value}]) with every option of the
 * registry (/systeminfo), each with an input for its type and its help text. Used by the wizard
 * and by the default options in Settings.
 */
import { useMemo, useState } from "preact/hooks";
import type { OptionInfo, Setting, SystemInfo } from "../types.ts";
import { Icon } from "./Icon.tsx";
import { DynInput } from "./ui.tsx";

/** All options the server knows: the core list and every module's own options, without duplicates. */
export function allOptions(sys: SystemInfo | null): OptionInfo[] {
  if (!sys) return [];
  const seen = new Map<string, OptionInfo>();
  const add = (o: OptionInfo, group?: string) => {
    if (!o?.Name || seen.has(o.Name)) return;
    seen.set(o.Name, group && !o.Category ? { ...o, Category: group } : o);
  };
  for (const o of sys.Options ?? []) add(o);
  const mods: [string, SystemInfo["BackendModules"]][] = [
    ["Destination", sys.BackendModules],
    ["Encryption", sys.EncryptionModules],
    ["Compression", sys.CompressionModules],
    ["Modules", sys.GenericModules],
  ];
  for (const [group, list] of mods) {
    for (const m of list ?? []) {
      for (const o of m.Options ?? m.SupportedCommands ?? []) {
        add(o, `${group}: ${m.DisplayName ?? m.Key}`);
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.Name.localeCompare(b.Name));
}

const bare = (n: string) => n.replace(/^--/, "");

function ValueInput(
  props: { opt: OptionInfo | undefined; id: string; value: string; onChange: (v: string) => void },
) {
  const t = (props.opt?.Type ?? "string").toLowerCase();
  const valid = props.opt?.ValidValues ?? [];
  if (t === "boolean") {
    return (
      <select
        id={props.id}
        value={props.value || "true"}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  }
  if ((t === "enumeration" || t === "enum") && valid.length) {
    return (
      <select
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        {!valid.includes(props.value) && (
          <option value={props.value}>{props.value || "(choose)"}</option>
        )}
        {valid.map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
    );
  }
  if (t === "flags" && valid.length) {
    const on = props.value.split(",").map((s) => s.trim()).filter(Boolean);
    return (
      <div class="flags" id={props.id} role="group">
        {valid.map((v) => (
          <label key={v} class="check">
            <input
              type="checkbox"
              checked={on.includes(v)}
              onChange={(e) => {
                const next = (e.target as HTMLInputElement).checked
                  ? [...on, v]
                  : on.filter((x) => x !== v);
                props.onChange(next.join(","));
              }}
            />
            {v}
          </label>
        ))}
      </div>
    );
  }
  return (
    <DynInput
      id={props.id}
      type={t === "password" ? "password" : t === "integer" || t === "decimal" ? "number" : "text"}
      autoComplete="off"
      placeholder={props.opt?.DefaultValue ?? undefined}
      value={props.value}
      onInput={(e) => props.onChange((e.target as HTMLInputElement).value)}
    />
  );
}

export function OptionEditor(
  props: {
    value: Setting[];
    onChange: (v: Setting[]) => void;
    sysinfo: SystemInfo | null;
    exclude?: (n: string) => boolean;
  },
) {
  const options = useMemo(() => allOptions(props.sysinfo), [props.sysinfo]);
  const byName = useMemo(() => new Map(options.map((o) => [o.Name, o])), [options]);
  const [search, setSearch] = useState("");
  const [text, setText] = useState<string | null>(null);
  const used = new Set(props.value.map((s) => bare(s.Name)));
  const q = search.trim().toLowerCase();
  // Exact name first, then names starting with the text, names containing it, and help texts.
  const rank = (o: OptionInfo) =>
    o.Name === q ? 0 : o.Name.startsWith(q) ? 1 : o.Name.includes(q) ? 2 : 3;
  const matches = q
    ? options.filter((o) =>
      !used.has(o.Name) && !(props.exclude?.(o.Name)) &&
      (o.Name.includes(q) || (o.ShortDescription ?? "").toLowerCase().includes(q))
    ).sort((a, b) => rank(a) - rank(b)).slice(0, 12)
    : [];
  const add = (o: OptionInfo) => {
    const t = o.Type.toLowerCase();
    props.onChange([...props.value, {
      Name: `--${o.Name}`,
      Value: t === "boolean" ? "true" : o.DefaultValue ?? "",
    }]);
    setSearch("");
  };
  const setAt = (i: number, v: string) =>
    props.onChange(props.value.map((s, j) => (i === j ? { ...s, Value: v } : s)));

  if (text !== null) {
    return (
      <div class="opt-editor">
        <label for="opt-text" class="small muted">One option per line: --name=value</label>
        <textarea
          id="opt-text"
          class="mono"
          rows={10}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <div class="btn-row">
          <button
            type="button"
            class="btn small"
            onClick={() => {
              const list: Setting[] = [];
              for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
                const m = /^(?:--)?([^=\s]+)(?:=(.*))?$/.exec(line);
                if (m) list.push({ Name: `--${m[1]}`, Value: m[2] ?? "true" });
              }
              props.onChange(list);
              setText(null);
            }}
          >
            Apply text
          </button>
          <button type="button" class="btn small" onClick={() => setText(null)}>Cancel</button>
        </div>
      </div>
    );
  }

  return (
    <div class="opt-editor">
      {props.value.length === 0 && <p class="muted small">No advanced options set.</p>}
      {props.value.map((s, i) => {
        const o = byName.get(bare(s.Name));
        const id = `opt-${i}`;
        return (
          <div class="opt-row" key={s.Name}>
            <div class="opt-head">
              <label for={id} class="mono">--{bare(s.Name)}</label>
              <button
                type="button"
                class="icon-btn"
                aria-label={`Remove ${bare(s.Name)}`}
                onClick={() => props.onChange(props.value.filter((_, j) => j !== i))}
              >
                <Icon name="trash" size={16} />
              </button>
            </div>
            <ValueInput opt={o} id={id} value={s.Value} onChange={(v) => setAt(i, v)} />
            {o
              ? (
                <details class="opt-help">
                  <summary class="small">{o.ShortDescription || "Help"}</summary>
                  {o.LongDescription && <p class="small">{o.LongDescription}</p>}
                  <p class="small muted">
                    Type: {o.Type}
                    {o.DefaultValue ? `, default: ${o.DefaultValue}` : ""}
                    {o.Deprecated ? `. Deprecated: ${o.DeprecationMessage ?? ""}` : ""}
                  </p>
                </details>
              )
              : (
                <p class="small muted">
                  Not an option this server knows; it is passed on as given.
                </p>
              )}
          </div>
        );
      })}
      <div class="field">
        <label for="opt-search">Add an advanced option</label>
        <input
          id="opt-search"
          type="search"
          placeholder={options.length
            ? `Search ${options.length} options...`
            : "Loading options..."}
          value={search}
          autoComplete="off"
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              if (matches[0]) add(matches[0]);
            }
          }}
        />
        {matches.length > 0 && (
          <ul class="opt-matches" aria-label="Matching options">
            {matches.map((o) => (
              <li key={o.Name}>
                <button type="button" onClick={() => add(o)}>
                  <span class="mono">--{o.Name}</span>
                  <span class="muted small">{o.ShortDescription}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <button
        type="button"
        class="btn small"
        onClick={() => setText(props.value.map((s) => `--${bare(s.Name)}=${s.Value}`).join("\n"))}
      >
        Edit as text
      </button>
    </div>
  );
}
