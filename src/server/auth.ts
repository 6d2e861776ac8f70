/**
 * Sign-in as Duplicati 2.1+ does it: one UI password stored as a PBKDF2-HMAC-SHA256 hash, short
 * access tokens, refresh tokens in token families that rotate on every use (a reused refresh token
 * ends its family), one-time sign-in tokens, single-operation tokens, and a limit on failed
 * attempts.
 */
import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import type { ServerDatabase } from "./database.ts";
import { type Claims, JwtSigner, TokenError } from "./jwt.ts";

const PBKDF2_ITERATIONS = 10_000;
const ACCESS_S = 15 * 60;
const SESSION_REFRESH_S = 2 * 60 * 60;
const SIGNIN_S = 5 * 60;
const SINGLE_OP_S = 60;
const FOREVER_S = 10 * 365 * 24 * 3600;
const USER = "webserver";
/** How long the previous refresh token still works after a rotation (parallel tabs). */
export const REFRESH_RACE_MS = 5_000;

/** A refused sign-in; the API answers 401. */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthError";
  }
}

/** Too many failed attempts; the API answers 429. */
export class RateLimitError extends Error {
  constructor(readonly retryAfterS: number) {
    super(
      `Too many failed sign-in attempts. Wait ${retryAfterS} seconds before trying again.`,
    );
    this.name = "RateLimitError";
  }
}

interface PbkdfConfig {
  Algorithm: "PBKDF2-SHA256";
  Iterations: number;
  Salt: string;
  Hash: string;
}

/** SHA-256 of a token, so tokens of any length compare in constant time. */
function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

function pbkdf(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(password, salt, iterations, 32, "sha256");
}

/** Hashes a password for storage as `pbkdf-config`. */
export function hashPassword(password: string): string {
  const salt = randomBytes(32);
  const cfg: PbkdfConfig = {
    Algorithm: "PBKDF2-SHA256",
    Iterations: PBKDF2_ITERATIONS,
    Salt: salt.toString("base64"),
    Hash: pbkdf(password, salt, PBKDF2_ITERATIONS).toString("base64"),
  };
  return JSON.stringify(cfg);
}

