/**
 * Volumes fetched for a restore (or a test, compact, recreate) are decrypted in a CPU worker: the
 * plain bytes, the hash of the encrypted file and a wrong passphrase must come out as they do
 * in the calling thread.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { CpuPool } from "../../src/engine/cpu_pool.ts";
import { encryptFile } from "../../src/format/aescrypt.ts";
import { prng, tempDir } from "../helpers/tree.ts";

for (const workers of [1, 0]) {
  Deno.test(`decrypt-file job (${workers} workers): plain bytes, input hash, wrong passphrase`, async () => {
    const [dir, cleanup] = await tempDir();
    const pool = new CpuPool(workers);
    try {
      const data = prng(5, 5_000_123);
      Deno.writeFileSync(join(dir, "plain"), data);
      await encryptFile(join(dir, "plain"), join(dir, "v.aes"), "pw");
      const encrypted = Deno.readFileSync(join(dir, "v.aes"));
      const r = await pool.run({
        op: "decrypt-file",
        input: join(dir, "v.aes"),
        output: join(dir, "out"),
        passphrase: "pw",
        hashInput: true,
      });
      assert.equal(r.op, "decrypt-file");
      assert.deepEqual(Deno.readFileSync(join(dir, "out")), data);
      assert.equal(
        r.op === "decrypt-file" && r.inputSha256,
        createHash("sha256").update(encrypted).digest("base64"),
      );
      await assert.rejects(
        () =>
          pool.run({
            op: "decrypt-file",
            input: join(dir, "v.aes"),
            output: join(dir, "out2"),
            passphrase: "wrong",
            hashInput: false,
          }),
        (err: Error & { kind?: string }) => err.kind === "bad-password",
      );
    } finally {
      pool.close();
      await cleanup();
    }
  });
}
