/** The small part of oidc-provider that test/web/oidc.test.ts uses; the package ships no types. */
declare module 'oidc-provider' {
  import type { Server } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    /** The issuer it names in tokens and discovery; must match the URL it is reached at. */
    issuer: string;
    listen(port: number, host: string): Server;
  }
}
