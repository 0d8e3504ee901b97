import { fileURLToPath } from 'node:url';
import type { ModuleFactory, ServerModule } from '../module.ts';
import { MineDemo } from './demo.ts';
import { MqttPublisher } from './mqtt-publisher.ts';
import { mineRoutes } from './routes.ts';
import { MineService } from './service.ts';

const migrationsFolder = fileURLToPath(new URL('../../drizzle/mine', import.meta.url));

/**
 * Intelligent mine control: longwall faces over OPC UA, alarms, command audit, historian, live HMI.
 *
 * Environment (read here, not in the core config):
 *   SHUZHI_MQTT_URL   publish face telemetry, state and alarms to this MQTT broker (mqtt://host:1883);
 *                     publish only — nothing is ever read from MQTT. Unset: no MQTT.
 */
export const mineModule: ModuleFactory = (ctx) => {
  const service = new MineService({ db: ctx.db, bus: ctx.bus, log: ctx.log, dataDir: ctx.config.dataDir });
  const demo = new MineDemo(service, ctx.log);
  let mqtt: MqttPublisher | null = null;
  const mod: ServerModule & { service: MineService } = {
    name: 'mine',
    migrationsFolder,
    service,
    routes: () => mineRoutes(service),
    async start() {
      const url = ctx.config.SHUZHI_MQTT_URL;
      if (url) {
        try {
          mqtt = await MqttPublisher.connect(url, ctx.log);
          service.mqtt = mqtt;
        } catch (err) {
          ctx.log.warn({ err: (err as Error).message }, 'mine: MQTT broker not reachable; telemetry is not published to MQTT');
        }
      }
      await service.start();
    },
    async stop() {
      await service.stop();
      await mqtt?.close();
      service.mqtt = mqtt = null;
    },
    seedDemo: () => demo.seed(),
    startDemo: () => demo.start(),
    stopDemo: () => demo.stop(),
    metrics(m) {
      m.gauge('shuzhi_mine_link_connected', 'Whether the OPC UA link to a face is up (1) or down (0)', ['face'], async () =>
        (await service.listFaces()).map((f) => ({ labels: { face: f.id }, value: f.connected ? 1 : 0 })));
      m.gauge('shuzhi_mine_open_alarms', 'Open alarms per face', ['face'], async () =>
        (await service.listFaces()).map((f) => ({ labels: { face: f.id }, value: f.openAlarms })));
    },
  };
  return mod;
};
