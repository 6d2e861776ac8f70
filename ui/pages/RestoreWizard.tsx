/**
 * The restore wizard: pick a version on a timeline, browse or search its files, choose where to
 * and how, then watch the restore run and read its result.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { del, errorText, get, post } from "../api.ts";
import { navigate, useRoute } from "../router.ts";
import { refreshState, useApp } from "../store.ts";
import type { Fileset, ListResult, LogRow, TaskInfo } from "../types.ts";
import { formatDate, formatSize, parseApiDate, relativeTime } from "../lib/format.ts";
import { Stepper } from "../components/Stepper.tsx";
import { FileTree, type TreeNode } from "../components/FileTree.tsx";
import { TaskProgress } from "../components/TaskProgress.tsx";
import { ErrorBox, Field, Modal, PasswordInput, Spinner } from "../components/ui.tsx";
import { Icon } from "../components/Icon.tsx";
import { listFolder } from "./wizard/SourceStep.tsx";

const STEPS = ["Select files", "Options", "Restore"];

/** Tree nodes from a /files answer: folders end with a separator. */
function nodesOf(r: ListResult | null, under: string | null): TreeNode[] {
  return (r?.Files ?? [])
    .filter((f) => f.Path !== under)
    .map((f) => {
      const folder = /[\\/]$/.test(f.Path);
      const trimmed = f.Path.replace(/[\\/]$/, "");
      const label = under === null ? f.Path : trimmed.slice(trimmed.search(/[^\\/]*$/));
      const size = f.Sizes?.[0];
      return {
        path: f.Path,
        label: label || f.Path,
        folder,
        size: size !== undefined && size >= 0 ? size : undefined,
      };
    });
}

