import assert from "node:assert/strict";
import {
  addInterval,
  nextRun,
  Scheduler,
  type ScheduleSpec,
  weekdayOf,
} from "../../src/server/scheduler.ts";
import { finished, withServer } from "../helpers/server.ts";
import { put, tempDir } from "../helpers/tree.ts";

const iso = (t: number) => new Date(t).toISOString();
const at = (s: string) => Date.parse(s);

function spec(p: Partial<ScheduleSpec>): ScheduleSpec {
  return { Time: at("2026-01-05T12:00:00Z"), Repeat: "1D", LastRun: 0, AllowedDays: [], ...p };
}

Deno.test("next run: whole repeats from the anchor, after the last run", () => {
  const s = spec({ Repeat: "1D", LastRun: at("2026-01-10T12:00:00Z") });
  assert.equal(iso(nextRun(s, "UTC")), "2026-01-11T12:00:00.000Z");
  assert.equal(
    iso(nextRun({ ...s, LastRun: at("2026-01-10T11:59:00Z") }, "UTC")),
    "2026-01-10T12:00:00.000Z",
  );
  assert.equal(iso(nextRun({ ...s, LastRun: 0 }, "UTC")), "2026-01-05T12:00:00.000Z");
  const m = spec({ Repeat: "30m", LastRun: at("2026-03-01T08:10:00Z") });
  assert.equal(iso(nextRun(m, "UTC")), "2026-03-01T08:30:00.000Z");
  const h = spec({ Repeat: "6h", LastRun: at("2026-01-05T12:00:00Z") });
  assert.equal(iso(nextRun(h, "UTC")), "2026-01-05T18:00:00.000Z");
  const w = spec({ Repeat: "2W", LastRun: at("2026-01-06T00:00:00Z") });
  assert.equal(iso(nextRun(w, "UTC")), "2026-01-19T12:00:00.000Z");
  const y = spec({ Repeat: "1Y", LastRun: at("2026-02-01T00:00:00Z") });
  assert.equal(iso(nextRun(y, "UTC")), "2027-01-05T12:00:00.000Z");
});

Deno.test("next run: months keep the day, clamped to short months", () => {
  const s = spec({
    Time: at("2026-01-31T09:00:00Z"),
    Repeat: "1M",
    LastRun: at("2026-01-31T09:00:00Z"),
  });
  assert.equal(iso(nextRun(s, "UTC")), "2026-02-28T09:00:00.000Z");
  const later = { ...s, LastRun: at("2026-03-01T00:00:00Z") };
  assert.equal(iso(nextRun(later, "UTC")), "2026-03-31T09:00:00.000Z");
});

Deno.test("next run: daily runs keep the local time across daylight saving changes", () => {
  // 13:00 in Berlin is 12:00Z in winter and 11:00Z in summer (DST began 2026-03-29).
  const s = spec({
    Time: at("2026-03-27T12:00:00Z"),
    Repeat: "1D",
    LastRun: at("2026-03-28T12:00:00Z"),
  });
  assert.equal(iso(nextRun(s, "Europe/Berlin")), "2026-03-29T11:00:00.000Z");
  const ny = spec({
    Time: at("2026-10-30T13:00:00Z"),
    Repeat: "1D",
    LastRun: at("2026-10-31T13:00:00Z"),
  });
  // 09:00 in New York: 13:00Z in summer time, 14:00Z after 2026-11-01.
  assert.equal(iso(nextRun(ny, "America/New_York")), "2026-11-01T14:00:00.000Z");
  // Hours are fixed lengths, not wall-clock steps.
  const hourly = spec({
    Time: at("2026-03-29T00:00:00Z"),
    Repeat: "1h",
    LastRun: at("2026-03-29T00:30:00Z"),
  });
  assert.equal(iso(nextRun(hourly, "Europe/Berlin")), "2026-03-29T01:00:00.000Z");
  assert.equal(
    iso(addInterval(at("2026-03-28T12:00:00Z"), [{ value: 1, unit: "D" }], "Europe/Berlin")),
    "2026-03-29T11:00:00.000Z",
  );
});

