/**
 * What runs after a backup uploaded its version, as in Duplicati: delete versions by the
 * retention options, compact, test a sample of remote files, upload the verification file.
 */
import { ExitCode } from "../core/errors.ts";
import type { ProgressSink } from "../core/progress.ts";
import type { LocalDatabase } from "../db/local_database.ts";
import type { FormatSettings, Session } from "./session.ts";
import { hasRetentionRules, retentionRules } from "./retention.ts";
import { type DeleteResult, runDelete } from "./delete.ts";
import { type CompactResult, runCompact } from "./compact.ts";
import { runTest, type TestResult } from "./verify.ts";
import { uploadVerificationFile } from "./verification_file.ts";
import { allVolumeNames } from "../db/volumes.ts";

/** What the maintenance after a backup did. */
export interface AfterBackupResult {
  delete?: DeleteResult;
  compact?: CompactResult;
  test?: TestResult;
  verificationFile?: string;
}

/** Number of samples to test after a backup: the larger of the count and the percentage. */
export function backupTestSamples(samples: number, percentage: number, volumes: number): number {
  return Math.max(samples, Math.floor((volumes * percentage) / 100));
}

/**
 * Runs retention, compact, the sample test and the verification file upload. Failures of the
 * test are logged as errors (the backup then ends with exit code 3).
 */
export async function afterBackup(
  session: Session,
  db: LocalDatabase,
  settings: FormatSettings,
  o: { dryRun: boolean; progress?: ProgressSink; signal?: AbortSignal },
): Promise<AfterBackupResult> {
  const opts = session.opts;
  const out: AfterBackupResult = {};
  const rules = retentionRules(opts);
  if (hasRetentionRules(rules)) {
    out.delete = await runDelete(session, db, settings, rules, {
      progress: o.progress,
      signal: o.signal,
      forceCompact: true,
    });
    out.compact = out.delete.compact;
  } else {
    out.compact = await runCompact(session, db, settings, {
      auto: true,
      progress: o.progress,
      signal: o.signal,
    });
  }
  if (o.dryRun) return out;
  if (!opts.bool("no-backend-verification")) {
    const samples = backupTestSamples(
      opts.int("backup-test-samples", 1),
      opts.decimal("backup-test-percentage", 0.1),
      allVolumeNames(db).size,
    );
    if (samples > 0) {
      out.test = await runTest(session, db, settings, samples, {
        progress: o.progress,
        signal: o.signal,
      });
    }
  }
  if (opts.bool("upload-verification-file")) {
    out.verificationFile = await uploadVerificationFile(session, db, settings.prefix);
  }
  return out;
}

/** The backup exit code after maintenance: errors found by the test make it 3. */
export function exitCodeAfter(current: number, a: AfterBackupResult): number {
  if (a.test && a.test.verifications.some((v) => v.findings.length > 0)) return ExitCode.Errors;
  return current;
}
