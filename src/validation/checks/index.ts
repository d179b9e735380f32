/** The checks, in the order they are reported. Adding one = one file + one entry here. */
import { dataQuality } from './data-quality.ts';
import { deadLetters } from './dead-letters.ts';
import { duplicates } from './duplicates.ts';
import { lifecycle } from './lifecycle.ts';
import { margin } from './margin.ts';
import { messyData } from './messy-data.ts';
import { rawVsProdCounts } from './raw-vs-prod-counts.ts';
import { recentActivity } from './recent-activity.ts';
import { reconciliation } from './reconciliation.ts';
import { stock } from './stock.ts';
import { taskStatus } from './task-status.ts';
import type { Check } from './types.ts';

export const CHECKS: readonly Check[] = [
  rawVsProdCounts,
  reconciliation,
  margin,
  stock,
  lifecycle,
  messyData,
  duplicates,
  dataQuality,
  recentActivity,
  taskStatus,
  deadLetters,
];

export type { Check, CheckContext } from './types.ts';
