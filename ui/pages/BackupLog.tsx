/** A backup's logs: operation results and remote operations, paged. */
import { useEffect, useState } from "preact/hooks";
import { errorText, get } from "../api.ts";
import { useApp } from "../store.ts";
import type { LogRow } from "../types.ts";
import { LogTable } from "../components/LogTable.tsx";
import { ErrorBox, Spinner, Tabs } from "../components/ui.tsx";

const PAGE = 50;

export function BackupLog(props: { id: string }) {
  const app = useApp();
  const name = app.backups?.find((b) => String(b.Backup.ID) === props.id)?.Backup.Name ??
    `Backup ${props.id}`;
  const [tab, setTab] = useState<"log" | "remotelog">("log");
  const [rows, setRows] = useState<LogRow[] | null>(null);
  const [more, setMore] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const load = async (offset?: unknown) => {
    try {
      const r = await get<LogRow[]>(`/backup/${props.id}/${tab}`, {
        query: { pagesize: PAGE, offset: offset as string },
      });
      setRows((prev) => (offset === undefined ? r ?? [] : [...(prev ?? []), ...(r ?? [])]));
      setMore((r ?? []).length === PAGE);
    } catch (e) {
      setErr(errorText(e));
    }
  };
  useEffect(() => {
    setRows(null);
    setErr(null);
    void load();
  }, [props.id, tab]);
  return (
    <div class="page">
      <h1>Log of "{name}"</h1>
      <Tabs
        value={tab}
        onChange={setTab}
        tabs={[["log", "General"], ["remotelog", "Remote operations"]]}
      />
      <ErrorBox error={err} />
      {rows === null && !err ? <Spinner /> : rows && <LogTable rows={rows} />}
      {more && rows && (
        <button
          type="button"
          class="btn"
          onClick={() => void load(rows[rows.length - 1]?.ID)}
        >
          Load older
        </button>
      )}
    </div>
  );
}
