/**
 * The server's update check: once a day (unless --disable-update-check) it reads the signed
 * version manifest, and on request it downloads a newer version beside the portable folder. The
 * result is what `/serverstate` (`UpdatedVersion`, `UpdaterState`, ...) and `/updates` show; the
 * newest version found and the time of the last check are kept in the server settings
 * (`update-check-new-version`, `update-check-latest`) so a restart does not forget them.
 */
import { UserError } from "../core/errors.ts";
import { programFolder } from "../core/datafolder.ts";
import { compareVersions, isVersion, VERSION } from "../core/version.ts";
import { checkForUpdate, updateUrl } from "../update/check.ts";
import { installUpdate } from "../update/install.ts";
import type { ServerDatabase } from "./database.ts";
import type { ServerEvents } from "./events.ts";

/** How often the server looks for a new version. */
export const UPDATE_CHECK_INTERVAL_MS = 24 * 3600_000;
/** How long after the start the first check happens when one is due. */
const FIRST_CHECK_DELAY_MS = 60_000;

/** The updater as the API shows it. */
export interface UpdateState {
  /** The newer version found, or null. */
  UpdatedVersion: string | null;
  /** Link to its release notes, or null. */
  ReleaseNotes: string | null;
  /** True when the newer version has been unpacked beside this folder. */
  UpdateReady: boolean;
  /** Where it was unpacked, or null. */
  UpdateFolder: string | null;
  /** Waiting, Checking, Downloading, or Disabled (no update address). */
  UpdaterState: "Waiting" | "Checking" | "Downloading" | "Disabled";
  /** 0..1 while downloading. */
  UpdateDownloadProgress: number;
  /** When the last check ended (ISO), or null. */
  LastUpdateCheck: string | null;
  /** Why the last check or download failed, or null. */
  UpdateError: string | null;
  /** True when the daily check is on. */
  UpdateCheckEnabled: boolean;
}

/** What the checker needs. */
export interface UpdateCheckerOptions {
  db: ServerDatabase;
  events: ServerEvents;
  url?: string;
  disabled: boolean;
  /** Trusted keys (tests only; default the built-in ones, see src/update/keys.ts). */
  keys?: readonly string[];
  /** The portable folder to update beside (default: this program's folder). */
  programFolder?: string;
  clock: () => number;
  /** Delay of the first check after start when one is due (default 1 minute). */
  firstCheckDelayMs?: number;
}

/** Checks for and downloads new versions for the server. */
export class UpdateChecker {
  #o: UpdateCheckerOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopping = new AbortController();
  #state: UpdateState;

