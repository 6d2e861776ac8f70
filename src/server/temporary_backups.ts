/**
 * Temporary backup configurations: made for a restore straight from a destination or an exported
 * file, kept in memory only (never listed, never scheduled, gone at restart). Their local
 * database path does not exist, so the engine reads the versions from the remote files.
 */
import { join } from "node:path";
import type { BackupRecord } from "./database.ts";
import type { BackupInput } from "./backup_dto.ts";

/** The temporary configurations of one server. */
export class TemporaryBackups {
  #items = new Map<string, BackupRecord>();
  constructor(private dataFolder: string) {}

  /** Stores a configuration; returns its ID (`temp-...`). */
  add(input: BackupInput): string {
    const id = `temp-${crypto.randomUUID().slice(0, 8)}`;
    this.#items.set(id, {
      ...input,
      ID: id,
      DBPath: join(this.dataFolder, `${id}.sqlite`),
      Metadata: {},
      IsTemporary: true,
    });
    if (this.#items.size > 100) this.#items.delete(this.#items.keys().next().value!);
    return id;
  }

  get(id: string): BackupRecord | undefined {
    return this.#items.get(id);
  }

  /** Replaces a stored configuration (its ID and database path stay). */
  update(id: string, input: BackupInput): void {
    const old = this.#items.get(id);
    if (old) this.#items.set(id, { ...old, ...input, ID: id, DBPath: old.DBPath });
  }

  delete(id: string): boolean {
    return this.#items.delete(id);
  }
}
