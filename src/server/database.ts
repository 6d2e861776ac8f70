/**
 * The server database (`Duplicati-server.sqlite` in the data folder): backup configurations with
 * their sources, filters, options, schedules and metadata, server settings, operation logs,
 * notifications, refresh-token families and the UI's key/value store.
 *
 * Values of sensitive options pass through a {@link FieldCipher} so they are encrypted at rest when
 * the server was given a settings key.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { UserError } from "../core/errors.ts";
import { FieldCipher, isSensitiveName, PLAINTEXT } from "./secrets.ts";

/** Option rows with this BackupID hold the defaults applied to every backup. */
export const DEFAULTS_ID = -1;
/** Option rows with this BackupID hold the server settings. */
export const SERVER_SETTINGS_ID = -2;

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS Version (Version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS Backup (
  ID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT NOT NULL, Description TEXT NOT NULL DEFAULT '',
  Tags TEXT NOT NULL DEFAULT '', TargetURL TEXT NOT NULL, DBPath TEXT NOT NULL,
  ExternalID TEXT NOT NULL DEFAULT '', OperationType TEXT NOT NULL DEFAULT 'Backup');
CREATE TABLE IF NOT EXISTS Schedule (
  ID INTEGER PRIMARY KEY AUTOINCREMENT, Tags TEXT NOT NULL, Time INTEGER NOT NULL,
  Repeat TEXT NOT NULL, LastRun INTEGER NOT NULL DEFAULT 0, Rule TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS Source (BackupID INTEGER NOT NULL, Path TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS Filter (
  BackupID INTEGER NOT NULL, "Order" INTEGER NOT NULL, Include INTEGER NOT NULL,
  Expression TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS Option (
  BackupID INTEGER NOT NULL, Filter TEXT NOT NULL DEFAULT '', Name TEXT NOT NULL,
  Value TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS Metadata (BackupID INTEGER NOT NULL, Name TEXT NOT NULL,
  Value TEXT NOT NULL, PRIMARY KEY (BackupID, Name));
CREATE TABLE IF NOT EXISTS Log (
  ID INTEGER PRIMARY KEY AUTOINCREMENT, BackupID INTEGER NOT NULL, Description TEXT NOT NULL,
  Type TEXT NOT NULL, Message TEXT NOT NULL, Exception TEXT NOT NULL DEFAULT '',
  Timestamp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ErrorLog (
  ID INTEGER PRIMARY KEY AUTOINCREMENT, Type TEXT NOT NULL, Message TEXT NOT NULL,
  Exception TEXT NOT NULL DEFAULT '', Timestamp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS Notification (
  ID INTEGER PRIMARY KEY AUTOINCREMENT, Type TEXT NOT NULL, Title TEXT NOT NULL,
  Message TEXT NOT NULL, Exception TEXT NOT NULL DEFAULT '', BackupID TEXT,
  Action TEXT NOT NULL DEFAULT '', Timestamp INTEGER NOT NULL, LogEntryID TEXT,
  MessageID TEXT, MessageLogTag TEXT);
CREATE TABLE IF NOT EXISTS UIStorage (Scheme TEXT NOT NULL, Key TEXT NOT NULL,
  Value TEXT NOT NULL, PRIMARY KEY (Scheme, Key));
CREATE TABLE IF NOT EXISTS TokenFamily (ID TEXT PRIMARY KEY, UserId TEXT NOT NULL,
  Counter INTEGER NOT NULL, LastUpdated INTEGER NOT NULL);
`;

/** One advanced option of a backup, as the API carries it. */
export interface SettingRow {
  Filter: string;
  Name: string;
  Value: string;
  Argument?: unknown;
}

/** One filter line of a backup. */
export interface FilterRow {
  Order: number;
  Include: boolean;
  Expression: string;
}

/** A stored backup configuration (secrets in clear text: never send this as it is). */
export interface BackupRecord {
  ID: string;
  Name: string;
  Description: string;
  Tags: string[];
  TargetURL: string;
  DBPath: string;
  ExternalID: string;
  OperationType: string;
  Sources: string[];
  Settings: SettingRow[];
  Filters: FilterRow[];
  Metadata: Record<string, string>;
  IsTemporary: boolean;
}

/** A stored schedule. Times are milliseconds since the epoch (UTC). */
export interface ScheduleRecord {
  ID: number;
  Tags: string[];
  Time: number;
  Repeat: string;
  LastRun: number;
  Rule: string;
  AllowedDays: string[];
}

/** A notification shown to the user until dismissed. */
export interface NotificationRecord {
  ID: number;
  Type: "Information" | "Warning" | "Error";
  Title: string;
  Message: string;
  Exception: string;
  BackupID: string | null;
  Action: string;
  Timestamp: number;
  LogEntryID: string | null;
  MessageID: string | null;
  MessageLogTag: string | null;
}

type Row = Record<string, unknown>;

/** The server database. Methods throw on SQL errors; not-found lookups return undefined. */
export class ServerDatabase {
  readonly db: DatabaseSync;
  #cipher: FieldCipher;
  /** The folder holding this database (the data folder). */
  #folder = resolve(".");

  private constructor(db: DatabaseSync, cipher: FieldCipher) {
    this.db = db;
    this.#cipher = cipher;
  }

  /**
   * A backup's local database inside the data folder is stored by its file name alone, so the
   * data folder can move or be copied (a portable folder) without pointing at the old place.
   */
  #storedDbPath(path: string): string {
    if (path === "" || !isAbsolute(path)) return path;
    return dirname(path) === this.#folder ? basename(path) : path;
  }

  #loadedDbPath(stored: string): string {
    return stored === "" || isAbsolute(stored) ? stored : join(this.#folder, stored);
  }

  /**
   * Opens (creating if needed) the database at `path`. With an encryption key, sensitive fields
   * are encrypted (existing clear values are encrypted now). Throws a UserError when fields are
   * encrypted and the key is missing or wrong.
   */
  static open(path: string, encryptionKey?: string): ServerDatabase {
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;");
    db.exec(SCHEMA);
    const v = db.prepare("SELECT Version FROM Version").get() as Row | undefined;
    if (!v) db.prepare("INSERT INTO Version (Version) VALUES (?)").run(SCHEMA_VERSION);
    const cipher = new FieldCipher(encryptionKey);
    const sdb = new ServerDatabase(db, PLAINTEXT);
    if (path !== ":memory:") sdb.#folder = dirname(resolve(path));
    const encrypted = sdb.#storedValues().filter((s) => FieldCipher.isEncrypted(s));
    if (encrypted.length && !encryptionKey) {
      db.close();
      throw new UserError(
        "The server database holds encrypted settings but no key was given. Start the server " +
          "with --settings-encryption-key=<key> or the SETTINGS_ENCRYPTION_KEY environment variable.",
        { code: "SettingsKeyMissing", exitCode: 200 },
      );
    }
    for (const s of encrypted) {
      if (!cipher.canDecrypt(s)) {
        db.close();
        throw new UserError(
          "The settings encryption key does not match the one the server database was " +
            "encrypted with. Give the original key with --settings-encryption-key.",
          { code: "SettingsKeyWrong", exitCode: 200 },
        );
      }
    }
    sdb.#cipher = cipher;
    if (encryptionKey) sdb.#encryptExisting();
    return sdb;
  }

  close(): void {
    this.db.close();
  }

  /** True when sensitive fields are encrypted at rest. */
  get encrypted(): boolean {
    return this.#cipher.active;
  }

  #storedValues(): string[] {
    const out: string[] = [];
    for (const r of this.db.prepare("SELECT Value FROM Option").all() as Row[]) {
      out.push(String(r.Value));
    }
    for (const r of this.db.prepare("SELECT TargetURL FROM Backup").all() as Row[]) {
      out.push(String(r.TargetURL));
    }
    return out;
  }

  #encryptExisting(): void {
    const opts = this.db.prepare("SELECT rowid, Name, Value FROM Option").all() as Row[];
    const upd = this.db.prepare("UPDATE Option SET Value = ? WHERE rowid = ?");
    for (const r of opts) {
      const v = String(r.Value);
      if (isSensitiveName(String(r.Name)) && v && !FieldCipher.isEncrypted(v)) {
        upd.run(this.#cipher.encrypt(v), r.rowid as number);
      }
    }
    const urls = this.db.prepare("SELECT ID, TargetURL FROM Backup").all() as Row[];
    const updUrl = this.db.prepare("UPDATE Backup SET TargetURL = ? WHERE ID = ?");
    for (const r of urls) {
      const v = String(r.TargetURL);
      if (!FieldCipher.isEncrypted(v)) updUrl.run(this.#cipher.encrypt(v), r.ID as number);
    }
  }

  #seal(name: string, value: string): string {
    return isSensitiveName(name) && value ? this.#cipher.encrypt(value) : value;
  }

  #open(value: string): string {
    return this.#cipher.decrypt(value);
  }

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN");
    try {
      const r = fn();
      this.db.exec("COMMIT");
      return r;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  // ---- settings (Option rows with a negative BackupID) ----

  /** Options stored under `backupId` (server settings, defaults, or one backup's). */
  options(backupId: number): SettingRow[] {
    return (this.db.prepare(
      "SELECT Filter, Name, Value FROM Option WHERE BackupID = ? ORDER BY rowid",
    )
      .all(backupId) as Row[]).map((r) => ({
        Filter: String(r.Filter),
        Name: String(r.Name),
        Value: this.#open(String(r.Value)),
      }));
  }

  /** Replaces every option stored under `backupId`. */
  setOptions(backupId: number, rows: readonly SettingRow[]): void {
    this.db.prepare("DELETE FROM Option WHERE BackupID = ?").run(backupId);
    const ins = this.db.prepare(
      "INSERT INTO Option (BackupID, Filter, Name, Value) VALUES (?, ?, ?, ?)",
    );
    for (const r of rows) {
      ins.run(backupId, r.Filter ?? "", r.Name, this.#seal(r.Name, String(r.Value ?? "")));
    }
  }

  /** One server setting, or undefined. */
  setting(name: string): string | undefined {
    const r = this.db.prepare(
      "SELECT Value FROM Option WHERE BackupID = ? AND Name = ? ORDER BY rowid DESC LIMIT 1",
    ).get(SERVER_SETTINGS_ID, name) as Row | undefined;
    return r ? this.#open(String(r.Value)) : undefined;
  }

  /** Sets (or with undefined, removes) one server setting. */
  setSetting(name: string, value: string | undefined): void {
    this.db.prepare("DELETE FROM Option WHERE BackupID = ? AND Name = ?").run(
      SERVER_SETTINGS_ID,
      name,
    );
    if (value === undefined) return;
    this.db.prepare("INSERT INTO Option (BackupID, Filter, Name, Value) VALUES (?, '', ?, ?)")
      .run(SERVER_SETTINGS_ID, name, this.#seal(name, value));
  }

  // ---- backups ----

  /** Every stored backup, by ID. */
  backups(): BackupRecord[] {
    const rows = this.db.prepare("SELECT ID FROM Backup ORDER BY ID").all() as Row[];
    return rows.map((r) => this.backup(String(r.ID))!);
  }

  /** One backup, or undefined. */
  backup(id: string): BackupRecord | undefined {
    if (!/^\d+$/.test(id)) return undefined;
    const b = this.db.prepare("SELECT * FROM Backup WHERE ID = ?").get(Number(id)) as
      | Row
      | undefined;
    if (!b) return undefined;
    const nid = Number(id);
    return {
      ID: String(b.ID),
      Name: String(b.Name),
      Description: String(b.Description),
      Tags: String(b.Tags).split(",").filter((t) => t !== ""),
      TargetURL: this.#open(String(b.TargetURL)),
      DBPath: this.#loadedDbPath(String(b.DBPath)),
      ExternalID: String(b.ExternalID),
      OperationType: String(b.OperationType),
      Sources: (this.db.prepare("SELECT Path FROM Source WHERE BackupID = ? ORDER BY rowid")
        .all(nid) as Row[]).map((r) => String(r.Path)),
      Settings: this.options(nid),
      Filters: (this.db.prepare(
        'SELECT "Order", Include, Expression FROM Filter WHERE BackupID = ? ORDER BY "Order"',
      ).all(nid) as Row[]).map((r) => ({
        Order: Number(r.Order),
        Include: Number(r.Include) === 1,
        Expression: String(r.Expression),
      })),
      Metadata: this.metadata(nid),
      IsTemporary: false,
    };
  }

  /** The Backup table's columns from Name to OperationType, the URL encrypted when a key is set. */
  #backupColumns(b: Omit<BackupRecord, "ID" | "Metadata" | "IsTemporary">): SQLInputValue[] {
    return [
      b.Name,
      b.Description,
      b.Tags.join(","),
      this.#cipher.encrypt(b.TargetURL),
      this.#storedDbPath(b.DBPath),
      b.ExternalID,
      b.OperationType,
    ];
  }

  /** Stores a new backup; returns its ID. */
  addBackup(b: Omit<BackupRecord, "ID" | "Metadata" | "IsTemporary">): string {
    return this.transaction(() => {
      const r = this.db.prepare(
        "INSERT INTO Backup (Name, Description, Tags, TargetURL, DBPath, ExternalID, OperationType) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
      ).run(...this.#backupColumns(b));
      const id = Number(r.lastInsertRowid);
      this.#writeParts(id, b);
      return String(id);
    });
  }

  /** Replaces a stored backup's configuration (metadata is kept). */
  updateBackup(id: string, b: Omit<BackupRecord, "ID" | "Metadata" | "IsTemporary">): void {
    this.transaction(() => {
      this.db.prepare(
        "UPDATE Backup SET Name = ?, Description = ?, Tags = ?, TargetURL = ?, DBPath = ?, " +
          "ExternalID = ?, OperationType = ? WHERE ID = ?",
      ).run(...this.#backupColumns(b), Number(id));
      this.#writeParts(Number(id), b);
    });
  }

  #writeParts(id: number, b: Pick<BackupRecord, "Sources" | "Filters" | "Settings">): void {
    this.db.prepare("DELETE FROM Source WHERE BackupID = ?").run(id);
    this.db.prepare("DELETE FROM Filter WHERE BackupID = ?").run(id);
    const src = this.db.prepare("INSERT INTO Source (BackupID, Path) VALUES (?, ?)");
    for (const s of b.Sources) src.run(id, s);
    const flt = this.db.prepare(
      'INSERT INTO Filter (BackupID, "Order", Include, Expression) VALUES (?, ?, ?, ?)',
    );
    for (const f of b.Filters) flt.run(id, f.Order, f.Include ? 1 : 0, f.Expression);
    this.setOptions(id, b.Settings);
  }

  /** Removes a backup with its schedule, options and metadata. */
  deleteBackup(id: string): void {
    const nid = Number(id);
    this.transaction(() => {
      for (const t of ["Source", "Filter", "Option", "Metadata"]) {
        this.db.prepare(`DELETE FROM ${t} WHERE BackupID = ?`).run(nid);
      }
      this.db.prepare("DELETE FROM Schedule WHERE Tags = ?").run(`ID=${id}`);
      this.db.prepare("DELETE FROM Backup WHERE ID = ?").run(nid);
    });
  }

  /** Per-backup metadata (last run, sizes, errors). */
  metadata(backupId: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (
      const r of this.db.prepare("SELECT Name, Value FROM Metadata WHERE BackupID = ?").all(
        backupId,
      ) as Row[]
    ) out[String(r.Name)] = String(r.Value);
    return out;
  }

  /** Merges values into a backup's metadata. */
  setMetadata(backupId: number, values: Record<string, string>): void {
    const up = this.db.prepare(
      "INSERT INTO Metadata (BackupID, Name, Value) VALUES (?, ?, ?) " +
        "ON CONFLICT (BackupID, Name) DO UPDATE SET Value = excluded.Value",
    );
    for (const [k, v] of Object.entries(values)) up.run(backupId, k, v);
  }

  // ---- schedules ----

  #schedule(r: Row): ScheduleRecord {
    const rule = String(r.Rule);
    const m = rule.match(/AllowedWeekDays=([^;]*)/);
    return {
      ID: Number(r.ID),
      Tags: String(r.Tags).split(",").filter((t) => t !== ""),
      Time: Number(r.Time),
      Repeat: String(r.Repeat),
      LastRun: Number(r.LastRun),
      Rule: rule,
      AllowedDays: m ? m[1].split(",").filter((d) => d !== "") : [],
    };
  }

  /** The schedule of a backup, or undefined. */
  scheduleFor(backupId: string): ScheduleRecord | undefined {
    const r = this.db.prepare("SELECT * FROM Schedule WHERE Tags = ?").get(`ID=${backupId}`) as
      | Row
      | undefined;
    return r ? this.#schedule(r) : undefined;
  }

  /** Every schedule. */
  schedules(): ScheduleRecord[] {
    return (this.db.prepare("SELECT * FROM Schedule ORDER BY ID").all() as Row[]).map((r) =>
      this.#schedule(r)
    );
  }

  /** Sets (or with undefined, removes) the schedule of a backup. */
  setSchedule(
    backupId: string,
    s: Pick<ScheduleRecord, "Time" | "Repeat" | "LastRun" | "AllowedDays"> | undefined,
  ): void {
    this.db.prepare("DELETE FROM Schedule WHERE Tags = ?").run(`ID=${backupId}`);
    if (!s) return;
    this.db.prepare(
      "INSERT INTO Schedule (Tags, Time, Repeat, LastRun, Rule) VALUES (?, ?, ?, ?, ?)",
    )
      .run(
        `ID=${backupId}`,
        s.Time,
        s.Repeat,
        s.LastRun,
        s.AllowedDays.length ? `AllowedWeekDays=${s.AllowedDays.join(",")}` : "",
      );
  }

  /** Records when a schedule last started its backup. */
  setLastRun(scheduleId: number, lastRun: number): void {
    this.db.prepare("UPDATE Schedule SET LastRun = ? WHERE ID = ?").run(lastRun, scheduleId);
  }

  // ---- logs ----

  /** Adds an operation result line for a backup. Returns the row ID. */
  addLog(backupId: number, type: string, description: string, message: string, exc = ""): number {
    const r = this.db.prepare(
      "INSERT INTO Log (BackupID, Description, Type, Message, Exception, Timestamp) " +
        "VALUES (?, ?, ?, ?, ?, ?)",
    ).run(backupId, description, type, message, exc, Date.now());
    return Number(r.lastInsertRowid);
  }

  /** A page of a backup's operation log, newest first; `offset` is an ID to go below. */
  logs(backupId: number, offset: number | undefined, pageSize: number): Row[] {
    const rows = offset === undefined
      ? this.db.prepare("SELECT * FROM Log WHERE BackupID = ? ORDER BY ID DESC LIMIT ?").all(
        backupId,
        pageSize,
      )
      : this.db.prepare("SELECT * FROM Log WHERE BackupID = ? AND ID < ? ORDER BY ID DESC LIMIT ?")
        .all(backupId, offset, pageSize);
    return rows as Row[];
  }

  /** Adds a server log line (errors and warnings of the server itself). */
  addServerLog(type: string, message: string, exc = ""): void {
    this.db.prepare(
      "INSERT INTO ErrorLog (Type, Message, Exception, Timestamp) VALUES (?, ?, ?, ?)",
    )
      .run(type, message, exc, Date.now());
  }

  /** A page of the stored server log, newest first. */
  serverLogs(offset: number | undefined, pageSize: number): Row[] {
    return (offset === undefined
      ? this.db.prepare("SELECT * FROM ErrorLog ORDER BY ID DESC LIMIT ?").all(pageSize)
      : this.db.prepare("SELECT * FROM ErrorLog WHERE ID < ? ORDER BY ID DESC LIMIT ?").all(
        offset,
        pageSize,
      )) as Row[];
  }

  // ---- notifications ----

  /** Stores a notification; returns it. */
  addNotification(n: Omit<NotificationRecord, "ID" | "Timestamp">): NotificationRecord {
    const ts = Date.now();
    const r = this.db.prepare(
      "INSERT INTO Notification (Type, Title, Message, Exception, BackupID, Action, Timestamp, " +
        "LogEntryID, MessageID, MessageLogTag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(
      n.Type,
      n.Title,
      n.Message,
      n.Exception,
      n.BackupID,
      n.Action,
      ts,
      n.LogEntryID,
      n.MessageID,
      n.MessageLogTag,
    );
    return { ...n, ID: Number(r.lastInsertRowid), Timestamp: ts };
  }

  /** Every notification, oldest first. */
  notifications(): NotificationRecord[] {
    return this.db.prepare("SELECT * FROM Notification ORDER BY ID")
      .all() as unknown as NotificationRecord[];
  }

  /** Removes a notification; false when there was none with that ID. */
  deleteNotification(id: number): boolean {
    return Number(this.db.prepare("DELETE FROM Notification WHERE ID = ?").run(id).changes) > 0;
  }

  // ---- UI storage ----

  /** Every key of a UI storage scheme. */
  uiSettings(scheme: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (
      const r of this.db.prepare("SELECT Key, Value FROM UIStorage WHERE Scheme = ?").all(
        scheme,
      ) as Row[]
    ) out[String(r.Key)] = String(r.Value);
    return out;
  }

  /** Every UI storage scheme name. */
  uiSchemes(): string[] {
    return (this.db.prepare("SELECT DISTINCT Scheme FROM UIStorage ORDER BY Scheme").all() as Row[])
      .map((r) => String(r.Scheme));
  }

  /** Merges keys into a scheme (a null value removes the key). */
  patchUiSettings(scheme: string, values: Record<string, string | null>): void {
    this.transaction(() => {
      for (const [k, v] of Object.entries(values)) {
        if (v === null) {
          this.db.prepare("DELETE FROM UIStorage WHERE Scheme = ? AND Key = ?").run(scheme, k);
        } else {
          this.db.prepare(
            "INSERT INTO UIStorage (Scheme, Key, Value) VALUES (?, ?, ?) " +
              "ON CONFLICT (Scheme, Key) DO UPDATE SET Value = excluded.Value",
          ).run(scheme, k, String(v));
        }
      }
    });
  }

  // ---- token families ----

  /** The counter of a refresh-token family, or undefined when it does not exist. */
  tokenFamily(id: string): { Counter: number; LastUpdated: number } | undefined {
    const r = this.db.prepare("SELECT Counter, LastUpdated FROM TokenFamily WHERE ID = ?").get(
      id,
    ) as Row | undefined;
    return r ? { Counter: Number(r.Counter), LastUpdated: Number(r.LastUpdated) } : undefined;
  }

  /** Creates or moves a token family to `counter`. */
  setTokenFamily(id: string, userId: string, counter: number, at = Date.now()): void {
    this.db.prepare(
      "INSERT INTO TokenFamily (ID, UserId, Counter, LastUpdated) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT (ID) DO UPDATE SET Counter = excluded.Counter, LastUpdated = excluded.LastUpdated",
    ).run(id, userId, counter, at);
  }

  /** Ends a token family (logout or detected reuse). */
  deleteTokenFamily(id: string): void {
    this.db.prepare("DELETE FROM TokenFamily WHERE ID = ?").run(id);
  }

  /** Ends every token family (everyone signs in again). */
  clearTokenFamilies(): void {
    this.db.prepare("DELETE FROM TokenFamily").run();
  }
}
