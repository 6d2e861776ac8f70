/** About: version, server and system information, loaded options and modules. */
import { useEffect, useState } from "preact/hooks";
import { errorText, post } from "../api.ts";
import { loadSysinfo, refreshState, useApp } from "../store.ts";
import type { SystemInfo } from "../types.ts";
import { formatDate } from "../lib/format.ts";
import { ErrorBox, Spinner } from "../components/ui.tsx";

export function About() {
  const [s, setS] = useState<SystemInfo | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    loadSysinfo().then(setS, (e) => setErr(errorText(e)));
  }, []);
  if (err) {
    return (
      <div class="page">
        <h1>About</h1>
        <ErrorBox error={err} />
      </div>
    );
  }
  if (!s) {
    return (
      <div class="page">
        <Spinner />
      </div>
    );
  }
  const rows: [string, unknown][] = [
    ["Version", s.ServerVersionName ?? s.ServerVersion],
    ["Version type", s.ServerVersionType],
    ["API version", s.APIVersion],
    ["Started by", s.StartedBy],
    ["Server time", s.ServerTime ? formatDate(s.ServerTime) : undefined],
    ["Time zone", s.ServerTimeZone],
    ["Operating system", [s.OSType, s.OSVersion].filter(Boolean).join(" ")],
    ["Runtime", s.CLRVersion],
    ["Machine", s.MachineName],
    ["User", s.UserName],
    ["Directory separator", s.DirectorySeparator],
    [
      "Case-sensitive file system",
      s.CaseSensitiveFilesystem === undefined
        ? undefined
        : s.CaseSensitiveFilesystem
        ? "yes"
        : "no",
    ],
    ["Options known", s.Options?.length],
  ];
  const mods: [string, SystemInfo["BackendModules"]][] = [
    ["Destinations", s.BackendModules],
    ["Encryption", s.EncryptionModules],
    ["Compression", s.CompressionModules],
    ["Other modules", s.GenericModules],
  ];
  return (
    <div class="page narrow">
      <h1>About Duplicati</h1>
      <p>
        Duplicati, portable edition: encrypted, deduplicated, versioned backups in Duplicati 2's own
        format, from one program that runs from a folder or a USB stick.
      </p>
      <section class="card">
        <h2 class="h3">System information</h2>
        <dl class="facts wide">
          {rows.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => (
            <>
              <dt key={`${k}-t`}>{k}</dt>
              <dd key={`${k}-d`}>{String(v)}</dd>
            </>
          ))}
        </dl>
      </section>
      <UpdatesCard />
      {mods.filter(([, l]) => l && l.length).map(([title, list]) => (
        <section class="card" key={title}>
          <h2 class="h3">{title}</h2>
          <ul class="plain">
            {list!.map((m) => (
              <li key={m.Key}>
                <strong>{m.DisplayName ?? m.Key}</strong>{" "}
                <span class="mono muted small">{m.Key}</span>
                {m.Description && <div class="small muted">{m.Description}</div>}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

/** The update check: when it last ran, and a button that asks now. */
function UpdatesCard() {
  const s = useApp().server;
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ text: string; error: boolean } | null>(null);
  const check = async () => {
    setBusy(true);
    setMsg(null);
    try {
      const r = await post<{ UpdatedVersion: string | null }>("/updates/check");
      setMsg({
        text: r.UpdatedVersion
          ? `Version ${r.UpdatedVersion} is available.`
          : "This is the newest version.",
        error: false,
      });
      await refreshState();
    } catch (e) {
      setMsg({ text: errorText(e), error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card">
      <h2 class="h3">Updates</h2>
      <p class="small muted">
        {s?.UpdaterState === "Disabled"
          ? "No update address is set (start the server with --update-url=<address>)."
          : s?.UpdateCheckEnabled
          ? "The server looks for a new version once a day."
          : "The daily check is off (--disable-update-check)."}
        {s?.LastUpdateCheck ? ` Last check: ${formatDate(s.LastUpdateCheck)}.` : ""}
      </p>
      <p>
        <button type="button" class="btn" disabled={busy} onClick={() => void check()}>
          {busy ? "Checking..." : "Check for updates"}
        </button>
      </p>
      {msg && <p class={msg.error ? "alert error" : "alert ok"} role="status">{msg.text}</p>}
    </section>
  );
}
