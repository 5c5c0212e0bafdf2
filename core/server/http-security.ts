// The browser-mode gatekeeper, as in Jupyter: a random token per start is
// required on every request (header, cookie, or ?token= on the first page
// load), requests from other origins are refused, and the Host header must
// name this server (against DNS rebinding when bound to loopback).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'seqlab_token';

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a request presents, from the Authorization header, the cookie, or the query. */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
  if (cookie) return cookie.slice(TOKEN_COOKIE.length + 1);
  return url.searchParams.get('token') ?? undefined;
}

export type Verdict = { ok: true } | { ok: false; status: number; reason: string };

/**
 * Decides whether a request may proceed.
 * @param allowedHosts Host header values that name this server (e.g. "127.0.0.1:8123"); empty = any
 */
export function checkRequest(req: IncomingMessage, url: URL, token: string, allowedHosts: string[]): Verdict {
  const host = req.headers.host ?? '';
  if (allowedHosts.length > 0 && !allowedHosts.includes(host))
    return { ok: false, status: 403, reason: `host "${host.slice(0, 80)}" is not this server` };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`)
    return { ok: false, status: 403, reason: `origin "${origin.slice(0, 80)}" may not call this server` };
  if (req.headers['sec-fetch-site'] === 'cross-site') return { ok: false, status: 403, reason: 'cross-site requests are refused' };
  const presented = presentedToken(req, url);
  if (!presented) return { ok: false, status: 401, reason: 'missing token: open the URL that `seqlab serve` printed' };
  if (!sameSecret(presented, token)) return { ok: false, status: 401, reason: 'wrong token: open the URL that `seqlab serve` printed' };
  return { ok: true };
}

/** Headers on every response: a strict CSP (no inline or eval'd scripts) and no framing or sniffing. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};
