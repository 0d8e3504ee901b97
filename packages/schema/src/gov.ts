import { z } from 'zod';
import { Text } from './common.ts';

/** API contracts of the gov module (高效办成一件事). The catalogue's own model lives in @shuzhi/gov. */

export const GovText = z.object({ zh: z.string(), en: z.string() });
export type GovText = z.infer<typeof GovText>;

export const GovChannels = ['web', 'app', 'window', 'kiosk', 'hotline'] as const;
export const GovChannel = z.enum(GovChannels);
export type GovChannel = z.infer<typeof GovChannel>;

export const GovRegistries = ['population', 'household', 'marriage', 'enterprise', 'social_insurance', 'certificates'] as const;
export const GovRegistry = z.enum(GovRegistries);
export type GovRegistry = z.infer<typeof GovRegistry>;

export const GovTaskStates = ['pending', 'ready', 'accepted', 'supplement_requested', 'approved', 'rejected', 'cancelled', 'revoked'] as const;
export type GovTaskState = (typeof GovTaskStates)[number];
export const GovApplicationStatuses = ['in_progress', 'supplement_needed', 'completed', 'issued', 'rejected', 'revoked'] as const;
export type GovApplicationStatus = (typeof GovApplicationStatuses)[number];

export const GovTaskActions = ['accept', 'request_supplement', 'approve', 'reject', 'approve_on_commitment', 'verify_passed', 'verify_failed'] as const;
export const GovTaskAction = z.enum(GovTaskActions);
export type GovTaskAction = z.infer<typeof GovTaskAction>;

/** Who the application is for: window staff and kiosks name the person; the apps use the signed-in user. */
export const GovApplicantRef = z.union([
  z.object({ residentId: Text(32).min(1) }),
  z.object({ creditCode: Text(32).min(1), agentResidentId: Text(32).min(1) }),
]);
export type GovApplicantRef = z.infer<typeof GovApplicantRef>;

export const GovPrefillRequest = z.object({
  itemId: Text(80).min(1),
  consent: z.array(GovRegistry).max(6),
  applicant: GovApplicantRef.optional(),
});
export type GovPrefillRequest = z.infer<typeof GovPrefillRequest>;

export const GovFieldView = z.object({
  key: z.string(),
  label: GovText,
  type: z.string(),
  choices: z.array(z.string()).optional(),
  serviceIds: z.array(z.string()),
  status: z.enum(['filled', 'needed']),
  optional: z.boolean(),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  /** Where a filled value came from: the registry and the source id. */
  source: z.string().optional(),
  sourceLabel: GovText.optional(),
  blockedByConsent: z.array(z.string()).optional(),
});
export type GovFieldView = z.infer<typeof GovFieldView>;

export const GovMaterialView = z.object({
  materialId: z.string(),
  name: GovText,
  serviceIds: z.array(z.string()),
  status: z.enum(['fetched', 'generated', 'commitment', 'upload']),
  trustLevel: z.enum(['A', 'B', 'C', 'D']),
  certificateIds: z.array(z.string()),
});
export type GovMaterialView = z.infer<typeof GovMaterialView>;

export const GovPrefillResponse = z.object({
  draftId: z.string(),
  itemId: z.string(),
  fields: z.array(GovFieldView),
  materials: z.array(GovMaterialView),
  /** Field keys and materials the applicant still has to give. */
  ask: z.object({ fields: z.array(z.string()), materials: z.array(z.string()) }),
  commitmentAvailable: z.boolean(),
});
export type GovPrefillResponse = z.infer<typeof GovPrefillResponse>;

export const GovMaterialSubmission = z.object({
  materialId: Text(80).min(1),
  kind: z.enum(['upload', 'commitment']),
  fileName: Text(200).min(1).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256 of the uploaded file').optional(),
});
export type GovMaterialSubmission = z.infer<typeof GovMaterialSubmission>;

export const GovAnswer = z.union([Text(500), z.number(), z.boolean()]);

export const GovSubmitApplication = z.object({
  itemId: Text(80).min(1),
  /** Same key, same application: a retried or double-clicked submit creates one case. */
  idempotencyKey: Text(100).min(8),
  draftId: Text(80).optional(),
  channel: GovChannel.default('web'),
  consent: z.array(GovRegistry).max(6),
  applicant: GovApplicantRef.optional(),
  answers: z.record(Text(80), GovAnswer).default({}),
  materials: z.array(GovMaterialSubmission).max(50).default([]),
  /** 承诺办: the applicant signs the commitment text shown on the form. */
  commitment: z.object({ statement: Text(2000).min(10), signed: z.literal(true) }).optional(),
  selectedServiceIds: z.array(Text(80)).max(50).optional(),
  ticketId: Text(80).optional(),
});
export type GovSubmitApplication = z.input<typeof GovSubmitApplication>;

export const GovSupplementRequest = z.object({
  message: Text(1000).min(1),
  fields: z.array(Text(80)).max(50).default([]),
  materials: z.array(Text(80)).max(50).default([]),
});
export type GovSupplementRequest = z.input<typeof GovSupplementRequest>;

