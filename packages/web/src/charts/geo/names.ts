/** Xinjiang's prefectures and prefecture-level cities, as named in china-xinjiang.json. */
export const XINJIANG_PREFECTURES = [
  '乌鲁木齐市', '克拉玛依市', '吐鲁番市', '哈密市', '昌吉回族自治州', '博尔塔拉蒙古自治州', '巴音郭楞蒙古自治州',
  '阿克苏地区', '克孜勒苏柯尔克孜自治州', '喀什地区', '和田地区', '伊犁哈萨克自治州', '塔城地区', '阿勒泰地区',
  '石河子市', '阿拉尔市', '图木舒克市', '五家渠市', '北屯市', '铁门关市', '双河市', '可克达拉市', '昆玉市',
] as const;

/** English names of every area in china-xinjiang.json (ECharts `nameMap`), official romanisations. */
export const GEO_NAMES_EN: Readonly<Record<string, string>> = {
  北京: 'Beijing', 天津: 'Tianjin', 河北: 'Hebei', 山西: 'Shanxi', 内蒙古: 'Inner Mongolia', 辽宁: 'Liaoning', 吉林: 'Jilin',
  黑龙江: 'Heilongjiang', 上海: 'Shanghai', 江苏: 'Jiangsu', 浙江: 'Zhejiang', 安徽: 'Anhui', 福建: 'Fujian', 江西: 'Jiangxi',
  山东: 'Shandong', 河南: 'Henan', 湖北: 'Hubei', 湖南: 'Hunan', 广东: 'Guangdong', 广西: 'Guangxi', 海南: 'Hainan',
  重庆: 'Chongqing', 四川: 'Sichuan', 贵州: 'Guizhou', 云南: 'Yunnan', 西藏: 'Xizang', 陕西: 'Shaanxi', 甘肃: 'Gansu',
  青海: 'Qinghai', 宁夏: 'Ningxia', 台湾: 'Taiwan', 香港: 'Hong Kong', 澳门: 'Macao', 南海诸岛: 'South China Sea Islands',
  乌鲁木齐市: 'Ürümqi', 克拉玛依市: 'Karamay', 吐鲁番市: 'Turpan', 哈密市: 'Hami', 昌吉回族自治州: 'Changji',
  博尔塔拉蒙古自治州: 'Bortala', 巴音郭楞蒙古自治州: 'Bayingolin', 阿克苏地区: 'Aksu', 克孜勒苏柯尔克孜自治州: 'Kizilsu',
  喀什地区: 'Kashgar', 和田地区: 'Hotan', 伊犁哈萨克自治州: 'Ili', 塔城地区: 'Tacheng', 阿勒泰地区: 'Altay', 石河子市: 'Shihezi',
  阿拉尔市: 'Aral', 图木舒克市: 'Tumxuk', 五家渠市: 'Wujiaqu', 北屯市: 'Beitun', 铁门关市: 'Tiemenguan', 双河市: 'Shuanghe',
  可克达拉市: 'Kokdala', 昆玉市: 'Kunyu',
};

/**
 * Uyghur names (ECharts `nameMap` when the page is in Uyghur, and the regions' labels). Sourced where a
 * published Uyghur catalogue has the name — Debian's libgweather-4-common (libgweather-4.0-locations.mo)
 * and iso-codes (iso_3166-1.mo); the rest need review by a native translator. Each entry's source is in
 * i18n/ug-glossary.md, whose test keeps the two in step.
 */
export const GEO_NAMES_UG: Readonly<Record<string, string>> = {
  北京: 'بېيجىڭ', 天津: 'تيەنجىن', 河北: 'خېبېي', 山西: 'شەنشى', 内蒙古: 'ئىچكى موڭغۇل ئاپتونوم رايونى', 辽宁: 'لياۋنىڭ',
  吉林: 'جىلىن', 黑龙江: 'خېيلوڭجاڭ', 上海: 'شاڭخەي', 江苏: 'جياڭسۇ', 浙江: 'جېجاڭ', 安徽: 'ئەنخۇي', 福建: 'فۇجيەن',
  江西: 'جياڭشى', 山东: 'شەندۇڭ', 河南: 'خېنەن', 湖北: 'خۇبېي', 湖南: 'خۇنەن', 广东: 'گۇاڭدۇڭ', 广西: 'گۇاڭشى', 海南: 'خەينەن',
  重庆: 'چوڭچىڭ', 四川: 'سىچۈەن', 贵州: 'گۇيجۇ', 云南: 'يۈننەن', 西藏: 'شىزاڭ', 陕西: 'شەنشى', 甘肃: 'گەنسۇ', 青海: 'چىڭخەي',
  宁夏: 'نىڭشيا', 台湾: 'تەيۋەن', 香港: 'شياڭگاڭ', 澳门: 'ئاۋمېن', 南海诸岛: 'جەنۇبىي دېڭىز ئاراللىرى', 新疆: 'شىنجاڭ',
  乌鲁木齐市: 'ئۈرۈمچى', 克拉玛依市: 'قاراماي', 吐鲁番市: 'تۇرپان', 哈密市: 'قۇمۇل', 昌吉回族自治州: 'سانجى',
  博尔塔拉蒙古自治州: 'بۆرتالا', 巴音郭楞蒙古自治州: 'بايىنغولىن', 阿克苏地区: 'ئاقسۇ', 克孜勒苏柯尔克孜自治州: 'قىزىلسۇ',
  喀什地区: 'قەشقەر', 和田地区: 'خوتەن', 伊犁哈萨克自治州: 'ئىلى', 塔城地区: 'تارباغاتاي', 阿勒泰地区: 'ئالتاي', 石河子市: 'شىخەنزە',
  阿拉尔市: 'ئارال', 图木舒克市: 'تۇمشۇق', 五家渠市: 'ۋۇجياچۈ', 北屯市: 'بەيتۈن', 铁门关市: 'تۆمۈرقوۋۇق', 双河市: 'قوشئۆستەڭ',
  可克达拉市: 'كۆكدالا', 昆玉市: 'كۈنيۈ',
};

/** The map's names in the page's language; the Chinese names are the geometry's own. */
export function geoNameMap(lang: string): Readonly<Record<string, string>> | null {
  return lang === 'en' ? GEO_NAMES_EN : lang === 'ug' ? GEO_NAMES_UG : null;
}

/** A place's name in the language, looked up by its Chinese name; the Chinese when the language has none. */
export function placeName(nameZh: string, lang: string): string {
  return geoNameMap(lang)?.[nameZh] ?? nameZh;
}
