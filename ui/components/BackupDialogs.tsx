/** Dialogs of a backup: delete (with or without remote files) and export (file or command line). */
import { useState } from "preact/hooks";
import { del, errorText, get, post } from "../api.ts";
import { navigate } from "../router.ts";
import { reloadBackups } from "../store.ts";
import type { Backup } from "../types.ts";
import { ErrorBox, Modal, PasswordInput, toast } from "./ui.tsx";

export function DeleteDialog(props: { backup: Backup; onClose: () => void }) {
  const [localDb, setLocalDb] = useState(true);
  const [remote, setRemote] = useState(false);
  const [confirm, setConfirm] = useState("");
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const b = props.backup;
  return (
    <Modal title={`Delete "${b.Name}"?`} onClose={props.onClose}>
      <p>The backup configuration is removed from this server.</p>
      <label class="check">
        <input
          type="checkbox"
          checked={localDb}
          onChange={(e) => setLocalDb((e.target as HTMLInputElement).checked)}
        />
        Also delete the local database
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={remote}
          onChange={(e) => setRemote((e.target as HTMLInputElement).checked)}
        />
        Also delete all backup files at the destination
      </label>
      {remote && (
        <div class="field">
          <label for="confirm-delete">
            This cannot be undone. Type the backup's name to confirm.
          </label>
          <input
            id="confirm-delete"
            value={confirm}
            onInput={(e) => setConfirm((e.target as HTMLInputElement).value)}
          />
        </div>
      )}
      <ErrorBox error={err} />
      <div class="actions">
        <button type="button" class="btn" onClick={props.onClose}>Cancel</button>
        <button
          type="button"
          class="btn danger"
          disabled={busy || (remote && confirm !== b.Name)}
          onClick={async () => {
            setBusy(true);
            try {
              await del(`/backup/${b.ID}`, {
                query: { "delete-local-db": localDb, "delete-remote-files": remote },
              });
              toast(`"${b.Name}" deleted`);
              await reloadBackups();
              props.onClose();
              navigate("/");
            } catch (e) {
              setErr(errorText(e));
            } finally {
              setBusy(false);
            }
          }}
        >
          Delete
        </button>
      </div>
    </Modal>
  );
}

export function ExportDialog(props: { backup: Backup; onClose: () => void }) {
  const [mode, setMode] = useState<"file" | "cmdline">("file");
  const [passwords, setPasswords] = useState(false);
  const [encrypt, setEncrypt] = useState(true);
  const [pass, setPass] = useState("");
  const [cmd, setCmd] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const b = props.backup;

  const exportFile = async () => {
    setErr(null);
    try {
      if (encrypt && !pass) {
        throw new Error("Enter a passphrase to encrypt the file, or turn encryption off.");
      }
      const t = await post<{ Token: string }>("/auth/issuetoken/export");
      const q = new URLSearchParams({ token: t.Token, "export-passwords": String(passwords) });
      if (encrypt) q.set("passphrase", pass);
      const a = document.createElement("a");
      a.href = `/api/v1/backup/${encodeURIComponent(b.ID)}/export?${q}`;
      a.download = "";
      document.body.appendChild(a);
      a.click();
      a.remove();
      toast("Export downloaded");
    } catch (e) {
      setErr(errorText(e));
    }
  };
  const exportCmd = async () => {
    setErr(null);
    try {
      const r = await get<{ Command: string }>(`/backup/${b.ID}/export-cmdline`, {
        query: { "export-passwords": passwords },
      });
      setCmd(r.Command);
    } catch (e) {
      setErr(errorText(e));
    }
  };

  return (
    <Modal title={`Export "${b.Name}"`} onClose={props.onClose}>
      <fieldset class="radio-list">
        <legend>Export as</legend>
        <label>
          <input
            type="radio"
            name="export-mode"
            checked={mode === "file"}
            onChange={() => setMode("file")}
          />
          A configuration file (to import or restore from later)
        </label>
        <label>
          <input
            type="radio"
            name="export-mode"
            checked={mode === "cmdline"}
            onChange={() => setMode("cmdline")}
          />
          A command line
        </label>
      </fieldset>
      <label class="check">
        <input
          type="checkbox"
          checked={passwords}
          onChange={(e) => setPasswords((e.target as HTMLInputElement).checked)}
        />
        Include passphrase and credentials
      </label>
      {mode === "file" && (
        <>
          <label class="check">
            <input
              type="checkbox"
              checked={encrypt}
              onChange={(e) => setEncrypt((e.target as HTMLInputElement).checked)}
            />
            Encrypt the file
          </label>
          {encrypt && (
            <div class="field">
              <label for="export-pass">Passphrase for the file</label>
              <PasswordInput
                id="export-pass"
                autoComplete="new-password"
                value={pass}
                onValue={setPass}
              />
            </div>
          )}
        </>
      )}
      {passwords && !encrypt && mode === "file" && (
        <p class="alert warn">The file will hold your passphrase in plain text. Keep it safe.</p>
      )}
      {cmd !== null && (
        <textarea class="mono" readOnly rows={6} value={cmd} aria-label="Command line"></textarea>
      )}
      <ErrorBox error={err} />
      <div class="actions">
        <button type="button" class="btn" onClick={props.onClose}>Close</button>
        <button
          type="button"
          class="btn primary"
          onClick={() => void (mode === "file" ? exportFile() : exportCmd())}
        >
          Export
        </button>
      </div>
    </Modal>
  );
}
