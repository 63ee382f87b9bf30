import { resolve } from 'node:path';
import { z } from 'zod';

/** The whole configuration, read once from the environment; a bad value stops start-up with a clear message. */
export const ZConfig = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** GOV.UK Notify: an API key and an email template whose subject is ((subject)) and body ((body)). */
  NOTIFY_API_KEY: z.string().min(74, 'must be a GOV.UK Notify API key').optional(),
  NOTIFY_TEMPLATE_ID: z.uuid('must be the id of a GOV.UK Notify email template').optional(),
  /** SMTP server for email when Notify is not configured, e.g. smtps://user:password@smtp.example.org:465 */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).default('Sounding <sounding@localhost>'),
});
export type TConfig = z.output<typeof ZConfig>;

export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export function readConfig(env: NodeJS.ProcessEnv = process.env): TConfig {
  const parsed = ZConfig.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export function databaseTarget(config: TConfig): DatabaseTarget {
  return config.DATABASE_URL
    ? { kind: 'postgres', url: config.DATABASE_URL }
    : { kind: 'sqlite', file: resolve(config.DATA_DIR, 'sounding.sqlite') };
}
