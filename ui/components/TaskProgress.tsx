/** Live progress of the running task: phase, bar, counts, current file, transfer, stop/abort. */
import { useState } from "preact/hooks";
import { errorText, post } from "../api.ts";
import { refreshState, useApp } from "../store.ts";
import { formatSize, progressPhase } from "../lib/format.ts";
import { Icon } from "./Icon.tsx";
import { Bar, toast } from "./ui.tsx";

export function TaskProgress(props: { compact?: boolean }) {
  const app = useApp();
  const [stopping, setStopping] = useState(false);
  const p = app.progress;
  const taskId = app.server?.ActiveTask?.Item1 ?? p?.TaskID;
  if (!app.server?.ActiveTask) return null;
  const overall = p?.OverallProgress !== undefined && p.OverallProgress > 0 && !p.StillCounting
    ? p.OverallProgress
    : p?.TotalFileSize
    ? (p.ProcessedFileSize ?? 0) / p.TotalFileSize
    : undefined;
  const act = async (what: "stop" | "abort") => {
    setStopping(true);
    try {
      await post(`/task/${taskId}/${what}`);
      toast(what === "stop" ? "Stopping after the current file" : "Aborting");
      await refreshState();
    } catch (e) {
      toast(errorText(e), "error");
      setStopping(false);
    }
  };
  return (
    <div class="task-progress" aria-live="polite">
      <div class="tp-head">
        <strong class="phase">{progressPhase(p)}</strong>
        {overall !== undefined && <span>{Math.round(overall * 100)}%</span>}
      </div>
      <Bar value={overall} label="Progress" />
      <div class="tp-facts muted small">
        {/* "3 of 10 files" once the total is known; until then what has been done so far. */}
        {p?.TotalFileCount
          ? (
            <span>
              {(p.ProcessedFileCount ?? 0).toLocaleString()} of {p.TotalFileCount.toLocaleString()}
              {p.StillCounting ? "+" : ""} files
            </span>
          )
          : p?.ProcessedFileCount
          ? (
            <span>
              {p.ProcessedFileCount.toLocaleString()} file{p.ProcessedFileCount === 1 ? "" : "s"}
              {" "}
              examined
            </span>
          )
          : null}
        {p?.TotalFileSize
          ? <span>{formatSize(p.ProcessedFileSize ?? 0)} of {formatSize(p.TotalFileSize)}</span>
          : p?.ProcessedFileSize
          ? <span>{formatSize(p.ProcessedFileSize)}</span>
          : null}
        {p?.BackendSpeed !== undefined && p.BackendSpeed > 0 && (
          <span>{formatSize(p.BackendSpeed)}/s</span>
        )}
      </div>
      {!props.compact && p?.CurrentFilename && (
        <div class="tp-file mono small" title={p.CurrentFilename}>{p.CurrentFilename}</div>
      )}
      {!props.compact && p?.BackendAction && p.BackendPath && (
        <div class="tp-file mono small muted">
          {p.BackendAction}: {p.BackendPath}
        </div>
      )}
      {taskId !== undefined && (
        <div class="btn-row">
          <button
            type="button"
            class="btn small"
            disabled={stopping}
            onClick={() => void act("stop")}
          >
            <Icon name="stop" /> Stop after current file
          </button>
          <button
            type="button"
            class="btn small danger"
            disabled={stopping}
            onClick={() => void act("abort")}
          >
            Abort
          </button>
        </div>
      )}
    </div>
  );
}
