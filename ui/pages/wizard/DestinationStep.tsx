/** Wizard step 2: destination type, its form, the resulting URL and "Test connection". */
import { useState } from "preact/hooks";
import { errorText } from "../../api.ts";
import type { StepProps } from "../BackupWizard.tsx";
import { type BackendKind, BACKENDS, buildUrl, maskUrl, parseUrl } from "../../lib/backend_url.ts";
import { DynInput, Field } from "../../components/ui.tsx";
import { ConnectionTest } from "../../components/ConnectionTest.tsx";

export function DestinationStep({ draft, set }: StepProps) {
  // Changing anything forgets the last test's answer (a new ConnectionTest is mounted).
  const [testKey, setTestKey] = useState(0);
  const forgetTest = () => setTestKey((k) => k + 1);
  const def = BACKENDS.find((b) => b.kind === draft.backendKind)!;
  let url = "";
  let urlErr = "";
  try {
    url = buildUrl(draft.backendKind, draft.backend);
  } catch (e) {
    urlErr = errorText(e);
  }
  const choose = (kind: BackendKind) => {
    forgetTest();
    if (kind === "custom") set({ backendKind: kind, backend: { url } });
    else if (draft.backendKind === "custom") {
      const p = parseUrl(draft.backend.url ?? "");
      set({ backendKind: kind, backend: p.kind === kind ? p.values : {} });
    } else set({ backendKind: kind, backend: { path: draft.backend.path ?? "" } });
  };
  const value = (k: string, v: string) => {
    forgetTest();
    set({ backend: { ...draft.backend, [k]: v } });
  };
  return (
    <div class="form-col">
      <fieldset class="kind-grid">
        <legend>Storage type</legend>
        {BACKENDS.map((b) => (
          <label key={b.kind} class={b.kind === draft.backendKind ? "kind selected" : "kind"}>
            <input
              type="radio"
              name="backend-kind"
              value={b.kind}
              checked={b.kind === draft.backendKind}
              onChange={() =>
                choose(b.kind)}
            />
            <strong>{b.label}</strong>
            <span class="muted small">{b.description}</span>
          </label>
        ))}
      </fieldset>
      <div class="sub-form">
        {def.fields.map((f) => {
          const id = `dest-${f.key}`;
          if (f.type === "checkbox") {
            return (
              <label key={f.key} class="check">
                <input
                  id={id}
                  type="checkbox"
                  checked={draft.backend[f.key] === "true"}
                  onChange={(e) =>
                    value(f.key, (e.target as HTMLInputElement).checked ? "true" : "")}
                />
                {f.label}
              </label>
            );
          }
          return (
            <Field key={f.key} id={id} label={f.label} required={f.required} help={f.help}>
              <DynInput
                id={id}
                type={f.type === "password" ? "password" : f.type === "number" ? "number" : "text"}
                autoComplete={f.type === "password" ? "new-password" : "off"}
                placeholder={f.placeholder}
                value={draft.backend[f.key] ?? ""}
                onInput={(e) => value(f.key, (e.target as HTMLInputElement).value)}
              />
            </Field>
          );
        })}
      </div>
      <div class="url-preview">
        <span class="muted small">Storage URL</span>
        <code>{url ? maskUrl(url) : urlErr}</code>
      </div>
      <ConnectionTest
        key={testKey}
        url={url}
        canCreate
        onTrustHostKey={(key) => value("fingerprint", key)}
        onTrustCert={(hash) => {
          const extra = draft.backend.extra ? `${draft.backend.extra}&` : "";
          value("extra", `${extra}accept-specified-ssl-hash=${hash}`);
        }}
      />
    </div>
  );
}
