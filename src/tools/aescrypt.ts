/**
 * `duplicati-aescrypt` / `duplicati aescrypt`: encrypts or decrypts one file in the AESCrypt v2
 * format (reads v2 and v3), like Duplicati's SharpAESCrypt tool.
 *
 * Exit codes: 0 done, 100 the file could not be decrypted (wrong password, damaged or not an
 * AESCrypt file) or read/written, 200 bad arguments.
 */
import { ExitCode, UserError } from "../core/errors.ts";
import { decryptFile, encryptFile } from "../format/aescrypt.ts";

/** The usage text. */
export const AESCRYPT_USAGE = [
  "Usage: duplicati-aescrypt e|d <password> <input file> <output file>",
  "",
  "  e   encrypt <input file> into <output file> (AESCrypt version 2)",
  "  d   decrypt <input file> (AESCrypt version 1 and 2, or 3) into <output file>",
  "",
  "A password of - is read from the AESCRYPT_PASSWORD environment variable.",
].join("\n");

/** Runs the tool; returns the exit code. Never throws. */
export async function runAescrypt(argv: string[]): Promise<number> {
  if (argv.length === 1 && /^(-h|--help|help|\/\?)$/i.test(argv[0])) {
    console.log(AESCRYPT_USAGE);
    return ExitCode.Success;
  }
  const mode = argv[0]?.toLowerCase();
  if (argv.length !== 4 || (mode !== "e" && mode !== "d")) {
    console.error(
      `Expected 4 arguments: e or d, the password, the input and the output file.\n\n${AESCRYPT_USAGE}`,
    );
    return ExitCode.BadArguments;
  }
  let [, password, input, output] = argv;
  if (password === "-") password = Deno.env.get("AESCRYPT_PASSWORD") ?? "";
  if (password === "") {
    console.error("The password is empty: give one, or set AESCRYPT_PASSWORD and use -.");
    return ExitCode.BadArguments;
  }
  try {
    const stat = await Deno.stat(input).catch(() => undefined);
    if (!stat?.isFile) {
      console.error(`The input file ${input} does not exist or is not a file.`);
      return ExitCode.BadArguments;
    }
    if (mode === "e") {
      const r = await encryptFile(input, output, password);
      console.log(`Encrypted ${input} into ${output} (${r.size} bytes).`);
    } else {
      const r = await decryptFile(input, output, password);
      console.log(`Decrypted ${input} into ${output} (${r.size} bytes).`);
    }
    return ExitCode.Success;
  } catch (e) {
    if (e instanceof UserError) {
      console.error(e.message);
      return ExitCode.Fatal;
    }
    console.error(
      `Could not ${mode === "e" ? "encrypt" : "decrypt"} ${input}: ${(e as Error).message}`,
    );
    return ExitCode.Fatal;
  }
}
