import { z } from 'zod';
import type { DifferenceEstimate, GroupRef, Suppressible } from '../analysis/index.js';
import type { Labels } from './labels.js';
import type { SurveyResults } from './survey-data.js';

/**
 * The JSON API's answer for one survey's aggregate results, as zod schemas: the OpenAPI
 * description is generated from them, so the two cannot drift apart. Proportions are 0-1 and
 * never rounded. A hidden figure is `{ shown: false, reason }` and nothing else.
 */

const ZHidden = z
  .object({ shown: z.literal(false), reason: z.enum(['withheld', 'too_few_organisations']) })
  .strict()
  .meta({ description: 'A withheld figure: the reason only, never any number.' });

const shownOr = <T extends z.ZodType>(value: T) => z.discriminatedUnion('shown', [z.object({ shown: z.literal(true), value }).strict(), ZHidden]);

const ZGroup = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('total') }).strict(),
  z.object({ kind: z.literal('roleGroup'), code: z.string() }).strict(),
  z.object({ kind: z.literal('directorate'), code: z.string() }).strict(),
  z.object({ kind: z.literal('cell'), roleGroup: z.string(), directorate: z.string() }).strict(),
  z.object({ kind: z.literal('leaders') }).strict(),
  z.object({ kind: z.literal('frontline') }).strict(),
  z.object({ kind: z.literal('rest'), roleGroup: z.string() }).strict(),
]);

const ZProportion = z
  .object({ estimate: z.number().min(0).max(1), lower: z.number().min(0).max(1), upper: z.number().min(0).max(1) })
  .strict()
  .meta({ description: 'A proportion (0-1) with its 95% Wilson interval.' });

const ZOptionEstimate = z.object({ option: z.string(), count: z.number().int().min(0).optional().meta({ description: 'Left out of weighted results.' }), proportion: ZProportion }).strict();

const ZClosedFigure = z
  .object({
    answered: z.number().int().min(0),
    base: z.number().int().min(0).meta({ description: 'Respondents the percentages are based on.' }),
    effectiveBase: z.number().min(0),
    options: z.array(ZOptionEstimate),
    dontKnow: ZOptionEstimate.optional(),
    positive: ZProportion.optional().meta({ description: 'Scales: agree + strongly agree, or very + quite engaged.' }),
  })
  .strict();

const ZMean = z
  .object({ mean: z.number(), lower: z.number(), upper: z.number(), n: z.number().int().min(0), effectiveN: z.number().min(0) })
  .strict()
  .meta({ description: 'A mean with its 95% t interval.' });

const groupFigures = <T extends z.ZodType>(value: T) => z.array(z.object({ group: ZGroup, label: z.string(), figure: shownOr(value) }).strict());

const ZChange = z
  .object({
    previous: z.number().meta({ description: 'The previous wave’s published figure (a proportion 0-1, or a mean).' }),
    current: z.number().meta({ description: 'This wave’s published figure.' }),
    difference: z.number().meta({ description: 'current − previous.' }),
    lower: z.number(),
    upper: z.number(),
    test: z.enum(['two-proportion z', 'Welch t', 'design-based z', 'design-based t']),
    statistic: z.number(),
    p: z.number().min(0).max(1),
    pAdjusted: z.number().min(0).max(1),
    significant: z.boolean().meta({ description: 'The adjusted p-value is below alpha.' }),
  })
  .strict()
  .meta({ description: 'A change since the previous wave with its 95% interval; the waves are treated as independent samples.' });

const ZDifference = z
  .object({
    difference: z.number(),
    lower: z.number(),
    upper: z.number(),
    test: z.enum(['two-proportion z', 'Welch t', 'design-based z', 'design-based t']),
    p: z.number().min(0).max(1),
    pAdjusted: z.number().min(0).max(1),
    significant: z.boolean().meta({ description: 'The adjusted p-value is below alpha.' }),
  })
  .strict();

const ZWeightingDesign = z
  .object({
    method: z.string(),
    designEffect: z.number().meta({ description: 'Kish’s design effect of the weights, as published (two decimals).' }),
    effectiveBase: z.number().meta({ description: 'Responses divided by the design effect: the unweighted responses the weighted ones are about as precise as.' }),
  })
  .strict()
  .nullable()
  .meta({ description: 'How the results are weighted, as the report says it: null when unweighted, or when the number of responses (and so the design effect) is withheld.' });

