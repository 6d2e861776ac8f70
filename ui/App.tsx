/** The application shell: session start, sidebar, top bar with status and pause, page routing. */
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText, hasToken, logout, onSignedOut, post, refresh, signinWithToken } from "./api.ts";
import { navigate, useRoute } from "./router.ts";
import { refreshState, start, stop, useApp } from "./store.ts";
import { Icon } from "./components/Icon.tsx";
import { Spinner, Toasts } from "./components/ui.tsx";
import { PauseDialog } from "./components/PauseDialog.tsx";
import { NotificationsPanel } from "./components/NotificationsPanel.tsx";
import { UpdateBanner } from "./components/UpdateBanner.tsx";
import { formatDate, parseApiDate, progressPhase, relativeTime } from "./lib/format.ts";
import { SignIn } from "./pages/SignIn.tsx";
import { Home } from "./pages/Home.tsx";
import { BackupWizard } from "./pages/BackupWizard.tsx";
import { BackupDetail } from "./pages/BackupDetail.tsx";
import { BackupLog } from "./pages/BackupLog.tsx";
import { RestoreStart } from "./pages/RestoreStart.tsx";
import { RestoreWizard } from "./pages/RestoreWizard.tsx";
import { ServerLog } from "./pages/ServerLog.tsx";
import { Settings } from "./pages/Settings.tsx";
import { About } from "./pages/About.tsx";
import { Notifications } from "./pages/Notifications.tsx";

type Session = "checking" | "in" | "out";

export function App() {
  const [session, setSession] = useState<Session>("checking");
  const [signinError, setSigninError] = useState<string | null>(null);

  useEffect(() => {
    const off = onSignedOut(() => {
      stop();
      setSession("out");
    });
    (async () => {
      const token = new URLSearchParams(location.search).get("token");
      if (token) {
        // The sign-in URL the server prints: trade the one-time token, then drop it from the URL.
        history.replaceState(null, "", "/" + location.hash);
        try {
          await signinWithToken(token);
          setSession("in");
          return;
        } catch (e) {
          setSigninError(
            `The sign-in link did not work (${errorText(e)}). Sign in with the password.`,
          );
        }
      }
      setSession(hasToken() || (await refresh()) ? "in" : "out");
    })();
    return off;
  }, []);

  useEffect(() => {
    if (session === "in") start();
  }, [session]);

  if (session === "checking") {
    return (
      <div class="center-page">
        <Spinner />
      </div>
    );
  }
  if (session === "out") {
    return <SignIn error={signinError} onSignedIn={() => setSession("in")} />;
  }
  return <Shell />;
}

const NAV = [
  { path: "/", label: "Home", icon: "home" },
  { path: "/add", label: "Add backup", icon: "plus" },
  { path: "/restore", label: "Restore", icon: "restore" },
  { path: "/logs", label: "Logs", icon: "log" },
  { path: "/settings", label: "Settings", icon: "settings" },
  { path: "/about", label: "About", icon: "info" },
];

