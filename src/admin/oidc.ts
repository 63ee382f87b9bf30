import type { Configuration } from 'openid-client';
import type { OidcSettings } from '../config.js';

export type { OidcSettings };

/** What the provider said about the person, once the code has been exchanged and the ID token checked. */
export interface OidcIdentity {
  email: string;
  emailVerified: boolean;
}

/** The state a browser carries between leaving for the provider and coming back. */
export interface OidcTransaction {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

/** Plain HTTP to the provider only on this machine (a test or a local provider), never across a network. */
function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** openid-client (with its JOSE library) is loaded with the first sign-in through a provider, not at start-up. */
let openidClient: Promise<typeof import('openid-client')> | undefined;
const loadOpenidClient = () => (openidClient ??= import('openid-client'));

/**
 * Authorisation code flow with PKCE, state and nonce. The provider's metadata is fetched on
 * first use (not at start-up) so Sounding starts even while the provider is unreachable.
 */
export function createOidc(settings: OidcSettings) {
  let configuration: Promise<Configuration> | undefined;
  const configured = () => {
    configuration ??= (async () => {
      const client = await loadOpenidClient();
      const issuer = new URL(settings.issuer);
      const options = isLoopback(issuer) ? { execute: [client.allowInsecureRequests] } : undefined;
      return client.discovery(issuer, settings.clientId, settings.clientSecret, undefined, options);
    })().catch((error: unknown) => {
      configuration = undefined;
      throw error;
    });
    return configuration;
  };

  return {
    async start(next: string): Promise<{ url: string; transaction: OidcTransaction }> {
      const [client, config] = await Promise.all([loadOpenidClient(), configured()]);
      const transaction = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), next };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUrl,
        scope: 'openid email profile',
        state: transaction.state,
        nonce: transaction.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(transaction.verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, transaction };
    },

    /** query is the callback's query string; it is checked against the transaction the browser brought back. */
    async finish(query: string, transaction: OidcTransaction): Promise<OidcIdentity> {
      const [client, config] = await Promise.all([loadOpenidClient(), configured()]);
      const callback = new URL(settings.redirectUrl);
      callback.search = query;
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: transaction.verifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims()!;
      // Many providers put email only in userinfo when an access token is issued.
      const claims = typeof idToken.email === 'string' ? idToken : await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
      return { email: typeof claims.email === 'string' ? claims.email : '', emailVerified: claims.email_verified === true };
    },
  };
}
export type Oidc = ReturnType<typeof createOidc>;