export function RestoreWizard(props: { id: string }) {
  const route = useRoute();
  const direct = route.query.get("direct") === "1";
  const app = useApp();
  const name = app.backups?.find((b) => String(b.Backup.ID) === props.id)?.Backup.Name;
  const [step, setStep] = useState(0);
  const [filesets, setFilesets] = useState<Fileset[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [version, setVersion] = useState<Fileset | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [search, setSearch] = useState("");
  const [hits, setHits] = useState<TreeNode[] | null>(null);
  const [target, setTarget] = useState<"original" | "other">("other");
  const [path, setPath] = useState("");
  const [overwrite, setOverwrite] = useState(true);
  const [permissions, setPermissions] = useState(false);
  const [skipMeta, setSkipMeta] = useState(false);
  const [passphrase, setPassphrase] = useState("");
  const [browse, setBrowse] = useState(false);
  const [stepErr, setStepErr] = useState<string | null>(null);
  const [task, setTask] = useState<{ id: number; info: TaskInfo | null } | null>(null);
  const [result, setResult] = useState<Record<string, unknown> | null>(null);

  useEffect(() => {
    get<Fileset[]>(`/backup/${props.id}/filesets`, {
      query: direct ? { "from-remote-only": true } : {},
    })
      .then((f) => {
        const list = [...(f ?? [])].sort((a, b) => a.Version - b.Version);
        setFilesets(list);
        // ?version=N (from the chart on the backup's page) picks that version.
        const wanted = Number(route.query.get("version") ?? "0");
        setVersion(list.find((x) => x.Version === wanted) ?? list[0] ?? null);
      }, (e) => setErr(errorText(e)));
  }, [props.id]);

  const time = version?.Time ?? "";
  const load = useCallback(async (p: string | null): Promise<TreeNode[]> => {
    if (!time) return [];
    const query = p === null
      ? { time, "prefix-only": true }
      // "@" marks a literal path (Duplicati's rule); only needed when the path has * or ?.
      : { time, "folder-contents": true, filter: /[*?]/.test(p) ? `@${p}` : p };
    const r = await get<ListResult>(`/backup/${props.id}/files`, { query });
    return nodesOf(r, p);
  }, [props.id, time]);

  const doSearch = async () => {
    const q = search.trim();
    if (!q) return setHits(null);
    try {
      const filter = /[*?]/.test(q) ? q : `*${q}*`;
      const r = await get<ListResult>(`/backup/${props.id}/files`, { query: { time, filter } });
      setHits(nodesOf(r, null).map((n) => ({ ...n, label: n.path })));
    } catch (e) {
      setErr(errorText(e));
    }
  };

  const toggle = (p: string, on: boolean) =>
    setSelected(
      on
        ? [...selected.filter((s) => !(/[\\/]$/.test(p) && s.startsWith(p))), p]
        : selected.filter((s) => s !== p),
    );

  // Poll the task until it ends, then read the newest log entry for the numbers.
  useEffect(() => {
    if (!task || (task.info && !["Waiting", "Running"].includes(task.info.Status))) return;
    const t = setTimeout(async () => {
      try {
        const info = await get<TaskInfo>(`/task/${task.id}`);
        setTask({ id: task.id, info });
        if (!["Waiting", "Running"].includes(info.Status)) {
          // The task carries the engine's result; the backup's log has it too (older servers).
          const own = (info as { Result?: unknown }).Result;
          if (own && typeof own === "object") {
            setResult(own as Record<string, unknown>);
            return;
          }
          const log = await get<LogRow[]>(`/backup/${props.id}/log`, { query: { pagesize: 1 } })
            .catch(() => []);
          const msg = log?.[0]?.Message;
          try {
            setResult(typeof msg === "string" ? JSON.parse(msg) : null);
          } catch {
            setResult(null);
          }
        }
      } catch (e) {
        setTask({
          id: task.id,
          info: { ID: task.id, Status: "Failed", ErrorMessage: errorText(e) },
        });
      }
    }, 800);
    return () => clearTimeout(t);
  }, [task]);

  const start = async () => {
    setStepErr(null);
    if (target === "other" && !path.trim()) return setStepErr("Choose the folder to restore to.");
    try {
      const r = await post<{ ID: number }>(`/backup/${props.id}/restore`, {
        paths: selected,
        time,
        restore_path: target === "other" ? path.trim() : "",
        overwrite,
        permissions,
        skip_metadata: skipMeta,
        passphrase: passphrase || undefined,
      });
      setTask({ id: r.ID, info: null });
      void refreshState();
      setResult(null);
      setStep(2);
    } catch (e) {
      setStepErr(errorText(e));
    }
  };

  if (err && !filesets) {
    return (
      <div class="page">
        <h1>Restore</h1>
        <ErrorBox error={err} />
        <button
          type="button"
          class="btn"
          onClick={() => {
            // A temporary configuration that cannot be read is of no further use.
            if (direct) void del(`/backup/${props.id}`).catch(() => {});
            navigate("/restore");
          }}
        >
          <Icon name="back" /> Back
        </button>
      </div>
    );
  }
  if (!filesets) {
    return (
      <div class="page">
        <Spinner label="Reading the versions..." />
      </div>
    );
  }
  if (filesets.length === 0) {
    return (
      <div class="page">
        <h1>Restore</h1>
        <p>This backup has no versions yet. Run it first.</p>
      </div>
    );
  }
  const done = task?.info && !["Waiting", "Running"].includes(task.info.Status);
  const failed = done && (task!.info!.Status !== "Completed" || !!task!.info!.ErrorMessage);

  return (
    <div class="page wizard">
      <Stepper
        steps={STEPS}
        current={step}
        reachable={task ? 2 : selected.length ? 1 : 0}
        onGo={(i) => !task && setStep(i)}
      />
      <h1>Restore{name ? ` from "${name}"` : ""}</h1>
      {step === 0 && (
        <div class="form-col wide">
          <section aria-labelledby="tl-h">
            <h2 id="tl-h" class="h3">Version</h2>
            <Timeline
              filesets={filesets}
              version={version}
              onPick={(f) => {
                setVersion(f);
                setSelected([]);
                setHits(null);
              }}
            />
          </section>
          <section aria-labelledby="files-h">
            <div class="row-between">
              <h2 id="files-h" class="h3">Files of {formatDate(time)}</h2>
              <form
                class="input-row"
                role="search"
                onSubmit={(e) => {
                  e.preventDefault();
                  void doSearch();
                }}
              >
                <input
                  type="search"
                  aria-label="Search files"
                  placeholder="Search by name, e.g. report or *.pdf"
                  value={search}
                  onInput={(e) => {
                    setSearch((e.target as HTMLInputElement).value);
                    if (!(e.target as HTMLInputElement).value) setHits(null);
                  }}
                />
                <button type="submit" class="btn">
                  <Icon name="search" /> Search
                </button>
              </form>
            </div>
            {hits
              ? (
                <div class="tree-box">
                  <div class="row-between pad">
                    <span class="muted small">
                      {hits.length === 1 ? "1 match" : `${hits.length} matches`}
                    </span>
                    <button type="button" class="btn small" onClick={() => setHits(null)}>
                      Back to folders
                    </button>
                  </div>
                  <ul class="tree" aria-label="Search results">
                    {hits.map((h) => (
                      <li key={h.path} class="tree-row">
                        <input
                          type="checkbox"
                          id={`hit-${h.path}`}
                          checked={selected.includes(h.path)}
                          onChange={(e) => toggle(h.path, (e.target as HTMLInputElement).checked)}
                        />
                        <label for={`hit-${h.path}`}>
                          <Icon name={h.folder ? "folder" : "file"} size={16} />
                          <span class="tree-label mono" title={h.path}>{h.path}</span>
                          {h.size !== undefined && (
                            <span class="muted small">{formatSize(h.size)}</span>
                          )}
                        </label>
                      </li>
                    ))}
                  </ul>
                </div>
              )
              : (
                <FileTree
                  key={time}
                  load={load}
                  selected={selected}
                  onToggle={toggle}
                  label="Files in this version"
                />
              )}
            <p class="small muted" aria-live="polite">
              {selected.length === 0
                ? "Nothing selected."
                : `${selected.length} selected: ${selected.slice(0, 3).join(", ")}${
                  selected.length > 3 ? ", ..." : ""
                }`}
            </p>
          </section>
          <div class="wizard-nav">
            <button type="button" class="btn" onClick={() => navigate("/restore")}>Cancel</button>
            <div class="grow"></div>
            <button
              type="button"
              class="btn primary"
              disabled={selected.length === 0}
              onClick={() => setStep(1)}
            >
              Continue <Icon name="chevron" />
            </button>
          </div>
        </div>
      )}
      {step === 1 && (
        <form
          class="form-col"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <fieldset class="radio-list">
            <legend>Where do you want to restore the files to?</legend>
            <label>
              <input
                type="radio"
                name="target"
                checked={target === "original"}
                onChange={() => setTarget("original")}
              />
              Original location
            </label>
            <label>
              <input
                type="radio"
                name="target"
                checked={target === "other"}
                onChange={() => setTarget("other")}
              />
              Another folder
            </label>
          </fieldset>
          {target === "other" && (
            <Field id="r-path" label="Restore to folder">
              <div class="input-row">
                <input
                  id="r-path"
                  value={path}
                  placeholder="/home/me/restored"
                  onInput={(e) => setPath((e.target as HTMLInputElement).value)}
                />
                <button type="button" class="btn" onClick={() => setBrowse(true)}>Browse...</button>
              </div>
            </Field>
          )}
          <fieldset class="radio-list">
            <legend>If a file already exists</legend>
            <label>
              <input
                type="radio"
                name="overwrite"
                checked={overwrite}
                onChange={() => setOverwrite(true)}
              />
              Overwrite it
            </label>
            <label>
              <input
                type="radio"
                name="overwrite"
                checked={!overwrite}
                onChange={() => setOverwrite(false)}
              />
              Keep it, and save the restored file with a timestamp in its name
            </label>
          </fieldset>
          <details>
            <summary>Metadata and passphrase</summary>
            <label class="check">
              <input
                type="checkbox"
                checked={permissions}
                onChange={(e) => setPermissions((e.target as HTMLInputElement).checked)}
              />
              Restore file permissions
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={skipMeta}
                onChange={(e) => setSkipMeta((e.target as HTMLInputElement).checked)}
              />
              Do not restore metadata (times, attributes)
            </label>
            <Field
              id="r-pass"
              label="Passphrase"
              help="Only needed if the passphrase is not stored with the backup."
            >
              <PasswordInput id="r-pass" value={passphrase} onValue={setPassphrase} />
            </Field>
          </details>
          <ErrorBox error={stepErr} />
          <div class="wizard-nav">
            <button type="button" class="btn" onClick={() => setStep(0)}>Back</button>
            <div class="grow"></div>
            <button type="submit" class="btn primary">
              <Icon name="restore" /> Restore {selected.length}{" "}
              item{selected.length === 1 ? "" : "s"}
            </button>
          </div>
          {browse && (
            <Modal title="Choose a folder" onClose={() => setBrowse(false)}>
              <FolderPicker
                onPick={(p) => {
                  setPath(p);
                  setBrowse(false);
                }}
              />
            </Modal>
          )}
        </form>
      )}
      {step === 2 && task && (
        <section class="form-col" aria-live="polite">
          {!done && (
            <div class="card">
              <h2 class="h3">Restoring...</h2>
              {app.server?.ActiveTask
                ? <TaskProgress />
                : <Spinner label="Waiting for the task to start..." />}
            </div>
          )}
          {done && !failed && (
            <div class="card result ok" role="status">
              <h2 class="h3">
                <Icon name="check" /> Restore completed
              </h2>
              <RestoreNumbers
                result={result}
                target={target === "other" ? path : "the original location"}
              />
            </div>
          )}
          {done && failed && (
            <div class="card result error" role="alert">
              <h2 class="h3">Restore failed</h2>
              <p>
                {task.info!.ErrorMessage ??
                  `The restore ended as ${task.info!.Status.toLowerCase()}.`}
              </p>
              <RestoreNumbers result={result} target={path} />
            </div>
          )}
          {done && (
            <div class="btn-row">
              {!direct && <a class="btn" href={`#/backup/${props.id}/log`}>Show log</a>}
              <button
                type="button"
                class="btn"
                onClick={() => {
                  setTask(null);
                  setStep(0);
                }}
              >
                Restore more
              </button>
              <button type="button" class="btn primary" onClick={() => navigate("/")}>Done</button>
            </div>
          )}
        </section>
      )}
    </div>
  );
}

/** The numbers of a restore result, in Duplicati's (PascalCase) or the engine's (camelCase) names. */
function restoreSummary(r: Record<string, unknown>) {
  const num = (...keys: string[]) => {
    for (const k of keys) if (typeof r[k] === "number") return r[k] as number;
    return undefined;
  };
  const list = (...keys: string[]) => {
    for (const k of keys) if (Array.isArray(r[k])) return (r[k] as unknown[]).map(String);
    return [];
  };
  return {
    files: num("RestoredFiles", "restoredFiles"),
    size: num("SizeOfRestoredFiles", "sizeRestored"),
    warnings: list("Warnings", "warnings"),
    errors: list("Errors", "errors"),
  };
}

function RestoreNumbers(props: { result: Record<string, unknown> | null; target: string }) {
  if (!props.result) return <p>Files were restored to {props.target}.</p>;
  const s = restoreSummary(props.result);
  return (
    <dl class="facts">
      {s.files !== undefined && (
        <>
          <dt>Files restored</dt>
          <dd>{s.files}</dd>
        </>
      )}
      {s.size !== undefined && (
        <>
          <dt>Size</dt>
          <dd>{formatSize(s.size)}</dd>
        </>
      )}
      <dt>Restored to</dt>
      <dd class="mono">{props.target}</dd>
      {s.warnings.length > 0 && (
        <>
          <dt>Warnings</dt>
          <dd>{s.warnings.map((w, i) => <div key={i} class="small">{w}</div>)}</dd>
        </>
      )}
      {s.errors.length > 0 && (
        <>
          <dt>Errors</dt>
          <dd>{s.errors.map((w, i) => <div key={i} class="small error-text">{w}</div>)}</dd>
        </>
      )}
    </dl>
  );
}

/** A folder browser over the server's file system; picking a folder returns its path. */
function FolderPicker(props: { onPick: (path: string) => void }) {
  const [cwd, setCwd] = useState("/");
  const [items, setItems] = useState<TreeNode[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    setItems(null);
    listFolder(cwd, false, true).then(
      (l) => setItems(l.filter((x) => x.folder)),
      (e) => setErr(errorText(e)),
    );
  }, [cwd]);
  const parent = cwd === "/" ? null : cwd.replace(/[^/]+\/$/, "");
  return (
    <div class="folder-picker">
      <div class="row-between">
        <code>{cwd}</code>
        <button type="button" class="btn primary small" onClick={() => props.onPick(cwd)}>
          Use this folder
        </button>
      </div>
      <ErrorBox error={err} />
      <ul class="plain pick-folders">
        {parent !== null && (
          <li>
            <button type="button" class="link" onClick={() => setCwd(parent || "/")}>
              .. (up)
            </button>
          </li>
        )}
        {items === null
          ? (
            <li>
              <Spinner />
            </li>
          )
          : items.map((i) => (
            <li key={i.path}>
              <button type="button" class="link" onClick={() => setCwd(i.path)}>
                <Icon name="folder" size={16} /> {i.label}
              </button>
            </li>
          ))}
      </ul>
    </div>
  );
}

