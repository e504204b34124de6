import { writeFileSync } from 'node:fs';
import mqtt from 'mqtt';
import type { LogEvent } from '../harness/console/events.ts';
import { HilError } from '../harness/errors.ts';
import { fuzzMessages, type FuzzMessage } from '../harness/propeller/fuzzMessages.ts';
import type { RegistryRequest } from '../harness/propeller/payloads.ts';
import { expect, test } from '../harness/playwright/fixtures.ts';
import { requireCapabilities } from '../harness/profiles/unsupported.ts';

/** The seed CI runs with; HIL_FUZZ_SEED (decimal or 0x-hex) replays another one exactly. */
const DEFAULT_SEED = 0x5eed0018;
/** Small on the virtual bench so `npm run hil` stays fast; the nightly lab run asks for more. */
const DEFAULT_COUNT = 30;

function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value > 0xffffffff) throw new HilError(`${name}=${text} is not a whole number up to 0xffffffff`, `e.g. ${name}=0x5eed0018`, 2);
  return value;
}

const seed = envNumber('HIL_FUZZ_SEED', DEFAULT_SEED);
const count = envNumber('HIL_FUZZ_COUNT', DEFAULT_COUNT);
const seedText = `0x${seed.toString(16).padStart(8, '0')}`;
/** What settles a start: a result, an error result, a rejection, or (addressed elsewhere, §4.6) task.ignored. */
const SETTLED = new Set<string>(['task.rejected', 'task.finished', 'task.failed', 'task.ignored']);
/** What settles a stop: no task is running, so it is refused (or addressed elsewhere). */
const REFUSED = new Set<string>(['task.rejected', 'task.ignored']);
const POLL_MS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Every message, however broken, is answered within its timeout: an error result, a result, a
// logged rejection, or (a registry answer) a logged refusal. The board never reboots and never
// prints a fatal error (the witness checks that too, but here the failure names the seed), and
// it runs `add` afterwards.
test('fuzzed start, stop and registry messages are each answered, and the board runs add after them', async ({ board, broker, manager, plan, settings, workloads, profile }, testInfo) => {
  // Fuzzed modules may loop for ever: only a watchdog ends them.
  requireCapabilities(profile, 'watchdog');
  testInfo.annotations.push({ type: 'fuzz-seed', description: `HIL_FUZZ_SEED=${seedText} HIL_FUZZ_COUNT=${count}` });
  // A task the fuzzing turned into an endless loop ends at the watchdog; the margin covers the round trips.
  const perMessage = settings.taskTimeoutMs + 10_000;
  test.setTimeout(count * perMessage + 60_000);
  const modules = Object.fromEntries(Object.values(workloads).map((w) => [w.wasm.replace(/\.wasm$/, ''), w.bytes]));
  const messages = fuzzMessages({ seed, count, modules, propletId: board.credentials.id });
  const { tenant, channel } = plan.config.propeller;
  const topic = (suffix: string) => `m/${tenant}/c/${channel}/${suffix}`;
  const raw = await mqtt.connectAsync(broker.url, { ...broker.manager, clientId: `hil-fuzz-${board.name}` });

  const fail = (m: FuzzMessage, problem: string): never => {
    const file = testInfo.outputPath(`fuzz-${seedText}-${m.index}.bin`);
    writeFileSync(file, m.payload);
    throw new HilError(
      `fuzz seed ${seedText}, message ${m.index + 1} of ${count} (${m.kind}: ${m.mutation}): ${problem}\n` +
        `payload (${m.payload.length} bytes): ${file}\nlast console lines:\n${board.console.tail(20).join('\n')}`,
      `replay: HIL_FUZZ_SEED=${seedText} HIL_FUZZ_COUNT=${m.index + 1} npx hil test --virtual -- specs/fuzz.spec.ts`,
    );
  };

  /** Waits until `settled` returns an event or the board misbehaves; answers the fetches it asks for meanwhile. */
  const settle = async (m: FuzzMessage, since: number, sinceMqtt: number, what: string, settled: (e: LogEvent) => boolean): Promise<LogEvent> => {
    const deadline = Date.now() + perMessage;
    let fetchesSeen = sinceMqtt;
    for (;;) {
      for (const e of board.console.events.slice(since)) {
        if (e.kind === 'zephyr.fatal') fail(m, `Zephyr fatal error: ${e.reason}`);
        if (e.kind === 'rom.banner') fail(m, `the board rebooted (rst: ${e.resetCause})`);
        if (settled(e)) return e;
      }
      // A start that became a fetch by image_url: give it add, so it ends in a result.
      for (const seen of manager.messages.slice(fetchesSeen)) {
        if (seen.name === 'registryProplet' && seen.value) {
          const appName = (seen.value as RegistryRequest).app_name;
          await raw.publishAsync(topic('registry/server'), JSON.stringify({ app_name: appName, data: Buffer.from(workloads.add!.bytes).toString('base64') }), { qos: 1 });
        }
      }
      fetchesSeen = manager.mark();
      if (Date.now() > deadline) fail(m, `no ${what} within ${perMessage} ms`);
      await sleep(POLL_MS);
    }
  };
  const outcome = (e: LogEvent) => SETTLED.has(e.kind);
  const taskEnd = (e: LogEvent) => e.kind === 'task.finished' || e.kind === 'task.failed';

  const started = Date.now();
  try {
    for (const m of messages) {
      const since = board.console.mark();
      const sinceMqtt = manager.mark();
      if (m.kind === 'start') {
        await manager.startRaw(m.payload);
        await settle(m, since, sinceMqtt, 'result, error result or task.rejected', outcome);
      } else if (m.kind === 'stop') {
        // No task is running, so every stop is refused: unknown task, missing id, bad JSON, too large.
        await raw.publishAsync(topic('control/manager/stop'), m.payload, { qos: 1 });
        await settle(m, since, sinceMqtt, 'task.rejected', (e) => REFUSED.has(e.kind));
      } else {
        manager.answersFetchItself(m.imageUrl!);
        await manager.startRaw(m.fetchStart!);
        if (!(await waitForFetch(m.imageUrl!, sinceMqtt))) fail(m, `the board did not ask the registry for ${m.imageUrl}`);
        const answered = board.console.mark();
        await raw.publishAsync(topic('registry/server'), m.payload, { qos: 1 });
        const e = await settle(m, answered, manager.mark(), 'task result or "Ignoring message" for the answer', (e) => outcome(e) || e.kind === 'mqtt.unknown_topic');
        if (e.kind === 'mqtt.unknown_topic') {
          // The answer was refused: the fetch still waits, and the genuine answer ends it.
          const retry = board.console.mark();
          await raw.publishAsync(topic('registry/server'), m.genuineAnswer!, { qos: 1 });
          await settle(m, retry, manager.mark(), 'task result after the genuine registry answer', taskEnd);
        }
      }
    }
  } finally {
    await raw.endAsync();
  }
  const elapsed = (Date.now() - started) / 1000;
  const figure = `seed ${seedText}: ${count} fuzzed messages in ${elapsed.toFixed(1)} s, ${(count / elapsed).toFixed(1)} messages/s to ${board.name}`;
  testInfo.annotations.push({ type: 'figure', description: figure });
  console.log(`fuzz: ${figure}`);

  expect(await manager.run(workloads.add!)).toEqual({ results: '5' });

  async function waitForFetch(imageUrl: string, since: number): Promise<boolean> {
    const deadline = Date.now() + perMessage;
    while (Date.now() < deadline) {
      if (manager.messages.slice(since).some((s) => s.name === 'registryProplet' && (s.value as RegistryRequest | undefined)?.app_name === imageUrl)) return true;
      await sleep(POLL_MS);
    }
    return false;
  }
});
