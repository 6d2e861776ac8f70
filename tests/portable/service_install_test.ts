/**
 * The service definitions of every system, checked as text: the systemd unit, the launchd plist
 * and the Windows Task Scheduler task, with the quoting each needs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  applyPlan,
  describePlan,
  installPlan,
  launchdPlist,
  type ServiceSpec,
  systemdQuote,
  systemdUnit,
  taskXml,
  uninstallPlan,
  utf16le,
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

const WIN_SPEC: ServiceSpec = {
  name: "Duplicati",
  argv: ["E:\\Duplicati Portable\\duplicati.exe", "service", "run", "--webservice-port=8300"],
  workingDirectory: "E:\\Duplicati Portable",
};

/** The text of element `tag` in `xml` (the first one). */
function element(xml: string, tag: string): string | undefined {
  return xml.match(new RegExp(`<${tag}>([^<]*)</${tag}>`))?.[1];
}

Deno.test("Windows: arguments are quoted as CommandLineToArgvW splits them", () => {
  assert.equal(windowsQuote("C:\\Dup\\duplicati.exe"), "C:\\Dup\\duplicati.exe");
  assert.equal(windowsQuote("C:\\Program Files\\Dup\\"), '"C:\\Program Files\\Dup\\\\"');
  assert.equal(windowsQuote('a "b"'), '"a \\"b\\""');
  assert.equal(windowsQuote(""), '""');
});

Deno.test("Windows: a boot task as SYSTEM, never stopped, program and arguments quoted", () => {
  const xml = taskXml({
    ...WIN_SPEC,
    argv: [...WIN_SPEC.argv, "--server-datafolder=D:\\My Data\\", "--x=a&b<c>"],
  });
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-16"\?>\r\n<Task version="1\.2" /);
  assert.ok(!/[^\r]\n/.test(xml), "lines end in CRLF");
  assert.equal(element(xml, "Command"), '"E:\\Duplicati Portable\\duplicati.exe"');
  assert.equal(
    element(xml, "Arguments"),
    'service run --webservice-port=8300 "--server-datafolder=D:\\My Data\\\\" --x=a&amp;b&lt;c&gt;',
  );
  // The folder is never quoted: Task Scheduler would take the quotes as part of it.
  assert.equal(element(xml, "WorkingDirectory"), "E:\\Duplicati Portable");
  assert.match(xml, /<Triggers>\s*<BootTrigger>\s*<Enabled>true<\/Enabled>\s*<\/BootTrigger>/);
  assert.equal(element(xml, "UserId"), "S-1-5-18");
  assert.equal(element(xml, "RunLevel"), "HighestAvailable");
  assert.equal(element(xml, "ExecutionTimeLimit"), "PT0S");
  assert.equal(element(xml, "DisallowStartIfOnBatteries"), "false");
  assert.equal(element(xml, "StopIfGoingOnBatteries"), "false");
  assert.equal(element(xml, "MultipleInstancesPolicy"), "IgnoreNew");
  assert.match(xml, /<Principal id="Author">[\s\S]*<Actions Context="Author">/);
  // Every element that is opened is closed, in order.
  const open: string[] = [];
  for (const [, close, name] of xml.matchAll(/<(\/?)([A-Za-z]+)[^>]*>/g)) {
    if (close) assert.equal(open.pop(), name);
    else open.push(name);
  }
  assert.deepEqual(open, []);
});

Deno.test("Windows: a command line longer than schtasks /TR allows fits in the task", () => {
  // The portable folder runs its bundle with the Deno runtime: a long command line.
  const folder = "C:\\Users\\Backup Operator\\Portable Apps\\Duplicati Portable Edition";
  const argv = [
    `${folder}\\runtime\\deno.exe`,
    "run",
    "-A",
    "--no-config",
    "--v8-flags=--max-old-space-size=4096,--max-semi-space-size=64",
    `${folder}\\duplicati.js`,
    "service",
    "run",
    "--webservice-port=8300",
    "--webservice-interface=any",
    `--server-datafolder=${folder}\\data`,
  ];
  const xml = taskXml({ name: "duplicati", argv, workingDirectory: folder });
  const commandLine = `${element(xml, "Command")} ${element(xml, "Arguments")}`;
  assert.ok(commandLine.length > 261, `${commandLine.length} characters`);
  assert.equal(commandLine, argv.map(windowsQuote).join(" "));
  assert.equal(element(xml, "Command"), `"${folder}\\runtime\\deno.exe"`);
});

Deno.test("Windows: install writes the task XML and registers it; uninstall ends and deletes it", () => {
  const xmlPath = "E:\\Duplicati Portable\\Duplicati-task.xml";
  const plan = installPlan("windows", WIN_SPEC);
  assert.deepEqual(plan.steps, [
    { kind: "write", path: xmlPath, content: taskXml(WIN_SPEC), encoding: "utf-16le" },
    {
      kind: "run",
      argv: ["schtasks", "/Create", "/TN", "Duplicati", "/XML", xmlPath, "/RU", "SYSTEM", "/F"],
    },
    { kind: "run", argv: ["schtasks", "/Run", "/TN", "Duplicati"] },
  ]);
  assert.match(
    describePlan(plan),
    /^Run: schtasks \/Create \/TN Duplicati \/XML "E:\\Duplicati Portable\\Duplicati-task\.xml" \/RU SYSTEM \/F$/m,
  );
  assert.deepEqual(installPlan("windows", WIN_SPEC, false).steps.map((s) => s.kind), ["write"]);
  const elsewhere = installPlan("windows", { ...WIN_SPEC, unitDir: "C:\\ProgramData\\Duplicati" });
  assert.equal(
    elsewhere.steps[0].kind === "write" && elsewhere.steps[0].path,
    "C:\\ProgramData\\Duplicati\\Duplicati-task.xml",
  );
  assert.deepEqual(uninstallPlan("windows", WIN_SPEC).steps, [
    { kind: "run", argv: ["schtasks", "/End", "/TN", "Duplicati"] },
    { kind: "run", argv: ["schtasks", "/Delete", "/TN", "Duplicati", "/F"] },
    { kind: "remove", path: xmlPath },
  ]);
  assert.deepEqual(uninstallPlan("windows", WIN_SPEC, false).steps, [
    { kind: "remove", path: xmlPath },
  ]);
});

Deno.test("Windows: the task XML is written as UTF-16 with a byte order mark", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dup-task-" });
  try {
    const spec = { ...WIN_SPEC, workingDirectory: dir };
    const [write] = installPlan("windows", spec, false).steps;
    assert.ok(write.kind === "write");
    const file = join(dir, "Duplicati-task.xml");
    await applyPlan({ steps: [{ ...write, path: file }] }, () => {});
    const bytes = await Deno.readFile(file);
    assert.deepEqual([...bytes.subarray(0, 4)], [0xff, 0xfe, 0x3c, 0x00]);
    assert.equal(new TextDecoder("utf-16le").decode(bytes), taskXml(spec));
    assert.deepEqual([...utf16le("é€")], [0xff, 0xfe, 0xe9, 0x00, 0xac, 0x20]);
    await applyPlan({ steps: [{ kind: "remove", path: file }] }, () => {});
    await assert.rejects(Deno.stat(file), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