export const GovTaskActionRequest = z.object({
  action: GovTaskAction,
  reason: Text(1000).optional(),
  supplement: GovSupplementRequest.optional(),
});
export type GovTaskActionRequest = z.input<typeof GovTaskActionRequest>;

export const GovSupplementSubmission = z.object({
  answers: z.record(Text(80), GovAnswer).default({}),
  materials: z.array(GovMaterialSubmission).max(50).default([]),
  channel: GovChannel.optional(),
});
export type GovSupplementSubmission = z.input<typeof GovSupplementSubmission>;

export const GovTaskView = z.object({
  applicationId: z.string(),
  serviceId: z.string(),
  serviceName: GovText,
  departmentId: z.string(),
  departmentName: GovText,
  state: z.enum(GovTaskStates),
  dependsOn: z.array(z.string()),
  readyAt: z.string().nullable(),
  dueAt: z.string().nullable(),
  escalation: z.string(),
  commitmentAllowed: z.boolean(),
  approvedOnCommitment: z.boolean(),
  verification: z.string(),
  supplement: GovSupplementRequest.nullable(),
  allowedActions: z.array(z.string()),
  history: z.array(z.object({ action: z.string(), from: z.string().nullable(), to: z.string(), actor: z.string(), at: z.string(), reason: z.string().optional() })),
});
export type GovTaskView = z.infer<typeof GovTaskView>;

export const GovCertificateView = z.object({
  id: z.string(),
  applicationId: z.string(),
  serviceId: z.string(),
  type: z.string(),
  name: GovText,
  issuer: z.string(),
  holderName: z.string(),
  issuedAt: z.string(),
  status: z.enum(['valid', 'revoked']),
  verifyUrl: z.string(),
  qrSvg: z.string(),
  text: z.string(),
});
export type GovCertificateView = z.infer<typeof GovCertificateView>;

export const GovApplicationView = z.object({
  id: z.string(),
  itemId: z.string(),
  itemName: GovText,
  itemVersion: z.number().int(),
  status: z.enum(GovApplicationStatuses),
  channel: GovChannel,
  applicantName: z.string(),
  /** Masked: the full number is shown only where the case needs it. */
  subjectMasked: z.string(),
  filedBy: z.string().nullable(),
  submittedAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
  commitment: z.boolean(),
  tasks: z.array(GovTaskView),
  /** What was filled for the applicant, and from where. */
  prefilled: z.array(GovFieldView),
  materials: z.array(GovMaterialView),
  certificates: z.array(GovCertificateView),
});
export type GovApplicationView = z.infer<typeof GovApplicationView>;

export const GovApplicationSummary = z.object({
  id: z.string(),
  itemId: z.string(),
  itemName: GovText,
  status: z.enum(GovApplicationStatuses),
  channel: GovChannel,
  submittedAt: z.string(),
  updatedAt: z.string(),
  openTasks: z.number().int(),
  tasks: z.number().int(),
});
export type GovApplicationSummary = z.infer<typeof GovApplicationSummary>;

export const GovSubmitResponse = z.object({ application: GovApplicationView, created: z.boolean() });

export const GovQueueEntry = z.object({
  applicationId: z.string(),
  itemName: GovText,
  serviceId: z.string(),
  serviceName: GovText,
  departmentId: z.string(),
  state: z.enum(GovTaskStates),
  readyAt: z.string().nullable(),
  dueAt: z.string().nullable(),
  escalation: z.string(),
  allowedActions: z.array(z.string()),
  commitment: z.boolean(),
});
export type GovQueueEntry = z.infer<typeof GovQueueEntry>;

export const GovAccessEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  actorName: z.string(),
  actorRole: z.string(),
  departmentId: z.string().nullable(),
  departmentName: GovText.nullable(),
  applicationId: z.string().nullable(),
  registry: z.string(),
  source: z.string(),
  purpose: z.string(),
  allowed: z.boolean(),
});
export type GovAccessEntry = z.infer<typeof GovAccessEntry>;

/** A notice's text: Chinese and English, and Uyghur for the notices written since they carry it. */
export const GovNoticeText = GovText.extend({ ug: z.string().optional() });
export type GovNoticeText = z.infer<typeof GovNoticeText>;

export const GovNotification = z.object({ id: z.string(), kind: z.string(), applicationId: z.string().nullable(), message: GovNoticeText, at: z.string(), readAt: z.string().nullable() });
export type GovNotification = z.infer<typeof GovNotification>;

export const GovGrant = z.object({ id: z.string(), ruleId: z.string(), benefit: GovText, departmentId: z.string(), beneficiaryMasked: z.string(), grantedAt: z.string() });
export type GovGrant = z.infer<typeof GovGrant>;

export const GovFigure = z.object({ before: z.number().nullable(), after: z.number().nullable(), published: z.object({ before: z.number().nullable(), after: z.number().nullable() }) });
export type GovFigure = z.infer<typeof GovFigure>;

