/** One backup on the home page: status, last and next run, sizes, versions and its actions. */
import { useState } from "preact/hooks";
import { errorText, post } from "../api.ts";
import { navigate } from "../router.ts";
import { getState, refreshState, useApp } from "../store.ts";
import { formatDate, formatSize, metaDuration, relativeTime } from "../lib/format.ts";
import { parseUrl } from "../lib/backend_url.ts";
import type { BackupAndSchedule } from "../types.ts";
import { Icon } from "./Icon.tsx";
import { toast } from "./ui.tsx";
import { TaskProgress } from "./TaskProgress.tsx";
import { DeleteDialog, ExportDialog } from "./BackupDialogs.tsx";

const KIND_LABEL: Record<string, string> = {
  file: "Local",
  ssh: "SFTP",
  webdav: "WebDAV",
  ftp: "FTP",
  s3: "S3",
  rclone: "Rclone",
  custom: "Custom",
};

/** Starts a backup now and tells the user. */
export async function runNow(id: string, name: string): Promise<void> {
  try {
    await post(`/backup/${id}/run`);
    await refreshState();
    // The run waits while the server is paused or another task runs: say so.
    const s = getState().server;
    toast(
      s?.ProgramState === "Paused"
        ? `"${name}" will run when you resume`
        : s?.ActiveTask && String(s.ActiveTask.Item2) !== String(id)
        ? `"${name}" will run after the current task`
        : `"${name}" started`,
    );
  } catch (e) {
    toast(`Could not start "${name}": ${errorText(e)}`, "error");
  }
}

/** The "Run now" and "Restore" buttons of a backup (card and detail page). */
export function RunAndRestore(props: { id: string; name: string; running: boolean }) {
  return (
    <>
      <button
        type="button"
        class="btn primary"
        disabled={props.running}
        onClick={() => void runNow(props.id, props.name)}
      >
        <Icon name="play" /> Run now
      </button>
      <button type="button" class="btn" onClick={() => navigate(`/restore/${props.id}`)}>
        <Icon name="restore" /> Restore
      </button>
    </>
  );
}

/** The next run of a backup as the scheduler proposes it, or null. */
export function nextRun(app: ReturnType<typeof useApp>, item: BackupAndSchedule): string | null {
  const p = app.server?.ProposedSchedule?.find((x) => String(x.Item1) === String(item.Backup.ID));
  if (p) return p.Item2;
  return null;
}

export function BackupCard(props: { item: BackupAndSchedule }) {
  const app = useApp();
  const b = props.item.Backup;
  const m = b.Metadata ?? {};
  const [dialog, setDialog] = useState<"delete" | "export" | null>(null);
  const running = String(app.server?.ActiveTask?.Item2 ?? "") === String(b.ID);
  const queued = app.server?.SchedulerQueueIds?.some((q) => String(q.Item2) === String(b.ID));
  const kind = parseUrl(b.TargetURL).kind;
  const versions = Number(m.BackupListCount ?? 0);
  const next = nextRun(app, props.item);
  const lastError = m.LastErrorMessage;
  const last = m.LastBackupFinished ?? m.LastBackupDate;
  const status = running
    ? { cls: "running", text: "Running" }
    : queued
    ? { cls: "queued", text: "Waiting in queue" }
    : lastError && (!last || (m.LastErrorDate ?? "") >= last)
    ? { cls: "error", text: "Last run failed" }
    : last
    ? { cls: "ok", text: "OK" }
    : { cls: "never", text: "Never run" };
  const headingId = `backup-${b.ID}-name`;

  return (
    <article class="card backup-card" aria-labelledby={headingId}>
      <div class="backup-main">
        <div class="backup-title">
          <h3 id={headingId}>
            <a href={`#/backup/${b.ID}`}>{b.Name}</a>
          </h3>
          <span class="badge">{KIND_LABEL[kind] ?? kind}</span>
          <span class={`badge status ${status.cls}`}>{status.text}</span>
        </div>
        {b.Description && <p class="muted">{b.Description}</p>}
        <dl class="facts">
          <dt>Last successful backup</dt>
          <dd title={last ? formatDate(last) : undefined}>
            {last ? `${formatDate(last)} (${relativeTime(last)})` : "never"}
          </dd>
          <dt>Next scheduled run</dt>
          <dd>{next ? `${formatDate(next)} (${relativeTime(next)})` : "not scheduled"}</dd>
          {m.LastBackupDuration && (
            <>
              <dt>Duration</dt>
              <dd>{metaDuration(m.LastBackupDuration)}</dd>
            </>
          )}
          {m.SourceFilesSize && (
            <>
              <dt>Source</dt>
              <dd>{formatSize(m.SourceFilesSize)}</dd>
            </>
          )}
          {m.TargetFilesSize && (
            <>
              <dt>Destination</dt>
              <dd>{formatSize(m.TargetFilesSize)}</dd>
            </>
          )}
        </dl>
        {lastError && status.cls === "error" && <p class="alert error small">{lastError}</p>}
        {running && <TaskProgress />}
      </div>
      <div class="backup-side">
        {versions > 0 && (
          <span class="versions">{versions === 1 ? "1 version" : `${versions} versions`}</span>
        )}
        <div class="btn-row">
          <RunAndRestore id={b.ID} name={b.Name} running={running} />
          <button
            type="button"
            class="btn"
            aria-label={`Edit ${b.Name}`}
            onClick={() => navigate(`/backup/${b.ID}/edit`)}
          >
            <Icon name="edit" /> Edit
          </button>
          <details
            class="menu"
            // The menu closes when an item is chosen, on Escape, and when the focus moves elsewhere.
            onKeyDown={(e) => {
              const d = e.currentTarget as HTMLDetailsElement;
              if (e.key === "Escape" && d.open) {
                d.open = false;
                d.querySelector("summary")?.focus();
              }
            }}
            onFocusOut={(e) => {
              const d = e.currentTarget as HTMLDetailsElement;
              const to = e.relatedTarget as Node | null;
              if (to && !d.contains(to)) d.open = false;
            }}
          >
            <summary class="btn" aria-label={`More actions for ${b.Name}`}>More</summary>
            <div
              class="menu-list"
              role="menu"
              onClick={(e) => {
                const d = (e.currentTarget as HTMLElement).closest("details");
                if (d) d.open = false;
              }}
            >
              <a role="menuitem" href={`#/backup/${b.ID}`}>Versions and size</a>
              <a role="menuitem" href={`#/backup/${b.ID}/log`}>Show log</a>
              <button type="button" role="menuitem" onClick={() => setDialog("export")}>
                Export configuration
              </button>
              <button
                type="button"
                role="menuitem"
                class="danger-text"
                onClick={() => setDialog("delete")}
              >
                Delete
              </button>
            </div>
          </details>
        </div>
      </div>
      {dialog === "delete" && <DeleteDialog backup={b} onClose={() => setDialog(null)} />}
      {dialog === "export" && <ExportDialog backup={b} onClose={() => setDialog(null)} />}
    </article>
  );
}
