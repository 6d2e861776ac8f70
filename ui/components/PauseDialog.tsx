/** Pause the scheduler (and optionally transfers) for a chosen time. */
import { useState } from "preact/hooks";
import { errorText, post } from "../api.ts";
import { refreshState } from "../store.ts";
import { ErrorBox, Modal, toast } from "./ui.tsx";

const DURATIONS = [
  { v: "5m", label: "5 minutes" },
  { v: "15m", label: "15 minutes" },
  { v: "30m", label: "30 minutes" },
  { v: "1h", label: "1 hour" },
  { v: "4h", label: "4 hours" },
  { v: "8h", label: "8 hours" },
  { v: "1D", label: "1 day" },
  { v: "", label: "Until I resume" },
];

export function PauseDialog(props: { onClose: () => void }) {
  const [duration, setDuration] = useState("30m");
  const [transfers, setTransfers] = useState(true);
  const [err, setErr] = useState<string | null>(null);
  return (
    <Modal title="Pause" onClose={props.onClose}>
      <p class="muted">
        While paused, no scheduled backup starts. A backup that is running now keeps running unless
        transfers are paused too.
      </p>
      <fieldset class="radio-list">
        <legend>For how long?</legend>
        {DURATIONS.map((d) => (
          <label key={d.v}>
            <input
              type="radio"
              name="pause-duration"
              value={d.v}
              checked={duration === d.v}
              onChange={() => setDuration(d.v)}
            />
            {d.label}
          </label>
        ))}
      </fieldset>
      <label class="check">
        <input
          type="checkbox"
          checked={transfers}
          onChange={(e) => setTransfers((e.target as HTMLInputElement).checked)}
        />
        Also pause uploads and downloads of a running backup
      </label>
      <ErrorBox error={err} />
      <div class="actions">
        <button type="button" class="btn" onClick={props.onClose}>Cancel</button>
        <button
          type="button"
          class="btn primary"
          onClick={async () => {
            try {
              await post("/serverstate/pause", {}, {
                query: { duration: duration || undefined, pauseTransfers: transfers },
              });
              toast("Paused");
              await refreshState();
              props.onClose();
            } catch (e) {
              setErr(errorText(e));
            }
          }}
        >
          Pause
        </button>
      </div>
    </Modal>
  );
}
