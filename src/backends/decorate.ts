/**
 * Puts the decorators around a backend, from the options: transfer controls (throttle, timeouts,
 * upload size check) inside, retries outside, so a timed-out or truncated upload is retried.
 */
import type { OptionValues } from "../core/option_values.ts";
import type { Logger } from "../core/log.ts";
import type { OptionDef } from "../core/options.ts";
import type { Backend } from "./backend.ts";
import { RetryingBackend, type RetryPolicy } from "./retrying.ts";
import { TransferControls, type TransferLimits } from "./transfer_controls.ts";

/** Options every backend gets (declared here, registered by the registry). */
export const COMMON_BACKEND_OPTIONS: OptionDef[] = [
  {
    name: "disable-length-verification",
    type: "boolean",
    default: "false",
    category: "remote",
    summary:
      "Do not check the remote size of each uploaded file. Saves one request per upload; a cut-short upload then goes unnoticed until the next verification.",
  },
];

/** Reads the retry policy and transfer limits from the options. */
export function backendSettings(opts: OptionValues): RetryPolicy & TransferLimits {
  const off = opts.bool("throttle-disabled");
  return {
    retries: opts.int("number-of-retries", 5),
    delay: opts.timespan("retry-delay", 10_000),
    exponential: opts.bool("retry-with-exponential-backoff"),
    throttleUpload: off ? 0 : opts.size("throttle-upload", 0),
    throttleDownload: off ? 0 : opts.size("throttle-download", 0),
    readWriteTimeout: opts.timespan("read-write-timeout", 30_000),
    listTimeout: opts.timespan("list-timeout", 600_000),
    shortTimeout: opts.timespan("short-timeout", 30_000),
    verifyUploads: !opts.bool("disable-length-verification"),
  };
}

/** `inner` wrapped in transfer controls and retries as the options say. */
export function decorateBackend(inner: Backend, opts: OptionValues, logger?: Logger): Backend {
  const s = backendSettings(opts);
  return new RetryingBackend(new TransferControls(inner, s), s, logger);
}
