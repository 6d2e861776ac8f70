/**
 * The service definitions of every system, checked as text: the systemd unit, the launchd plist
 * and the sc.exe registration, with the quoting each needs.
 */
import assert from "node:assert/strict";
import {
  describePlan,
  installPlan,
  launchdPlist,
  type ServiceSpec,
  systemdQuote,
  systemdUnit,
  uninstallPlan,
  windowsQuote,
} from "../../src/portable/service_install.ts";
import { parseServiceArgs } from "../../src/portable/service_options.ts";

const SPEC: ServiceSpec = {
  name: "duplicati",
  argv: ["/media/usb stick/duplicati", "service", "run", "--webservice-port=8300"],
  workingDirectory: "/media/usb stick",
};

Deno.test("systemd: ExecStart quotes spaces and keeps % and $ literal", () => {
  assert.equal(systemdQuote("/opt/dup/duplicati"), "/opt/dup/duplicati");
  assert.equal(systemdQuote("/media/usb stick/x"), '"/media/usb stick/x"');
  assert.equal(systemdQuote("--source=%PORTABLE%/docs"), "--source=%%PORTABLE%%/docs");
  assert.equal(systemdQuote("a$b"), '"a$$b"');
  assert.equal(systemdQuote('say "hi"'), '"say \\"hi\\""');
  assert.equal(systemdQuote(""), '""');
  const unit = systemdUnit(SPEC);
  assert.match(
    unit,
    /^ExecStart="\/media\/usb stick\/duplicati" service run --webservice-port=8300$/m,
  );
  assert.match(unit, /^WorkingDirectory="\/media\/usb stick"$/m);
  assert.match(unit, /^KillMode=mixed$/m);
  assert.match(unit, /^Environment=DENO_NO_UPDATE_CHECK=1$/m);
  assert.match(unit, /^\[Install\]\nWantedBy=multi-user\.target$/m);
});

Deno.test("systemd: install and uninstall steps, with and without activation", () => {
  const plan = installPlan("linux", { ...SPEC, unitDir: "/tmp/units" });
  assert.deepEqual(plan.steps.map((s) => s.kind === "run" ? s.argv.join(" ") : s.kind), [
    "write",
    "systemctl daemon-reload",
    "systemctl enable --now duplicati.service",
  ]);
  assert.equal(
    plan.steps[0].kind === "write" && plan.steps[0].path,
    "/tmp/units/duplicati.service",
  );
  assert.equal(
    installPlan("linux", SPEC).steps[0].kind === "write" &&
      (installPlan("linux", SPEC).steps[0] as { path: string }).path,
    "/etc/systemd/system/duplicati.service",
  );
  assert.deepEqual(installPlan("linux", SPEC, false).steps.map((s) => s.kind), ["write"]);
  assert.deepEqual(uninstallPlan("linux", SPEC).steps.map((s) => s.kind), ["run", "remove", "run"]);
  assert.match(describePlan(uninstallPlan("linux", SPEC)), /Run: systemctl disable --now/);
});

Deno.test("macOS: a launchd daemon with each argument in its own string", () => {
  const plist = launchdPlist({ ...SPEC, argv: [...SPEC.argv, "--x=a&b<c>"] });
  assert.match(plist, /<key>Label<\/key>\n\s*<string>com\.duplicati\.duplicati<\/string>/);
  assert.match(
    plist,
    /<array>\n\s*<string>\/media\/usb stick\/duplicati<\/string>\n\s*<string>service<\/string>\n\s*<string>run<\/string>\n\s*<string>--webservice-port=8300<\/string>\n\s*<string>--x=a&amp;b&lt;c&gt;<\/string>\n\s*<\/array>/,
  );
  assert.match(plist, /<key>RunAtLoad<\/key>\n\s*<true\/>/);
  assert.match(plist, /<key>DENO_NO_UPDATE_CHECK<\/key>\n\s*<string>1<\/string>/);
  const plan = installPlan("darwin", SPEC);
  assert.equal(
    plan.steps[0].kind === "write" && plan.steps[0].path,
    "/Library/LaunchDaemons/com.duplicati.duplicati.plist",
  );
  assert.deepEqual(
    plan.steps[1],
    {
      kind: "run",
      argv: ["launchctl", "load", "-w", "/Library/LaunchDaemons/com.duplicati.duplicati.plist"],
    },
  );
  assert.deepEqual(uninstallPlan("darwin", SPEC).steps.map((s) => s.kind), ["run", "remove"]);
});

Deno.test("Windows: sc.exe create with a quoted binPath, then start; uninstall stops and deletes", () => {
  assert.equal(windowsQuote("C:\\Dup\\duplicati.exe"), "C:\\Dup\\duplicati.exe");
  assert.equal(windowsQuote("C:\\Program Files\\Dup\\"), '"C:\\Program Files\\Dup\\\\"');
  assert.equal(windowsQuote('a "b"'), '"a \\"b\\""');
  const spec: ServiceSpec = {
    name: "Duplicati",
    argv: ["E:\\Duplicati Portable\\duplicati.exe", "service", "run", "--webservice-port=8300"],
    workingDirectory: "E:\\Duplicati Portable",
  };
  const plan = installPlan("windows", spec);
  assert.deepEqual(plan.steps[0], {
    kind: "run",
    argv: [
      "sc.exe",
      "create",
      "Duplicati",
      "binPath=",
      '"E:\\Duplicati Portable\\duplicati.exe" service run --webservice-port=8300',
      "start=",
      "auto",
      "DisplayName=",
      "Duplicati",
    ],
  });
  assert.deepEqual(plan.steps.at(-1), { kind: "run", argv: ["sc.exe", "start", "Duplicati"] });
  assert.deepEqual(uninstallPlan("windows", spec).steps, [
    { kind: "run", argv: ["sc.exe", "stop", "Duplicati"] },
    { kind: "run", argv: ["sc.exe", "delete", "Duplicati"] },
  ]);
});

Deno.test("service options: watchdog, install and server options are told apart", () => {
  const a = parseServiceArgs([
    "--ping-interval=30s",
    "--unit-dir=/tmp/u",
    "--webservice-port=8300",
    "--dry-run",
  ]);
  assert.equal(a.watchdog.pingInterval, 30_000);
  assert.equal(a.watchdog.pingTimeout, 60_000);
  assert.equal(a.watchdog.restartDelay, 10_000);
  assert.deepEqual(a.watchdogArgs, ["--ping-interval=30s"]);
  assert.deepEqual(a.installGiven, ["--unit-dir=/tmp/u", "--dry-run"]);
  assert.deepEqual(a.serverArgs, ["--webservice-port=8300"]);
  assert.equal(a.install.unitDir, "/tmp/u");
  assert.equal(a.install.dryRun, true);
  assert.throws(() => parseServiceArgs(["--ping-attempts=0"]), /whole number of at least 1/);
  assert.throws(() => parseServiceArgs(["--service-name=a b"]), /Invalid --service-name/);
  assert.throws(() => parseServiceArgs(["run"]), /Unexpected argument "run"/);
});
