/** What an e-mail or SMS says: the notice's text in the recipient's language, with the application id. */
import type { LocalizedText } from '@shuzhi/gov';

export type NoticeLang = 'zh' | 'en' | 'ug';

// Uyghur texts come with the web's ug dictionary; until a notice carries `ug`, Chinese is used.
const pick = (t: LocalizedText & { ug?: string }, lang: NoticeLang): string => (lang === 'en' ? t.en : lang === 'ug' ? (t.ug ?? t.zh) : t.zh);

const subjects: Record<NoticeLang, (app: string | null) => string> = {
  zh: (app) => (app ? `【一件事】申请 ${app} 办理进度` : '【一件事】办事通知'),
  en: (app) => (app ? `[One thing] Application ${app}: update` : '[One thing] Notice'),
  ug: (app) => (app ? `【一件事】申请 ${app} 办理进度` : '【一件事】办事通知'),
};

export function composeEmail(message: LocalizedText, applicationId: string | null, lang: NoticeLang): { subject: string; text: string } {
  const ref = applicationId ? (lang === 'en' ? `\n\nApplication: ${applicationId}` : `\n\n申请编号：${applicationId}`) : '';
  const footer = lang === 'en' ? '\n\n— Shuzhi one-thing services. Sent to the contact you gave in the app.' : '\n\n——数智“一件事”服务。本邮件发送至您在应用中填写的联系方式。';
  return { subject: subjects[lang](applicationId), text: `${pick(message, lang)}${ref}${footer}` };
}

export function composeSms(message: LocalizedText, applicationId: string | null, lang: NoticeLang): string {
  const sign = lang === 'en' ? '[Shuzhi] ' : '【数智政务】';
  return `${sign}${pick(message, lang)}${applicationId ? ` (${applicationId})` : ''}`;
}

/** Contact details in logs and the operators' view: enough to tell two apart, not enough to reach anyone. */
export function maskAddress(channel: string, to: string): string {
  if (channel === 'sms') return to.length > 7 ? `${to.slice(0, 3)}****${to.slice(-4)}` : '****';
  const [local = '', domain = ''] = to.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

/** Error texts of SMTP servers often quote the recipient; mask any address or mobile number in them. */
export function maskInText(s: string): string {
  return s.replace(/[\w.+-]+@[\w.-]+/g, (m) => maskAddress('email', m)).replace(/\b1\d{10}\b/g, (m) => maskAddress('sms', m));
}
