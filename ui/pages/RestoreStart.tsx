/** Restore start: from a configured backup, directly from a destination, or from an exported config. */
import { useState } from "preact/hooks";
import { errorText, post } from "../api.ts";
import { navigate } from "../router.ts";
import { useApp } from "../store.ts";
import { formatDate } from "../lib/format.ts";
import { type BackendKind, BACKENDS, type BackendValues, buildUrl } from "../lib/backend_url.ts";
import {
  ConfigFileFields,
  DynInput,
  ErrorBox,
  Field,
  PasswordInput,
  Spinner,
} from "../components/ui.tsx";
import { Icon } from "../components/Icon.tsx";
import { readConfigFile } from "../lib/config_file.ts";
import { ConnectionTest } from "../components/ConnectionTest.tsx";

type Mode = "backup" | "direct" | "config";

/** The ID of the backup a create or import answer names (`{ID, Temporary}`), or null. */
function idOf(r: unknown): string | null {
  const o = r as Record<string, unknown> | null;
  return o && o.ID !== undefined && o.ID !== null && o.ID !== "" ? String(o.ID) : null;
}

/** The URL of the form's values, or "" while they are incomplete. */
function safeUrl(kind: BackendKind, values: BackendValues): string {
  try {
    return buildUrl(kind, values);
  } catch {
    return "";
  }
}

/** Creates a temporary backup configuration (not listed, not scheduled) to restore from. */
async function temporaryBackup(backup: Record<string, unknown>): Promise<string> {
  const r = await post("/backups", { Backup: { ...backup, ID: "" }, Schedule: null }, {
    query: { temporary: true },
  });
  const id = idOf(r);
  if (!id) throw new Error("The server did not return an ID for the temporary configuration.");
  return id;
}

/** The way chosen last, so "Back" from a failed direct restore lands on the same form. */
let lastMode: Mode = "backup";

export function RestoreStart() {
  const [mode, setModeState] = useState<Mode>(lastMode);
  const setMode = (m: Mode) => setModeState(lastMode = m);
  return (
    <div class="page narrow restore-start">
      <h1>Restore</h1>
      <fieldset class="kind-grid three">
        <legend>Restore from</legend>
        {([
          ["backup", "A configured backup", "Pick one of the backups on this computer."],
          [
            "direct",
            "Backup files at a destination",
            "No configuration needed: give the storage and the passphrase.",
          ],
          [
            "config",
            "An exported configuration",
            "A file you exported earlier, e.g. from another computer.",
          ],
        ] as [Mode, string, string][]).map(([m, title, text]) => (
          <label key={m} class={mode === m ? "kind selected" : "kind"}>
            <input
              type="radio"
              name="restore-mode"
              checked={mode === m}
              onChange={() =>
                setMode(m)}
            />
            <strong>{title}</strong>
            <span class="muted small">{text}</span>
          </label>
        ))}
      </fieldset>
      {mode === "backup" && <FromBackup />}
      {mode === "direct" && <Direct />}
      {mode === "config" && <FromConfig />}
    </div>
  );
}

