/** Home: the two quick actions and a card per backup. */
import { useApp } from "../store.ts";
import { navigate } from "../router.ts";
import { Icon } from "../components/Icon.tsx";
import { Spinner } from "../components/ui.tsx";
import { BackupCard } from "../components/BackupCard.tsx";

export function Home() {
  const app = useApp();
  return (
    <div class="page">
      <div class="quick">
        <div class="card quick-card">
          <div class="quick-icon">
            <Icon name="server" size={26} />
          </div>
          <div>
            <h2>Backups</h2>
            <p class="muted">Keep your data safe at your chosen destination.</p>
          </div>
          <button type="button" class="btn" onClick={() => navigate("/add")}>
            Add <Icon name="plus" />
          </button>
        </div>
        <div class="card quick-card">
          <div class="quick-icon">
            <Icon name="restore" size={26} />
          </div>
          <div>
            <h2>Restores</h2>
            <p class="muted">Recover your files from any backup set.</p>
          </div>
          <button type="button" class="btn" onClick={() => navigate("/restore")}>
            Start <Icon name="chevron" />
          </button>
        </div>
      </div>
      <h1>My backups</h1>
      {app.backups === null ? <Spinner /> : app.backups.length === 0
        ? (
          <div class="card empty">
            <p>No backups yet.</p>
            <button type="button" class="btn primary" onClick={() => navigate("/add")}>
              <Icon name="plus" /> Add your first backup
            </button>
          </div>
        )
        : (
          <ul class="backup-list">
            {app.backups.map((b) => (
              <li key={b.Backup.ID}>
                <BackupCard item={b} />
              </li>
            ))}
          </ul>
        )}
    </div>
  );
}
