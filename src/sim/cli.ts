/**
 * `npm run sim`: the simulator with the default seed, for running the bot or the AWS CLI
 * against it by hand. Listens on SIM_HOST:SIM_PORT (default 127.0.0.1:4566). When stdin is a
 * terminal or a pipe, each line read from it is a console command (`src/sim/console.ts`).
 */
import { fstatSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { isatty } from 'node:tty';
import { runSimCommand } from './console.js';
import { type Simulator, startSimulator } from './index.js';

/**
 * The lines to paste into a shell or `.env` to point the SDK and the AWS CLI at `url`, and how
 * to use the console when stdin feeds one.
 */
function usage(url: string, withConsole: boolean): string {
  return [
    `AWS simulator (Device Farm + MediaConnect) listening on ${url}`,
    '',
    'Point slots-bot at it with:',
    `  AWS_ENDPOINT_URL_DEVICE_FARM=${url}`,
    `  AWS_ENDPOINT_URL_MEDIACONNECT=${url}`,
    '  AWS_ACCESS_KEY_ID=test',
    '  AWS_SECRET_ACCESS_KEY=test',
    '',
    'Try:',
    `  aws devicefarm get-offering-status --region us-west-2 --endpoint-url ${url}`,
    `  aws mediaconnect list-reservations --region us-west-2 --endpoint-url ${url}`,
    '',
    ...(withConsole
      ? [
          'Console: type help for the commands that roll the Device Farm period, renew slots,',
          'end reservations and make AWS fail (heal undoes it), and for the switches that change',
          "how AWS behaves (what a purchase records, AWS's clock, listing lag, PROCESSING",
          'reservations, refused reads, ARNs without an account).',
        ]
      : []),
    'Ctrl-C stops it.',
  ].join('\n');
}

/** Whether stdin is something a person or a script types into (not /dev/null or a file). */
function stdinIsInteractive(): boolean {
  if (isatty(0)) return true;
  try {
    const stat = fstatSync(0);
    // A shell pipe is a FIFO; Node's child_process 'pipe' is a socket pair.
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/**
 * Reads console commands from stdin. Closing stdin ends the console, not the simulator. On a
 * terminal readline swallows Ctrl-C, so it is handed to `stop` here.
 */
function startConsole(sim: Simulator, stop: () => void): () => void {
  const terminal = isatty(0);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal });
  let closedByUs = false;
  rl.setPrompt('sim> ');
  if (terminal) rl.prompt();
  rl.on('line', (line) => {
    const answer = runSimCommand(sim, line, new Date());
    if (answer) console.log(answer);
    if (terminal) rl.prompt();
  });
  rl.on('SIGINT', stop);
  rl.on('close', () => {
    if (closedByUs) return;
    console.log('Console closed (stdin ended); the simulator keeps running. Ctrl-C stops it.');
  });
  return () => {
    closedByUs = true;
    rl.close();
  };
}

async function main(): Promise<void> {
  const port = Number(process.env.SIM_PORT ?? 4566);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`SIM_PORT must be a port number, got ${process.env.SIM_PORT}`);
    process.exit(1);
  }
  const sim = await startSimulator({ port, host: process.env.SIM_HOST ?? '127.0.0.1' });
  const withConsole = stdinIsInteractive();
  console.log(usage(sim.url, withConsole));

  let stopping = false;
  let closeConsole = () => {};
  const stop = () => {
    if (stopping) return;
    stopping = true;
    closeConsole();
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (withConsole) closeConsole = startConsole(sim, stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
