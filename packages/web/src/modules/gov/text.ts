import { useI18n } from '../../i18n/I18nProvider.tsx';

/** Catalogue text carries both languages; show the one the user reads. */
export function useText(): (x: { zh: string; en: string } | null | undefined) => string {
  const { lang } = useI18n();
  return (x) => (x ? (lang === 'en' ? x.en : x.zh) : '');
}
