/**
 * Public holidays and adjusted working days (调休上班) in mainland China, as data.
 * - official: transcribed from the State Council notice (reposts of the Xinhua text; not checked against gov.cn);
 * - provisional: the notice was not yet published; only the statutory days are listed (new-year's-eve rule of
 *   the 2024 revision for 春节), lunar dates estimated, no adjusted working days. Replace when published.
 */
export interface HolidayYear {
  readonly year: number;
  readonly status: 'official' | 'provisional';
  readonly source: string;
  /** Inclusive date ranges [from, to] off work. */
  readonly holidays: readonly (readonly [string, string])[];
  /** Weekend days that are working days. */
  readonly workdays: readonly string[];
}

export const holidayYears: readonly HolidayYear[] = [
  {
    year: 2025,
    status: 'official',
    source: '国办发明电〔2024〕12号 (Xinhua text via https://m.gmw.cn/2024-11/12/content_1303894933.htm)',
    holidays: [
      ['2025-01-01', '2025-01-01'],
      ['2025-01-28', '2025-02-04'],
      ['2025-04-04', '2025-04-06'],
      ['2025-05-01', '2025-05-05'],
      ['2025-05-31', '2025-06-02'],
      ['2025-10-01', '2025-10-08'],
    ],
    workdays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  },
  {
    year: 2026,
    status: 'official',
    source: '国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04 (Xinhua text via repost http://saidakeji.com/show-9783.html)',
    holidays: [
      ['2026-01-01', '2026-01-03'],
      ['2026-02-15', '2026-02-23'],
      ['2026-04-04', '2026-04-06'],
      ['2026-05-01', '2026-05-05'],
      ['2026-06-19', '2026-06-21'],
      ['2026-09-25', '2026-09-27'],
      ['2026-10-01', '2026-10-07'],
    ],
    workdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
  {
    year: 2027,
    status: 'provisional',
    source: 'unverified: statutory days only (全国年节及纪念日放假办法, 2024 revision); lunar dates estimated',
    holidays: [
      ['2027-01-01', '2027-01-01'],
      ['2027-02-05', '2027-02-08'],
      ['2027-04-05', '2027-04-05'],
      ['2027-05-01', '2027-05-02'],
      ['2027-06-09', '2027-06-09'],
      ['2027-09-15', '2027-09-15'],
      ['2027-10-01', '2027-10-03'],
    ],
    workdays: [],
  },
];
