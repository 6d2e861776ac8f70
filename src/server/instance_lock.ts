/**
 * One server per data folder: the server holds an exclusive SQLite lock on `server.lock` in the data
 * folder for as long as it runs. The operating system drops the lock when the process ends, even
 * after a crash, so a stale lock file never blocks a restart.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { UserError } from "../core/errors.ts";

/** A held lock; `release()` frees it. */
export interface InstanceLock {
  release(): void;
}

/**
 * Takes the data folder's lock. Throws a UserError (exit code 200) when another server holds it.
 */
export function lockDataFolder(folder: string): InstanceLock {
  const path = join(folder, "server.lock");
  const db = new DatabaseSync(path, { timeout: 0 });
  try {
    db.exec("PRAGMA locking_mode=EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS Owner (Pid INTEGER, Started TEXT)");
    db.exec("BEGIN EXCLUSIVE");
    db.prepare("DELETE FROM Owner").run();
    db.prepare("INSERT INTO Owner VALUES (?, ?)").run(Deno.pid, new Date().toISOString());
  } catch (e) {
    db.close();
    throw new UserError(
      `Another Duplicati server is already running with the data folder ${folder}. ` +
        `Use that server (its address was printed when it started), stop it first, or give this ` +
        `one another folder with --server-datafolder=<folder>.`,
      { code: "AnotherInstance", exitCode: 200, cause: e },
    );
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      try {
        db.exec("ROLLBACK");
      } catch {
        // Nothing to roll back.
      }
      db.close();
    },
  };
}
