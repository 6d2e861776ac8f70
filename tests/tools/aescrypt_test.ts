/** `duplicati aescrypt e|d <password> <in> <out>` run as a user would, against the format module. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { prng, tempDir } from "../helpers/tree.ts";
import { decryptBytes, encryptBytes } from "../../src/format/aescrypt.ts";
import { fromHex } from "../../src/core/bytes.ts";
import { OFFICIAL } from "../helpers/aescrypt_vectors.ts";

Deno.test("aescrypt tool: round trip, wrong password, bad arguments", async () => {
  const [dir, done] = await tempDir();
  try {
    const plain = prng(7, 300_000);
    await Deno.writeFile(join(dir, "p"), plain);
    const e = await runMain(["aescrypt", "e", "s3cret pw", join(dir, "p"), join(dir, "c.aes")]);
    assert.equal(e.code, 0, e.err);
    const enc = await Deno.readFile(join(dir, "c.aes"));
    assert.equal(new TextDecoder().decode(enc.subarray(0, 3)), "AES");
    assert.equal(enc[3], 2, "AESCrypt version 2");
    assert.deepEqual(decryptBytes(enc, "s3cret pw"), plain, "the format module reads it");

    const d = await runMain(["aescrypt", "d", "s3cret pw", join(dir, "c.aes"), join(dir, "q")]);
    assert.equal(d.code, 0, d.err);
    assert.deepEqual(await Deno.readFile(join(dir, "q")), plain);

    const bad = await runMain(["aescrypt", "d", "wrong", join(dir, "c.aes"), join(dir, "w")]);
    assert.equal(bad.code, 100);
    assert.match(bad.err, /Invalid passphrase/);
    await assert.rejects(Deno.stat(join(dir, "w")), Deno.errors.NotFound);

    const usage = await runMain(["aescrypt", "x", "pw", join(dir, "p")]);
    assert.equal(usage.code, 200);
    assert.match(usage.err, /Usage: duplicati-aescrypt e\|d/);
    const missing = await runMain(["aescrypt", "e", "pw", join(dir, "nope"), join(dir, "o")]);
    assert.equal(missing.code, 200);
    assert.match(missing.err, /does not exist/);
  } finally {
    await done();
  }
});

Deno.test("aescrypt tool: interop with the AESCrypt v2 vectors, under its busybox name", async () => {
  const [dir, done] = await tempDir();
  try {
    const vector = OFFICIAL.find((v) => v.version === 2 && v.plaintext === "0")!;
    await Deno.writeFile(join(dir, "v.aes"), fromHex(vector.hex));
    const r = await runMain(["d", "Hello", join(dir, "v.aes"), join(dir, "v.txt")], {
      env: { DUPLICATI_CALLED_AS: "duplicati-aescrypt" },
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(await Deno.readTextFile(join(dir, "v.txt")), "0");

    // A file the format module wrote with fixed keys decrypts with the tool, and back.
    const fixed = encryptBytes(new TextEncoder().encode("Hello, Duplicati!"), "Hello", {
      iv1: new Uint8Array(16).fill(1),
      iv2: new Uint8Array(16).fill(2),
      key2: new Uint8Array(32).fill(3),
      extensions: "none",
    });
    await Deno.writeFile(join(dir, "f.aes"), fixed);
    const f = await runMain(["aescrypt", "d", "Hello", join(dir, "f.aes"), join(dir, "f.txt")]);
    assert.equal(f.code, 0, f.err);
    assert.equal(await Deno.readTextFile(join(dir, "f.txt")), "Hello, Duplicati!");
  } finally {
    await done();
  }
});
