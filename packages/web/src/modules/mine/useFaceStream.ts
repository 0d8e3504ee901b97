import { useEffect, useRef, useState } from 'react';
import type { MineAlarm, MineFaceState, MineMachineState } from '@shuzhi/schema';
import { mineApi } from './api.ts';
import { applyTelemetry } from './model.ts';

export interface LogLine {
  at: number;
  type: string;
  message: string;
}

/** Live points per tag, oldest first, appended from the stream. */
export type LivePoints = Record<string, [number, number][]>;

export interface FaceStream {
  face: MineFaceState | null;
  connected: boolean;
  log: LogLine[];
  live: LivePoints;
  /** bumps on every alarm change so lists refetch */
  alarmTick: number;
  lastAlarm: MineAlarm | null;
}

const MAX_LOG = 60;
const MAX_POINTS = 900;

/**
 * The face's own event stream: a full `state` first and on every mode change, then only changed
 * tags. Reopens with backoff when the browser gives up on it.
 */
export function useFaceStream(faceId: string): FaceStream {
  const [face, setFace] = useState<MineFaceState | null>(null);
  const [connected, setConnected] = useState(false);
  const [log, setLog] = useState<LogLine[]>([]);
  const [live, setLive] = useState<LivePoints>({});
  const [alarmTick, setAlarmTick] = useState(0);
  const [lastAlarm, setLastAlarm] = useState<MineAlarm | null>(null);
  const backoff = useRef(1000);

  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    let es: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    const open = () => {
      if (stopped) return;
      es = new EventSource(mineApi.streamUrl(faceId), { withCredentials: true });
      es.onopen = () => {
        backoff.current = 1000;
        setConnected(true);
      };
      es.addEventListener('state', (m) => {
        const s = JSON.parse((m as MessageEvent<string>).data) as MineFaceState;
        setFace(s);
      });
      es.addEventListener('telemetry', (m) => {
        const d = JSON.parse((m as MessageEvent<string>).data) as {
          at: number;
          machines: Record<string, Partial<MineMachineState>>;
          sensors: Record<string, { pct: number | null; ok: boolean }>;
        };
        setFace((f) => (f ? applyTelemetry(f, d) : f));
        setLive((prev) => {
          const next: LivePoints = { ...prev };
          const push = (tag: string, v: number) => {
            const arr = (next[tag] = [...(next[tag] ?? []), [d.at, v]]);
            if (arr.length > MAX_POINTS) arr.splice(0, arr.length - MAX_POINTS);
          };
          for (const [id, m] of Object.entries(d.machines)) if (typeof m.motorCurrentA === 'number') push(`${id}.MotorCurrent`, m.motorCurrentA);
          for (const [id, s] of Object.entries(d.sensors)) if (s.ok && s.pct !== null) push(`${id}.CH4`, s.pct);
          return next;
        });
      });
      es.addEventListener('alarm', (m) => {
        const { alarm } = JSON.parse((m as MessageEvent<string>).data) as { alarm: MineAlarm };
        setLastAlarm(alarm);
        setAlarmTick((n) => n + 1);
      });
      es.addEventListener('log', (m) => {
        const e = JSON.parse((m as MessageEvent<string>).data) as LogLine;
        setLog((l) => [{ at: e.at, type: e.type, message: e.message }, ...l].slice(0, MAX_LOG));
      });
      es.onerror = () => {
        setConnected(false);
        if (es && es.readyState === EventSource.CLOSED) {
          es.close();
          timer = setTimeout(open, backoff.current);
          backoff.current = Math.min(backoff.current * 2, 30_000);
        }
      };
    };
    open();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      es?.close();
    };
  }, [faceId]);

  return { face, connected, log, live, alarmTick, lastAlarm };
}
