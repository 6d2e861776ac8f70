/**
 * Exported backup configurations: JSON text, optionally sealed as an AESCrypt file with a
 * passphrase (Duplicati's `<name>-duplicati-config.json.aes`).
 */
import { decryptBytes, encryptBytes } from "../format/aescrypt.ts";
import { UserError } from "../core/errors.ts";

const AES_MAGIC = [0x41, 0x45, 0x53]; // "AES"

/** The JSON text as file bytes, encrypted when a passphrase is given. */
export function sealConfig(json: string, passphrase?: string): Uint8Array {
  const bytes = new TextEncoder().encode(json);
  return passphrase ? encryptBytes(bytes, passphrase) : bytes;
}

/** True when the bytes are an AESCrypt file. */
export function isEncryptedConfig(bytes: Uint8Array): boolean {
  return AES_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * The JSON text of a configuration file. Throws a UserError when it is encrypted and the
 * passphrase is missing or wrong.
 */
export function openConfig(bytes: Uint8Array, passphrase?: string): string {
  if (!isEncryptedConfig(bytes)) return new TextDecoder().decode(bytes);
  if (!passphrase) {
    throw new UserError(
      "The configuration file is encrypted: give the passphrase it was exported with",
      { code: "PassphraseRequired", exitCode: 200 },
    );
  }
  try {
    return new TextDecoder().decode(decryptBytes(bytes, passphrase, { name: "configuration" }));
  } catch {
    throw new UserError("The passphrase for the configuration file is wrong", {
      code: "WrongPassphrase",
      exitCode: 200,
    });
  }
}
