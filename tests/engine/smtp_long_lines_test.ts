/** Mail bodies with lines longer than SMTP allows (998 characters) are sent base64-encoded. */
import assert from "node:assert/strict";
import { composeMessage } from "../../src/engine/hooks/smtp_client.ts";

Deno.test("a body with a line over 998 characters is base64-encoded, short ASCII stays 7bit", () => {
  const msg = { from: "a@example.org", to: ["b@example.org"], subject: "s" };
  const long = composeMessage({ ...msg, body: `{"x":"${"y".repeat(2000)}"}` }, true);
  assert.match(long, /Content-Transfer-Encoding: base64/);
  for (const line of long.split("\r\n")) assert.ok(line.length <= 998);
  const body = long.slice(long.indexOf("\r\n\r\n") + 4).replace(/\r\n/g, "");
  assert.equal(atob(body), `{"x":"${"y".repeat(2000)}"}`);
  const short = composeMessage({ ...msg, body: "all fine\nsecond line" }, false);
  assert.match(short, /Content-Transfer-Encoding: 7bit/);
  assert.ok(short.endsWith("all fine\r\nsecond line"));
});
