/**
 * The "a new version is available" banner above every page, from the server state
 * (`UpdatedVersion`, `UpdaterState`, `UpdateReady`, ...): release notes link, a Download button
 * that unpacks the new version beside this portable folder, its progress and where it went.
 * Hiding it lasts until the next sign-in, per version.
 */
import { useState } from "preact/hooks";
import { errorText, post } from "../api.ts";
import { refreshState, useApp } from "../store.ts";
import { Icon } from "./Icon.tsx";
import { Bar } from "./ui.tsx";

const hiddenKey = (v: string) => `update-banner-hidden-${v}`;

export function UpdateBanner() {
  const s = useApp().server;
  const version = s?.UpdatedVersion;
  const [hidden, setHidden] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  if (!version || hidden === version || sessionStorage.getItem(hiddenKey(version))) return null;
  const downloading = s.UpdaterState === "Downloading";
  const hide = () => {
    sessionStorage.setItem(hiddenKey(version), "1");
    setHidden(version);
  };
  const download = async () => {
    setErr(null);
    try {
      await post("/updates/download");
      await refreshState();
    } catch (e) {
      setErr(errorText(e));
    }
  };
  const problem = err ?? (s.UpdaterState === "Waiting" && !s.UpdateReady ? s.UpdateError : null);
  return (
    <div
      class={s.UpdateReady ? "alert ok update-banner" : "alert info update-banner"}
      role="status"
      aria-label="New version"
    >
      <div class="update-text">
        {s.UpdateReady
          ? (
            <span>
              Version {version} is ready in{" "}
              <code>{s.UpdateFolder}</code>. Stop this Duplicati and start the new one from that
              folder; this one stays as it is.
            </span>
          )
          : downloading
          ? <span>Downloading version {version}...</span>
          : <span>A new version of Duplicati is available: {version}.</span>}
        {s.ReleaseNotes && (
          <a href={s.ReleaseNotes} target="_blank" rel="noopener noreferrer">Release notes</a>
        )}
        {!s.UpdateReady && !downloading && (
          <button
            type="button"
            class="btn small"
            onClick={() => void download()}
          >
            <Icon name="download" />
            Download
          </button>
        )}
        <button
          type="button"
          class="icon-btn small"
          aria-label="Hide this message"
          onClick={hide}
        >
          <Icon name="x" />
        </button>
      </div>
      {downloading && (
        <Bar value={s.UpdateDownloadProgress || undefined} label="Download of the new version" />
      )}
      {problem && <p class="update-error">{problem}</p>}
    </div>
  );
}
