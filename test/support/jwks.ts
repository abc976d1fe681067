import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';

export const JWT_ISSUER = 'https://id.example.test/';
export const JWT_AUDIENCE = 'im-graphql-gateway';

/** A real identity provider in miniature: an HTTP JWKS endpoint on port 0 and a signer for its key. */
export class TestIdentityProvider {
  requests = 0;
  private server?: Server;
  private privateKey?: KeyLike;
  private jwks?: unknown;

  async start(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    this.privateKey = privateKey;
    this.jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' }] };
    this.server = createServer((_request, response) => {
      this.requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.jwks));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  /** A JWT for `subject`, valid unless the overrides say otherwise; `key` signs with a stranger's key. */
  async token(
    subject: string,
    overrides: { audience?: string; issuer?: string; expiresAt?: number; claims?: JWTPayload; key?: KeyLike } = {},
  ): Promise<string> {
    return new SignJWT({ ...overrides.claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setSubject(subject)
      .setIssuer(overrides.issuer ?? JWT_ISSUER)
      .setAudience(overrides.audience ?? JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(overrides.expiresAt ?? Math.floor(Date.now() / 1000) + 600)
      .sign(overrides.key ?? this.privateKey!);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.server === undefined) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
