/**
 * "Import from a file" on the add-backup page: reads an exported configuration (decrypting a .aes
 * file) and hands it to the wizard, where every setting can be checked before it is saved.
 */
import { useState } from "preact/hooks";
import { errorText } from "../api.ts";
import { navigate } from "../router.ts";
import type { BackupAndSchedule } from "../types.ts";
import { readConfigFile } from "../lib/config_file.ts";
import { ConfigFileFields, ErrorBox, Modal } from "./ui.tsx";

export function ImportDialog(
  props: { onImported: (config: Partial<BackupAndSchedule>) => void; onClose: () => void },
) {
  const [file, setFile] = useState<File | null>(null);
  const [pass, setPass] = useState("");
  const [meta, setMeta] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Modal title="Import a backup configuration" onClose={props.onClose}>
      <form
        class="form-col"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!file) return setErr("Choose the exported file.");
          setErr(null);
          setBusy(true);
          try {
            const r = await readConfigFile(file, pass, meta);
            if (r.id) {
              // A server that saves the import at once: edit the saved configuration.
              navigate(`/backup/${r.id}/edit`);
              props.onClose();
            } else props.onImported(r.config!);
          } catch (x) {
            setErr(errorText(x));
          } finally {
            setBusy(false);
          }
        }}
      >
        <ConfigFileFields
          idPrefix="imp"
          fileHelp="A *-duplicati-config.json file, or .json.aes when it was exported encrypted."
          passHelp="Only for an encrypted file."
          pass={pass}
          onFile={setFile}
          onPass={setPass}
        />
        <label class="check">
          <input
            type="checkbox"
            checked={meta}
            onChange={(e) => setMeta((e.target as HTMLInputElement).checked)}
          />
          Keep the statistics of the last run (sizes, dates)
        </label>
        <ErrorBox error={err} />
        <div class="actions">
          <button type="button" class="btn" onClick={props.onClose}>Cancel</button>
          <button type="submit" class="btn primary" disabled={busy}>
            {busy ? "Reading..." : "Import"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
