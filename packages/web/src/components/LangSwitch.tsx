import { useI18n } from '../i18n/I18nProvider.tsx';

/** One button that flips zh-CN ⇄ en; it shows the language it switches to. */
export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  const next = lang === 'zh-CN' ? 'en' : 'zh-CN';
  return (
    <button
      type="button"
      className="btn btn-ghost lang-switch"
      data-testid="lang-switch"
      data-lang={lang}
      title={t('lang.switchTitle')}
      onClick={() => setLang(next)}
    >
      {t('lang.switch')}
    </button>
  );
}
