import type { SiteInput } from '@shuzhi/schema';
import { smallSite } from './helpers.ts';

/**
 * The preemption tests' job: counts `units` units of `unitSeconds`; on SIGTERM it finishes the unit under
 * way, saves how far it got in $SHUZHI_CHECKPOINT_DIR (when it has one) and exits 143; started again, it
 * carries on from the saved count. Each unit prints `unit N`, so a test can check every unit ran once.
 */
export const counterCommand = (units: number, unitSeconds: number): string => `cat > count.sh <<'SCRIPT'
i=0
if [ -n "$SHUZHI_CHECKPOINT_DIR" ] && [ -f "$SHUZHI_CHECKPOINT_DIR/progress" ]; then i=$(cat "$SHUZHI_CHECKPOINT_DIR/progress"); echo "resumed at unit $i"; fi
stop=
trap 'stop=1' TERM
while [ "$i" -lt ${units} ] && [ -z "$stop" ]; do sleep ${unitSeconds}; i=$((i+1)); echo "unit $i"; done
if [ -n "$stop" ]; then
  if [ -n "$SHUZHI_CHECKPOINT_DIR" ]; then echo "$i" > "$SHUZHI_CHECKPOINT_DIR/progress"; fi
  echo "stopped at unit $i"; exit 143
fi
echo "all $i units done"
SCRIPT
exec bash count.sh`;

/**
 * The cheaper-window tests' site: 8 CPU units of 1 kW each, a tariff and carbon valley from 22:00 to 07:00
 * Beijing time (30 fen/kWh and 400 g/kWh, 120 and 800 outside it).
 */
export function valleySite(id: string): SiteInput {
  const s = smallSite(id);
  const valley = (h: number) => h >= 22 || h < 7;
  return {
    ...s,
    pools: [{ ...s.pools[0]!, units: 8, busyW: 1000, idleW: 0 }],
    power: { ...s.power, tariffFenPerKWh: Array.from({ length: 24 }, (_, h) => (valley(h) ? 30 : 120)), carbonGPerKWh: Array.from({ length: 24 }, (_, h) => (valley(h) ? 400 : 800)) },
  };
}
