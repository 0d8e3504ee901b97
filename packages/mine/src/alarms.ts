import { MineError } from './errors.ts';

/**
 * `condition` alarms are active while their cause is present; `event` alarms (a trip, an aborted
 * sequence) have no lasting cause: they are raised already cleared and wait for acknowledgement.
 */
interface AlarmRule {
  severity: number;
  kind: 'condition' | 'event';
  title: string;
}

export const ALARM_RULES = {
  CH4_HIGH: { severity: 700, kind: 'condition', title: 'Methane above alarm limit' },
  CH4_POWER_CUT: { severity: 950, kind: 'condition', title: 'Methane power cut' },
  SENSOR_LOST: { severity: 800, kind: 'condition', title: 'Methane sensor lost' },
  MACHINE_FAULT: { severity: 700, kind: 'condition', title: 'Machine fault' },
  MACHINE_ESTOP: { severity: 800, kind: 'condition', title: 'Pull-cord / local e-stop tripped' },
  MACHINE_TRIP: { severity: 700, kind: 'event', title: 'Machine stopped without command' },
  SEQUENCE_ABORTED: { severity: 600, kind: 'event', title: 'Start sequence aborted' },
  STOP_NOT_CONFIRMED: { severity: 800, kind: 'event', title: 'Machine did not confirm its stop' },
  COMMAND_REFUSED: { severity: 500, kind: 'event', title: 'PLC refused a command' },
  EMERGENCY_STOP: { severity: 1000, kind: 'condition', title: 'Emergency stop' },
  COMM_LOST: { severity: 900, kind: 'condition', title: 'Connection to face PLC lost' },
} as const satisfies Record<string, AlarmRule>;

export type AlarmCode = keyof typeof ALARM_RULES;

export type AlarmState = 'active' | 'active-silenced' | 'cleared-unacknowledged' | 'history';
export type AlarmAction = 'silence' | 'acknowledge';

/** Acknowledge only after return to normal; before that, silence only (domain sheet §7). */
export const ALARM_ACTIONS = {
  active: ['silence'],
  'active-silenced': [],
  'cleared-unacknowledged': ['acknowledge'],
  history: [],
} as const satisfies Record<AlarmState, readonly AlarmAction[]>;

export interface Acknowledgement {
  user: string;
  at: number;
  comment: string;
}

export interface Alarm {
  id: string;
  code: AlarmCode;
  /** machine, sensor or face id */
  source: string;
  severity: number;
  message: string;
  raisedAt: number;
  active: boolean;
  clearedAt: number | null;
  silenced: boolean;
  acknowledged: Acknowledgement | null;
}

export type AlarmChangeType = 'raised' | 'cleared' | 'silenced' | 'acknowledged';
export interface AlarmChange {
  type: AlarmChangeType;
  alarm: Alarm;
}

export function alarmState(a: Alarm): AlarmState {
  if (a.active) return a.silenced ? 'active-silenced' : 'active';
  return a.acknowledged ? 'history' : 'cleared-unacknowledged';
}

/** All alarms of one face. Deterministic ids; no clock of its own. */
export class AlarmBook {
  #seq = 0;
  readonly #alarms: Alarm[] = [];

  constructor(readonly prefix: string) {}

  all(): Alarm[] {
    return this.#alarms.map((a) => ({ ...a }));
  }

  /** active and cleared-unacknowledged, i.e. what the alarm list shows */
  open(): Alarm[] {
    return this.#alarms.filter((a) => alarmState(a) !== 'history').map((a) => ({ ...a }));
  }

  history(): Alarm[] {
    return this.#alarms.filter((a) => alarmState(a) === 'history').map((a) => ({ ...a }));
  }

  #activeFor(code: AlarmCode, source: string): Alarm | undefined {
    return this.#alarms.find((a) => a.code === code && a.source === source && a.active);
  }

  /** Keeps a condition alarm in line with its cause; returns the change, if any. */
  condition(code: AlarmCode, source: string, present: boolean, message: string, at: number): AlarmChange | null {
    const current = this.#activeFor(code, source);
    if (present && !current) return this.#raise(code, source, message, at, true);
    if (!present && current) {
      current.active = false;
      current.clearedAt = at;
      return { type: 'cleared', alarm: { ...current } };
    }
    return null;
  }

  event(code: AlarmCode, source: string, message: string, at: number): AlarmChange {
    return this.#raise(code, source, message, at, false);
  }

  #raise(code: AlarmCode, source: string, message: string, at: number, active: boolean): AlarmChange {
    const rule: AlarmRule = ALARM_RULES[code];
    const alarm: Alarm = {
      id: `${this.prefix}-alm-${++this.#seq}`,
      code,
      source,
      severity: rule.severity,
      message,
      raisedAt: at,
      active,
      clearedAt: active ? null : at,
      silenced: false,
      acknowledged: null,
    };
    this.#alarms.push(alarm);
    return { type: 'raised', alarm: { ...alarm } };
  }

  #get(id: string): Alarm {
    const a = this.#alarms.find((x) => x.id === id);
    if (!a) throw new MineError('MINE_ALARM_NOT_FOUND', `alarm ${id} does not exist`, { alarmId: id });
    return a;
  }

  silence(id: string, at: number): AlarmChange {
    const a = this.#get(id);
    if (!(ALARM_ACTIONS[alarmState(a)] as readonly AlarmAction[]).includes('silence')) {
      throw new MineError('MINE_COMMAND_NOT_ALLOWED', `alarm ${id} is ${alarmState(a)} and cannot be silenced`, { alarmId: id, state: alarmState(a), at });
    }
    a.silenced = true;
    return { type: 'silenced', alarm: { ...a } };
  }

  acknowledge(id: string, user: string, comment: string, at: number): AlarmChange {
    const a = this.#get(id);
    const state = alarmState(a);
    if (state === 'history') {
      throw new MineError('MINE_ALARM_ALREADY_ACKNOWLEDGED', `alarm ${id} was already acknowledged by ${a.acknowledged?.user}`, { alarmId: id });
    }
    if (!(ALARM_ACTIONS[state] as readonly AlarmAction[]).includes('acknowledge')) {
      throw new MineError(
        'MINE_ALARM_STILL_ACTIVE',
        `alarm ${id} (${ALARM_RULES[a.code].title}) is still active: it can be acknowledged once its cause has returned to normal; silence it meanwhile`,
        { alarmId: id, state },
      );
    }
    a.acknowledged = { user, at, comment };
    return { type: 'acknowledged', alarm: { ...a } };
  }
}
