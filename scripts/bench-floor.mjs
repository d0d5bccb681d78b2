/**
 * Floors for the benchmark: the least a Bolt app can do, so slots-bot's start-up and memory can
 * be compared with something that does nothing else.
 *
 *   node scripts/bench-floor.mjs bolt    a bare Bolt 5 app answering a signed `/slots` with an
 *                                        empty 200 ack; prints `ready <port>` once listening
 *   node scripts/bench-floor.mjs loaded  @slack/bolt imported, one Device Farm and one
 *                                        MediaConnect client built, idling with `GET /healthz`
 *   node scripts/bench-floor.mjs reads N the reads behind one `/slots status`, N times, by bare
 *                                        SDK clients at AWS_ENDPOINT_URL_*: every page of
 *                                        GetOfferingStatus beside every page of ListReservations;
 *                                        prints one JSON line (wall and CPU ms per read)
 *
 * Environment: PORT (0 = any free port), SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (bolt),
 * SLACK_API_URL (bolt, optional: a fake Web API, so nothing leaves loopback).
 * Plain JavaScript, run by node itself: no TypeScript loader in the measurement.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const mode = process.argv[2];

if (mode === 'bolt') await bolt();
else if (mode === 'loaded') await loaded();
else if (mode === 'reads') await reads(Number(process.argv[3] ?? 10));
else {
  process.stderr.write('usage: node scripts/bench-floor.mjs bolt|loaded|reads N\n');
  process.exit(64);
}

async function bolt() {
  const { App, HTTPReceiver } = await import('@slack/bolt');
  const apiUrl = process.env.SLACK_API_URL;
  const app = new App({
    token: process.env.SLACK_BOT_TOKEN,
    receiver: new HTTPReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? '' }),
    // No auth.test at construction: like a plain `new App`, the app listens without waiting for
    // Slack. With a fake Web API the first request runs auth.test there; without one, fixed ids
    // mean Bolt never calls Slack at all.
    tokenVerificationEnabled: false,
    ...(apiUrl
      ? { clientOptions: { slackApiUrl: apiUrl } }
      : { botId: 'B0FLOOR', botUserId: 'U0FLOOR' }),
  });
  app.command('/slots', async ({ ack }) => {
    await ack();
  });
  const server = await app.start(port);
  process.stdout.write(`ready ${server.address().port}\n`);
}

async function loaded() {
  // What slots-bot cannot do without: Bolt's modules and one client per AWS service. The clients
  // are kept referenced so they stay in memory for the whole run.
  await import('@slack/bolt');
  const { DeviceFarmClient } = await import('@aws-sdk/client-device-farm');
  const { MediaConnectClient } = await import('@aws-sdk/client-mediaconnect');
  const clients = [
    new DeviceFarmClient({ region: 'us-west-2' }),
    new MediaConnectClient({ region: 'us-west-2' }),
  ];
  const server = createServer((req, res) => {
    const ok = req.method === 'GET' && req.url === '/healthz';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(ok ? `ok ${clients.length} clients\n` : 'not found\n');
  });
  server.listen(port, () => process.stdout.write(`ready ${server.address().port}\n`));
}

/**
 * The AWS critical path of a status as the SDK alone walks it: what slots-bot's answer is
 * compared with, so the simulator's own serving time and the SDK's decoding count for both.
 */
async function reads(rounds) {
  const df = await import('@aws-sdk/client-device-farm');
  const mc = await import('@aws-sdk/client-mediaconnect');
  const devicefarm = new df.DeviceFarmClient({ region: 'us-west-2' });
  const mediaconnect = new mc.MediaConnectClient({ region: 'us-west-2' });
  const all = async (pages) => {
    let n = 0;
    for await (const _ of pages) n++;
    return n;
  };
  const once = () =>
    Promise.all([
      all(df.paginateGetOfferingStatus({ client: devicefarm }, {})),
      all(mc.paginateListReservations({ client: mediaconnect }, {})),
    ]);
  await once(); // connections and code warm, as in a running bot
  const wallMs = [];
  let pages = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    pages = await once();
    wallMs.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `${JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 / rounds, pages })}\n`,
  );
  devicefarm.destroy();
  mediaconnect.destroy();
}
