import type { TDefinition } from '../instrument/definition.js';
import { findQuestion } from '../instrument/definition.js';
import { DONT_KNOW } from '../instrument/scales.js';
import { localise, type TLanguage } from '../instrument/text.js';
import type { GroupRef } from '../analysis/index.js';
import { variablesOf, type ClosedVariable } from '../analysis/index.js';
import { lowerFirst } from './headlines.js';

/**
 * Words for the codes analysis returns: groups, questions, matrix items, options and indices,
 * in one language. Every output (page, report, chart, API) names things through here, so a
 * figure is labelled the same way everywhere.
 */
export class Labels {
  private readonly closed = new Map<string, ClosedVariable>();
  private readonly roleOptions: Map<string, string>;
  private readonly directorateOptions: Map<string, string>;

  constructor(
    readonly definition: TDefinition,
    readonly lang: TLanguage = 'en',
  ) {
    for (const v of variablesOf(definition)) if (v.kind === 'closed') this.closed.set(key(v.code, v.item), v);
    this.roleOptions = this.optionsOf(definition.segments.roleGroup);
    this.directorateOptions = this.optionsOf(definition.segments.directorate);
  }

  private optionsOf(code: string | undefined): Map<string, string> {
    const q = findQuestion(this.definition, code);
    return new Map(q && q.type === 'single' ? q.options.map((o) => [o.code, localise(o.label, this.lang)]) : []);
  }

  roleGroup(code: string): string {
    return this.roleOptions.get(code) ?? code;
  }

  group(ref: GroupRef): string {
    switch (ref.kind) {
      case 'total':
        return this.lang === 'cy' ? 'Pawb' : 'All';
      case 'roleGroup':
        return this.roleGroup(ref.code);
      case 'directorate':
        return ref.code === '' ? 'Directorate not stated' : (this.directorateOptions.get(ref.code) ?? ref.code);
      case 'cell':
        return `${this.roleGroup(ref.roleGroup)} in ${ref.directorate === '' ? 'an unstated directorate' : (this.directorateOptions.get(ref.directorate) ?? ref.directorate)}`;
      case 'leaders':
        return 'Senior leaders';
      case 'frontline':
        return 'Frontline staff';
      case 'rest':
        return `Everyone except ${lowerFirst(this.roleGroup(ref.roleGroup))}`;
    }
  }

  closedVariable(question: string, item: string): ClosedVariable | undefined {
    return this.closed.get(key(question, item));
  }

  /** The question's wording, with the matrix item's after a dash. */
  variable(question: string, item = ''): string {
    const q = findQuestion(this.definition, question);
    if (!q) return question;
    const text = localise(q.text, this.lang);
    if (!item || q.type !== 'matrix') return text;
    const it = q.items.find((i) => i.code === item);
    return it ? `${text} – ${localise(it.text, this.lang)}` : text;
  }

  /** The statement alone for a matrix item (short enough for a chart axis), the question otherwise. */
  short(question: string, item = ''): string {
    const q = findQuestion(this.definition, question);
    if (q && q.type === 'matrix' && item) {
      const it = q.items.find((i) => i.code === item);
      if (it) return localise(it.text, this.lang);
    }
    return this.variable(question, item);
  }

  /** The fixed scale a question's answers are on, if any. */
  scaleOf(question: string): 'agree' | 'engagement' | undefined {
    return [...this.closed.values()].find((v) => v.code === question)?.scale;
  }

  /**
   * The option's own wording; "don't know" left out of a scale's options gets the standard
   * wording. "positive" is named for what it counts, "% agree" or "% very or quite engaged":
   * agreeing is not favourable for every statement (see `polarity`).
   */
  option(question: string, item: string, option: string): string {
    if (option === 'positive') {
      const scale = this.closedVariable(question, item)?.scale;
      return scale === 'engagement' ? '% very or quite engaged' : scale === 'agree' ? '% agree' : '% positive';
    }
    const o = this.closedVariable(question, item)?.options.find((x) => x.code === option);
    if (o) return localise(o.label, this.lang);
    return option === DONT_KNOW.code ? localise(DONT_KNOW.label, this.lang) : option;
  }

  index(code: string): string {
    const index = this.definition.indices.find((i) => i.code === code);
    if (index) return localise(index.label, this.lang);
    return 'Overall digital maturity';
  }
}

function key(question: string, item: string): string {
  return `${question}\u0000${item}`;
}
