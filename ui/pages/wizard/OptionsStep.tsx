/** Wizard step 5: remote volume size, retention presets and advanced options with help. */
import type { StepProps } from "../BackupWizard.tsx";
import { Field } from "../../components/ui.tsx";
import { OptionEditor } from "../../components/OptionEditor.tsx";
import { dblockWarning } from "./draft.ts";
import {
  isWizardSetting,
  RETENTION_TEXT,
  type RetentionKind,
  SMART_POLICY,
} from "../../lib/settings.ts";

export function OptionsStep({ draft, set, sysinfo }: StepProps) {
  const warn = dblockWarning(draft);
  const r = draft.retention;
  const setKind = (kind: RetentionKind) =>
    set({
      retention: {
        kind,
        value: kind === "time"
          ? "3M"
          : kind === "versions"
          ? "10"
          : kind === "smart" || kind === "custom"
          ? (r.kind === "custom" ? r.value : SMART_POLICY)
          : "",
      },
    });
  return (
    <div class="form-col">
      <Field
        id="o-dblock"
        label="Remote volume size"
        help="The backup is stored as files (volumes) of at most this size. 50 MB suits most destinations."
      >
        <div class="input-row">
          <input
            id="o-dblock"
            type="number"
            min={1}
            value={draft.dblockN}
            onInput={(e) => set({ dblockN: (e.target as HTMLInputElement).value })}
          />
          <select
            aria-label="Volume size unit"
            value={draft.dblockUnit}
            onChange={(e) => set({ dblockUnit: (e.target as HTMLSelectElement).value })}
          >
            {["KB", "MB", "GB"].map((u) => <option key={u}>{u}</option>)}
          </select>
        </div>
      </Field>
      {warn && <p class="alert warn small">{warn}</p>}
      <Field id="o-ret" label="Backup retention" help={RETENTION_TEXT[r.kind]}>
        <select
          id="o-ret"
          value={r.kind}
          onChange={(e) => setKind((e.target as HTMLSelectElement).value as RetentionKind)}
        >
          <option value="all">Keep all backups</option>
          <option value="time">Delete backups older than...</option>
          <option value="versions">Keep a number of backups</option>
          <option value="smart">Smart backup retention</option>
          <option value="custom">Custom retention policy</option>
        </select>
      </Field>
      {r.kind === "time" && (
        <Field
          id="o-keep-time"
          label="Delete versions older than"
          help="A period: 7D, 4W, 6M, 1Y..."
        >
          <input
            id="o-keep-time"
            value={r.value}
            onInput={(e) =>
              set({ retention: { kind: "time", value: (e.target as HTMLInputElement).value } })}
          />
        </Field>
      )}
      {r.kind === "versions" && (
        <Field id="o-keep-n" label="Versions to keep">
          <input
            id="o-keep-n"
            type="number"
            min={1}
            value={r.value}
            onInput={(e) =>
              set({ retention: { kind: "versions", value: (e.target as HTMLInputElement).value } })}
          />
        </Field>
      )}
      {r.kind === "custom" && (
        <Field id="o-policy" label="Retention policy">
          <input
            id="o-policy"
            class="mono"
            value={r.value}
            onInput={(e) =>
              set({ retention: { kind: "custom", value: (e.target as HTMLInputElement).value } })}
          />
        </Field>
      )}
      <h2 class="h3">Advanced options</h2>
      <OptionEditor
        value={draft.advanced}
        onChange={(advanced) => set({ advanced })}
        sysinfo={sysinfo}
        exclude={isWizardSetting}
      />
    </div>
  );
}
