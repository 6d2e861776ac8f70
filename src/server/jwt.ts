/**
 * Compact HS256 JSON Web Tokens (RFC 7519) with node:crypto: signing and checking signature,
 * issuer, audience and expiry with a small clock skew.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The claims the server puts in its tokens. Times are seconds since the epoch. */
export interface Claims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  /** What the token is for: access, refresh, signin or a single operation. */
  typ: "access" | "refresh" | "signin" | "singleop" | "forever";
  /** Refresh-token family and its counter. */
  fam?: string;
  cnt?: number;
  /** PBKDF2 hash of the refresh nonce the client must echo. */
  nh?: string;
  /** Single-operation tokens: the operation (export, bugreport, websocket). */
  op?: string;
}

const ISSUER = "https://duplicati";
const SKEW_S = 5;

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString("base64url");
}

/** Why a token was refused. */
export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenError";
  }
}

/** Signs and checks tokens with one key. */
export class JwtSigner {
  constructor(private key: Buffer, private now: () => number = Date.now) {}

  /** A signed token valid for `seconds`, with the standard claims filled in. */
  sign(
    claims: Omit<Claims, "iss" | "aud" | "iat" | "nbf" | "exp" | "jti"> & { jti?: string },
    seconds: number,
  ): string {
    const t = Math.floor(this.now() / 1000);
    const full: Claims = {
      iss: ISSUER,
      aud: ISSUER,
      iat: t,
      nbf: t,
      exp: t + Math.round(seconds),
      jti: claims.jti ?? crypto.randomUUID(),
      ...claims,
    } as Claims;
    const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = b64url(JSON.stringify(full));
    const sig = createHmac("sha256", this.key).update(`${head}.${body}`).digest();
    return `${head}.${body}.${b64url(sig)}`;
  }

  /** The claims of a valid token. Throws TokenError when malformed, forged or expired. */
  verify(token: string): Claims {
    const parts = token.split(".");
    if (parts.length !== 3) throw new TokenError("Malformed token");
    const expect = createHmac("sha256", this.key).update(`${parts[0]}.${parts[1]}`).digest();
    const got = Buffer.from(parts[2], "base64url");
    if (got.length !== expect.length || !timingSafeEqual(got, expect)) {
      throw new TokenError("Bad token signature");
    }
    let head: { alg?: string };
    let c: Claims;
    try {
      head = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
      c = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    } catch {
      throw new TokenError("Malformed token");
    }
    if (head.alg !== "HS256") throw new TokenError("Unsupported token algorithm");
    if (c.iss !== ISSUER || c.aud !== ISSUER) throw new TokenError("Wrong token issuer");
    const t = Math.floor(this.now() / 1000);
    if (typeof c.exp !== "number" || t > c.exp + SKEW_S) throw new TokenError("Token expired");
    if (typeof c.nbf === "number" && t + SKEW_S < c.nbf) {
      throw new TokenError("Token not valid yet");
    }
    return c;
  }
}