export const ZApiResults = z
  .object({
    survey: z.object({ id: z.uuid(), title: z.string(), organisation: z.string(), instrument: z.object({ code: z.string(), version: z.number().int() }).strict() }).strict(),
    threshold: z.number().int().min(5).meta({ description: 'No figure from fewer respondents than this is given.' }),
    confidence: z.literal(0.95),
    alpha: z.number(),
    weighting: z.enum(['unweighted', 'weighted', 'refused']),
    weightingDesign: ZWeightingDesign,
    responses: groupFigures(z.number().int().min(0)),
    questions: z.array(
      z
        .object({
          question: z.string(),
          item: z.string().meta({ description: "Matrix item code, '' otherwise." }),
          type: z.string(),
          text: z.string(),
          multiple: z.boolean(),
          base: z.string().meta({ description: 'What the percentages are percentages of.' }),
          options: z.array(z.object({ code: z.string(), label: z.string() }).strict()),
          groups: groupFigures(ZClosedFigure),
        })
        .strict(),
    ),
    numbers: z.array(z.object({ question: z.string(), text: z.string(), groups: groupFigures(ZMean) }).strict()),
    indices: z.array(
      z
        .object({
          code: z.string(),
          label: z.string(),
          kind: z.enum(['engagement', 'maturity', 'overall']),
          method: z.string(),
          groups: groupFigures(z.object({ score: ZMean, positive: shownOr(ZProportion).optional() }).strict()),
        })
        .strict(),
    ),
    freeText: z.array(
      z
        .object({
          question: z.string(),
          text: z.string(),
          groups: groupFigures(z.number().int().min(0).meta({ description: 'Respondents who wrote an answer.' })),
        })
        .strict()
        .meta({ description: 'How many answered a free-text question. The comments themselves are not given here.' }),
    ),
    perceptionGap: z
      .array(
        z
          .object({
            question: z.string().optional(),
            item: z.string().optional(),
            index: z.string().optional().meta({ description: 'The index code, for an index score (then there is no question).' }),
            text: z.string(),
            measure: z.string().meta({ description: "'positive' (% positive), an option code, or 'mean' for an index score." }),
            unit: z.enum(['percentage_points', 'index_points']),
            gap: shownOr(ZDifference.extend({ leaders: z.number(), frontline: z.number() }).strict()),
          })
          .strict(),
      )
      .meta({ description: 'Leaders minus frontline staff, largest gaps first; proportions 0-1 (differences too), index scores 0-100. p-values adjusted across the gap items.' }),
    published: z
      .array(
        z
          .object({
            question: z.string(),
            item: z.string(),
            text: z.string(),
            study: z.object({ id: z.string(), title: z.string(), year: z.number().int().nullable() }).strict(),
            statement: z.string(),
            percent: z.number().meta({ description: 'The published percentage (0-100).' }),
            describes: z.string().meta({ description: 'Who the published figure describes, in words.' }),
            result: shownOr(
              z
                .object({
                  proportion: ZProportion,
                  difference: z.number().meta({ description: 'This survey’s proportion minus the published one (0-1).' }),
                  p: z.number().min(0).max(1),
                  pAdjusted: z.number().min(0).max(1),
                  significant: z.boolean(),
                })
                .strict(),
            ),
          })
          .strict(),
      )
      .meta({ description: 'This survey against published national findings, for the items that reference them.' }),
    previous: z
      .object({
        surveyId: z.uuid(),
        title: z.string(),
        version: z.number().int().min(1).meta({ description: 'The version of the previous wave’s publication compared with.' }),
        changes: z.array(
          z
            .object({
              question: z.string().optional(),
              item: z.string().optional().meta({ description: "Matrix item code, '' otherwise." }),
              index: z.string().optional().meta({ description: 'The index code, for an index (then there is no question).' }),
              text: z.string(),
              measure: z.string().meta({ description: "'positive' (% positive), an option code, or 'mean'." }),
              group: ZGroup,
              label: z.string(),
              change: shownOr(ZChange),
            })
            .strict(),
        ),
      })
      .strict()
      .nullable()
      .meta({
        description: 'This wave against the wave it follows (null for a first wave): whole organisation and role groups. A change is withheld when the figure is withheld in either wave.',
      }),
  })
  .strict()
  .meta({ id: 'SurveyResults' });
export type TApiResults = z.output<typeof ZApiResults>;

/** Every API error: a problem document (RFC 9457, served as application/problem+json) with a stable code for programs. */
export const ZApiError = z
  .object({
    title: z.string().meta({ description: 'The standard title of the HTTP status, such as "Unauthorized".' }),
    status: z.number().int().min(400).max(599).meta({ description: 'The HTTP status code, repeated.' }),
    error: z.string().meta({
      description:
        'A stable code for programs: `invalid_id`, `unauthenticated`, `invalid_token`, `forbidden`, `not_found` or `not_released`; for a request that could not be read, or a fault of the server, the status title in snake case (`bad_request`, `payload_too_large`, `internal_server_error`, …).',
    }),
    detail: z.string().meta({ description: 'What is wrong, in a sentence for people. It never repeats the request.' }),
  })
  .strict()
  .meta({ id: 'Error' });
