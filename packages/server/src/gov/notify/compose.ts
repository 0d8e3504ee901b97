/** What an e-mail or SMS says: the notice's text in the recipient's language, with the application id. */
import { isolate, type LocalizedText } from '@shuzhi/gov';

export type NoticeLang = 'zh' | 'en' | 'ug';
type Notice = LocalizedText & { ug?: string };

// A notice written before notices carried Uyghur has none: its Chinese is sent, isolated in the Uyghur frame.
const pick = (t: Notice, lang: NoticeLang): string => (lang === 'en' ? t.en : lang === 'ug' ? (t.ug ?? isolate(t.zh)) : t.zh);

/** The words around the notice, per language (the Uyghur needs review with the glossary's government terms). */
const frame: Record<NoticeLang, { subject: (app: string | null) => string; ref: (app: string) => string; footer: string; sign: string }> = {
  zh: {
    subject: (app) => (app ? `【一件事】申请 ${app} 办理进度` : '【一件事】办事通知'),
    ref: (app) => `申请编号：${app}`,
    footer: '——数智“一件事”服务。本邮件发送至您在应用中填写的联系方式。',
    sign: '【数智政务】',
  },
  en: {
    subject: (app) => (app ? `[One thing] Application ${app}: update` : '[One thing] Notice'),
    ref: (app) => `Application: ${app}`,
    footer: '— Shuzhi one-thing services. Sent to the contact you gave in the app.',
    sign: '[Shuzhi] ',
  },
  ug: {
    subject: (app) => (app ? `ئىلتىماس ${isolate(app)} نىڭ بېجىرىلىش ئەھۋالى` : 'ئىش بېجىرىش ئۇقتۇرۇشى'),
    ref: (app) => `ئىلتىماس نومۇرى: ${isolate(app)}`,
    footer: `— ${isolate('Shuzhi')} «بىر ئىش» مۇلازىمىتى. بۇ خەت ئەپتە بەرگەن ئالاقە ئادرېسىڭىزغا ئەۋەتىلدى.`,
    // A right-to-left mark first, so the phone takes the message as right-to-left despite the Latin name.
    sign: `\u200f[${isolate('Shuzhi')}] `,
  },
};

export function composeEmail(message: Notice, applicationId: string | null, lang: NoticeLang): { subject: string; text: string } {
  const f = frame[lang];
  const ref = applicationId ? `\n\n${f.ref(applicationId)}` : '';
  return { subject: f.subject(applicationId), text: `${pick(message, lang)}${ref}\n\n${f.footer}` };
}

export function composeSms(message: Notice, applicationId: string | null, lang: NoticeLang): string {
  const app = applicationId ? (lang === 'ug' ? isolate(applicationId) : applicationId) : null;
  return `${frame[lang].sign}${pick(message, lang)}${app ? ` (${app})` : ''}`;
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
