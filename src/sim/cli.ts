/**
 * `npm run sim`: the simulator with the default seed, for running the bot or the AWS CLI
 * against it by hand. Listens on SIM_HOST:SIM_PORT (default 127.0.0.1:4566).
 */
import { startSimulator } from './index.js';

/** The lines to paste into a shell or `.env` to point the SDK and the AWS CLI at `url`. */
function usage(url: string): string {
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
    'Ctrl-C stops it.',
  ].join('\n');
}

async function main(): Promise<void> {
  const port = Number(process.env.SIM_PORT ?? 4566);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`SIM_PORT must be a port number, got ${process.env.SIM_PORT}`);
    process.exit(1);
  }
  const sim = await startSimulator({ port, host: process.env.SIM_HOST ?? '127.0.0.1' });
  console.log(usage(sim.url));

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
