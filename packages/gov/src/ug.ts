/**
 * Uyghur names of the catalogue's items, one copy for the web app (`@shuzhi/gov/ug`, a dependency-free
 * entry the browser bundle can take) and the server's Uyghur notices. Sources and review status:
 * packages/web/src/i18n/ug-glossary.md.
 */
export const ITEM_NAMES_UG: Readonly<Record<string, string>> = {
  item_newborn: 'بوۋاق تۇغۇلۇش',
  item_school_admission: 'مەكتەپكە كىرىش',
  item_social_security_card: 'ئىجتىمائىي كاپالەت كارتىسى «بىر كارتا» مۇلازىمىتى',
  item_disability_services: 'مېيىپلەر مۇلازىمىتى',
  item_retirement: 'پىنسىيەگە چىقىش',
  item_enterprise_info_change: 'كارخانا ئۇچۇرىنى ئۆزگەرتىش',
  item_open_restaurant: 'ئاشخانا ئېچىش',
  item_open_transport_enterprise: 'قاتناش-تىرانسپورت كارخانىسى ئېچىش',
  item_employee_hiring: 'خىزمەتچى قوبۇل قىلىش',
  item_listing_compliance_check: 'كارخانا بازارغا چىقىشتىكى قانۇنغا ئۇيغۇنلۇق ئۇچۇرىنى تەكشۈرۈش',
  item_bankruptcy_info_check: 'كارخانا ۋەيران بولۇش ئۇچۇرىنى تەكشۈرۈش',
  item_credit_repair: 'ئىناۋەتنى ئەسلىگە كەلتۈرۈش',
  item_utilities_joint_connection: 'سۇ، توك، گاز ۋە تورنى بىرلىكتە ئۇلاش',
  item_xj_open_homestay: 'ئائىلە مېھمانخانىسى ئېچىش (شىنجاڭ)',
  item_xj_cotton_subsidy: 'پاختا نىشان باھا تولۇقلىمىسى (شىنجاڭ)',
};
