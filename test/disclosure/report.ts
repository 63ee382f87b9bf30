import type { Finding } from './attack.js';
import type { Fact } from './model.js';

/**
 * A failure message a reviewer can check by hand: per wave, the leaks chosen to be explained
 * with the facts their proof combines, then the others one per line.
 */
export function describeFindings(findings: readonly Finding[], threshold: number, listed = 30): string {
  if (findings.length === 0) return '';
  const lines: string[] = [];
  for (const wave of [...new Set(findings.map((f) => f.wave))]) {
    const own = findings.filter((f) => f.wave === wave);
    const counts = (['pinned', 'small', 'linked'] as const).map((k) => [k, own.filter((f) => f.kind === k).length] as const).filter(([, n]) => n > 0);
    lines.push(`${wave} wave: ${own.length} leak${own.length === 1 ? '' : 's'} (${counts.map(([k, n]) => `${n} ${KIND[k]}`).join(', ')})`);
    const explained = own.filter((f) => f.explained);
    for (const f of explained) {
      lines.push(`  ${headline(f, threshold)}`);
      for (const h of f.how.slice(0, 12)) lines.push(`      ${h}`);
      if (f.how.length > 12) lines.push(`      … and ${f.how.length - 12} more facts`);
    }
    const rest = own.filter((f) => !f.explained);
    if (rest.length > 0 && explained.length > 0) lines.push('  and:');
    for (const f of rest.slice(0, listed)) lines.push(`  ${headline(f, threshold)}`);
    if (rest.length > listed) lines.push(`  … and ${rest.length - listed} more`);
  }
  return lines.join('\n');
}

const KIND = { pinned: 'pinned exactly', small: 'proven under the threshold', linked: 'rows traced to their group' } as const;

function headline(f: Finding, threshold: number): string {
  if (f.kind === 'pinned') return `PINNED ${f.what} = ${f.lo} (min = max; true ${f.truth})`;
  if (f.kind === 'small') return `SMALL ${f.what} ≤ ${f.hi} < ${threshold}${f.loKnown ? ` (at least ${f.lo})` : ''} (true ${f.truth})`;
  return `TRACED ${f.what}`;
}

export function describeUntrue(facts: readonly Fact[]): string {
  return facts.map((f) => `  ${f.source}`).join('\n');
}
