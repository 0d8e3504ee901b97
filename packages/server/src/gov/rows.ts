/**
 * Stored rows → typed domain objects, in one place. The JSON columns (the engine's application state, the
 * stored form, an officer's supplement request, texts) are parsed once here; a row that does not parse
 * fails with GOV_ROW_CORRUPT naming the row, instead of a cast that lets bad data reach the engine.
 */
import { z } from 'zod';
import { channels, dataSourceIds, registryNames, taskActions, taskStates, type Application, type Channel, type PrefillResult, type RegistryName } from '@shuzhi/gov';
import { EngineError, GovMaterialSubmission, GovNoticeText, GovSupplementRequest, type GovMaterialSubmission as Material } from '@shuzhi/schema';
import type { govApplications, govGrants, govNotifications, govTasks } from './db-schema.ts';

export type GovRowErrorCode = 'GOV_ROW_CORRUPT';

export class GovRowError extends EngineError<GovRowErrorCode> {}

const Localized = z.object({ zh: z.string(), en: z.string() });
const Value = z.union([z.string(), z.number(), z.boolean()]);

const TaskEvent = z.object({
  action: z.enum([...taskActions, 'create']),
  from: z.enum(taskStates).nullable(),
  to: z.enum(taskStates),
  actor: z.object({ kind: z.enum(['system', 'officer', 'applicant', 'window']), id: z.string(), departmentId: z.string().optional() }),
  at: z.number(),
  channel: z.enum(channels).optional(),
  reason: z.string().optional(),
});

const Task = z.object({
  serviceId: z.string(),
  departmentId: z.string(),
  dependsOn: z.array(z.string()),
  results: z.array(z.string()),
  slaWorkingDays: z.number(),
  commitmentAllowed: z.boolean(),
  state: z.enum(taskStates),
  readyAt: z.number().optional(),
  dueAt: z.number().optional(),
  approvedOnCommitment: z.boolean(),
  verification: z.enum(['not_required', 'pending', 'passed', 'failed']),
  history: z.array(TaskEvent),
});

const ApplicationState = z.object({
  id: z.string(),
  itemId: z.string(),
  itemVersion: z.number().int(),
  applicant: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('person'), residentId: z.string() }),
    z.object({ kind: z.literal('enterprise'), creditCode: z.string(), agentResidentId: z.string() }),
  ]),
  channel: z.enum(channels),
  submittedAt: z.number(),
  commitment: z.object({ statementSha256: z.string(), signedAt: z.number() }).optional(),
  tasks: z.record(z.string(), Task),
  order: z.array(z.string()),
  issuance: z.object({ issuedAt: z.number(), certificates: z.array(z.object({ serviceId: z.string(), certificateType: z.string(), certificateId: z.string() })) }).optional(),
}) satisfies z.ZodType<Application>;

const Registry = z.enum(registryNames);
const StoredPrefill = z.object({
  fields: z.array(
    z.discriminatedUnion('status', [
      z.object({ key: z.string(), serviceIds: z.array(z.string()), status: z.literal('filled'), source: z.enum(dataSourceIds), value: Value }),
      z.object({ key: z.string(), serviceIds: z.array(z.string()), status: z.literal('needed'), blockedByConsent: z.array(Registry), optional: z.boolean() }),
    ]),
  ),
  materials: z.array(
    z.object({ materialId: z.string(), serviceIds: z.array(z.string()), status: z.enum(['fetched', 'generated', 'commitment', 'upload']), certificateIds: z.array(z.string()), trustLevel: z.enum(['A', 'B', 'C', 'D']) }),
  ),
  form: z.object({ fields: z.array(z.string()), materials: z.array(z.object({ materialId: z.string(), status: z.enum(['commitment', 'upload']) })) }),
}) satisfies z.ZodType<Omit<PrefillResult, 'accesses'>>;

/** What the application row keeps besides the engine state. */
const StoredFormSchema = z.object({
  applicantName: z.string(),
  consent: z.array(Registry),
  consentAt: z.number(),
  prefill: StoredPrefill,
  answers: z.record(z.string(), Value),
  materials: z.array(GovMaterialSubmission),
  commitmentStatement: z.string().optional(),
});

export interface StoredForm {
  applicantName: string;
  consent: RegistryName[];
  consentAt: number;
  prefill: Omit<PrefillResult, 'accesses'>;
  answers: Record<string, string | number | boolean>;
  materials: Material[];
  commitmentStatement?: string;
}

type AppRow = typeof govApplications.$inferSelect;
type TaskRow = typeof govTasks.$inferSelect;

/** An application row with its JSON columns parsed. */
export type ApplicationRecord = Omit<AppRow, 'state' | 'form' | 'channel'> & { state: Application; form: StoredForm; channel: Channel };

export type Supplement = z.infer<typeof GovSupplementRequest>;
export type TaskRecord = Omit<TaskRow, 'supplement'> & { supplement: Supplement | null };

function parsed<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new GovRowError('GOV_ROW_CORRUPT', `Stored ${where} does not parse (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown shape'}); restore it from a backup or repair the row.`, { where });
}

export function applicationRecord(row: AppRow): ApplicationRecord {
  const where = `application ${row.id}`;
  return {
    ...row,
    state: parsed(ApplicationState, row.state, `${where} (state)`),
    form: parsed(StoredFormSchema, row.form, `${where} (form)`),
    channel: parsed(z.enum(channels), row.channel, `${where} (channel)`),
  };
}

/** Just the engine state, for reads that need no form (lists, queues). */
export function applicationState(id: string, state: unknown): Application {
  return parsed(ApplicationState, state, `application ${id} (state)`);
}

export function taskRecord(row: TaskRow): TaskRecord {
  return { ...row, supplement: parsed(GovSupplementRequest.nullable(), row.supplement, `task ${row.applicationId}/${row.serviceId} (supplement)`) };
}

/** A grant's benefit, or a notice's text (with its Uyghur, which notices carry since they were written in it). */
export function localizedText(row: typeof govGrants.$inferSelect | typeof govNotifications.$inferSelect): GovNoticeText {
  return 'benefit' in row ? parsed(Localized, row.benefit, `grant ${row.id} (benefit)`) : parsed(GovNoticeText, row.message, `notification ${row.id} (message)`);
}
