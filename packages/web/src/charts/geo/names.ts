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
