/** Password sign-in (the access token lives in memory, the refresh token in an HttpOnly cookie). */
import { useState } from "preact/hooks";
import { ApiError, errorText, login } from "../api.ts";
import { ErrorBox, PasswordInput } from "../components/ui.tsx";

export function SignIn(props: { error: string | null; onSignedIn: () => void }) {
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(true);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(props.error);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      await login(password, remember);
      props.onSignedIn();
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) setErr("Wrong password. Try again.");
      else if (x instanceof ApiError && x.status === 429) {
        setErr("Too many attempts. Wait a minute, then try again.");
      } else setErr(`Could not sign in: ${errorText(x)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="center-page">
      <form class="signin card" onSubmit={submit}>
        <div class="brand big">
          <img src="/favicon.svg" alt="" width="40" height="40" />
          <span>duplicati</span>
        </div>
        <h1>Sign in</h1>
        <div class="field">
          <label for="password">Password</label>
          <PasswordInput
            id="password"
            autoComplete="current-password"
            value={password}
            onValue={setPassword}
            autoFocus
            required
          />
        </div>
        <label class="check">
          <input
            type="checkbox"
            checked={remember}
            onChange={(e) => setRemember((e.target as HTMLInputElement).checked)}
          />
          Keep me signed in on this device
        </label>
        <ErrorBox error={err} />
        <button type="submit" class="btn primary wide" disabled={busy || !password}>
          {busy ? "Signing in..." : "Sign in"}
        </button>
        <p class="muted small">
          First start? The server printed a sign-in link and the generated password in its console.
          You can set your own password under Settings.
        </p>
      </form>
    </div>
  );
}
