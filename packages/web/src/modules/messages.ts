import * as billing from './billing/messages.ts';
import * as data from './data/messages.ts';
import * as gov from './gov/messages.ts';
import * as mine from './mine/messages.ts';
import * as planner from './planner/messages.ts';
import * as quotas from './quotas/messages.ts';
import * as render from './render/messages.ts';
import * as renderLimits from './render/limits-messages.ts';
import * as renderSubmit from './render/submit-messages.ts';

export const moduleZh = { ...render.zh, ...renderLimits.zh, ...renderSubmit.zh, ...gov.zh, ...mine.zh, ...billing.zh, ...planner.zh, ...data.zh, ...quotas.zh } as const;
export const moduleEn = { ...render.en, ...renderLimits.en, ...renderSubmit.en, ...gov.en, ...mine.en, ...billing.en, ...planner.en, ...data.en, ...quotas.en };
