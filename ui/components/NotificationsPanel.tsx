/** The drop-down list of notifications under the bell. */
import { del, errorText } from "../api.ts";
import { reloadNotifications, useApp } from "../store.ts";
import { formatDate } from "../lib/format.ts";
import { Icon } from "./Icon.tsx";
import { toast } from "./ui.tsx";
import type { Notification } from "../types.ts";

export async function dismiss(n: Notification): Promise<void> {
  try {
    await del(`/notification/${n.ID}`);
    await reloadNotifications();
  } catch (e) {
    toast(errorText(e), "error");
  }
}

export function NotificationItem(props: { n: Notification }) {
  const n = props.n;
  return (
    <li class={`note ${String(n.Type).toLowerCase()}`}>
      <div class="note-text">
        <strong>{n.Title}</strong>
        <span>{n.Message}</span>
        <small class="muted">{formatDate(n.Timestamp)}</small>
        {n.BackupID && <a href={`#/backup/${n.BackupID}/log`}>Show log</a>}
      </div>
      <button
        type="button"
        class="icon-btn"
        aria-label={`Dismiss ${n.Title}`}
        onClick={() => void dismiss(n)}
      >
        <Icon name="x" />
      </button>
    </li>
  );
}

export function NotificationsPanel(props: { onClose: () => void }) {
  const app = useApp();
  return (
    <section class="notes-panel" aria-label="Notifications">
      <header>
        <h2>Notifications</h2>
        <a href="#/notifications" onClick={props.onClose}>See all</a>
      </header>
      {app.notifications.length === 0
        ? <p class="muted">Nothing new.</p>
        : <ul>{app.notifications.slice(0, 6).map((n) => <NotificationItem key={n.ID} n={n} />)}
        </ul>}
    </section>
  );
}
