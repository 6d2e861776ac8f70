/**
 * Errors as the API answers them: `{Error, Code}` where Code is the HTTP status (and HelpId a
 * short machine-readable reason). User errors are 400, sign-in problems 401, unknown things 404.
 */
import type { Context } from "hono";
import { CancelledError, UserError } from "../core/errors.ts";
import { AuthError, RateLimitError } from "./auth.ts";

/** An error with an HTTP status chosen by the route. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly helpId?: string) {
    super(message);
    this.name = "HttpError";
  }
}

/** 404 with a message naming what is missing. */
export function notFound(what: string): HttpError {
  return new HttpError(404, `${what} not found`, "NotFound");
}

/** The status and body for any thrown value. */
export function errorResponse(err: unknown): { status: number; body: Record<string, unknown> } {
  if (err instanceof HttpError) {
    return {
      status: err.status,
      body: { Error: err.message, Code: err.status, ...(err.helpId ? { HelpId: err.helpId } : {}) },
    };
  }
  if (err instanceof RateLimitError) {
    return { status: 429, body: { Error: err.message, Code: 429, HelpId: "TooManyAttempts" } };
  }
  if (err instanceof AuthError) {
    return { status: 401, body: { Error: err.message, Code: 401, HelpId: "Unauthorized" } };
  }
  if (err instanceof UserError) {
    return { status: 400, body: { Error: err.message, Code: 400, HelpId: err.code } };
  }
  if (err instanceof CancelledError) {
    return { status: 409, body: { Error: err.message, Code: 409, HelpId: "Cancelled" } };
  }
  return { status: 500, body: { Error: "An error occurred", Code: 500 } };
}

/** Reads a JSON body; throws a 400 that says what is wrong when it is not JSON. */
export async function readJson(c: Context, opts: { optional?: boolean } = {}): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") {
    if (opts.optional) return undefined;
    throw new HttpError(400, "The request body is empty: send a JSON object", "BadJson");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(
      400,
      `The request body is not valid JSON (${(e as Error).message})`,
      "BadJson",
    );
  }
}

/** Reads a JSON object body (or an empty one when optional). Throws 400 for anything else. */
export async function readObject(
  c: Context,
  opts: { optional?: boolean } = {},
): Promise<Record<string, unknown>> {
  const v = await readJson(c, opts);
  if (v === undefined) return {};
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    throw new HttpError(400, "The request body must be a JSON object", "BadJson");
  }
  return v as Record<string, unknown>;
}

/** A query flag: present with no value, or true/1/yes/on. */
export function queryFlag(c: Context, name: string): boolean {
  const v = c.req.query(name);
  if (v === undefined) return false;
  return ["", "true", "1", "yes", "on"].includes(v.toLowerCase());
}

/** A whole-number query parameter; throws 400 for anything else. */
export function queryInt(c: Context, name: string): number | undefined {
  const v = c.req.query(name);
  if (v === undefined || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) {
    throw new HttpError(
      400,
      `The query parameter ${name} must be a whole number, not "${v}"`,
      "BadValue",
    );
  }
  return Number(v);
}