  constructor(o: UpdateCheckerOptions) {
    this.#o = o;
    let found: { version?: string; notes?: string } = {};
    try {
      found = JSON.parse(o.db.setting("update-check-new-version") ?? "{}");
    } catch { /* ignore a damaged value */ }
    const newer = typeof found.version === "string" && isVersion(found.version) &&
      compareVersions(found.version, VERSION) > 0;
    let configured = true;
    try {
      updateUrl(o.url);
    } catch {
      configured = false;
    }
    this.#state = {
      UpdatedVersion: newer ? found.version! : null,
      ReleaseNotes: newer ? found.notes ?? null : null,
      UpdateReady: false,
      UpdateFolder: null,
      UpdaterState: configured ? "Waiting" : "Disabled",
      UpdateDownloadProgress: 0,
      LastUpdateCheck: o.db.setting("update-check-latest") ?? null,
      UpdateError: null,
      UpdateCheckEnabled: configured && !o.disabled,
    };
  }

  /** True while a check or download runs. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** A copy of the current state. */
  get state(): UpdateState {
    return { ...this.#state };
  }

  #set(patch: Partial<UpdateState>): void {
    this.#state = { ...this.#state, ...patch };
    this.#o.events.changed();
  }

  /** Starts the daily check (no-op when disabled or no address is set). */
  start(): void {
    if (!this.#state.UpdateCheckEnabled || this.#timer !== undefined) return;
    const last = Date.parse(this.#state.LastUpdateCheck ?? "");
    const due = Number.isNaN(last) ? 0 : last + UPDATE_CHECK_INTERVAL_MS - this.#o.clock();
    this.#schedule(Math.max(due, this.#o.firstCheckDelayMs ?? FIRST_CHECK_DELAY_MS));
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.check().catch(() => {}).finally(() => {
        if (this.#timer === undefined && this.#state.UpdateCheckEnabled) {
          this.#schedule(UPDATE_CHECK_INTERVAL_MS);
        }
      });
    }, Math.min(ms, 2 ** 31 - 1));
  }

  /** Stops the daily check and a running download (nothing is left behind), then waits for them. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#stopping.abort();
    this.#state.UpdateCheckEnabled = false;
    await this.#running?.catch(() => {});
  }

  #exclusive(what: () => Promise<void>): Promise<void> {
    if (this.#running) {
      throw new UserError("An update check or download is already running; wait for it.", {
        code: "UpdateBusy",
      });
    }
    this.#running = what().finally(() => this.#running = undefined);
    return this.#running;
  }

  /**
   * Reads the manifest now and records the result. Resolves with the new state; a failure is
   * recorded in `UpdateError` and thrown (UserError).
   */
  async check(): Promise<UpdateState> {
    await this.#exclusive(async () => {
      this.#set({ UpdaterState: "Checking" });
      try {
        const c = await checkForUpdate({ url: this.#o.url, keys: this.#o.keys });
        const newer = c.status === "current" ? null : c.manifest.version;
        this.#o.db.setSetting(
          "update-check-new-version",
          newer ? JSON.stringify({ version: newer, notes: c.manifest.notes }) : undefined,
        );
        this.#finish({
          UpdatedVersion: newer,
          ReleaseNotes: newer ? c.manifest.notes ?? null : null,
          UpdateError: null,
        });
      } catch (e) {
        this.#finish({ UpdateError: (e as Error).message });
        throw e;
      }
    });
    return this.state;
  }

  #finish(patch: Partial<UpdateState>): void {
    const at = new Date(this.#o.clock()).toISOString();
    this.#o.db.setSetting("update-check-latest", at);
    this.#set({ ...patch, LastUpdateCheck: at, UpdaterState: "Waiting" });
  }

  /**
   * Checks again and downloads the newer version beside the portable folder (data/ copied).
   * Throws a UserError when there is nothing newer for this target or any step fails (recorded
   * in `UpdateError` too).
   */
  async download(): Promise<UpdateState> {
    await this.#exclusive(async () => {
      this.#set({ UpdaterState: "Checking", UpdateError: null });
      try {
        const c = await checkForUpdate({ url: this.#o.url, keys: this.#o.keys });
        if (c.status !== "available") {
          throw new UserError(
            c.status === "current"
              ? `There is no newer version than ${c.currentVersion}.`
              : `Version ${c.manifest.version} is not published for ${c.target}.`,
            { code: "NoUpdate", exitCode: 1 },
          );
        }
        this.#set({
          UpdatedVersion: c.manifest.version,
          ReleaseNotes: c.manifest.notes ?? null,
          UpdaterState: "Downloading",
          UpdateDownloadProgress: 0,
        });
        let shown = 0;
        const r = await installUpdate(c, {
          programFolder: this.#o.programFolder ?? programFolder(),
          signal: this.#stopping.signal,
          onProgress: (done, total) => {
            const p = Math.floor((done / total) * 100) / 100;
            if (p !== shown) {
              shown = p;
              this.#set({ UpdateDownloadProgress: p });
            }
          },
        });
        this.#set({
          UpdaterState: "Waiting",
          UpdateReady: true,
          UpdateFolder: r.folder,
          UpdateDownloadProgress: 1,
        });
      } catch (e) {
        this.#set({ UpdaterState: "Waiting", UpdateError: (e as Error).message });
        throw e;
      }
    });
    return this.state;
  }
}
