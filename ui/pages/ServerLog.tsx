/** The server's log: stored entries and the live log (polled), with a level filter. */
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText, get } from "../api.ts";
import type { LogRow } from "../types.ts";
import { LogTable } from "../components/LogTable.tsx";
import { loadSysinfo } from "../store.ts";
import { ErrorBox, Spinner, Tabs } from "../components/ui.tsx";

/** Shown until /systeminfo tells the levels the server knows. */
const LEVELS = ["Error", "Warning", "Information", "Verbose"];

export function ServerLog() {
  const [tab, setTab] = useState<"stored" | "live">("stored");
  return (
    <div class="page">
      <h1>Logs</h1>
      <p class="muted">
        "Stored" keeps the server's own errors; "Live" follows what the server logs while this page
        is open. The log of each backup is on its page (Home, More, Show log).
      </p>
      <Tabs value={tab} onChange={setTab} tabs={[["stored", "Stored"], ["live", "Live"]]} />
      {tab === "stored" ? <Stored /> : <Live />}
    </div>
  );
}

function Stored() {
  const [rows, setRows] = useState<LogRow[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    get<LogRow[]>("/logdata/log", { query: { pagesize: 100 } }).then(
      (r) => setRows(r ?? []),
      (e) => setErr(errorText(e)),
    );
  }, []);
  if (err) return <ErrorBox error={err} />;
  if (!rows) return <Spinner />;
  return <LogTable rows={rows} empty="No server errors have been stored." />;
}

function Live() {
  const [level, setLevel] = useState("Information");
  const [levels, setLevels] = useState(LEVELS);
  useEffect(() => {
    loadSysinfo().then((s) => s.LogLevels?.length && setLevels(s.LogLevels), () => {});
  }, []);
  const [rows, setRows] = useState<LogRow[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const last = useRef(0);
  useEffect(() => {
    let alive = true;
    last.current = 0;
    setRows([]);
    const tick = async () => {
      while (alive) {
        try {
          const r = await get<LogRow[]>("/logdata/poll", {
            query: { level, id: last.current, pagesize: 100 },
          });
          if (!alive) return;
          setErr(null);
          if (r && r.length) {
            const ids = r.map((x) => Number(x.ID)).filter(Number.isFinite);
            if (ids.length) last.current = Math.max(last.current, ...ids);
            setRows((prev) => {
              const seen = new Set(prev.map((p) => p.ID));
              return [...r.filter((x) => !seen.has(x.ID)), ...prev].slice(0, 500);
            });
          }
        } catch (e) {
          if (alive) setErr(errorText(e));
        }
        await new Promise((res) => setTimeout(res, 2000));
      }
    };
    void tick();
    return () => {
      alive = false;
    };
  }, [level]);
  return (
    <>
      <div class="field inline">
        <label for="live-level">Level</label>
        <select
          id="live-level"
          value={level}
          onChange={(e) => setLevel((e.target as HTMLSelectElement).value)}
        >
          {levels.map((l) => <option key={l}>{l}</option>)}
        </select>
      </div>
      <ErrorBox error={err} />
      <LogTable rows={rows} empty="Waiting for log messages..." />
    </>
  );
}
