/**
 * E-mail reports (Duplicati's `sendmail` module): `--send-mail-to` (comma list), `--send-mail-from`
 * (a bare name becomes `No Reply - Backup report <name@recipient-domain>`), `--send-mail-subject`,
 * `--send-mail-body`, `--send-mail-url` (`;`-separated servers tried in order; without one, the
 * recipient domain's MX hosts), `--send-mail-username`/`-password`. A report that cannot be
 * delivered is a warning, never a failure of the operation.
 */
import type { Logger } from "../../core/log.ts";
import { expandTemplate } from "./report_template.ts";
import { type FinishedOperation, ReportChannel } from "./report_channel.ts";
import { resultFormatOf } from "./result_format.ts";
import { mailboxAddress, sendMail } from "./smtp_client.ts";

const DEFAULT_SUBJECT = "Duplicati %OPERATIONNAME% report for %backup-name%";
const DEFAULT_BODY = "%RESULT%";

/** The sender address as Duplicati completes it. */
export function senderAddress(from: string, firstRecipient: string): string {
  let f = from.trim().replaceAll('"', "");
  if (f.includes("@")) return f;
  const domain = mailboxAddress(firstRecipient).split("@")[1] ?? "localhost";
  if (f.endsWith(">")) return f.slice(0, -1) + `@${domain}>`;
  f = f || "no-reply";
  return `No Reply - Backup report <${f}@${domain}>`;
}

async function mxServers(domain: string): Promise<string[]> {
  const records = await Deno.resolveDns(domain, "MX");
  return records.sort((a, b) => a.preference - b.preference).map((r) =>
    `smtp://${r.exchange.replace(/\.$/, "")}`
  );
}

/**
 * Sends the report e-mail for a finished operation when `--send-mail-to` is set and the result
 * qualifies. Failures are logged as warnings (with each server's reason).
 */
export async function sendMailReport(op: FinishedOperation, logger: Logger): Promise<void> {
  const toRaw = op.options.str("send-mail-to");
  if (!toRaw) return;
  const channel = new ReportChannel("send-mail", op);
  if (!channel.shouldSend()) return;
  try {
    const to = toRaw.split(",").map((s) => s.replaceAll('"', "").trim()).filter((s) => s);
    if (to.length === 0) throw new Error("--send-mail-to holds no address");
    const ctx = channel.templateContext();
    const format = resultFormatOf(op.options.str("send-mail-result-output-format"));
    const subject = expandTemplate(
      op.options.str("send-mail-subject") || DEFAULT_SUBJECT,
      ctx,
      format,
      true,
    );
    const body = expandTemplate(
      channel.bodyText("send-mail-body", DEFAULT_BODY),
      ctx,
      format,
      false,
    );
    const from = senderAddress(op.options.str("send-mail-from") ?? "no-reply", to[0]);
    const urlOpt = op.options.str("send-mail-url") ?? "";
    let servers = [...new Set(urlOpt.split(";").map((s) => s.trim()).filter((s) => s))];
    if (servers.length === 0) {
      const domain = mailboxAddress(to[0]).split("@")[1] ?? "";
      servers = await mxServers(domain).catch(() => []);
      if (servers.length === 0) {
        throw new Error(
          `No mail server found for "${domain}". Give one with --send-mail-url, e.g. smtps://smtp.example.com:465`,
        );
      }
    }
    const failures: string[] = [];
    for (const server of servers) {
      try {
        await sendMail(server, { from, to, subject, body }, {
          username: op.options.str("send-mail-username"),
          password: op.options.str("send-mail-password"),
        });
        logger.info(`Report e-mail sent through ${server}`);
        return;
      } catch (err) {
        failures.push(`${server}: ${(err as Error).message}`);
      }
    }
    throw new Error(failures.join("; "));
  } catch (err) {
    logger.warn(`Failed to send the report e-mail: ${(err as Error).message}`);
  }
}
