/** Wizard step 3: folder tree picker, typed paths, filters and exclusions. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { errorText, get, post } from "../../api.ts";
import type { StepProps } from "../BackupWizard.tsx";
import type { FsEntry } from "../../types.ts";
import { FileTree, type TreeNode } from "../../components/FileTree.tsx";
import { Field, Toggle } from "../../components/ui.tsx";
import { Icon } from "../../components/Icon.tsx";
import type { FilterRow } from "../../lib/settings.ts";

/** Lists a server folder through POST /filesystem. */
export async function listFolder(
  path: string,
  showHidden: boolean,
  onlyFolders = false,
): Promise<TreeNode[]> {
  const entries = await post<FsEntry[]>("/filesystem", { path }, {
    query: { onlyFolders, showHidden },
  });
  return (entries ?? []).map((e) => {
    const p = e.resolvedpath && !e.id ? e.resolvedpath : e.id;
    const folder = !e.leaf;
    const path = folder && !/[\\/]$/.test(p) ? `${p}/` : p;
    return { path, label: e.text, folder, size: e.fileSize, dim: e.hidden || e.systemFile };
  });
}

export function SourceStep({ draft, set, sysinfo }: StepProps) {
  const [hidden, setHidden] = useState(false);
  const [typed, setTyped] = useState("");
  const [typedErr, setTypedErr] = useState<string | null>(null);
  const [groups, setGroups] = useState<string[]>([]);
  const windows = sysinfo?.DirectorySeparator === "\\";
  useEffect(() => {
    get<{ FilterGroups?: Record<string, unknown> }>("/systeminfo/filtergroups")
      .then((g) => setGroups(Object.keys(g?.FilterGroups ?? {})), () => {});
  }, []);
  const load = useCallback(
    (path: string | null) =>
      path === null && !windows
        ? Promise.resolve([{ path: "/", label: "Computer (/)", folder: true }])
        : listFolder(path ?? "/", hidden),
    [hidden, windows],
  );
  const toggle = (path: string, on: boolean) => {
    if (on) {
      // A folder covers what is below it: drop selections inside it.
      const rest = draft.sources.filter((s) => !(path.endsWith("/") && s.startsWith(path)));
      set({ sources: [...rest, path] });
    } else set({ sources: draft.sources.filter((s) => s !== path) });
  };
  const addTyped = async () => {
    const p = typed.trim();
    if (!p) return;
    setTypedErr(null);
    try {
      await post("/filesystem/validate", { path: p });
    } catch (e) {
      setTypedErr(`Check the path: ${errorText(e)}`);
      return;
    }
    if (!draft.sources.includes(p)) set({ sources: [...draft.sources, p] });
    setTyped("");
  };
  const setFilter = (i: number, patch: Partial<FilterRow>) =>
    set({ filters: draft.filters.map((f, j) => (i === j ? { ...f, ...patch } : f)) });

  return (
    <div class="split">
      <section aria-labelledby="src-tree-h">
        <div class="row-between">
          <h2 id="src-tree-h" class="h3">Folders on this computer</h2>
          <Toggle checked={hidden} onChange={setHidden} label="Show hidden files" />
        </div>
        <FileTree
          load={load}
          selected={draft.sources}
          onToggle={toggle}
          label="Source folders"
          expand={["/"]}
        />
      </section>
      <section>
        <h2 class="h3">Selected</h2>
        {draft.sources.length === 0
          ? <p class="muted">Nothing selected yet. Tick folders in the tree or type a path.</p>
          : (
            <ul class="chips" aria-label="Selected sources">
              {draft.sources.map((s) => (
                <li key={s}>
                  <span class="mono">{s}</span>
                  <button
                    type="button"
                    class="icon-btn"
                    aria-label={`Remove ${s}`}
                    onClick={() => toggle(s, false)}
                  >
                    <Icon name="x" size={14} />
                  </button>
                </li>
              ))}
            </ul>
          )}
        <Field id="src-typed" label="Add a path directly" help={typedErr ?? undefined}>
          <div class="input-row">
            <input
              id="src-typed"
              value={typed}
              placeholder="/home/me/Documents/"
              onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  void addTyped();
                }
              }}
            />
            <button type="button" class="btn" onClick={() => void addTyped()}>Add path</button>
          </div>
        </Field>

        <h2 class="h3">Filters</h2>
        <p class="muted small">
          Rules are checked in order; the first that matches decides. A path is a folder (ending in
          /) or file; a glob uses * and ?; a regular expression matches the full path.
        </p>
        {draft.filters.map((f, i) => (
          <div class="filter-row" key={i}>
            <select
              aria-label={`Filter ${i + 1} action`}
              value={f.include ? "include" : "exclude"}
              onChange={(e) =>
                setFilter(i, { include: (e.target as HTMLSelectElement).value === "include" })}
            >
              <option value="exclude">Exclude</option>
              <option value="include">Include</option>
            </select>
            <select
              aria-label={`Filter ${i + 1} type`}
              value={f.kind}
              onChange={(e) =>
                setFilter(i, { kind: (e.target as HTMLSelectElement).value as FilterRow["kind"] })}
            >
              <option value="path">Path</option>
              <option value="glob">Glob</option>
              <option value="regex">Regular expression</option>
              <option value="group">Filter group</option>
            </select>
            {f.kind === "group" && groups.length > 0
              ? (
                <select
                  aria-label={`Filter ${i + 1} group`}
                  value={f.expression}
                  onChange={(e) =>
                    setFilter(i, { expression: (e.target as HTMLSelectElement).value })}
                >
                  <option value="">Choose...</option>
                  {groups.map((g) => <option key={g} value={g}>{g}</option>)}
                </select>
              )
              : (
                <input
                  aria-label={`Filter ${i + 1} expression`}
                  value={f.expression}
                  placeholder={f.kind === "regex" ? ".*\\.tmp$" : "*.tmp"}
                  onInput={(e) =>
                    setFilter(i, { expression: (e.target as HTMLInputElement).value })}
                />
              )}
            <button
              type="button"
              class="icon-btn"
              aria-label={`Remove filter ${i + 1}`}
              onClick={() => set({ filters: draft.filters.filter((_, j) => j !== i) })}
            >
              <Icon name="trash" size={16} />
            </button>
          </div>
        ))}
        <button
          type="button"
          class="btn small"
          onClick={() =>
            set({ filters: [...draft.filters, { include: false, kind: "glob", expression: "" }] })}
        >
          <Icon name="plus" /> Add filter
        </button>

        <h2 class="h3">Exclude</h2>
        <div class="stack">
          <Toggle
            checked={draft.excludeHidden}
            onChange={(v) => set({ excludeHidden: v })}
            label="Hidden files"
          />
          <Toggle
            checked={draft.excludeSystem}
            onChange={(v) => set({ excludeSystem: v })}
            label="System files"
          />
          <Toggle
            checked={draft.excludeTemporary}
            onChange={(v) => set({ excludeTemporary: v })}
            label="Temporary files"
          />
          <Toggle
            checked={draft.maxSizeOn}
            onChange={(v) => set({ maxSizeOn: v })}
            label="Files larger than"
          />
          {draft.maxSizeOn && (
            <div class="input-row">
              <input
                type="number"
                min={1}
                aria-label="Largest file size"
                value={draft.maxSize}
                onInput={(e) => set({ maxSize: (e.target as HTMLInputElement).value })}
              />
              <select
                aria-label="Unit"
                value={draft.maxSizeUnit}
                onChange={(e) => set({ maxSizeUnit: (e.target as HTMLSelectElement).value })}
              >
                {["KB", "MB", "GB", "TB"].map((u) => <option key={u}>{u}</option>)}
              </select>
            </div>
          )}
        </div>
      </section>
    </div>
  );
}
