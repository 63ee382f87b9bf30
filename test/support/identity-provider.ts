import type { AddressInfo } from 'node:net';
// oidc-provider ships without types: test/support/oidc-provider.d.ts declares the parts used here.
import Provider from 'oidc-provider';

export const OIDC_CLIENT = { clientId: 'sounding', clientSecret: 'a client secret long enough for HS256 signing' };

/** A local OpenID Connect provider (its dev login takes any password) knowing Sounding as a client that returns to redirectUrl. */
export async function startOidcProvider(redirectUrl: string, people: Record<string, { email: string; email_verified: boolean }>): Promise<{ issuer: string; close(): Promise<void> }> {
  const provider = new Provider('http://127.0.0.1', {
    clients: [{ client_id: OIDC_CLIENT.clientId, client_secret: OIDC_CLIENT.clientSecret, redirect_uris: [redirectUrl], grant_types: ['authorization_code'], response_types: ['code'] }],
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, ...people[id] }) }),
    claims: { email: ['email', 'email_verified'] },
    cookies: { keys: ['test cookie key'] },
  });
  const server = provider.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The issuer must match the URL the provider is reached at.
  provider.issuer = issuer;
  return { issuer, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
