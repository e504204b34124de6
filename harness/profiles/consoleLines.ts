import type { EventName, FirmwareProfile } from './schema.ts';

/** A Zephyr log line as the console parser gives it. */
export interface LogLine {
  level: string;
  module: string;
  message: string;
}

export interface ProfileEvent {
  event: EventName;
  fields: Record<string, string>;
}

/**
 * The harness event a log line means under a profile whose events are patterns; undefined for
 * lines that mean nothing, and for `contract` profiles (harness/console/contractEvents.ts reads those).
 */
export function profileEvent(profile: FirmwareProfile, line: LogLine): ProfileEvent | undefined {
  const events = profile.console.events;
  if (events === 'contract') return undefined;
  for (const [event, pattern] of Object.entries(events)) {
    if (!pattern || pattern.level !== line.level || pattern.module !== line.module) continue;
    const match = new RegExp(pattern.message).exec(line.message);
    if (match) return { event: event as EventName, fields: { ...match.groups } };
  }
  return undefined;
}
