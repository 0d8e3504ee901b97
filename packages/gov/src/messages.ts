/**
 * What the gov service says to people, in both UI languages (notices also in Uyghur): form problems, notifications, labels.
 * Catalogue content (item, service and department names) lives in the catalogue; this is the rest.
 */
import type { LocalizedText } from './catalogue/model.ts';
import type { RegistryName } from './catalogue/sources.ts';
import { ITEM_NAMES_UG } from './ug.ts';

const t = (zh: string, en: string): LocalizedText => ({ zh, en });

export const registryLabels: Record<RegistryName, LocalizedText> = {
  population: t('人口库', 'Population registry'),
  household: t('户籍库', 'Household registry'),
  marriage: t('婚姻登记库', 'Marriage registry'),
  enterprise: t('法人库', 'Enterprise registry'),
  social_insurance: t('社保库', 'Social insurance registry'),
  certificates: t('电子证照库', 'E-licence library'),
};

/** Why a request is refused, field by field. */
export const formText = {
  windowMustNameApplicant: t('窗口受理须填写申请人身份证号码', 'window staff must name the applicant'),
  wrongSubject: (item: LocalizedText, subject: 'individual' | 'enterprise') =>
    t(`“${item.zh}”由${subject === 'individual' ? '个人' : '企业'}申请`, `“${item.en}” is applied for by ${subject === 'individual' ? 'a person' : 'a company'}`),
  noSuchPerson: t('人口库中没有此身份证号码', 'no person with this number in the population registry'),
  noSuchCompany: t('法人库中没有此统一社会信用代码', 'no company with this code in the enterprise registry'),
  noSuchAgent: t('人口库中没有经办人', 'the agent is not in the population registry'),
  noSuchParent: t('人口库中没有此人', 'no such person in the population registry'),
  noSuchItem: (itemId: string) => t('没有这个一件事', `no item "${itemId}"`),
  staffChannelsOnly: t('窗口和热线渠道由工作人员受理', 'window and hotline applications are filed by staff'),
  noTickToApply: (item: LocalizedText) => t(`“${item.zh}”不支持勾选即办`, `“${item.en}” does not offer tick-to-apply`),
  noCommitment: (item: LocalizedText) => t(`“${item.zh}”不适用告知承诺`, `“${item.en}” does not offer approval on commitment`),
  supplementUnsaid: t('请说明需要补正的内容', 'say exactly what the applicant must supplement'),
  rejectionUnexplained: t('驳回须说明理由', 'a rejection needs its reason'),
  failedVerificationUnexplained: t('核查不通过须说明理由', 'a failed verification needs its reason'),
} as const;

/**
 * A notice in the three languages an applicant can choose (zh, en, ug). The Uyghur wording is this project's
 * and needs review (packages/web/src/i18n/ug-glossary.md, government terms); anything from outside the
 * sentence — an officer's Chinese words, an application number, a count — is set between Unicode isolates
 * (FSI … PDI) so it keeps its own order inside the right-to-left text, in the app, in e-mail and in SMS.
 */
export type NoticeText = LocalizedText & { ug: string };

const n3 = (zh: string, en: string, ug: string): NoticeText => ({ zh, en, ug });

/** First-strong isolate: the run takes its own direction and does not reorder the sentence around it. */
export const isolate = (s: string | number): string => `\u2068${s}\u2069`;

/** An item's or a benefit's Uyghur name: its own where the catalogue has one, else the Chinese, isolated. */
const ugName = (text: LocalizedText & { ug?: string }, itemId?: string): string => (itemId ? ITEM_NAMES_UG[itemId] : undefined) ?? text.ug ?? isolate(text.zh);

/** What an applicant (or the family of a newborn) is told. */
export const noticeText = {
  supplementRequested: (message: string) =>
    n3(`您的申请需要补正：${message}`, `Your application needs a supplement: ${message}`, `ئىلتىماسىڭىزنى تولۇقلاش كېرەك: ${isolate(message)}`),
  revokedAfterVerification: n3(
    '您以承诺方式获批的事项经核查未通过，相关证照已撤销。',
    'A service approved on your commitment failed verification; its certificates were revoked.',
    'ۋەدىنامە بىلەن تەستىقلانغان تۈر تەكشۈرۈشتىن ئۆتمىدى، ئۇنىڭ گۇۋاھنامىلىرى بىكار قىلىندى.',
  ),
  rejected: (reasons: readonly string[]) =>
    n3(`您的申请未获批准：${reasons.join('；')}`, `Your application was not approved: ${reasons.join('; ')}`, `ئىلتىماسىڭىز تەستىقلانمىدى: ${reasons.map(isolate).join('؛ ')}`),
  issued: (item: { id: string; name: LocalizedText }, certificates: number) =>
    n3(
      `您的“${item.name.zh}”已全部办结，${certificates} 份电子证照已发放。`,
      `Your “${item.name.en}” is done; ${certificates} e-certificates were issued.`,
      `«${ugName(item.name, item.id)}» بېجىرىلىپ بولدى، ${isolate(certificates)} ئېلېكترونلۇق گۇۋاھنامە بېرىلدى.`,
    ),
  received: (item: { id: string; name: LocalizedText }, applicationId: string) =>
    n3(
      `您的“${item.name.zh}”申请（${applicationId}）已受理，我们会在每次进展时通知您。`,
      `Your “${item.name.en}” application (${applicationId}) was received; you will be told of each step.`,
      `«${ugName(item.name, item.id)}» ئىلتىماسىڭىز (${isolate(applicationId)}) قوبۇل قىلىندى، ھەر بىر قەدەمدە سىزگە ئۇقتۇرۇلىدۇ.`,
    ),
  resumed: n3('补正材料已收到，您的申请继续办理。', 'Your supplement was received; your application is being processed again.', 'تولۇقلىمىڭىز تاپشۇرۇۋېلىندى، ئىلتىماسىڭىز داۋاملىق بېجىرىلىۋاتىدۇ.'),
  grantedWithoutApplication: (benefits: readonly LocalizedText[]) =>
    n3(
      `宝宝出生登记已完成，以下待遇已为您主动办理，无需申请：${benefits.map((x) => x.zh).join('、')}`,
      `The birth is registered. These were granted without an application: ${benefits.map((x) => x.en).join(', ')}`,
      `بوۋاقنىڭ تۇغۇلۇش تىزىملىتىشى تاماملاندى. تۆۋەندىكى مۇلازىمەتلەر ئىلتىماسسىز بېرىلدى: ${benefits.map((x) => ugName(x)).join('، ')}`,
    ),
} as const;

/** The name a child is registered under when the form gave none. */
export const unnamedNewborn = '新生儿';