export const GovItemMetrics = z.object({
  itemId: z.string(),
  itemName: GovText,
  cases: z.number().int(),
  closedCases: z.number().int(),
  steps: GovFigure,
  materials: GovFigure,
  workingDays: GovFigure,
  trips: GovFigure,
  slaCompliance: z.number().nullable(),
  byChannel: z.record(z.string(), z.number()),
});
export type GovItemMetrics = z.infer<typeof GovItemMetrics>;

export const GovMetrics = z.object({
  items: z.array(GovItemMetrics),
  totals: z.object({
    cases: z.number().int(),
    closedCases: z.number().int(),
    openTasks: z.number().int(),
    escalated: z.number().int(),
    taskSlaCompliance: z.number().nullable(),
    /** Cases filed by the living demo's synthetic applicants: above 0, the dashboard is labelled "demo data". */
    demoCases: z.number().int(),
  }),
  /** Today (Asia/Shanghai, the date government service days are counted in): cases filed and cases closed. */
  today: z.object({ date: z.iso.date(), cases: z.number().int(), closedCases: z.number().int() }),
  byDepartment: z.array(z.object({ departmentId: z.string(), name: GovText, open: z.number().int(), approved: z.number().int(), overdue: z.number().int() })),
});
export type GovMetrics = z.infer<typeof GovMetrics>;

export const GovVerification = z.object({
  result: z.enum(['valid', 'tampered', 'revoked', 'not_found']),
  certificateId: z.string(),
  name: GovText.nullable(),
  issuer: z.string().nullable(),
  holderName: z.string().nullable(),
  issuedAt: z.string().nullable(),
  keyId: z.string().nullable(),
  checkedAt: z.string(),
});
export type GovVerification = z.infer<typeof GovVerification>;

export const GovTicket = z.object({ id: z.string(), number: z.string(), status: z.enum(['waiting', 'called', 'done']), createdAt: z.string(), calledAt: z.string().nullable(), applicationId: z.string().nullable() });
export type GovTicket = z.infer<typeof GovTicket>;

export const GovMe = z.object({
  role: z.string(),
  departmentId: z.string().nullable(),
  departmentName: GovText.nullable(),
  person: z.object({ name: z.string(), residentIdMasked: z.string() }).nullable(),
  enterprise: z.object({ name: z.string(), creditCode: z.string() }).nullable(),
});
export type GovMe = z.infer<typeof GovMe>;

export const GovCatalogueItem = z.object({
  id: z.string(),
  version: z.number().int(),
  name: GovText,
  subject: z.enum(['enterprise', 'individual']),
  scope: z.enum(['national', 'regional']),
  region: z.string().optional(),
  leadDepartmentId: z.string(),
  sourceStatus: z.string(),
  unverified: z.boolean().optional(),
  modes: z.object({ commitment: z.boolean(), proactive: z.boolean(), tickToApply: z.boolean(), mergedForms: z.boolean() }),
  promisedWorkingDays: z.number().optional(),
  services: z.array(
    z.object({
      id: z.string(),
      name: GovText,
      departmentId: z.string(),
      departmentName: GovText,
      dependsOn: z.array(z.string()),
      slaWorkingDays: z.number(),
      results: z.array(z.string()),
      fields: z.array(z.object({ key: z.string(), label: GovText, type: z.string(), sources: z.array(z.string()) })),
      materials: z.array(z.object({ id: z.string(), name: GovText, trustLevel: z.string(), commitmentAllowed: z.boolean() })),
    }),
  ),
  baseline: z.object({ steps: z.object({ before: z.number().nullable(), after: z.number().nullable() }), materials: z.object({ before: z.number().nullable(), after: z.number().nullable() }), workingDays: z.object({ before: z.number().nullable(), after: z.number().nullable() }), trips: z.object({ before: z.number().nullable(), after: z.number().nullable() }) }),
});
export type GovCatalogueItem = z.infer<typeof GovCatalogueItem>;

/** An applicant's own contact details for notices by e-mail and SMS (personal data: only they read or set it). */
export const GovContact = z.object({
  email: z.email().max(254).nullable(),
  /** A mainland mobile number: 11 digits starting with 1. */
  phone: z.string().regex(/^1\d{10}$/, 'a mobile number has 11 digits starting with 1').nullable(),
  lang: z.enum(['zh', 'en', 'ug']).default('zh'),
});
export type GovContact = z.infer<typeof GovContact>;

/** The notification outbox as operators see it: counts by channel and state, the latest failures (addresses masked). */
export const GovOutboxStatus = z.object({
  channels: z.object({ email: z.boolean(), sms: z.string().nullable() }),
  counts: z.array(z.object({ channel: z.string(), status: z.string(), n: z.number().int() })),
  failures: z.array(z.object({ id: z.string(), channel: z.string(), status: z.string(), attempts: z.number().int(), lastError: z.string().nullable(), nextAt: z.string(), to: z.string().nullable() })),
});
export type GovOutboxStatus = z.infer<typeof GovOutboxStatus>;
