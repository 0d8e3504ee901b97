/**
 * Telemetry fan-out to MQTT (video wall, other consumers) when SHUZHI_MQTT_URL is set. Publish
 * only: this client never subscribes, so no command can reach a face over MQTT (domain sheet §9).
 *
 * Topics (JSON payloads, QoS 1, retained so a late subscriber gets the current picture):
 *   shuzhi/mine/<faceId>/telemetry   { at, tags: { "<machine>.MotorCurrent": 212.4, "<sensor>.CH4": 0.42, … } }  at most once per intervalMs
 *   shuzhi/mine/<faceId>/state       { at, mode, connected, estopLatched, sequence, cuts, openAlarms }
 *   shuzhi/mine/<faceId>/alarms      one message per alarm change (not retained)
 */
import { connectAsync } from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { PlantSnapshot } from '@shuzhi/mine';
import type { Logger } from '../log.ts';
import { snapshotTags } from './historian.ts';

export const MQTT_TOPIC_PREFIX = 'shuzhi/mine';

export class MqttPublisher {
  readonly #latest = new Map<string, PlantSnapshot>();
  #timer: NodeJS.Timeout | null = null;

  private constructor(private readonly client: MqttClient, private readonly log: Logger, intervalMs: number) {
    this.#timer = setInterval(() => this.#flushTelemetry(), intervalMs);
  }

  static async connect(url: string, log: Logger, intervalMs = 1000): Promise<MqttPublisher> {
    const client = await connectAsync(url, { protocolVersion: 5, clientId: `shuzhi-mine-${process.pid}-${Date.now().toString(36)}`, reconnectPeriod: 2000, connectTimeout: 5000 });
    client.on('error', (err) => log.warn({ err: err.message }, 'mqtt error'));
    return new MqttPublisher(client, log, intervalMs);
  }

  telemetry(faceId: string, snapshot: PlantSnapshot): void {
    this.#latest.set(faceId, snapshot);
  }

  state(faceId: string, state: Record<string, unknown>): void {
    this.#publish(`${MQTT_TOPIC_PREFIX}/${faceId}/state`, state, true);
  }

  alarm(faceId: string, alarm: Record<string, unknown>): void {
    this.#publish(`${MQTT_TOPIC_PREFIX}/${faceId}/alarms`, alarm, false);
  }

  #flushTelemetry(): void {
    const at = new Date().toISOString();
    for (const [faceId, snap] of this.#latest) {
      this.#publish(`${MQTT_TOPIC_PREFIX}/${faceId}/telemetry`, { at, tags: Object.fromEntries(snapshotTags(snap)) }, true);
    }
    this.#latest.clear();
  }

  #publish(topic: string, payload: unknown, retain: boolean): void {
    if (!this.client.connected) return;
    this.client.publishAsync(topic, JSON.stringify(payload), { qos: 1, retain }).catch((err: unknown) => {
      this.log.debug({ err: (err as Error).message, topic }, 'mqtt publish failed');
    });
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#flushTelemetry();
    await this.client.endAsync().catch(() => undefined);
  }
}
