/** Reading an exported backup configuration file in the browser for the import routes. */
import { post } from "../api.ts";
import type { BackupAndSchedule } from "../types.ts";

/** The bytes of a file as base64 (the import routes take the file that way). */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/**
 * Asks the server to open (decrypt with `passphrase` if it is a .aes file) and parse an exported
 * configuration without saving it. Resolves to `{Backup, Schedule}`, or to `{ID}` when the server
 * created a configuration at once; throws the server's message (wrong passphrase, not a config).
 */
export async function readConfigFile(
  file: Blob,
  passphrase: string,
  importMetadata = false,
): Promise<{ config: Partial<BackupAndSchedule> | null; id: string | null }> {
  const r = await post("/backups/import", {
    config: await fileToBase64(file),
    passphrase: passphrase || undefined,
    import_metadata: importMetadata,
    direct: true,
    temporary: true,
  });
  const o = r as { ID?: unknown; data?: Partial<BackupAndSchedule> } | null;
  if (o?.ID !== undefined && o.ID !== null && o.ID !== "") {
    return { config: null, id: String(o.ID) };
  }
  if (!o?.data?.Backup) throw new Error("The server did not accept the configuration file.");
  return { config: o.data, id: null };
}
