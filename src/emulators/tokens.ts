import { createHash, createPublicKey, createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

/**
 * JSON Web Tokens for the identity emulators (Entra ID, the Bot Framework channel's OpenID
 * keys, the token service): RS256 with a key made at start, verified the way the real services
 * verify theirs (signature by `kid`, `exp`/`nbf` with 5 minutes of clock skew, audience).
 * Shared by the emulators in this folder; nothing in the bot uses it.
 */

export type JwtClaims = Record<string, unknown> & {
  iss?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
};

export type TokenVerdict =
  | { ok: true; claims: JwtClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'not-yet-valid' | 'audience' | 'issuer' };

/** Something that can tell whether an access token it issued is (still) good for an audience. */
export interface AccessTokenVerifier {
  verifyAccessToken(token: string, audience: string): TokenVerdict;
}

const SKEW_SECONDS = 300;

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Header and claims of a compact JWT, without checking anything; undefined when it is not one. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: JwtClaims; signingInput: string; signature: Buffer } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims: claims as JwtClaims, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Verifies an RS256 signature with a public key (PEM, or a KeyObject). */
export function verifyRs256(signingInput: string, signature: Buffer, key: KeyObject | string): boolean {
  try {
    return createVerify('RSA-SHA256').update(signingInput).verify(key, signature);
  } catch {
    return false;
  }
}

/** Checks `exp`, `nbf` and (when given) `aud` and `iss`. */
export function checkClaims(claims: JwtClaims, expect: { audience?: string | readonly string[]; issuer?: string; now?: number }): TokenVerdict {
  const now = expect.now ?? nowSeconds();
  if (typeof claims.exp !== 'number' || claims.exp + SKEW_SECONDS < now) return { ok: false, reason: 'expired' };
  if (typeof claims.nbf === 'number' && claims.nbf - SKEW_SECONDS > now) return { ok: false, reason: 'not-yet-valid' };
  if (expect.audience !== undefined) {
    const wanted = typeof expect.audience === 'string' ? [expect.audience] : expect.audience;
    if (typeof claims.aud !== 'string' || !wanted.includes(claims.aud)) return { ok: false, reason: 'audience' };
  }
  if (expect.issuer !== undefined && claims.iss !== expect.issuer) return { ok: false, reason: 'issuer' };
  return { ok: true, claims };
}

/** One RSA signing key with its `kid`; signs and verifies RS256 JWTs and publishes its JWK. */
export class JwtSigner {
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;

  constructor(readonly kid: string = randomBytes(12).toString('base64url')) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  sign(claims: JwtClaims, header: Record<string, unknown> = {}): string {
    const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: this.kid, ...header }));
    const body = b64url(JSON.stringify(claims));
    const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(this.privateKey);
    return `${head}.${body}.${b64url(signature)}`;
  }

  /** Signature (this key, by kid) and claims. */
  verify(token: string, expect: { audience?: string | readonly string[]; issuer?: string } = {}): TokenVerdict {
    const decoded = decodeJwt(token);
    if (!decoded) return { ok: false, reason: 'malformed' };
    if (decoded.header['alg'] !== 'RS256' || decoded.header['kid'] !== this.kid) return { ok: false, reason: 'signature' };
    if (!verifyRs256(decoded.signingInput, decoded.signature, this.publicKey)) return { ok: false, reason: 'signature' };
    return checkClaims(decoded.claims, expect);
  }

  /** The public key as a JWK, as OpenID `jwks_uri` documents publish it. */
  jwk(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const jwk = this.publicKey.export({ format: 'jwk' });
    const der = this.publicKey.export({ format: 'der', type: 'spki' });
    return { kty: jwk.kty, use: 'sig', kid: this.kid, x5t: b64url(createHash('sha1').update(der).digest()), n: jwk.n, e: jwk.e, ...extra };
  }
}

/** A public key from PEM text (a key or an X.509 certificate), or undefined when it is neither. */
export function publicKeyFromPem(pem: string): KeyObject | undefined {
  try {
    return createPublicKey(pem);
  } catch {
    return undefined;
  }
}