export type TApiError = z.output<typeof ZApiError>;

function figures<T, U>(groups: { group: GroupRef; figure: Suppressible<T> }[], labels: Labels, map: (value: T) => U) {
  return groups.map((g) => ({
    group: g.group,
    label: labels.group(g.group),
    figure: shown(g.figure, map),
  }));
}

/** A figure from the publication: shown with its value mapped, or hidden with its reason and nothing else. */
const shown = <T, U>(figure: Suppressible<T>, map: (value: T) => U) => (figure.shown ? { shown: true as const, value: map(figure.value) } : { shown: false as const, reason: figure.reason });

const mean = (m: { mean: number; lower: number; upper: number; n: number; effectiveN: number }) => ({ mean: m.mean, lower: m.lower, upper: m.upper, n: m.n, effectiveN: m.effectiveN });
const proportion = (p: { estimate: number; lower: number; upper: number }) => ({ estimate: p.estimate, lower: p.lower, upper: p.upper });
const option = (o: { option: string; count?: number; proportion: { estimate: number; lower: number; upper: number } }) => ({
  option: o.option,
  ...(o.count === undefined ? {} : { count: o.count }),
  proportion: proportion(o.proportion),
});

/** Copies only the published fields: nothing analysis computes for internal use leaves through the API. */
export function apiResults(results: SurveyResults, labels: Labels): TApiResults {
  const { analysis, survey } = results;
  return {
    survey: { id: survey.id, title: survey.title, organisation: results.organisation.name, instrument: analysis.definition },
    threshold: analysis.threshold,
    confidence: analysis.confidence,
    alpha: analysis.alpha,
    weighting: analysis.weighting.status,
    weightingDesign: weightingDesign(analysis),
    responses: figures(analysis.responses, labels, (n) => n),
    questions: analysis.variables.flatMap((v) =>
      v.kind !== 'closed'
        ? []
        : [
            {
              question: v.question,
              item: v.item,
              type: v.questionType,
              text: labels.variable(v.question, v.item),
              multiple: v.multiple,
              base: v.base,
              options: v.options.map((code) => ({ code, label: labels.option(v.question, v.item, code) })),
              groups: figures(v.groups, labels, (e) => ({
                answered: e.answered,
                base: e.base,
                effectiveBase: e.effectiveBase,
                options: e.options.map(option),
                ...(e.dontKnow ? { dontKnow: option(e.dontKnow) } : {}),
                ...(e.positive ? { positive: proportion(e.positive) } : {}),
              })),
            },
          ],
    ),
    numbers: analysis.variables.flatMap((v) => (v.kind === 'number' ? [{ question: v.question, text: labels.variable(v.question), groups: figures(v.groups, labels, mean) }] : [])),
    indices: analysis.indices
      .filter((i) => i.available)
      .map((i) => ({
        code: i.code,
        label: labels.index(i.code),
        kind: i.kind,
        method: i.method,
        groups: figures(i.groups, labels, (e) => ({
          score: mean(e.score),
          ...(e.positive ? { positive: shown(e.positive, proportion) } : {}),
        })),
      })),
    freeText: analysis.variables.flatMap((v) =>
      v.kind === 'text'
        ? [{ question: v.question, text: labels.variable(v.question), groups: v.groups.map((g) => ({ group: g.group, label: labels.group(g.group), figure: shown(g.answered, (n) => n) })) }]
        : [],
    ),
    perceptionGap: analysis.perceptionGap.map((g) => ({
      ...(g.question === undefined ? {} : { question: g.question, item: g.item ?? '' }),
      ...(g.index === undefined ? {} : { index: g.index }),
      text: g.index !== undefined ? labels.index(g.index) : labels.variable(g.question ?? '', g.item ?? ''),
      measure: g.measure,
      unit: g.unit,
      gap: shown(g.gap, (d) => ({ ...difference(d), leaders: d.leaders, frontline: d.frontline })),
    })),
    published: analysis.published.map((c) => ({
      question: c.question,
      item: c.item,
      text: labels.variable(c.question, c.item),
      study: { id: c.study.id, title: c.study.title, year: c.study.year },
      statement: c.finding.statement,
      percent: c.finding.percent,
      describes: c.describes,
      result: shown(c.result, (r) => ({ proportion: proportion(r.proportion), difference: r.difference, p: r.p, pAdjusted: r.pAdjusted, significant: r.significant })),
    })),
    previous: previousWave(results, labels),
  };
}

const difference = (d: DifferenceEstimate) => ({
  difference: d.difference,
  lower: d.lower,
  upper: d.upper,
  test: d.test,
  p: d.p,
  pAdjusted: d.pAdjusted,
  significant: d.significant,
});

