/**
 * The programs the one executable holds (busybox style): their names, what each does, and which
 * are not in this version yet.
 */

/** One program: `duplicati-<name>` or `duplicati <name>`. */
export interface ProgramInfo {
  name: string;
  summary: string;
  /** False for programs not in this version yet. */
  available: boolean;
}

/** Every program, in the order `duplicati --help` lists them. */
export const PROGRAMS: readonly ProgramInfo[] = [
  { name: "cli", summary: "Duplicati's command line: backup, restore, list, ...", available: true },
  { name: "server", summary: "The web UI server without opening a browser.", available: true },
  {
    name: "server-util",
    summary: "Controls a running server (list backups, run, pause, ...).",
    available: false,
  },
  {
    name: "recovery-tool",
    summary: "Restores from the remote files without a database.",
    available: false,
  },
  {
    name: "backend-tool",
    summary: "Lists, gets, puts and deletes remote files.",
    available: true,
  },
  { name: "backend-tester", summary: "Tests a storage destination.", available: true },
  { name: "aescrypt", summary: "Encrypts or decrypts a file (AESCrypt v2).", available: true },
  {
    name: "service",
    summary: "Runs the server under a watchdog; installs it as a system service.",
    available: false,
  },
];

/** The message and exit code (200) for a program not in this version. */
export function notAvailable(name: string): { message: string; exitCode: number } {
  return {
    message: `duplicati-${name} is not available in this version yet. ` +
      `Run "duplicati --help" to see the programs this version has.`,
    exitCode: 200,
  };
}
