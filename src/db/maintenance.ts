/**
 * Whole-file maintenance of a local database: VACUUM, and the anonymised copy for bug reports
 * (paths and names replaced by salted hashes, log messages that could hold paths erased, secrets
 * removed from the configuration).
 */
import { createHash } from "node:crypto";
import type { LocalDatabase } from "./local_database.ts";

/** Rebuilds the database file to release free pages; returns nothing, the file shrinks. */
export function vacuumDatabase(db: LocalDatabase): void {
  db.commit();
  db.db.exec("VACUUM");
  db.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

/** Writes a consistent, compact copy of the database to `target` (which must not exist). */
export function copyDatabase(db: LocalDatabase, target: string): void {
  db.db.prepare("VACUUM INTO ?").run(target);
}

/** Configuration keys that must not leave the machine. */
const SECRET_CONFIG = ["passphrase-check", "passphrase-salt"];

/**
 * Replaces, in a COPY of a local database, every folder and file name with a salted hash (the
 * same name gets the same hash, so the structure stays visible), log messages that mention a
 * path with "ERASED!", and secret configuration values. Returns how many names were replaced.
 */
export function anonymizeDatabase(db: LocalDatabase, salt: string): number {
  const names = new Map<string, string>();
  const hashName = (name: string): string => {
    let h = names.get(name);
    if (h === undefined) {
      h = createHash("sha256").update(salt).update(name).digest("hex").slice(0, 16);
      names.set(name, h);
    }
    return h;
  };
  const hashPath = (p: string): string => {
    if (p === "") return p;
    const lead = p.startsWith("/") ? "/" : "";
    const trail = p.endsWith("/") ? "/" : "";
    const parts = p.split("/").filter((s) => s !== "").map((s) =>
      /^[A-Za-z]:$/.test(s) ? s : hashName(s)
    );
    return lead + parts.join("/") + (parts.length ? trail : "");
  };
  db.transaction(() => {
    const prefixes = db.all<{ ID: number; Prefix: string }>("SELECT ID, Prefix FROM PathPrefix");
    // Two passes so the UNIQUE constraint never sees a half-renamed table.
    for (const r of prefixes) {
      db.run("UPDATE PathPrefix SET Prefix=? WHERE ID=?", `tmp-${r.ID}`, r.ID);
    }
    for (const r of prefixes) {
      db.run("UPDATE PathPrefix SET Prefix=? WHERE ID=?", hashPath(r.Prefix), r.ID);
    }
    const files = db.all<{ ID: number; Path: string }>("SELECT ID, Path FROM FileLookup");
    for (const r of files) {
      db.run("UPDATE FileLookup SET Path=? WHERE ID=?", hashPath(r.Path), r.ID);
    }
    db.run(
      `UPDATE LogData SET Message='ERASED!' WHERE Message LIKE '%/%' OR Message LIKE '%:\\%'`,
    );
    // Remote errors can name folders and hosts; names, sizes and hashes of remote files stay.
    db.run(`UPDATE RemoteOperation SET Data='ERASED!' WHERE Data LIKE '%"Error":%'`);
    for (const key of SECRET_CONFIG) db.run("DELETE FROM Configuration WHERE Key=?", key);
  });
  vacuumDatabase(db);
  // A single self-contained file, ready to be zipped.
  db.db.exec("PRAGMA journal_mode=DELETE");
  return names.size;
}