Deno.test("next run: only on allowed weekdays, in the schedule's time zone", () => {
  // 2026-01-05 is a Monday.
  assert.equal(weekdayOf(at("2026-01-05T12:00:00Z"), "UTC"), 1);
  const s = spec({
    Repeat: "1D",
    AllowedDays: ["sat", "sun"],
    LastRun: at("2026-01-05T12:00:00Z"),
  });
  assert.equal(iso(nextRun(s, "UTC")), "2026-01-10T12:00:00.000Z");
  // 23:30Z on Friday is already Saturday in Tokyo.
  const tz = spec({
    Time: at("2026-01-01T23:30:00Z"),
    Repeat: "1D",
    AllowedDays: ["sat"],
    LastRun: at("2026-01-01T23:30:00Z"),
  });
  assert.equal(iso(nextRun(tz, "Asia/Tokyo")), "2026-01-02T23:30:00.000Z");
  // Shorter repeats step by the repeat until an allowed day.
  const short = spec({
    Time: at("2026-01-09T20:00:00Z"),
    Repeat: "8h",
    AllowedDays: ["mon"],
    LastRun: at("2026-01-09T20:00:00Z"),
  });
  assert.equal(iso(nextRun(short, "UTC")), "2026-01-12T04:00:00.000Z");
  assert.throws(() => nextRun(spec({ Repeat: "1D", AllowedDays: ["funday"] }), "UTC"), /weekday/);
  assert.throws(() => nextRun(spec({ Repeat: "10s" }), "UTC"), /at least one minute/);
});

Deno.test("scheduler: a missed run runs once; several missed slots collapse", () => {
  let now = at("2026-01-10T15:00:00Z");
  const queued: string[] = [];
  const rows = [
    {
      backupId: "1",
      scheduleId: 1,
      spec: spec({ Repeat: "1h", LastRun: at("2026-01-09T00:00:00Z") }),
    },
    {
      backupId: "2",
      scheduleId: 2,
      spec: spec({ Repeat: "1D", LastRun: at("2026-01-10T12:00:00Z") }),
    },
  ];
  const busy = new Set<string>();
  const sched = new Scheduler({
    schedules: () => rows,
    isQueued: (id) => busy.has(id),
    runBackup: (id, sid) => {
      queued.push(id);
      busy.add(id);
      rows.find((r) => r.scheduleId === sid)!.spec.LastRun = now;
    },
    timeZone: () => UTC,
  }, () => now);
  const UTC = "UTC";
  assert.deepEqual(sched.tick(), ["1"]); // 39 missed hourly slots -> one run
  assert.deepEqual(sched.tick(), []); // queued already
  busy.clear();
  assert.deepEqual(sched.tick(), []); // nothing due until 16:00
  assert.deepEqual(sched.proposed().map((p) => [p.backupId, iso(p.time)]), [
    ["1", "2026-01-10T16:00:00.000Z"],
    ["2", "2026-01-11T12:00:00.000Z"],
  ]);
  now = at("2026-01-11T12:00:00Z");
  assert.deepEqual(sched.tick().sort(), ["1", "2"]);
  // A clock that went backwards does not run the schedules again.
  busy.clear();
  now = at("2026-01-11T11:00:00Z");
  assert.deepEqual(sched.tick(), []);
});

Deno.test("server: a schedule missed while the server was off runs once at start-up; next runs are shown", async () => {
  const [src, cleanSrc] = await tempDir();
  const [dst, cleanDst] = await tempDir();
  const [data, cleanData] = await tempDir();
  try {
    put(src, "f.txt", "scheduled");
    let now = at("2026-06-01T10:00:00Z");
    const clock = () => now;
    await withServer(
      async ({ client }) => {
        const r = await client.post("/api/v1/backups", {
          Backup: {
            Name: "Nightly",
            TargetURL: `file://${dst}`,
            Sources: [src + "/"],
            Settings: [{ Name: "encryption-module", Value: "" }],
          },
          Schedule: { Time: "2026-06-01T02:00:00Z", Repeat: "1D", AllowedDays: [] },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const st = (await client.get("/api/v1/serverstate")).body;
        assert.deepEqual(st.ProposedSchedule, [{
          Item1: r.body.ID,
          Item2: "2026-06-01T02:00:00.000Z",
        }]);
      },
      [],
      { dataFolder: data, clock },
    );

    // The server was off over the 02:00 run; it starts at 10:00 and runs it once.
    now = at("2026-06-03T10:00:00Z");
    await withServer(
      async ({ client, server }) => {
        const queued = server.ctx.scheduler.tick();
        assert.equal(queued.length, 1);
        assert.deepEqual(server.ctx.scheduler.tick(), []);
        const task = await finished(client, 1);
        assert.equal(task.Status, "Completed", JSON.stringify(task));
        assert.deepEqual(server.ctx.scheduler.tick(), []);
        const b = (await client.get("/api/v1/backups")).body[0];
        assert.equal(b.Schedule.LastRun, "2026-06-03T10:00:00.000Z");
        const st = (await client.get("/api/v1/serverstate")).body;
        assert.deepEqual(st.ProposedSchedule.map((p: { Item2: string }) => p.Item2), [
          "2026-06-04T02:00:00.000Z",
        ]);
        now = at("2026-06-04T02:00:01Z");
        assert.equal(server.ctx.scheduler.tick().length, 1);
      },
      [],
      { dataFolder: data, clock },
    );
  } finally {
    await cleanSrc();
    await cleanDst();
    await cleanData();
  }
});
