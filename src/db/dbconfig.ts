/**
 * Finds the local database of a backup from its storage URL, through `dbconfig.json` in the data
 * folder, as Duplicati's command line does. Entries are keyed by (Type, Server, Path, Prefix,
 * Username, Port); new databases get a random 10-letter name. A database inside the data folder is
 * recorded by its file name alone, so the data folder can move (a portable folder on a stick
 * mounted elsewhere) or be copied without pointing at the old place.
 */
import { isAbsolute, join } from "node:path";

/** One line of dbconfig.json (Duplicati's property names). */
export interface DbConfigEntry {
  Type: string;
  Server: string;
  Path: string;
  Prefix: string;
  Username: string;
  Port: number;
  Databasepath: string;
  ParameterFile: string | null;
}

/** The identifying parts of a storage URL. */
export interface DbKey {
  type: string;
  server: string;
  path: string;
  prefix: string;
  username: string;
  port: number;
}

function randomName(): string {
  const b = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(b, (x) => String.fromCharCode(65 + (x % 26))).join("");
}

/**
 * Returns the database path for `key` (absolute), adding an entry to dbconfig.json when there is
 * none.
 * The file is rewritten atomically (temp file + rename).
 */
export function locateDatabase(dataFolder: string, key: DbKey): string {
  const cfgPath = join(dataFolder, "dbconfig.json");
  let entries: DbConfigEntry[] = [];
  try {
    const text = Deno.readTextFileSync(cfgPath).replace(/^\uFEFF/, "");
    const parsed = JSON.parse(text);
    if (Array.isArray(parsed)) entries = parsed;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      // A damaged dbconfig.json must not stop backups: keep a copy and start a new one.
      try {
        Deno.renameSync(cfgPath, `${cfgPath}.broken-${Date.now()}`);
      } catch { /* ignore */ }
    }
  }
  const hit = entries.find((e) =>
    e.Type === key.type && e.Server === key.server && e.Path === key.path &&
    e.Prefix === key.prefix && e.Username === key.username && Number(e.Port) === key.port
  );
  if (hit) {
    const p = String(hit.Databasepath);
    return isAbsolute(p) ? p : join(dataFolder, p);
  }
  let dbPath: string;
  do {
    dbPath = `${randomName()}.sqlite`;
  } while (entries.some((e) => e.Databasepath === dbPath || e.Databasepath.endsWith(dbPath)));
  entries.push({
    Type: key.type,
    Server: key.server,
    Path: key.path,
    Prefix: key.prefix,
    Username: key.username,
    Port: key.port,
    Databasepath: dbPath,
    ParameterFile: null,
  });
  const tmp = `${cfgPath}.${crypto.randomUUID()}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(entries, null, 2));
  Deno.renameSync(tmp, cfgPath);
  return join(dataFolder, dbPath);
}
