/**
 * Restores read encrypted volumes in place, decrypting only the ranges they need: the entries
 * must come out as from a decrypted copy, and the whole file is verified first, by its recorded
 * hash or, when none is known, by the HMAC of its ciphertext.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../helpers/cli.ts";
import { prng, put, tempDir } from "../helpers/tree.ts";
import { OptionValues } from "../../src/core/option_values.ts";
import { formatSettings, Session } from "../../src/engine/session.ts";
import { openVolume, VolumeHasher } from "../../src/engine/remote_volumes.ts";
import { hashAesFile } from "../../src/format/aes_ranges.ts";
import { IntegrityError, UserError } from "../../src/core/errors.ts";

Deno.test("encrypted volumes opened in place read like decrypted copies; damage is caught", async () => {
  const [dir, cleanup] = await tempDir("dup-inplace-");
  try {
    const src = join(dir, "src");
    for (let i = 0; i < 4; i++) put(src, `f${i}.bin`, prng(i + 1, 300_000));
    put(src, "text.txt", "compressible text ".repeat(5000));
    const dest = join(dir, "dest");
    const url = `file://${dest}`;
    const r = await runMain([
      "backup",
      url,
      src,
      `--dbpath=${join(dir, "db.sqlite")}`,
      "--blocksize=50kb",
      "--passphrase=pw",
    ]);
    assert.equal(r.code, 0, r.err);
    const opts = new OptionValues({ passphrase: "pw", dbpath: join(dir, "db.sqlite") });
    const settings = formatSettings(opts);
    const session = await Session.open(url, opts, undefined, "Test");
    try {
      const dblock = [...Deno.readDirSync(dest)].find((e) => e.name.includes(".dblock."))!.name;
      const path = join(dest, dblock);
      const hash = hashAesFile(path).sha256;
      for (const expected of [{ hash }, {}]) {
        const copy = await openVolume(session, settings, dblock, expected);
        const inPlace = await openVolume(session, settings, dblock, expected, { inPlace: true });
        try {
          assert.ok(inPlace.cipher, "read in place");
          assert.equal(copy.cipher, undefined);
          const names = copy.zip.entries().map((e) => e.name);
          assert.deepEqual(inPlace.zip.entries().map((e) => e.name), names);
          assert.ok(names.length > 10);
          for (const n of names) assert.deepEqual(inPlace.zip.read(n), copy.zip.read(n), n);
        } finally {
          await copy.close();
          await inPlace.close();
        }
      }
      // Hashed ahead: the result is used (and checked) when the volume is opened.
      const hasher = new VolumeHasher(session);
      hasher.add([dblock, dblock, "not-encrypted.zip"]);
      const early = hasher.take(dblock);
      assert.ok(early, "hashing started");
      assert.equal((await early).sha256, hash);
      assert.equal(hasher.take(dblock), undefined, "taken once");
      assert.equal(hasher.take("not-encrypted.zip"), undefined, "only encrypted volumes");
      hasher.add([dblock]);
      const ahead = await openVolume(session, settings, dblock, { hash }, {
        inPlace: true,
        hasher,
      });
      await ahead.close();
      // One flipped ciphertext byte: the hash, or without one the HMAC, refuses the file.
      const bytes = Deno.readFileSync(path);
      bytes[bytes.length >> 1] ^= 1;
      Deno.writeFileSync(path, bytes);
      await assert.rejects(
        () => openVolume(session, settings, dblock, { hash }, { inPlace: true }),
        (e) => e instanceof IntegrityError && e.message.includes(dblock) && /hash/.test(e.message),
      );
      hasher.add([dblock]);
      await assert.rejects(
        () => openVolume(session, settings, dblock, { hash }, { inPlace: true, hasher }),
        (e) => e instanceof IntegrityError && /hash/.test(e.message),
      );
      hasher.close();
      await assert.rejects(
        () => openVolume(session, settings, dblock, {}, { inPlace: true }),
        (e) => e instanceof IntegrityError && e.message.includes(dblock) && /HMAC/.test(e.message),
      );
      // A wrong passphrase is told apart from damage.
      const wrong = formatSettings(new OptionValues({ passphrase: "nope" }));
      await assert.rejects(
        () => openVolume(session, wrong, dblock, {}, { inPlace: true }),
        (e) => e instanceof UserError && /passphrase is wrong/.test(e.message),
      );
    } finally {
      await session.close();
    }
  } finally {
    await cleanup();
  }
});
