import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';

/** The largest upload: a staff list of MAX_STAFF people is about 6 MB. */
export const UPLOAD_LIMIT = 16 * 1024 * 1024;

/**
 * The files of a posted form, each one's bytes by field name. Only a multipart upload gives
 * bytes: a JSON or urlencoded body shaped like one is refused (a 400 naming the field), and a
 * body with no files has none.
 */
const ZUploadedFiles = z.looseObject({ files: z.record(z.string(), z.instanceof(Buffer)).default({}) });
export function uploadedFiles(body: unknown): Partial<Record<string, Buffer>> {
  return ZUploadedFiles.parse(body ?? {}).files;
}

/** The name the browser gave an uploaded file ('' when none), which tells its format by its extension. */
export function uploadedFileName(body: unknown, field: string): string {
  const names = z.looseObject({ fileNames: z.record(z.string(), z.string()).default({}) }).safeParse(body ?? {});
  return (names.success && names.data.fileNames[field]) || '';
}

/**
 * Reads multipart/form-data (file uploads without JavaScript) with the platform's own
 * parser (undici's Response.formData), so no extra dependency is needed. Registered only in
 * the admin scope, where every request is already known to come from a signed-in user.
 */
export function acceptUploads(app: FastifyInstance): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT }, async (request: FastifyRequest, body: Buffer) => {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body), { headers: { 'content-type': String(request.headers['content-type']) } }).formData();
    } catch {
      throw Object.assign(new Error('The form could not be read: send it again from the page'), { statusCode: 400, expose: true });
    }
    const fields: Record<string, string> = {};
    const files: Record<string, Buffer> = {};
    const fileNames: Record<string, string> = {};
    for (const [name, value] of form) {
      if (typeof value === 'string') fields[name] = value;
      else {
        files[name] = Buffer.from(await value.arrayBuffer());
        fileNames[name] = value.name;
      }
    }
    return { ...fields, files, fileNames };
  });
  app.setErrorHandler((error: Error & { code?: string }, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.render(
        'errors/problem.njk',
        { status: 413, clientError: `The file is larger than ${UPLOAD_LIMIT / 1024 / 1024} MB, the most one upload takes. Split it into smaller files.` },
        413,
      );
    }
    // Everything else is handled as anywhere else in the app.
    throw error;
  });
}