/** True when `password` matches the stored hash (constant-time compare). */
export function verifyPassword(password: string, stored: string | undefined): boolean {
  if (!stored) return false;
  let cfg: PbkdfConfig;
  try {
    cfg = JSON.parse(stored);
  } catch {
    return false;
  }
  const want = Buffer.from(cfg.Hash, "base64");
  const got = pbkdf(password, Buffer.from(cfg.Salt, "base64"), cfg.Iterations);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A random password that is easy to copy: 24 characters from a safe alphabet. */
export function randomPassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = randomBytes(24);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

/** Counts failed attempts per client within a window. */
export class AttemptLimiter {
  #fails = new Map<string, number[]>();
  constructor(
    private max = 10,
    private windowMs = 5 * 60_000,
    private now: () => number = Date.now,
  ) {}

  /** Throws RateLimitError when `client` has used up its attempts. */
  check(client: string): void {
    const t = this.now();
    const list = (this.#fails.get(client) ?? []).filter((x) => t - x < this.windowMs);
    this.#fails.set(client, list);
    if (list.length >= this.max) {
      throw new RateLimitError(Math.ceil((list[0] + this.windowMs - t) / 1000));
    }
  }

  fail(client: string): void {
    const list = this.#fails.get(client) ?? [];
    list.push(this.now());
    this.#fails.set(client, list);
  }

  succeed(client: string): void {
    this.#fails.delete(client);
  }
}

/** Tokens handed out by a successful sign-in. */
export interface LoginResult {
  AccessToken: string;
  /** Absent for sign-ins that should not get a refresh cookie. */
  RefreshToken?: string;
  RefreshNonce?: string;
  /** Cookie lifetime in seconds. */
  RefreshSeconds: number;
}

/** Password, tokens and token families for one server database. */
export class Authenticator {
  readonly signer: JwtSigner;
  readonly limiter: AttemptLimiter;
  #usedSignin = new Map<string, number>();
  #foreverAvailable: boolean;

  readonly now: () => number;

  /**
   * `refreshSeconds` is the refresh-token lifetime with "remember me" (--webservice-token-duration).
   */
  #preAuth: Buffer[];

  constructor(
    private db: ServerDatabase,
    private refreshSeconds: number,
    opts: {
      now?: () => number;
      enableForeverToken?: boolean;
      disableSigninTokens?: boolean;
      /** Fixed tokens accepted as `Authorization: PreAuth <token>` (--webservice-pre-auth-tokens). */
      preAuthTokens?: readonly string[];
      /** A new signing key: every token signed before stops working (--webservice-reset-jwt-config). */
      resetSigningKey?: boolean;
    } = {},
  ) {
    this.#preAuth = (opts.preAuthTokens ?? []).map((t) => digest(t));
    let cfg = db.setting("jwt-config");
    if (opts.resetSigningKey) db.clearTokenFamilies();
    if (!cfg || opts.resetSigningKey) {
      cfg = JSON.stringify({ SigningKey: randomBytes(32).toString("base64") });
      db.setSetting("jwt-config", cfg);
    }
    this.now = opts.now ?? Date.now;
    this.signer = new JwtSigner(Buffer.from(JSON.parse(cfg).SigningKey, "base64"), opts.now);
    this.limiter = new AttemptLimiter(10, 5 * 60_000, opts.now);
    this.#foreverAvailable = opts.enableForeverToken ?? false;
    if (opts.disableSigninTokens !== undefined) {
      db.setSetting("disable-signin-tokens", String(opts.disableSigninTokens));
    }
  }

  /** True when the password was generated by the server and nobody has set one. */
  get passwordIsAutogenerated(): boolean {
    return this.db.setting("autogenerated-passphrase") === "true";
  }

  get signinTokensDisabled(): boolean {
    return this.db.setting("disable-signin-tokens") === "true";
  }

  /**
   * Makes sure a password exists: sets `password` when given, else generates one on first start.
   * Returns the generated password, if one was generated now.
   */
  ensurePassword(password?: string): string | undefined {
    if (password !== undefined && password !== "") {
      this.setPassword(password);
      return undefined;
    }
    if (this.db.setting("pbkdf-config")) return undefined;
    const generated = randomPassword();
    this.db.setSetting("pbkdf-config", hashPassword(generated));
    this.db.setSetting("autogenerated-passphrase", "true");
    return generated;
  }

  /** Sets a new UI password and signs everybody out. */
  setPassword(password: string): void {
    this.db.setSetting("pbkdf-config", hashPassword(password));
    this.db.setSetting("autogenerated-passphrase", "false");
    this.db.clearTokenFamilies();
  }

  /** Checks the password without counting attempts. */
  checkPassword(password: string): boolean {
    return verifyPassword(password, this.db.setting("pbkdf-config"));
  }

  #guard(client: string, ok: () => boolean, what: string): void {
    this.limiter.check(client);
    if (!ok()) {
      this.limiter.fail(client);
      throw new AuthError(what);
    }
    this.limiter.succeed(client);
  }

  /** Password sign-in. Throws AuthError or RateLimitError. */
  loginWithPassword(password: string, rememberMe: boolean, client: string): LoginResult {
    this.#guard(
      client,
      () => typeof password === "string" && this.checkPassword(password),
      "Failed to log in",
    );
    return this.#newFamily(rememberMe);
  }

  /** Sign-in with a one-time sign-in token (printed at start, or from issuesignintoken). */
  loginWithSigninToken(token: string, rememberMe: boolean, client: string): LoginResult {
    if (this.signinTokensDisabled) throw new AuthError("Signin tokens are disabled");
    let claims: Claims | undefined;
    this.#guard(client, () => {
      try {
        claims = this.signer.verify(String(token));
      } catch {
        return false;
      }
      if (claims.typ !== "signin" || this.#usedSignin.has(claims.jti)) return false;
      return true;
    }, "Failed to sign in");
    this.#usedSignin.set(claims!.jti, claims!.exp);
    const t = Date.now() / 1000;
    for (const [k, exp] of this.#usedSignin) if (exp + 60 < t) this.#usedSignin.delete(k);
    return this.#newFamily(rememberMe);
  }

  /** A sign-in token valid for 5 minutes, usable once. */
  issueSigninToken(): string {
    if (this.signinTokensDisabled) throw new AuthError("Signin tokens are disabled");
    return this.signer.sign({ sub: USER, typ: "signin" }, SIGNIN_S);
  }

  #newFamily(rememberMe: boolean): LoginResult {
    const family = crypto.randomUUID();
    this.db.setTokenFamily(family, USER, 1, this.now());
    return this.#tokens(family, 1, rememberMe ? this.refreshSeconds : SESSION_REFRESH_S);
  }

  #tokens(family: string, counter: number, refreshSeconds: number): LoginResult {
    const nonce = randomBytes(16).toString("base64url");
    const nh = pbkdf(nonce, Buffer.from(family), 1000).toString("base64");
    return {
      AccessToken: this.signer.sign({ sub: USER, typ: "access", fam: family }, ACCESS_S),
      RefreshToken: this.signer.sign(
        { sub: USER, typ: "refresh", fam: family, cnt: counter, nh },
        refreshSeconds,
      ),
      RefreshNonce: nonce,
      RefreshSeconds: refreshSeconds,
    };
  }

  #refreshClaims(token: string): Claims {
    let c: Claims;
    try {
      c = this.signer.verify(token);
    } catch (e) {
      throw new AuthError(e instanceof TokenError ? e.message : "Bad refresh token");
    }
    if (c.typ !== "refresh" || !c.fam || c.cnt === undefined) {
      throw new AuthError("Not a refresh token");
    }
    return c;
  }

  /**
   * Rotates a refresh token. A token older than the family's current one means it was copied:
   * the whole family ends and everyone holding it must sign in again. The one exception is the
   * token just before the current one within {@link REFRESH_RACE_MS} of the rotation, which is
   * two tabs of one browser refreshing at the same moment; it gets tokens of the current step.
   */
  refresh(token: string, nonce: string): LoginResult {
    const c = this.#refreshClaims(token);
    const fam = this.db.tokenFamily(c.fam!);
    if (!fam) throw new AuthError("The sign-in has ended; sign in again");
    const race = c.cnt === fam.Counter - 1 && this.now() - fam.LastUpdated <= REFRESH_RACE_MS;
    if (fam.Counter !== c.cnt && !race) {
      this.db.deleteTokenFamily(c.fam!);
      throw new AuthError("A refresh token was used twice; all its sessions were signed out");
    }
    const want = Buffer.from(c.nh ?? "", "base64");
    const got = pbkdf(String(nonce ?? ""), Buffer.from(c.fam!), 1000);
    if (want.length !== got.length || !timingSafeEqual(want, got)) {
      throw new AuthError("Wrong refresh nonce");
    }
    if (race) return this.#tokens(c.fam!, fam.Counter, c.exp - c.iat);
    this.db.setTokenFamily(c.fam!, USER, fam.Counter + 1, this.now());
    return this.#tokens(c.fam!, fam.Counter + 1, c.exp - c.iat);
  }

  /** Ends the family of a refresh token (ignores invalid tokens). */
  logout(token: string): void {
    try {
      const c = this.#refreshClaims(token);
      this.db.deleteTokenFamily(c.fam!);
    } catch {
      // An invalid token has nothing to end.
    }
  }

  /**
   * Checks a bearer token for API access: an access token whose family still exists, or the
   * forever token. Throws AuthError.
   */
  verifyAccess(token: string): Claims {
    let c: Claims;
    try {
      c = this.signer.verify(token);
    } catch (e) {
      throw new AuthError((e as Error).message);
    }
    if (c.typ === "forever") return c;
    if (c.typ !== "access") throw new AuthError("Not an access token");
    if (c.fam && !this.db.tokenFamily(c.fam)) throw new AuthError("The sign-in has ended");
    return c;
  }

  /** Checks a fixed `PreAuth` token, in constant time. Throws AuthError. */
  verifyPreAuth(token: string): void {
    const d = digest(token);
    let ok = false;
    for (const t of this.#preAuth) ok = timingSafeEqual(t, d) || ok;
    if (!ok) throw new AuthError("Unknown PreAuth token");
  }

  /** A one-minute token for one operation (export, bugreport, websocket). */
  singleOperationToken(op: string): string {
    return this.signer.sign({ sub: USER, typ: "singleop", op }, SINGLE_OP_S);
  }

  /** Checks a single-operation token for `op`. Throws AuthError. */
  verifySingleOperation(token: string, op: string): void {
    let c: Claims;
    try {
      c = this.signer.verify(String(token ?? ""));
    } catch (e) {
      throw new AuthError((e as Error).message);
    }
    if (c.typ !== "singleop" || c.op !== op) throw new AuthError("Invalid operation");
  }

  /** The 10-year token, once per start when enabled. Throws AuthError otherwise. */
  foreverToken(): string {
    if (!this.#foreverAvailable) {
      throw new AuthError(
        "Forever tokens are not enabled, or one was already issued; restart the server with --webservice-enable-forever-token",
      );
    }
    this.#foreverAvailable = false;
    return this.signer.sign({ sub: USER, typ: "forever" }, FOREVER_S);
  }
}