function Shell() {
  const route = useRoute();
  const app = useApp();
  const [menu, setMenu] = useState(false);
  const [pause, setPause] = useState(false);
  const [bell, setBell] = useState(false);
  useEffect(() => setMenu(false), [route.path]);
  // A new page starts at its top, and the keyboard focus moves from the menu (or from nowhere) to
  // the page, so the next Tab continues in what was opened. A page that put the focus somewhere
  // itself (the wizard's heading) keeps it.
  const firstPath = useRef(true);
  useEffect(() => {
    if (firstPath.current) {
      firstPath.current = false;
      return;
    }
    scrollTo(0, 0);
    const a = document.activeElement;
    if (!a || a === document.body || a.closest(".sidebar")) {
      document.getElementById("main")?.focus({ preventScroll: true });
    }
  }, [route.path]);
  // The phone menu: opening it moves the focus into it; Escape closes it (or the notifications
  // panel) and gives the focus back to its button. The key listener lives as long as the shell,
  // so no key is missed.
  const menuOpen = useRef(menu);
  menuOpen.current = menu;
  const bellOpen = useRef(bell);
  bellOpen.current = bell;
  useEffect(() => {
    if (menu) document.querySelector<HTMLElement>(".sidebar nav a")?.focus();
  }, [menu]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      if (bellOpen.current) {
        // The notifications panel closes the same way.
        bellOpen.current = false;
        setBell(false);
        document.querySelector<HTMLElement>(".bell")?.focus();
      } else if (menuOpen.current) {
        menuOpen.current = false;
        setMenu(false);
        document.querySelector<HTMLElement>(".menu-btn")?.focus();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  const paused = app.server?.ProgramState === "Paused";
  const top = "/" + (route.parts[0] ?? "");
  return (
    <div class={menu ? "shell menu-open" : "shell"}>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById("main")?.focus();
        }}
      >
        Skip to content
      </a>
      <aside class="sidebar" aria-label="Main menu">
        <div class="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>duplicati</span>
        </div>
        <nav>
          {NAV.map((n) => (
            <a
              key={n.path}
              href={`#${n.path}`}
              class={top === n.path ? "active" : ""}
              aria-current={top === n.path ? "page" : undefined}
              onClick={() => setMenu(false)}
            >
              <Icon name={n.icon} />
              {n.label}
            </a>
          ))}
        </nav>
        <div class="grow"></div>
        <button type="button" class="nav-btn" onClick={() => void logout()}>
          <Icon name="logout" />
          Sign out
        </button>
      </aside>
      {menu && <div class="menu-backdrop" aria-hidden="true" onClick={() => setMenu(false)} />}
      <div class="main-col">
        <header class="topbar">
          <button
            type="button"
            class="icon-btn menu-btn"
            aria-label="Menu"
            aria-expanded={menu}
            onClick={() => setMenu(!menu)}
          >
            <Icon name="menu" />
          </button>
          <StatusLine />
          <div class="top-actions">
            {!app.online && <span class="badge error">Server not reachable</span>}
            {paused
              ? (
                <button
                  type="button"
                  class="btn"
                  aria-label="Resume"
                  onClick={() => void post("/serverstate/resume").then(refreshState, () => {})}
                  title={parseApiDate(app.server?.EstimatedPauseEnd)
                    ? `Paused until ${formatDate(app.server!.EstimatedPauseEnd)}`
                    : "Paused"}
                >
                  <Icon name="play" />
                  <span class="btn-label">Resume</span>
                </button>
              )
              : (
                <button
                  type="button"
                  class="btn"
                  aria-label="Pause"
                  onClick={() => setPause(true)}
                >
                  <Icon name="pause" />
                  <span class="btn-label">Pause</span>
                </button>
              )}
            <button
              type="button"
              class="icon-btn bell"
              aria-label={`Notifications (${app.notifications.length})`}
              onClick={() => setBell(!bell)}
              aria-expanded={bell}
            >
              <Icon name="bell" />
              {app.notifications.length > 0 && <span class="dot">{app.notifications.length}</span>}
            </button>
          </div>
        </header>
        {bell && <NotificationsPanel onClose={() => setBell(false)} />}
        <UpdateBanner />
        <main id="main" tabIndex={-1}>
          <Page />
        </main>
      </div>
      {pause && <PauseDialog onClose={() => setPause(false)} />}
      <Toasts />
    </div>
  );
}

function StatusLine() {
  const app = useApp();
  const s = app.server;
  const nameOf = (id: string | null | undefined) =>
    app.backups?.find((b) => b.Backup.ID === String(id))?.Backup.Name ?? `Backup ${id}`;
  if (s?.ActiveTask) {
    const p = app.progress;
    const pct = p?.OverallProgress !== undefined && p.OverallProgress > 0
      ? ` ${Math.round(p.OverallProgress * 100)}%`
      : "";
    const id = s.ActiveTask.Item2;
    return (
      <a class="status-line running" href={id ? `#/backup/${id}` : "#/"} aria-live="polite">
        <span class="spinner small" aria-hidden="true"></span>
        {id ? nameOf(id) : "Task"}: {progressPhase(p)}
        {pct}
      </a>
    );
  }
  if (s?.ProgramState === "Paused") {
    return (
      <span class="status-line">
        {/* An open-ended pause has no end date (the server sends the zero date). */}
        Paused{parseApiDate(s.EstimatedPauseEnd) ? ` until ${formatDate(s.EstimatedPauseEnd)}` : ""}
      </span>
    );
  }
  const next = s?.ProposedSchedule?.[0];
  if (next) {
    return (
      <span class="status-line" title={formatDate(next.Item2)}>
        Next: {nameOf(next.Item1)}, {relativeTime(next.Item2)}
      </span>
    );
  }
  return <span class="status-line muted">No scheduled backups</span>;
}

function Page() {
  const r = useRoute();
  const [a, b, c] = r.parts;
  switch (a) {
    case undefined:
      return <Home />;
    case "add":
      // Keys: a page for another backup (or a new one) starts afresh, not with the last state.
      return <BackupWizard key="add" id={null} />;
    case "backup":
      if (!b) break;
      if (c === "edit") {
        return <BackupWizard key={`edit-${b}`} id={b} step={Number(r.query.get("step") ?? 0)} />;
      }
      if (c === "log") return <BackupLog key={b} id={b} />;
      return <BackupDetail key={b} id={b} />;
    case "restore":
      if (b) return <RestoreWizard key={`${b}@${r.query.get("version") ?? ""}`} id={b} />;
      return <RestoreStart />;
    case "logs":
      return <ServerLog />;
    case "settings":
      return <Settings />;
    case "about":
      return <About />;
    case "notifications":
      return <Notifications />;
  }
  return (
    <div class="page">
      <h1>Page not found</h1>
      <p>
        <button type="button" class="btn" onClick={() => navigate("/")}>Go home</button>
      </p>
    </div>
  );
}
