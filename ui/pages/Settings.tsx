/** Server settings: password, remote access and allowed host names, pause at start, default options. */
import { useEffect, useState } from "preact/hooks";
import { errorText, get, patch, put } from "../api.ts";
import { loadSysinfo } from "../store.ts";
import type { Setting, SystemInfo } from "../types.ts";
import { ErrorBox, Field, PasswordInput, Spinner, toast, Toggle } from "../components/ui.tsx";
import { OptionEditor } from "../components/OptionEditor.tsx";
import { passphraseStrength } from "../lib/passphrase.ts";

export function Settings() {
  const [settings, setSettings] = useState<Record<string, string> | null>(null);
  const [sysinfo, setSysinfo] = useState<SystemInfo | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    get<Record<string, string>>("/serversettings").then(
      (s) => setSettings(s ?? {}),
      (e) => setErr(errorText(e)),
    );
    loadSysinfo().then(setSysinfo, () => {});
  }, []);
  if (err) {
    return (
      <div class="page">
        <h1>Settings</h1>
        <ErrorBox error={err} />
      </div>
    );
  }
  if (!settings) {
    return (
      <div class="page">
        <Spinner />
      </div>
    );
  }
  return (
    <div class="page narrow">
      <h1>Settings</h1>
      <PasswordCard />
      <AccessCard settings={settings} />
      <PauseCard settings={settings} />
      <DefaultsCard settings={settings} sysinfo={sysinfo} onSaved={setSettings} />
    </div>
  );
}

function PasswordCard() {
  const [p1, setP1] = useState("");
  const [p2, setP2] = useState("");
  const [err, setErr] = useState<string | null>(null);
  const s = passphraseStrength(p1);
  return (
    <form
      class="card"
      onSubmit={async (e) => {
        e.preventDefault();
        setErr(null);
        if (p1.length < 8) return setErr("Use at least 8 characters.");
        if (p1 !== p2) return setErr("The two passwords are not the same.");
        try {
          await put("/serversetting/server-passphrase", p1);
          setP1("");
          setP2("");
          toast("Password changed");
        } catch (x) {
          setErr(errorText(x));
        }
      }}
    >
      <h2 class="h3">Password of this web interface</h2>
      <Field id="pw1" label="New password">
        <PasswordInput id="pw1" autoComplete="new-password" value={p1} onValue={setP1} />
      </Field>
      {p1 && <p class="small muted">Strength: {s.label}. {s.hint}</p>}
      <Field id="pw2" label="Repeat new password">
        <PasswordInput id="pw2" autoComplete="new-password" value={p2} onValue={setP2} />
      </Field>
      <ErrorBox error={err} />
      <button type="submit" class="btn primary" disabled={!p1}>Change password</button>
    </form>
  );
}

function AccessCard(props: { settings: Record<string, string> }) {
  const [remote, setRemote] = useState(
    (props.settings["server-listen-interface"] ?? "loopback").toLowerCase() !== "loopback",
  );
  const [hosts, setHosts] = useState(props.settings["allowed-hostnames"] ?? "");
  const [err, setErr] = useState<string | null>(null);
  return (
    <form
      class="card"
      onSubmit={async (e) => {
        e.preventDefault();
        setErr(null);
        try {
          await patch("/serversettings", {
            "server-listen-interface": remote ? "any" : "loopback",
            "allowed-hostnames": hosts.trim(),
          });
          toast(
            "Saved. A change of the listening interface takes effect when the server restarts.",
          );
        } catch (x) {
          setErr(errorText(x));
        }
      }}
    >
      <h2 class="h3">Access from other computers</h2>
      <Toggle
        checked={remote}
        onChange={setRemote}
        label="Allow remote access (listen on all network interfaces)"
      />
      {remote && (
        <p class="alert warn small">
          Anyone on your network can then reach the sign-in page. Use a strong password, and list
          the host names you use to reach this computer below.
        </p>
      )}
      <Field
        id="hosts"
        label="Allowed host names"
        help="Separated by semicolons, e.g. nas.local;backup.example.com. localhost and IP addresses are always allowed; * allows any (not recommended)."
      >
        <input
          id="hosts"
          value={hosts}
          onInput={(e) => setHosts((e.target as HTMLInputElement).value)}
        />
      </Field>
      <ErrorBox error={err} />
      <button type="submit" class="btn primary">Save</button>
    </form>
  );
}

function PauseCard(props: { settings: Record<string, string> }) {
  const [delay, setDelay] = useState(props.settings["startup-delay"] ?? "");
  const [err, setErr] = useState<string | null>(null);
  return (
    <form
      class="card"
      onSubmit={async (e) => {
        e.preventDefault();
        setErr(null);
        try {
          await patch("/serversettings", { "startup-delay": delay });
          toast("Saved");
        } catch (x) {
          setErr(errorText(x));
        }
      }}
    >
      <h2 class="h3">Pause after start-up</h2>
      <Field
        id="delay"
        label="Pause for"
        help="No backup starts for this long after the server starts."
      >
        <select
          id="delay"
          value={delay}
          onChange={(e) => setDelay((e.target as HTMLSelectElement).value)}
        >
          <option value="">Do not pause</option>
          {["5m", "10m", "15m", "30m", "1h"].map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
      </Field>
      <ErrorBox error={err} />
      <button type="submit" class="btn primary">Save</button>
    </form>
  );
}

function DefaultsCard(
  props: {
    settings: Record<string, string>;
    sysinfo: SystemInfo | null;
    onSaved: (s: Record<string, string>) => void;
  },
) {
  const initial: Setting[] = Object.entries(props.settings)
    .filter(([k]) => k.startsWith("--"))
    .map(([Name, Value]) => ({ Name, Value }));
  const [list, setList] = useState<Setting[]>(initial);
  const [err, setErr] = useState<string | null>(null);
  return (
    <section class="card">
      <h2 class="h3">Default options for all backups</h2>
      <p class="muted small">
        These apply to every backup unless the backup sets the option itself.
      </p>
      <OptionEditor value={list} onChange={setList} sysinfo={props.sysinfo} />
      <ErrorBox error={err} />
      <button
        type="button"
        class="btn primary"
        onClick={async () => {
          setErr(null);
          const body: Record<string, string | null> = {};
          for (const s of initial) body[s.Name] = null;
          for (const s of list) body[s.Name.startsWith("--") ? s.Name : `--${s.Name}`] = s.Value;
          try {
            await patch("/serversettings", body);
            props.onSaved(await get<Record<string, string>>("/serversettings"));
            toast("Default options saved");
          } catch (x) {
            setErr(errorText(x));
          }
        }}
      >
        Save default options
      </button>
    </section>
  );
}
