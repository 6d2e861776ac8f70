/**
 * Opening the user's browser at an address: the system's default browser, or the program given
 * with `--browser-command` (run with the address as its one argument).
 */

/** The command line that opens `url` in the default browser on this system. */
export function defaultBrowserCommand(url: string, os: string = Deno.build.os): string[] {
  if (os === "windows") return ["cmd", "/c", "start", '""', url.replaceAll("&", "^&")];
  if (os === "darwin") return ["open", url];
  return ["xdg-open", url];
}

/**
 * Starts the browser (without waiting for it to close). Returns false, never throws, when it could
 * not be started: the caller has printed the address so the user can open it by hand.
 */
export function openBrowser(url: string, browserCommand?: string): boolean {
  const cmd = browserCommand ? [browserCommand, url] : defaultBrowserCommand(url);
  try {
    const child = new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child.unref();
    child.status.catch(() => {});
    return true;
  } catch {
    return false;
  }
}
