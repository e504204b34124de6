import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { fuzzMessages, type FuzzKind, type FuzzMessage } from '../../../harness/propeller/fuzzMessages.ts';
import { DEFAULT_FIXTURES_DIR } from '../../../harness/propeller/workloadTable.ts';
import { requirePeers } from '../../../harness/testing/peers.ts';
import { isRejection, parseRegistryReply, parseStart, parseStop } from '../../virtual/proplet/taskMessage.ts';

// The board fuzz spec's messages, decoded twice: by the firmware's C task codec and by the
// virtual board's model of it (firmware/virtual/proplet/taskMessage.ts). The virtual bench
// is only worth its results if both take the same decision on every message, so any
// disagreement fails with the message and both decisions. The C side is the firmware: where
// they disagree, the model is what to fix.
const exec = promisify(execFile);
const fuzzDir = dirname(fileURLToPath(import.meta.url));
const coreDir = join(fuzzDir, '..', 'src', 'core');
const SEEDS = 20;
const PER_SEED = 100;

/**
 * Known and open (docs/fuzzing.md): strings that are not plain UTF-8 text. A C string cannot
 * hold U+0000; the C reader keeps invalid UTF-8 bytes and writes a lone surrogate in its 3-byte
 * form, where JavaScript has U+FFFD; so such ids and names come out as different bytes.
 * Counted, not compared, until the firmware refuses them.
 */
const OPEN_DIVERGENCE = /\\u0000|\\ud800(?!\\u)/;
const openDivergence = (payload: Buffer) => OPEN_DIVERGENCE.test(payload.toString('latin1')) || !Buffer.from(payload.toString('utf8')).equals(payload);

const hex = (s: string) => (s === '' ? '-' : Buffer.from(s).toString('hex'));

function modelDecision(m: FuzzMessage): string {
  if (m.kind === 'start') {
    const r = parseStart(m.payload);
    return isRejection(r) ? `rejected ${r.reason}|${r.error ?? ''}` : `accepted ${hex(r.id)} ${r.wasm?.length ?? 0} ${r.inputs.length}`;
  }
  if (m.kind === 'stop') {
    const r = parseStop(m.payload);
    return isRejection(r) ? `rejected ${r.reason}|${r.error ?? ''}` : `stop ${hex(r.id)}`;
  }
  const r = parseRegistryReply(m.payload);
  return r ? `used ${hex(r.app_name)} ${Buffer.from(r.data, 'base64').length}` : 'ignored';
}

test('the C task codec and the virtual board decide alike on every fuzzed message', async () => {
  requirePeers('gcc');
  test.setTimeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'proplet-differential-'));
  try {
    const sources = readdirSync(coreDir).filter((f) => f.endsWith('.c')).map((f) => join(coreDir, f));
    const replay = join(work, 'replay_codec');
    await exec('gcc', ['-O1', '-Wall', '-Wextra', '-Werror', `-I${coreDir}`, join(fuzzDir, 'replay_codec.c'), ...sources, '-o', replay], { timeout: 60_000 });

    const modules = Object.fromEntries(
      readdirSync(DEFAULT_FIXTURES_DIR)
        .filter((f) => f.endsWith('.wasm'))
        .map((f) => [f.replace(/\.wasm$/, ''), new Uint8Array(readFileSync(join(DEFAULT_FIXTURES_DIR, f)))]),
    );
    const messages: FuzzMessage[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) messages.push(...fuzzMessages({ seed, count: PER_SEED, modules, propletId: 'proplet' }));
    const compared = messages.filter((m) => !openDivergence(m.payload));

    const disagreements: string[] = [];
    for (const kind of ['start', 'stop', 'registry'] as FuzzKind[]) {
      const batch = compared.filter((m) => m.kind === kind);
      const files = batch.map((m, i) => {
        const file = join(work, `${kind}-${i}`);
        writeFileSync(file, m.payload);
        return file;
      });
      const { stdout } = await exec(replay, [kind, ...files], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
      const firmware = stdout.trimEnd().split('\n');
      expect(firmware).toHaveLength(batch.length);
      batch.forEach((m, i) => {
        const model = modelDecision(m);
        if (firmware[i] !== model) disagreements.push(`${m.kind} (${m.mutation}): firmware "${firmware[i]}", model "${model}"`);
      });
    }
    expect(disagreements.slice(0, 10), `${disagreements.length} of ${compared.length} messages decided differently`).toEqual([]);
    // The comparison covers nearly everything the spec sends: the open divergence is a small part.
    expect(compared.length).toBeGreaterThan(messages.length * 0.9);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
