import { z } from 'zod';
import { AGREE_SCALE, DONT_KNOW, ENGAGEMENT_SCALE } from '../scales.js';
import { questionBase, ZPolarity } from './base.js';
import { oneOf } from './single.js';

export const ZAgreeQuestion = z.strictObject({
  ...questionBase,
  type: z.literal('agree'),
  /** Offer "Don't know" after the five points (the default). */
  dontKnow: z.boolean().default(true),
  polarity: ZPolarity.default('positive'),
});
export type TAgreeQuestion = z.output<typeof ZAgreeQuestion>;

export const ZEngagementQuestion = z.strictObject({
  ...questionBase,
  type: z.literal('engagement'),
});
export type TEngagementQuestion = z.output<typeof ZEngagementQuestion>;

export function agreeOptions(dontKnow: boolean) {
  return dontKnow ? [...AGREE_SCALE, DONT_KNOW] : AGREE_SCALE;
}

export const agreeType = oneOf<TAgreeQuestion>(
  (q) => agreeOptions(q.dontKnow),
  'agree',
  (q) => q.polarity,
);
export const engagementType = oneOf<TEngagementQuestion>(() => ENGAGEMENT_SCALE, 'engagement');
