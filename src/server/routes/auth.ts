/** `/api/v1/auth/*`: password and token sign-in, refresh-token rotation, logout, special tokens. */
import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { ServerContext } from "../context.ts";
import { AuthError, type LoginResult } from "../auth.ts";
import { HttpError, readObject } from "../http_errors.ts";

/** The refresh cookie's name: Duplicati's, with the port so two servers on one host differ. */
export function refreshCookieName(ctx: ServerContext): string {
  return `RefreshToken_${ctx.port}`;
}

/** Who is asking, for counting failed attempts. */
export function clientKey(c: Context): string {
  const info = (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr;
  return info?.hostname ?? "local";
}

function answer(c: Context, ctx: ServerContext, r: LoginResult) {
  if (r.RefreshToken) {
    setCookie(c, refreshCookieName(ctx), r.RefreshToken, {
      path: "/api/v1/auth/refresh",
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: r.RefreshSeconds,
    });
  }
  return c.json({ AccessToken: r.AccessToken, RefreshNonce: r.RefreshNonce ?? null });
}

/** Adds the auth routes to the API app. */
export function authRoutes(api: Hono, ctx: ServerContext): void {
  api.post("/auth/login", async (c) => {
    const body = await readObject(c);
    if (typeof body.Password !== "string") {
      throw new HttpError(400, 'Send {"Password": "..."} to sign in', "BadValue");
    }
    return answer(
      c,
      ctx,
      ctx.auth.loginWithPassword(body.Password, body.RememberMe === true, clientKey(c)),
    );
  });

  api.post("/auth/signin", async (c) => {
    const body = await readObject(c);
    if (typeof body.SigninToken !== "string") {
      throw new HttpError(400, 'Send {"SigninToken": "..."} to sign in', "BadValue");
    }
    return answer(
      c,
      ctx,
      ctx.auth.loginWithSigninToken(body.SigninToken, body.RememberMe === true, clientKey(c)),
    );
  });

  api.post("/auth/refresh", async (c) => {
    const token = getCookie(c, refreshCookieName(ctx));
    if (!token) throw new AuthError("Authorization failed due to missing cookie.");
    const body = await readObject(c, { optional: true });
    try {
      return answer(c, ctx, ctx.auth.refresh(token, String(body.Nonce ?? "")));
    } catch (e) {
      deleteCookie(c, refreshCookieName(ctx), { path: "/api/v1/auth/refresh" });
      throw e;
    }
  });

  api.post("/auth/refresh/logout", (c) => {
    const token = getCookie(c, refreshCookieName(ctx));
    if (token) ctx.auth.logout(token);
    deleteCookie(c, refreshCookieName(ctx), { path: "/api/v1/auth/refresh" });
    return c.json({ success: true });
  });

  api.post("/auth/issuesignintoken", async (c) => {
    const body = await readObject(c);
    const client = clientKey(c);
    ctx.auth.limiter.check(client);
    if (typeof body.Password !== "string" || !ctx.auth.checkPassword(body.Password)) {
      ctx.auth.limiter.fail(client);
      throw new AuthError("Incorrect password");
    }
    return c.json({ Token: ctx.auth.issueSigninToken() });
  });

  api.post("/auth/issuetoken/:operation", (c) => {
    const op = c.req.param("operation");
    if (!["export", "bugreport", "websocket"].includes(op)) {
      throw new HttpError(400, "Invalid operation: use export, bugreport or websocket", "BadValue");
    }
    return c.json({ Token: ctx.auth.singleOperationToken(op) });
  });

  api.post("/auth/issue-forever-token", (c) => {
    return c.json({ AccessToken: ctx.auth.foreverToken(), RefreshNonce: null });
  });

  api.post("/auth/status", (c) => {
    const h = c.req.header("Authorization") ?? "";
    try {
      if (!h.startsWith("Bearer ")) throw new AuthError("No token");
      ctx.auth.verifyAccess(h.slice(7));
      return c.json({
        authorized: true,
        message: "Authorized",
        socketToken: ctx.auth.singleOperationToken("websocket"),
      });
    } catch {
      return c.json({ authorized: false, message: "Not authorized" });
    }
  });
}
