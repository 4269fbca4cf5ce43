/**
 * Tokens for the production stack's JWT authorizer: an RSA signing key made for the stack, the JWKS
 * document the server fetches, and RS256 tokens carrying the default claim mapper's `permissions`
 * claim (`<namespace>:<read|write|worker|admin>`, or `temporal-system:admin`).
 *
 * Node's crypto does all of it, so no token library is needed; nothing here is sent anywhere.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** The roles a stack hands out tokens for. */
export const tokenRoles = {
  /** Registers namespaces and search attributes: the whole cluster. */
  admin: 'admin',
  /** Starts, signals and updates rollouts; what workers and release engineers use. */
  writer: 'writer',
  /** Reads status and history only. */
  reader: 'reader',
} as const;
export type TokenRole = (typeof tokenRoles)[keyof typeof tokenRoles];

/** The default claim mapper's permissions for a role in `namespace`. */
export function permissionsFor(role: TokenRole, namespace: string): string[] {
  if (role === tokenRoles.admin) return ['temporal-system:admin', `${namespace}:admin`];
  return [`${namespace}:${role === tokenRoles.writer ? 'write' : 'read'}`];
}

/** A signing key and its key id. */
export interface SigningKey {
  privateKey: KeyObject;
  kid: string;
}

function kidOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);
}

/** A new 2048-bit RSA key; its PEM is what a stack keeps (mode 0600) to sign more tokens later. */
export function generateSigningKey(): { key: SigningKey; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { key: { privateKey, kid: kidOf(publicKey) }, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** The key from its PEM. */
export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  return { privateKey, kid: kidOf(createPublicKey(privateKey)) };
}

/** The JWKS document (RFC 7517) the server's key provider fetches. */
export function jwksFor(key: SigningKey): { keys: Array<Record<string, string>> } {
  const jwk = createPublicKey(key.privateKey).export({ format: 'jwk' }) as Record<string, string>;
  return { keys: [{ ...jwk, kid: key.kid, use: 'sig', alg: 'RS256' }] };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RS256 JWT for `subject` with `role` in `namespace`, valid for `ttlSeconds`. */
export function signToken(key: SigningKey, opts: { subject: string; role: TokenRole; namespace: string; ttlSeconds?: number; now?: number }): string {
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const header = b64({ alg: 'RS256', typ: 'JWT', kid: key.kid });
  const payload = b64({ sub: opts.subject, iat: now, exp: now + (opts.ttlSeconds ?? 30 * 86_400), permissions: permissionsFor(opts.role, opts.namespace) });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key.privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