function FromBackup() {
  const app = useApp();
  if (!app.backups) return <Spinner />;
  if (app.backups.length === 0) {
    return <p class="muted">There are no configured backups. Use one of the other ways.</p>;
  }
  return (
    <ul class="pick-list">
      {app.backups.map((b) => (
        <li key={b.Backup.ID}>
          <button type="button" class="pick" onClick={() => navigate(`/restore/${b.Backup.ID}`)}>
            <strong>{b.Backup.Name}</strong>
            <span class="muted small">
              Last backup: {formatDate(
                b.Backup.Metadata?.LastBackupFinished ?? b.Backup.Metadata?.LastBackupDate,
              )}
              {b.Backup.Metadata?.BackupListCount
                ? `, ${b.Backup.Metadata.BackupListCount} versions`
                : ""}
            </span>
            <Icon name="chevron" />
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * What was typed into the direct form, kept while the page is open: "Back" from a destination that
 * could not be read (a wrong passphrase, a typo in the path) returns to the filled-in form.
 */
const directMemo: { kind: BackendKind; values: BackendValues; pass: string } = {
  kind: "file",
  values: {},
  pass: "",
};

function Direct() {
  const [kind, setKindState] = useState<BackendKind>(directMemo.kind);
  const [values, setValuesState] = useState<BackendValues>(directMemo.values);
  const [pass, setPassState] = useState(directMemo.pass);
  const setKind = (k: BackendKind) => setKindState(directMemo.kind = k);
  const setValues = (v: BackendValues) => setValuesState(directMemo.values = v);
  const setPass = (p: string) => setPassState(directMemo.pass = p);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const def = BACKENDS.find((b) => b.kind === kind)!;
  return (
    <form
      class="card form-col"
      onSubmit={async (e) => {
        e.preventDefault();
        setErr(null);
        setBusy(true);
        try {
          const url = buildUrl(kind, values);
          const settings = pass
            ? [{ Name: "encryption-module", Value: "aes" }, { Name: "passphrase", Value: pass }]
            : [{ Name: "encryption-module", Value: "" }, {
              Name: "--no-encryption",
              Value: "true",
            }];
          const id = await temporaryBackup({
            Name: "Restore from destination",
            Description: "",
            Tags: [],
            TargetURL: url,
            Sources: [],
            Settings: settings,
            Filters: [],
            Metadata: {},
          });
          navigate(`/restore/${id}?direct=1`);
        } catch (x) {
          setErr(errorText(x));
        } finally {
          setBusy(false);
        }
      }}
    >
      <Field id="d-kind" label="Storage type">
        <select
          id="d-kind"
          value={kind}
          onChange={(e) => {
            setKind((e.target as HTMLSelectElement).value as BackendKind);
            setValues({});
          }}
        >
          {BACKENDS.map((b) => <option key={b.kind} value={b.kind}>{b.label}</option>)}
        </select>
      </Field>
      {def.fields.map((f) => {
        const id = `d-${f.key}`;
        return f.type === "checkbox"
          ? (
            <label key={f.key} class="check">
              <input
                id={id}
                type="checkbox"
                checked={values[f.key] === "true"}
                onChange={(e) =>
                  setValues({
                    ...values,
                    [f.key]: (e.target as HTMLInputElement).checked ? "true" : "",
                  })}
              />
              {f.label}
            </label>
          )
          : (
            <Field key={f.key} id={id} label={f.label} required={f.required}>
              <DynInput
                id={id}
                type={f.type === "password" ? "password" : "text"}
                placeholder={f.placeholder}
                value={values[f.key] ?? ""}
                onInput={(e) =>
                  setValues({ ...values, [f.key]: (e.target as HTMLInputElement).value })}
              />
            </Field>
          );
      })}
      <ConnectionTest
        key={`${kind}:${JSON.stringify(values)}`}
        url={safeUrl(kind, values)}
        onTrustHostKey={(key) => setValues({ ...values, fingerprint: key })}
        onTrustCert={(hash) =>
          setValues({
            ...values,
            extra: `${values.extra ? `${values.extra}&` : ""}accept-specified-ssl-hash=${hash}`,
          })}
      />
      <Field id="d-pass" label="Passphrase" help="Leave empty if the backup is not encrypted.">
        <PasswordInput id="d-pass" value={pass} onValue={setPass} />
      </Field>
      <ErrorBox error={err} />
      <button type="submit" class="btn primary" disabled={busy}>
        {busy ? "Connecting..." : "Continue"}
      </button>
    </form>
  );
}

/** The settings of a configuration with the backup's passphrase set (replacing one it had). */
export function withPassphrase(
  settings: unknown,
  passphrase: string,
): { Name: string; Value: string }[] {
  const list = Array.isArray(settings) ? settings as { Name: string; Value: string }[] : [];
  const rest = list.filter((x) => !/^(--)?passphrase$/.test(x.Name));
  return [...rest, { Name: "passphrase", Value: passphrase }];
}

function FromConfig() {
  const [file, setFile] = useState<File | null>(null);
  const [pass, setPass] = useState("");
  const [backupPass, setBackupPass] = useState("");
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card form-col"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!file) return setErr("Choose the exported file.");
        setErr(null);
        setBusy(true);
        try {
          const read = await readConfigFile(file, pass);
          let id = read.id;
          if (!id) {
            const b = read.config!.Backup as unknown as Record<string, unknown>;
            const backup = backupPass
              ? { ...b, Settings: withPassphrase(b.Settings, backupPass) }
              : b;
            id = await temporaryBackup(backup);
          }
          navigate(`/restore/${id}?direct=1`);
        } catch (x) {
          setErr(errorText(x));
        } finally {
          setBusy(false);
        }
      }}
    >
      <ConfigFileFields
        idPrefix="c"
        fileHelp="A *-duplicati-config.json or .json.aes file."
        passHelp="Only for an encrypted (.aes) export."
        pass={pass}
        onFile={setFile}
        onPass={setPass}
      />
      <Field
        id="c-backup-pass"
        label="Passphrase of the backup"
        help="Only when the file was exported without the backup's passphrase."
      >
        <PasswordInput id="c-backup-pass" value={backupPass} onValue={setBackupPass} />
      </Field>
      <ErrorBox error={err} />
      <button type="submit" class="btn primary" disabled={busy}>
        {busy ? "Reading..." : "Continue"}
      </button>
    </form>
  );
}
