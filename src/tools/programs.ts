/**
 * The programs the one executable holds (busybox style): their names, what each does, and which
 * are not in this version yet.
 */

/** One program: `duplicati-<name>` or `duplicati <name>`. */
export interface ProgramInfo {
  name: string;
  summary: string;
}

/**
 * Every program, in the order `duplicati --help` lists them. Which ones this version has is
 * decided by main.ts's dispatch table (`hasProgram`).
 */
export const PROGRAMS: readonly ProgramInfo[] = [
  { name: "cli", summary: "Duplicati's command line: backup, restore, list, ..." },
  { name: "server", summary: "The web UI server without opening a browser." },
  {
    name: "server-util",
    summary: "Controls a running server (list backups, run, pause, ...).",
  },
  {
    name: "recovery-tool",
    summary: "Restores from the remote files without a database.",
  },
  {
    name: "backend-tool",
    summary: "Lists, gets, puts and deletes remote files.",
  },
  { name: "backend-tester", summary: "Tests a storage destination." },
  { name: "aescrypt", summary: "Encrypts or decrypts a file (AESCrypt v2)." },
  {
    name: "update",
    summary: "Checks for a new version and downloads it beside this folder.",
  },
  {
    name: "service",
    summary: "Runs the server under a watchdog; installs it as a system service.",
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
