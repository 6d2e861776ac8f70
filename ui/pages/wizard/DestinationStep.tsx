/** Wizard step 2: destination type, its form, the resulting URL and "Test connection". */
import { useState } from "preact/hooks";
import { errorText, post } from "../../api.ts";
import type { StepProps } from "../BackupWizard.tsx";
import { type BackendKind, BACKENDS, buildUrl, maskUrl, parseUrl } from "../../lib/backend_url.ts";
import { DynInput, Field } from "../../components/ui.tsx";

type TestState =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "ok" }
  | { kind: "error"; text: string }
  | { kind: "missing" }
  | { kind: "hostkey"; key: string }
  | { kind: "cert"; hash: string };

/** Tests a storage URL; interprets Duplicati's coded answers (missing-folder, incorrect-host-key). */
async function testUrl(url: string, autocreate: boolean): Promise<TestState> {
  try {
    await post("/remoteoperation/test", { path: url }, {
      query: autocreate ? { autocreate: true } : {},
    });
    return { kind: "ok" };
  } catch (e) {
    const msg = errorText(e);
    if (/missing-folder/i.test(msg)) return { kind: "missing" };
    const hk = /incorrect-host-key:\s*"?([^"]+)"?/i.exec(msg);
    if (hk) return { kind: "hostkey", key: hk[1] };
    const cert = /incorrect-cert:\s*"?([^"\s]+)"?/i.exec(msg);
    if (cert) return { kind: "cert", hash: cert[1] };
    return { kind: "error", text: msg };
  }
}

export function DestinationStep({ draft, set }: StepProps) {
  const [test, setTest] = useState<TestState>({ kind: "idle" });
  const def = BACKENDS.find((b) => b.kind === draft.backendKind)!;
  let url = "";
  let urlErr = "";
  try {
    url = buildUrl(draft.backendKind, draft.backend);
  } catch (e) {
    urlErr = errorText(e);
  }
  const choose = (kind: BackendKind) => {
    setTest({ kind: "idle" });
    if (kind === "custom") set({ backendKind: kind, backend: { url } });
    else if (draft.backendKind === "custom") {
      const p = parseUrl(draft.backend.url ?? "");
      set({ backendKind: kind, backend: p.kind === kind ? p.values : {} });
    } else set({ backendKind: kind, backend: { path: draft.backend.path ?? "" } });
  };
  const value = (k: string, v: string) => {
    setTest({ kind: "idle" });
    set({ backend: { ...draft.backend, [k]: v } });
  };
  const run = async (autocreate = false) => {
    setTest({ kind: "busy" });
    setTest(await testUrl(url, autocreate));
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
      <div class="btn-row">
        <button
          type="button"
          class="btn"
          disabled={!url || test.kind === "busy"}
          onClick={() => void run()}
        >
          {test.kind === "busy" ? "Testing..." : "Test connection"}
        </button>
      </div>
      <div aria-live="polite">
        {test.kind === "ok" && <p class="alert ok">Connection worked.</p>}
        {test.kind === "error" && <p class="alert error">{test.text}</p>}
        {test.kind === "missing" && (
          <div class="alert warn">
            The folder does not exist yet.{" "}
            <button type="button" class="btn small" onClick={() => void run(true)}>
              Create it
            </button>
          </div>
        )}
        {test.kind === "hostkey" && (
          <div class="alert warn">
            The server's host key is not known:{" "}
            <code>{test.key}</code>. Trust it only if it is the key of your server.{" "}
            <button
              type="button"
              class="btn small"
              onClick={() => {
                value("fingerprint", test.key);
                setTest({ kind: "idle" });
              }}
            >
              Trust this key
            </button>
          </div>
        )}
        {test.kind === "cert" && (
          <div class="alert warn">
            The server's certificate is not trusted (hash <code>{test.hash}</code>).{" "}
            <button
              type="button"
              class="btn small"
              onClick={() => {
                const extra = draft.backend.extra ? `${draft.backend.extra}&` : "";
                value("extra", `${extra}accept-specified-ssl-hash=${test.hash}`);
                setTest({ kind: "idle" });
              }}
            >
              Trust this certificate
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
