/** One backup: status, live progress, size/file-count chart across versions, actions. */
import { useEffect, useState } from "preact/hooks";
import { errorText, get, post } from "../api.ts";
import { navigate } from "../router.ts";
import { useApp } from "../store.ts";
import type { Fileset } from "../types.ts";
import { formatDate, formatSize, metaDuration } from "../lib/format.ts";
import { maskUrl } from "../lib/backend_url.ts";
import { SizeChart } from "../components/SizeChart.tsx";
import { TaskProgress } from "../components/TaskProgress.tsx";
import { ErrorBox, Spinner, toast } from "../components/ui.tsx";
import { Icon } from "../components/Icon.tsx";
import { nextRun, RunAndRestore } from "../components/BackupCard.tsx";
import { DeleteDialog, ExportDialog } from "../components/BackupDialogs.tsx";

export function BackupDetail(props: { id: string }) {
  const app = useApp();
  const item = app.backups?.find((b) => String(b.Backup.ID) === props.id);
  const [filesets, setFilesets] = useState<Fileset[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [dialog, setDialog] = useState<"delete" | "export" | null>(null);
  const lastRun = item?.Backup.Metadata?.LastBackupFinished ??
    item?.Backup.Metadata?.LastBackupDate;
  useEffect(() => {
    get<Fileset[]>(`/backup/${props.id}/filesets`, { query: { "include-metadata": true } })
      .then((f) => setFilesets(f ?? []), (e) => setErr(errorText(e)));
  }, [props.id, lastRun]);
  if (!app.backups) {
    return (
      <div class="page">
        <Spinner />
      </div>
    );
  }
  if (!item) {
    return (
      <div class="page">
        <ErrorBox error="There is no backup with this ID." />
      </div>
    );
  }
  const b = item.Backup;
  const m = b.Metadata ?? {};
  const running = String(app.server?.ActiveTask?.Item2 ?? "") === String(b.ID);
  const next = nextRun(app, item);
  const task = async (what: string, label: string) => {
    try {
      await post(`/backup/${b.ID}/${what}`);
      toast(`${label} started`);
    } catch (e) {
      toast(`${label} failed to start: ${errorText(e)}`, "error");
    }
  };
  return (
    <div class="page">
      <div class="page-head">
        <h1>{b.Name}</h1>
        <div class="btn-row">
          <RunAndRestore id={b.ID} name={b.Name} running={running} />
          <button type="button" class="btn" onClick={() => navigate(`/backup/${b.ID}/edit`)}>
            <Icon name="edit" /> Edit
          </button>
        </div>
      </div>
      {b.Description && <p class="muted">{b.Description}</p>}
      {running && (
        <div class="card">
          <TaskProgress />
        </div>
      )}
      <div class="card">
        <dl class="facts wide">
          <dt>Destination</dt>
          <dd class="mono">{maskUrl(b.TargetURL)}</dd>
          <dt>Sources</dt>
          <dd class="mono">{b.Sources.join(", ")}</dd>
          <dt>Last successful backup</dt>
          <dd>{formatDate(lastRun)}</dd>
          <dt>Next scheduled run</dt>
          <dd>{next ? formatDate(next) : "not scheduled"}</dd>
          <dt>Duration of last run</dt>
          <dd>{metaDuration(m.LastBackupDuration)}</dd>
          <dt>Source size</dt>
          <dd>{formatSize(m.SourceFilesSize)}</dd>
          <dt>Backup size at destination</dt>
          <dd>{formatSize(m.TargetFilesSize)}</dd>
          <dt>Versions</dt>
          <dd>{m.BackupListCount ?? filesets?.length ?? "-"}</dd>
          {m.LastErrorMessage && (
            <>
              <dt>Last error</dt>
              <dd class="error-text">{formatDate(m.LastErrorDate)}: {m.LastErrorMessage}</dd>
            </>
          )}
        </dl>
      </div>
      <section class="card">
        <h2 class="h3">Size and files across versions</h2>
        <ErrorBox error={err} />
        {filesets
          ? (
            <SizeChart
              filesets={filesets}
              versionHref={(v) => `#/restore/${b.ID}?version=${v}`}
            />
          )
          : !err && <Spinner />}
      </section>
      <section class="card">
        <h2 class="h3">More</h2>
        <div class="btn-row wrap">
          <a class="btn" href={`#/backup/${b.ID}/log`}>
            <Icon name="log" /> Show log
          </a>
          <button type="button" class="btn" onClick={() => void task("verify", "Verify")}>
            Verify files
          </button>
          <button type="button" class="btn" onClick={() => void task("compact", "Compact")}>
            Compact now
          </button>
          <button type="button" class="btn" onClick={() => void task("repair", "Repair")}>
            Repair database
          </button>
          <button type="button" class="btn" onClick={() => setDialog("export")}>
            <Icon name="download" /> Export
          </button>
          <button type="button" class="btn danger" onClick={() => setDialog("delete")}>
            <Icon name="trash" /> Delete
          </button>
        </div>
      </section>
      {dialog === "delete" && <DeleteDialog backup={b} onClose={() => setDialog(null)} />}
      {dialog === "export" && <ExportDialog backup={b} onClose={() => setDialog(null)} />}
    </div>
  );
}
