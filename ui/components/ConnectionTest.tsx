/**
 * "Test connection" for a storage URL, with the follow-ups Duplicati's coded answers call for: a
 * missing folder (create it, where that makes sense), an unknown SSH host key or TLS certificate
 * (trust it: the caller puts it into the URL).
 */
import { useState } from "preact/hooks";
import { errorText, post } from "../api.ts";

type TestState =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "ok" }
  | { kind: "error"; text: string }
  | { kind: "missing" }
  | { kind: "hostkey"; key: string }
  | { kind: "cert"; hash: string };

/** Tests a storage URL; interprets Duplicati's coded answers (missing-folder, incorrect-host-key). */
export async function testUrl(url: string, autocreate: boolean): Promise<TestState> {
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

export function ConnectionTest(
  props: {
    url: string;
    /** Offer "Create it" for a missing folder (a new backup), or only report it (a restore). */
    canCreate?: boolean;
    onTrustHostKey: (key: string) => void;
    onTrustCert: (hash: string) => void;
  },
) {
  const [test, setTest] = useState<TestState>({ kind: "idle" });
  const run = async (autocreate = false) => {
    setTest({ kind: "busy" });
    setTest(await testUrl(props.url, autocreate));
  };
  return (
    <>
      <div class="btn-row">
        <button
          type="button"
          class="btn"
          disabled={!props.url || test.kind === "busy"}
          onClick={() => void run()}
        >
          {test.kind === "busy" ? "Testing..." : "Test connection"}
        </button>
      </div>
      <div aria-live="polite">
        {test.kind === "ok" && <p class="alert ok">Connection worked.</p>}
        {test.kind === "error" && <p class="alert error">{test.text}</p>}
        {test.kind === "missing" && (
          props.canCreate
            ? (
              <div class="alert warn">
                The folder does not exist yet.{" "}
                <button type="button" class="btn small" onClick={() => void run(true)}>
                  Create it
                </button>
              </div>
            )
            : (
              <p class="alert error">
                The folder does not exist: check the path or the address.
              </p>
            )
        )}
        {test.kind === "hostkey" && (
          <div class="alert warn">
            The server's host key is not known:{" "}
            <code>{test.key}</code>. Trust it only if it is the key of your server.{" "}
            <button
              type="button"
              class="btn small"
              onClick={() => {
                props.onTrustHostKey(test.key);
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
                props.onTrustCert(test.hash);
                setTest({ kind: "idle" });
              }}
            >
              Trust this certificate
            </button>
          </div>
        )}
      </div>
    </>
  );
}
