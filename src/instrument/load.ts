import { readFileSync } from 'node:fs';
import type { TDefinition } from './definition.js';
import { validateDefinitionText } from './validate.js';

export const STANDARD_INSTRUMENT_PATH = new URL('../../instruments/digital-readiness.yaml', import.meta.url);

/** Reads and validates a definition file; throws with every problem by line and path. */
export function loadInstrumentFile(path: string | URL): TDefinition {
  const result = validateDefinitionText(readFileSync(path, 'utf8'));
  if (!result.ok) {
    throw new Error(`${String(path)} is not a valid definition:\n${result.problems.map((p) => `  line ${p.line ?? '?'}: ${p.path}: ${p.message}`).join('\n')}`);
  }
  return result.definition;
}
