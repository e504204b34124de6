import type { z } from 'zod';
import {
  AliveTopicPayloadSchema,
  DiscoveryPayloadSchema,
  MetricsPayloadSchema,
  RegistryRequestSchema,
  ResultPayloadSchema,
  TaskMetricsPayloadSchema,
  type ResultPayload,
} from './payloads.ts';
import type { TopicName } from './topics.ts';

/** Something a witness of the protocol saw that it must report rather than crash on. */
export interface Finding {
  time: string;
  topic: string;
  problem: string;
  payload: string;
}

/** One MQTT message as the manager received it, parsed when its topic is known. */
export interface SeenMessage {
  seq: number;
  time: string;
  topic: string;
  name?: TopicName;
  text: string;
  /** The payload parsed by its topic's schema; undefined when it did not parse. */
  value?: unknown;
}

const SCHEMAS: Partial<Record<TopicName, z.ZodType>> = {
  results: ResultPayloadSchema,
  alive: AliveTopicPayloadSchema,
  discovery: DiscoveryPayloadSchema,
  metrics: MetricsPayloadSchema,
  taskMetrics: TaskMetricsPayloadSchema,
  registryProplet: RegistryRequestSchema,
};

const PAYLOAD_SHOWN = 300;

/**
 * The protocol as the manager must see it (docs/protocol.md, Propeller MQTT): every message on
 * the proplet topics parses by its topic's schema, and results answer tasks this manager started,
 * once each. What breaks that becomes a finding, never an exception: the board is the one tested.
 */
export class ProtocolChecker {
  readonly findings: Finding[] = [];
  private readonly started = new Set<string>();
  private readonly answered = new Set<string>();

  constructor(private readonly report?: (finding: Finding) => void) {}

  /** A task this manager started: its result is expected. */
  expectResult(taskId: string): void {
    this.started.add(taskId);
  }

  /** Parses a message by its topic's schema (setting `value`) and checks it; false when it is a finding. */
  check(message: SeenMessage): boolean {
    const { topic, text } = message;
    const schema = message.name && SCHEMAS[message.name];
    if (!schema) return this.note(topic, 'unexpected topic', text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.note(topic, 'payload is not JSON', text);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.note(topic, `invalid ${message.name} payload: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, text);
    }
    message.value = parsed.data;
    if (message.name === 'results') {
      const id = (message.value as ResultPayload).task_id;
      if (!this.started.has(id)) this.note(topic, `result for task ${id}, which this manager did not start`, text);
      else if (this.answered.has(id)) this.note(topic, `second result for task ${id}`, text);
      this.answered.add(id);
    }
    return true;
  }

  /** Records a finding (also for checks made elsewhere, such as an unknown registry request). */
  note(topic: string, problem: string, text: string): false {
    const f = { time: new Date().toISOString(), topic, problem, payload: text.length > PAYLOAD_SHOWN ? `${text.slice(0, PAYLOAD_SHOWN)}…` : text };
    this.findings.push(f);
    this.report?.(f);
    return false;
  }
}
