/**
 * Errors the user can act on, and the exit codes Duplicati uses.
 *
 * A `UserError` carries a message that says what to do, an exit code for the command line and a
 * short machine-readable code for the HTTP API (`{Error, Code}`).
 */

/** Duplicati's command line exit codes. */
export const ExitCode = {
  Success: 0,
  NothingUploaded: 1,
  Warnings: 2,
  Errors: 3,
  Partial: 50,
  Fatal: 100,
  BadArguments: 200,
} as const;
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** An error whose message is meant for the user; never shown with a stack trace. */
export class UserError extends Error {
  readonly exitCode: number;
  readonly code: string;
  constructor(message: string, opts: { exitCode?: number; code?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "UserError";
    this.exitCode = opts.exitCode ?? ExitCode.Fatal;
    this.code = opts.code ?? "UserError";
  }
}

/** Bad command line input: unknown command, wrong argument count, invalid option value (exit 200). */
export class ArgumentError extends UserError {
  constructor(message: string, code = "BadArguments") {
    super(message, { exitCode: ExitCode.BadArguments, code });
    this.name = "ArgumentError";
  }
}

/** A remote file or the data in it is not what it should be (hash, size, format). */
export class IntegrityError extends UserError {
  constructor(message: string, code = "IntegrityError") {
    super(message, { exitCode: ExitCode.Fatal, code });
    this.name = "IntegrityError";
  }
}

/** The operation was stopped on request (Ctrl-C, stop or abort from the server). */
export class CancelledError extends Error {
  constructor(message = "The operation was cancelled") {
    super(message);
    this.name = "CancelledError";
  }
}