/** The weighting as the report gives it: the published design effect and the effective base it implies, only when the number of responses is shown. */
function weightingDesign(analysis: SurveyResults['analysis']): TApiResults['weightingDesign'] {
  const w = analysis.weighting;
  const total = analysis.responses.find((r) => r.group.kind === 'total')?.figure;
  if (w.status !== 'weighted' || !total?.shown || !Number.isFinite(w.designEffect) || !(w.designEffect > 0)) return null;
  return { method: w.method, designEffect: w.designEffect, effectiveBase: total.value / w.designEffect };
}

/** The trend against the previous wave, from the comparisons frozen in this wave's publication (each already hidden wherever either wave's figure is). */
function previousWave(results: SurveyResults, labels: Labels): TApiResults['previous'] {
  const previous = results.publication.previous;
  if (!previous) return null;
  return {
    surveyId: previous.surveyId,
    title: previous.title,
    version: previous.version,
    changes: previous.waves.map((w) => ({
      ...(w.question === undefined ? {} : { question: w.question, item: w.item ?? '' }),
      ...(w.index === undefined ? {} : { index: w.index }),
      text: w.index !== undefined ? labels.index(w.index) : labels.variable(w.question ?? '', w.item ?? ''),
      measure: w.measure,
      group: w.group,
      label: labels.group(w.group),
      change: shown(w.change, (c) => ({
        previous: c.previous,
        current: c.current,
        difference: c.difference,
        lower: c.lower,
        upper: c.upper,
        test: c.test,
        statistic: c.statistic,
        p: c.p,
        pAdjusted: c.pAdjusted,
        significant: c.significant,
      })),
    })),
  };
}

const jsonSchema = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/** The OpenAPI 3.1 description of the API (3.1 uses JSON Schema 2020-12, so the zod output drops straight in). */
export function openApiDocument(sessionCookie: string): Record<string, unknown> {
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Error' } } };
  const error = (description: string) => ({ description, content: problem });
  const refused = {
    description: 'No credentials (`unauthenticated`), or a bearer token that is malformed, unknown, expired or revoked (`invalid_token`): the answer is the same whichever it is.',
    headers: {
      'WWW-Authenticate': { description: '`Bearer realm="Sounding API"`, with `error="invalid_token"` when a token was refused (RFC 6750).', schema: { type: 'string' } },
    },
    content: problem,
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sounding results API',
      version: '1.1.0',
      description:
        'Aggregate survey results with 95% intervals. Anonymity protection is applied before anything is returned: a figure from fewer respondents than the survey’s threshold, or one that could be used to work out such a figure, is returned as `{ "shown": false, "reason": … }` with no numbers. Scripts send a personal API token as `Authorization: Bearer snd_…` (made under Your account › API tokens); every error is a problem document (RFC 9457, `application/problem+json`).',
    },
    paths: {
      '/api/surveys/{id}/results': {
        get: {
          operationId: 'getSurveyResults',
          security: [{ bearerToken: [] }, { session: [] }],
          summary: 'Per-question estimates with intervals, by group, suppression applied',
          parameters: [
            { name: 'id', in: 'path', required: true, description: 'The survey id (a UUID): the wave’s results page is /surveys/{id}/results.', schema: { type: 'string', format: 'uuid' } },
          ],
          responses: {
            '200': { description: 'The survey’s results.', content: { 'application/json': { schema: { $ref: '#/components/schemas/SurveyResults' } } } },
            '400': error('The id is not a UUID (`invalid_id`).'),
            '401': refused,
            '403': error('The role in the survey’s organisation does not allow reading results (`forbidden`).'),
            '404': error(
              'No survey has this id that the caller can see (`not_found`): other organisations’ surveys are not revealed, and a token reads nothing of an organisation its owner has left.',
            ),
            '409': error('The survey has no published results yet (`not_released`): results are published when it closes, never while it is open.'),
          },
        },
      },
      '/api/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          security: [{}],
          summary: 'This description',
          responses: { '200': { description: 'The OpenAPI document.', content: { 'application/json': { schema: { type: 'object' } } } }, '401': refused },
        },
      },
    },
    components: {
      schemas: { SurveyResults: jsonSchema(ZApiResults), Error: jsonSchema(ZApiError) },
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'snd_ and 43 base64url characters',
          description:
            'A personal API token, made by a signed-in member under Your account › API tokens and shown once. It reads the published results of one organisation, with its owner’s role there at the time of each request, until it expires (at most a year after it was made) or is revoked; it stops reading an organisation its owner leaves. It is read-only: it is accepted for GET requests under /api/ and nowhere else.',
        },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: sessionCookie,
          description: 'The session cookie set by signing in to the pages; members of the survey’s organisation (viewer and up) may read its results.',
        },
      },
    },
  };
}