/** "+3 files, +1.2 MB" against the previous (older) version; "" when nothing is known. */
export function versionDelta(f: Fileset, older: Fileset | undefined): string {
  if (!older || f.FileCount === undefined || older.FileCount === undefined) return "";
  const parts: string[] = [];
  const dc = f.FileCount - older.FileCount;
  if (dc) {
    const n = Math.abs(dc);
    parts.push(`${dc > 0 ? "+" : "-"}${n.toLocaleString()} file${n === 1 ? "" : "s"}`);
  }
  if (f.FileSizes !== undefined && older.FileSizes !== undefined) {
    const ds = f.FileSizes - older.FileSizes;
    if (ds) parts.push(`${ds > 0 ? "+" : "-"}${formatSize(Math.abs(ds))}`);
  }
  return parts.length ? parts.join(", ") : "same size and file count";
}

/**
 * The versions, oldest left, as a radio group: date, time, age, size, file count and the change
 * from the version before. The chosen version is scrolled into view.
 */
function Timeline(
  props: { filesets: Fileset[]; version: Fileset | null; onPick: (f: Fileset) => void },
) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current?.querySelector<HTMLElement>(".tl-item.selected");
    if (el && box.current) {
      box.current.scrollLeft = el.offsetLeft - box.current.clientWidth / 2 + el.clientWidth / 2;
    }
  }, [props.version?.Version]);
  const chrono = [...props.filesets].reverse();
  // Versions made within the same minute are told apart by their seconds.
  const minute = (f: Fileset) =>
    parseApiDate(f.Time)?.toLocaleTimeString(undefined, { timeStyle: "short" }) ?? "";
  const crowded = chrono.some((f, i) => i > 0 && minute(f) === minute(chrono[i - 1]));
  return (
    <div class="timeline" role="radiogroup" aria-label="Versions" ref={box}>
      {chrono.map((f, i) => {
        const d = parseApiDate(f.Time);
        const delta = versionDelta(f, chrono[i - 1]);
        const on = props.version?.Version === f.Version;
        return (
          <label key={f.Version} class={on ? "tl-item selected" : "tl-item"}>
            <input
              type="radio"
              name="version"
              checked={on}
              aria-label={`Version ${f.Version}, ${formatDate(f.Time)}`}
              onChange={() => props.onPick(f)}
            />
            <span class="tl-dot" aria-hidden="true"></span>
            <strong>
              {d ? d.toLocaleDateString(undefined, { dateStyle: "medium" }) : f.Time}
            </strong>
            <span class="small">
              {d
                ? d.toLocaleTimeString(undefined, { timeStyle: crowded ? "medium" : "short" })
                : ""}
            </span>
            <span class="muted small">
              {f.Version === 0 ? "newest" : relativeTime(d)}
            </span>
            {(f.FileSizes !== undefined || f.FileCount !== undefined) && (
              <span class="small">
                {[
                  f.FileSizes !== undefined ? formatSize(f.FileSizes) : "",
                  f.FileCount !== undefined
                    ? `${f.FileCount.toLocaleString()} file${f.FileCount === 1 ? "" : "s"}`
                    : "",
                ].filter(Boolean).join(", ")}
              </span>
            )}
            {delta && <span class="muted small tl-delta">{delta}</span>}
          </label>
        );
      })}
    </div>
  );
}
