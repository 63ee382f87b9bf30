import type { FastifyInstance } from 'fastify';

/** The visible text of a page, entities decoded, whitespace collapsed. */
export const text = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
    .trim();

/** A signed-in browser for inject(): keeps cookies, posts the page's CSRF token back, and can upload files. */
export class Browser {
  private cookies = new Map<string, string>();
  csrf = '';
  constructor(
    private readonly app: FastifyInstance,
    sessionCookie?: string,
  ) {
    if (sessionCookie) {
      const [name, value] = sessionCookie.split('=');
      this.cookies.set(name!, value!);
    }
  }

  private remember<R extends { headers: Record<string, unknown>; body: string }>(response: R): R {
    for (const header of [(response.headers['set-cookie'] as string | string[] | undefined) ?? []].flat()) {
      const [pair] = header.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!.trim(), value.join('='));
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
    return response;
  }

  cookie() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string) {
    return this.remember(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookie() } }));
  }

  /** A form post; an array is a repeated field, as checkboxes send. */
  async post(url: string, fields: Record<string, string | string[]> = {}) {
    const body = new URLSearchParams({ _csrf: this.csrf });
    for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
    return this.remember(await this.app.inject({ method: 'POST', url, headers: { cookie: this.cookie(), 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() }));
  }

  /** A multipart form as a browser sends a file upload. */
  async upload(url: string, fields: Record<string, string>, files: Record<string, { name: string; content: Buffer | string }>) {
    const form = new FormData();
    form.append('_csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    for (const [k, f] of Object.entries(files)) form.append(k, new Blob([typeof f.content === 'string' ? f.content : new Uint8Array(f.content)]), f.name);
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const payload = Buffer.from(await request.arrayBuffer());
    return this.remember(await this.app.inject({ method: 'POST', url, headers: { cookie: this.cookie(), 'content-type': request.headers.get('content-type')! }, payload }));
  }
}
