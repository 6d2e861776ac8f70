/** Passphrase generator and strength estimate for the backup wizard. Pure (unit-tested). */

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%^&*-_=+";

/**
 * A random passphrase of `length` characters from a 70-symbol alphabet (about 6.1 bits each),
 * drawn with crypto.getRandomValues and rejection sampling (no modulo bias).
 */
export function generatePassphrase(length = 32): string {
  const out: string[] = [];
  const buf = new Uint8Array(64);
  const limit = 256 - (256 % ALPHABET.length);
  while (out.length < length) {
    crypto.getRandomValues(buf);
    for (const b of buf) {
      if (b < limit && out.length < length) out.push(ALPHABET[b % ALPHABET.length]);
    }
  }
  return out.join("");
}

/** Result of {@link passphraseStrength}: score 0 (useless) .. 4 (strong). */
export interface Strength {
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  /** Estimated entropy in bits. */
  bits: number;
  hint: string;
}

const COMMON = [
  "password",
  "passw0rd",
  "123456",
  "qwerty",
  "letmein",
  "welcome",
  "admin",
  "duplicati",
  "backup",
  "secret",
  "iloveyou",
  "monkey",
  "dragon",
];

/**
 * Estimates strength from the character classes used, the length, repeats, sequences and common
 * words. It is a guide for people, not a guarantee.
 */
export function passphraseStrength(p: string): Strength {
  if (!p) return { score: 0, label: "Empty", bits: 0, hint: "Enter a passphrase." };
  let pool = 0;
  if (/[a-z]/.test(p)) pool += 26;
  if (/[A-Z]/.test(p)) pool += 26;
  if (/[0-9]/.test(p)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(p)) pool += 33;
  // Count runs of the same character and simple ascending sequences as one character each.
  let effective = 0;
  for (let i = 0; i < p.length; i++) {
    const prev = p.charCodeAt(i - 1);
    const cur = p.charCodeAt(i);
    if (i > 0 && (cur === prev || cur === prev + 1 || cur === prev - 1)) effective += 0.25;
    else effective += 1;
  }
  let bits = effective * Math.log2(Math.max(pool, 2));
  const lower = p.toLowerCase();
  let hint = "";
  for (const w of COMMON) {
    if (lower.includes(w)) {
      bits -= w.length * 3.5;
      hint = `Avoid common words such as "${w}".`;
    }
  }
  bits = Math.max(0, Math.round(bits));
  const score =
    (bits < 28 ? 0 : bits < 40 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4) as Strength["score"];
  const label = ["Very weak", "Weak", "Fair", "Good", "Strong"][score];
  if (!hint) {
    hint = score >= 3
      ? "This passphrase is hard to guess. Keep a copy somewhere safe: without it the backup cannot be restored."
      : p.length < 12
      ? "Use at least 12 characters, or let the generator make one."
      : "Mix upper and lower case, digits and symbols, or use more words.";
  }
  return { score, label, bits, hint };
}
