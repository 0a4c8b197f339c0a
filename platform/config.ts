import { z } from 'zod';

/** Raised at start-up when the environment is missing a variable or holds a bad value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/**
 * Reads the variables a schema describes from the environment. The schema's keys are the variable names, so
 * every problem names the variable and says what is expected; all problems are reported at once.
 * Empty strings count as unset, as in most .env tooling.
 */
export function readEnv<Shape extends z.ZodRawShape>(shape: Shape, env: Env = process.env): z.infer<z.ZodObject<Shape>> {
  const present = Object.fromEntries(Object.keys(shape).map((name) => [name, env[name] === '' ? undefined : env[name]]));
  const result = z.object(shape).safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const value = present[name];
      const got = value === undefined ? 'it is not set' : `got ${JSON.stringify(isSecretName(name) ? '***' : value)}`;
      return `${name}: ${issue.message} (${got})`;
    }),
  );
}

/** Variable names whose values never appear in messages or logs. */
export function isSecretName(name: string): boolean {
  return /TOKEN|SECRET|PASSWORD|KEY/i.test(name);
}

function optionalFlag() {
  return z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true' || value === '1'));
}

/** Zod helpers for the shapes environment variables come in. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  url: () =>
    z
      .url({ protocol: /^https?$/, message: 'expected an absolute http(s) URL such as http://127.0.0.1:4101' })
      .transform((url) => url.replace(/\/+$/, '')),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  flag: (fallback: boolean) => optionalFlag().transform((value) => value ?? fallback),
  /** A true/false variable whose absence means "decide elsewhere" (undefined). */
  optionalFlag,
  nodeEnv: () => z.enum(['development', 'production', 'test']).default('development'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
