import { parseArgs } from 'node:util';
import { HilError } from '../errors.ts';
import { createLogger, setLogger } from '../log.ts';
import { commands } from './commands/index.ts';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: hil [--config FILE] [--log-level LEVEL] <command> [args]   (global options may also follow the command)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global options:',
    '  --config FILE      the bench description (default: $HIL_CONFIG or ./lab.config.yaml)',
    '  --log-level LEVEL  trace|debug|info|warn|error (default: $HIL_LOG_LEVEL or info)',
    '',
    'exit codes: 0 ok, 1 a check, test or flash failed, 2 usage or configuration error',
  ].join('\n');
}

const GLOBAL_OPTIONS = ['config', 'log-level'] as const;

/**
 * The global options may also follow the command (`hil test --lab --config bench.yaml`): they
 * are taken out of the command's arguments, up to a `--` after which everything is passed on.
 */
function globalOptionsIn(args: string[]): { args: string[]; config?: string; logLevel?: string } {
  const rest: string[] = [];
  const found: Partial<Record<(typeof GLOBAL_OPTIONS)[number], string>> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const name = GLOBAL_OPTIONS.find((o) => arg === `--${o}` || arg.startsWith(`--${o}=`));
    if (!name) {
      rest.push(arg);
      continue;
    }
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
    if (value === undefined || value === '') throw new HilError(`--${name} expects a value`, 'run hil --help', 2);
    found[name] = value;
  }
  return { args: rest, ...(found.config ? { config: found.config } : {}), ...(found['log-level'] ? { logLevel: found['log-level'] } : {}) };
}

async function main(argv: string[]): Promise<number> {
  const { values, tokens } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // Global options before the command name are read here; those after it by globalOptionsIn.
  const first = tokens.find((t) => t.kind === 'positional');
  if (!first) {
    console.log(help());
    return values.help ? 0 : 2;
  }
  const command = commands.find((c) => c.name === first.value);
  if (!command) throw new HilError(`unknown command "${first.value}"`, 'run hil --help for the list', 2);
  const { args, config, logLevel } = globalOptionsIn(argv.slice(first.index + 1));
  const level = logLevel ?? (values['log-level'] as string | undefined) ?? process.env.HIL_LOG_LEVEL ?? 'info';
  const log = createLogger(level);
  setLogger(log);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  const configPath = config ?? (values.config as string | undefined) ?? process.env.HIL_CONFIG ?? 'lab.config.yaml';
  return command.run({ args, configPath, log });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof HilError) {
      console.error(`hil: ${err.line()}`);
      for (const line of err.also) console.error(`hil: ${line}`);
      process.exitCode = err.exitCode;
    } else if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`hil: ${err.message} (run hil --help)`);
      process.exitCode = 2;
    } else {
      console.error(err);
      process.exitCode = 1;
    }
  },
);
