/**
 * The keys that sign this program's update manifests, built into the program.
 *
 * Only these keys are trusted. There is deliberately no option, environment variable or settings
 * field that adds or replaces a key: a user following a bad instruction ("start it with
 * --update-key=...") or a changed setting must never make the program accept a manifest signed by
 * someone else. Tests (and embedders) pass their own keys through the `keys` parameter of the
 * update functions (`checkForUpdate`, `runUpdate`, the server's `StartOptions.updateKeys`), which
 * only code can reach.
 *
 * To change the key: make a new pair (`deno run -A build/update_manifest.ts --new-key=<file>`),
 * add its public half here, release a version that has both keys, and sign later manifests with
 * the new key only.
 */

/** Ed25519 public keys, DER (SubjectPublicKeyInfo) in base64. */
export const UPDATE_SIGNING_KEYS: readonly string[] = [
  "MCowBQYDK2VwAyEA+saJ+BpxXEFXHpQoTBeQUuJUWpZc2r7NzJHJuaqbveo=",
];

/**
 * Where the program looks for new versions when `--update-url` is not given. Empty until the
 * project publishes signed manifests: then checks need `--update-url`.
 */
export const DEFAULT_UPDATE_URL = "";
