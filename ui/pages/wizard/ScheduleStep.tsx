/** Wizard step 4: automatic runs, first time, repeat interval, allowed weekdays. */
import type { StepProps } from "../BackupWizard.tsx";
import { Field, Toggle } from "../../components/ui.tsx";
import { REPEAT_UNITS, WEEKDAYS } from "../../lib/schedule.ts";

export function ScheduleStep({ draft, set }: StepProps) {
  return (
    <div class="form-col">
      <Toggle
        id="s-auto"
        checked={draft.scheduled}
        onChange={(v) => set({ scheduled: v })}
        label="Automatically run backups"
      />
      <p class="muted small">
        If a run was missed (computer off), it runs once as soon as possible.
      </p>
      {draft.scheduled && (
        <>
          <div class="two">
            <Field id="s-time" label="Next time">
              <input
                id="s-time"
                type="time"
                value={draft.time}
                onInput={(e) => set({ time: (e.target as HTMLInputElement).value })}
              />
            </Field>
            <Field id="s-date" label="Date">
              <input
                id="s-date"
                type="date"
                value={draft.date}
                onInput={(e) => set({ date: (e.target as HTMLInputElement).value })}
              />
            </Field>
          </div>
          {new Date(`${draft.date}T${draft.time}:00`).getTime() < Date.now() && (
            <p class="alert warn small">
              This time has passed: the backup runs as soon as it is saved.
            </p>
          )}
          {draft.repeatCustom !== null
            ? (
              <Field
                id="s-custom"
                label="Run again every"
                help="A custom interval (Duplicati timespan syntax)."
              >
                <input
                  id="s-custom"
                  value={draft.repeatCustom}
                  onInput={(e) => set({ repeatCustom: (e.target as HTMLInputElement).value })}
                />
              </Field>
            )
            : (
              <div class="two">
                <Field id="s-every" label="Run again every">
                  <input
                    id="s-every"
                    type="number"
                    min={1}
                    value={draft.repeatN}
                    onInput={(e) => set({ repeatN: (e.target as HTMLInputElement).value })}
                  />
                </Field>
                <Field id="s-unit" label="Unit">
                  <select
                    id="s-unit"
                    value={draft.repeatUnit}
                    onChange={(e) => set({ repeatUnit: (e.target as HTMLSelectElement).value })}
                  >
                    {REPEAT_UNITS.map((u) => (
                      <option key={u.unit} value={u.unit}>{u.label}</option>
                    ))}
                  </select>
                </Field>
              </div>
            )}
          <fieldset class="days">
            <legend>Allowed days</legend>
            {WEEKDAYS.map((w) => (
              <Toggle
                key={w.key}
                checked={draft.days.includes(w.key)}
                onChange={(v) =>
                  set({
                    days: WEEKDAYS.map((x) => x.key).filter((k) =>
                      k === w.key ? v : draft.days.includes(k)
                    ),
                  })}
                label={w.label}
              />
            ))}
          </fieldset>
        </>
      )}
    </div>
  );
}
