/** Every Propeller topic suffix the proplet and the manager use (CONTRACT.md §3). */
export const SUFFIXES = {
  start: 'control/manager/start',
  stop: 'control/manager/stop',
  registryServer: 'registry/server',
  registryProplet: 'registry/proplet',
  discovery: 'control/proplet/create',
  alive: 'control/proplet/alive',
  results: 'control/proplet/results',
  metrics: 'control/proplet/metrics',
  taskMetrics: 'control/proplet/task_metrics',
} as const;

export type TopicName = keyof typeof SUFFIXES;
export type PropellerTopics = Record<TopicName, string> & {
  /** The prefix `m/<tenant>/c/<channel>/`. */
  prefix: string;
  /** The topic name of a full topic in this channel, or undefined for any other topic. */
  nameOf(topic: string): TopicName | undefined;
};

/** The topics of one tenant and channel: `m/<tenant>/c/<channel>/<suffix>`. */
export function propellerTopics(tenant: string, channel: string): PropellerTopics {
  const prefix = `m/${tenant}/c/${channel}/`;
  const full = Object.fromEntries(Object.entries(SUFFIXES).map(([name, suffix]) => [name, prefix + suffix])) as Record<TopicName, string>;
  const byTopic = new Map(Object.entries(full).map(([name, topic]) => [topic, name as TopicName]));
  return { ...full, prefix, nameOf: (topic) => byTopic.get(topic) };
}
