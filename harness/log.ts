import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The harness logger: pretty lines for a person at a terminal, JSON lines for CI and files.
 * Logs go to stderr so that command output on stdout (monitor lines, tables) stays clean.
 */
export function createLogger(level = process.env.HIL_LOG_LEVEL ?? 'info'): Logger {
  if (process.stderr.isTTY) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ level }, pino.destination(2));
}

let shared: Logger | undefined;

/** The process-wide logger, created on first use. */
export function log(): Logger {
  shared ??= createLogger();
  return shared;
}

/** Replaces the process-wide logger (the CLI does this once it has parsed --log-level). */
export function setLogger(logger: Logger): void {
  shared = logger;
}

/**
 * Runs one hardware action as a step (labgrid's idea): logged on entry and exit with its
 * duration and outcome, so the same records serve the terminal, the report and the summary.
 */
export async function step<T>(logger: Logger, name: string, fields: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  logger.debug({ step: name, ...fields }, `${name} …`);
  try {
    const value = await fn();
    logger.info({ step: name, ...fields, ms: Math.round(performance.now() - started), ok: true }, `${name} done`);
    return value;
  } catch (err) {
    logger.warn(
      { step: name, ...fields, ms: Math.round(performance.now() - started), ok: false, err: (err as Error).message },
      `${name} failed`,
    );
    throw err;
  }
}
