/** Wizard step 1: name, description, encryption and passphrase (generator + strength meter). */
import { useState } from "preact/hooks";
import type { StepProps } from "../BackupWizard.tsx";
import { DynInput, Field } from "../../components/ui.tsx";
import { Icon } from "../../components/Icon.tsx";
import { generatePassphrase, passphraseStrength } from "../../lib/passphrase.ts";

export function GeneralStep({ draft, set, sysinfo }: StepProps) {
  const [show, setShow] = useState(false);
  const modules = sysinfo?.EncryptionModules?.length
    ? sysinfo.EncryptionModules
    : [{ Key: "aes", DisplayName: "AES-256 encryption, built in" }];
  const placeholder = sysinfo?.PasswordPlaceholder;
  const masked = !!placeholder && draft.passphrase === placeholder;
  const strength = passphraseStrength(masked ? "" : draft.passphrase);
  return (
    <div class="form-col">
      <Field id="b-name" label="Backup name" required>
        <input
          id="b-name"
          value={draft.name}
          placeholder="Documents and photos"
          autoFocus
          onInput={(e) => set({ name: (e.target as HTMLInputElement).value })}
        />
      </Field>
      <Field id="b-desc" label="Description">
        <textarea
          id="b-desc"
          rows={2}
          value={draft.description}
          onInput={(e) => set({ description: (e.target as HTMLTextAreaElement).value })}
        />
      </Field>
      <Field id="b-enc" label="Encryption">
        <select
          id="b-enc"
          value={draft.encryption}
          onChange={(e) => set({ encryption: (e.target as HTMLSelectElement).value })}
        >
          {modules.map((m) => <option key={m.Key} value={m.Key}>{m.DisplayName ?? m.Key}</option>)}
          <option value="">No encryption</option>
        </select>
      </Field>
      {!draft.encryption && (
        <p class="alert warn">
          Without encryption anyone who can read the destination can read your files.
        </p>
      )}
      {draft.encryption && (
        <>
          <Field
            id="b-pass"
            label="Passphrase"
            required
            help={masked ? "The stored passphrase is kept unless you type a new one." : undefined}
          >
            <DynInput
              id="b-pass"
              type={show ? "text" : "password"}
              autoComplete="new-password"
              value={draft.passphrase}
              onFocus={() => masked && set({ passphrase: "", passphrase2: "" })}
              onInput={(e) => set({ passphrase: (e.target as HTMLInputElement).value })}
            />
          </Field>
          <Field id="b-pass2" label="Repeat passphrase" required>
            <DynInput
              id="b-pass2"
              type={show ? "text" : "password"}
              autoComplete="new-password"
              value={draft.passphrase2}
              onInput={(e) => set({ passphrase2: (e.target as HTMLInputElement).value })}
            />
          </Field>
          <div class="btn-row">
            <button
              type="button"
              class="btn small"
              aria-pressed={show}
              onClick={() => setShow(!show)}
            >
              <Icon name="eye" /> {show ? "Hide" : "Show"}
            </button>
            <button
              type="button"
              class="btn small"
              onClick={() => {
                const p = generatePassphrase(32);
                set({ passphrase: p, passphrase2: p });
                setShow(true);
              }}
            >
              <Icon name="key" /> Generate passphrase
            </button>
          </div>
          {!masked && draft.passphrase && (
            <div class="strength" aria-live="polite">
              <div class={`meter s${strength.score}`} aria-hidden="true">
                {[0, 1, 2, 3, 4].map((i) => (
                  <span key={i} class={i <= strength.score ? "on" : ""}></span>
                ))}
              </div>
              <div>
                <strong>{strength.label}</strong>{" "}
                <span class="muted small">(about {strength.bits} bits)</span>
                <div class="muted small">{strength.hint}</div>
              </div>
            </div>
          )}
          <p class="muted small">
            Keep the passphrase somewhere safe. Without it nobody, not even you, can restore the
            files.
          </p>
        </>
      )}
    </div>
  );
}
