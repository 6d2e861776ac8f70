/**
 * Report templates as Duplicati expands them: `%OPERATIONNAME%`, `%REMOTEURL%`, `%LOCALPATH%`,
 * `%PARSEDRESULT%`, `%RESULT%`, every given option as `%option-name%`, and the identity values
 * `%machine-id%`, `%backup-id%`, `%backup-name%`, `%machine-name%`, `%operating-system%`,
 * `%installation-type%`, `%destination-type%`, `%next-scheduled-run%`. Names are matched
 * case-insensitively; unknown `%...%` placeholders are removed.
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { ensureDataFolder } from "../../core/datafolder.ts";
import { pathListSeparator } from "../../core/filters.ts";
import { type OperationReport, type ResultFormat, serializeReport } from "./result_format.ts";

/** What a template can refer to. */
export interface TemplateContext {
  operationName: string;
  remoteUrl: string;
  localPath?: string[];
  parsedResult: string;
  /** The given options (not defaults), one value each. */
  options: Record<string, string>;
  report: OperationReport;
}

const OPERATION_KEYS = ["OperationName", "RemoteUrl", "LocalPath", "ParsedResult"];
const EXTRA_KEYS = [
  "machine-id",
  "backup-id",
  "backup-name",
  "machine-name",
  "operating-system",
  "installation-type",
  "destination-type",
  "next-scheduled-run",
];

/** Duplicati's salted, repeated SHA-256 (`RepeatedHashWithSalt`), as upper-case hex. */
export function repeatedHashWithSalt(data: string, salt: string, repeats = 1200): string {
  const s = new TextEncoder().encode(salt);
  let buf = createHash("sha256").update(s).update(new TextEncoder().encode(data)).digest();
  for (let i = 0; i < repeats; i++) buf = createHash("sha256").update(s).update(buf).digest();
  return buf.toString("hex").toUpperCase();
}

let machineId: string | undefined;

/** A random ID made once per data folder (kept in `machineid.txt`), or "" when it cannot be. */
export function installationMachineId(): string {
  if (machineId !== undefined) return machineId;
  try {
    const file = join(ensureDataFolder(), "machineid.txt");
    try {
      machineId = Deno.readTextFileSync(file).trim();
    } catch {
      machineId = crypto.randomUUID().replaceAll("-", "");
      Deno.writeTextFileSync(file, machineId + "\n");
    }
  } catch {
    machineId = "";
  }
  return machineId;
}

/** The default value of a template key, or undefined for keys that are not special. */
export function defaultTemplateValue(key: string, ctx: TemplateContext): string | undefined {
  switch (key.toLowerCase()) {
    case "operationname":
      return ctx.operationName;
    case "remoteurl":
      return ctx.remoteUrl;
    case "localpath":
      return (ctx.localPath ?? []).join(pathListSeparator());
    case "parsedresult":
      return ctx.parsedResult;
    case "machine-id":
      return installationMachineId();
    case "backup-id":
      return repeatedHashWithSalt(ctx.remoteUrl, "DUPL");
    case "backup-name":
      return "Duplicati";
    case "machine-name":
      return hostname();
    case "operating-system": {
      const os = Deno.build.os;
      return os === "windows"
        ? "Windows"
        : os === "linux"
        ? "Linux"
        : os === "darwin"
        ? "MacOS"
        : "Unknown";
    }
    case "installation-type":
      return "Portable";
    case "destination-type": {
      const ix = ctx.remoteUrl.indexOf("://");
      return ix >= 0 && ix < 15 ? ctx.remoteUrl.slice(0, ix) : "file";
    }
    case "next-scheduled-run":
      return "";
    default:
      return undefined;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function replaceAllCi(input: string, key: string, value: string): string {
  return input.replace(new RegExp(`%${escapeRegex(key)}%`, "gi"), () => value);
}

/**
 * Expands `input`. For a body in the Json format the template text is not used: the result is the
 * JSON report with an `Extra` object holding the placeholders the template names plus the identity
 * values (as Duplicati does). `subject` lines get the parsed result for `%RESULT%`.
 */
export function expandTemplate(
  input: string,
  ctx: TemplateContext,
  format: ResultFormat,
  subject: boolean,
): string {
  const has = (key: string) => input.toLowerCase().includes(`%${key.toLowerCase()}%`);
  if (format === "Json" && !subject) {
    const extra: Record<string, string> = {};
    for (const k of OPERATION_KEYS) if (has(k)) extra[k] = defaultTemplateValue(k, ctx) ?? "";
    for (const [k, v] of Object.entries(ctx.options)) {
      if (EXTRA_KEYS.includes(k) || has(k)) extra[k] = v;
    }
    for (const k of EXTRA_KEYS) if (!(k in extra)) extra[k] = defaultTemplateValue(k, ctx) ?? "";
    return serializeReport("Json", ctx.report, extra);
  }
  let out = input;
  for (const k of OPERATION_KEYS) out = replaceAllCi(out, k, defaultTemplateValue(k, ctx) ?? "");
  if (subject) out = replaceAllCi(out, "RESULT", ctx.parsedResult);
  else if (has("RESULT")) out = replaceAllCi(out, "RESULT", serializeReport(format, ctx.report));
  for (const [k, v] of Object.entries(ctx.options)) out = replaceAllCi(out, k, v);
  for (const k of EXTRA_KEYS) {
    if (!(k in ctx.options)) out = replaceAllCi(out, k, defaultTemplateValue(k, ctx) ?? "");
  }
  return out.replace(/%[^%\s]+%/g, "");
}
