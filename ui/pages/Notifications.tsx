/** All notifications, with dismiss buttons. */
import { useApp } from "../store.ts";
import { dismiss, NotificationItem } from "../components/NotificationsPanel.tsx";

export function Notifications() {
  const app = useApp();
  return (
    <div class="page">
      <div class="page-head">
        <h1>Notifications</h1>
        {app.notifications.length > 1 && (
          <button
            type="button"
            class="btn"
            onClick={async () => {
              for (const n of app.notifications) await dismiss(n);
            }}
          >
            Dismiss all
          </button>
        )}
      </div>
      {app.notifications.length === 0
        ? <p class="muted">There are no notifications.</p>
        : (
          <ul class="notes-list">
            {app.notifications.map((n) => <NotificationItem key={n.ID} n={n} />)}
          </ul>
        )}
    </div>
  );
}
