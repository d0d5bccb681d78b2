/**
 * Builds and starts the whole bot from a configuration, in order, and stops it in reverse. Used
 * by `main.ts` and by the end-to-end tests, so both run exactly the same wiring.
 */
import type { webApi } from '@slack/bolt';
import { createReports } from './capacity/reports.js';
import { createStatusReads } from './capacity/shared-read.js';
import type { Config } from './config.js';
import { type Clock, systemClock } from './lifecycle/clock.js';
import { startPeriodic } from './lifecycle/periodic.js';
import { defaultReplicaId } from './lifecycle/replica-id.js';
import type { Logger } from './logger.js';
import { createNoticeDecisions } from './notices/decisions.js';
import { createOutboxWorker, type OutboxWorker } from './notices/outbox.js';
import { createWatcher, type Watcher } from './notices/watcher.js';
import {
  createRequestService,
  DEFAULT_RECONCILE_TIMINGS,
  type ReconcileTimings,
  type RequestService,
} from './requests/service.js';
import {
  checkBotToken,
  createSlackClient,
  type RunningSlackApp,
  startSlackApp,
} from './slack/app.js';
import { createDirectory } from './slack/directory.js';
import { createHomeTab } from './slack/home.js';
import { createOutboxRenderer } from './slack/outbox-renderer.js';
import { createResponseUrlPoster } from './slack/response-url.js';
import { noticeMessage } from './slack/views/notices.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';

export interface SlotsBotOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Web API client overrides (tests). */
  readonly clientOptions?: webApi.WebClientOptions;
  readonly drainTimeoutMs?: number;
  readonly outboxPollMs?: number;
  /** Reconciler timings (tests shorten them). */
  readonly reconcile?: Partial<ReconcileTimings>;
  readonly expirySweepMs?: number;
  /** Failed polls of one service before the channel is warned. */
  readonly watchFailureThreshold?: number;
  /**
   * This process's name among replicas sharing the database (the watcher lease's holder); must
   * differ between replicas. Default: host, pid and a random part.
   */
  readonly replicaId?: string;
  /** Interface the HTTP server binds; default every interface. */
  readonly listenHost?: string;
}

export interface SlotsBot {
  readonly slack: RunningSlackApp;
  readonly store: Store;
  readonly outbox: OutboxWorker;
  readonly requests: RequestService;
  readonly watcher: Watcher;
  /** This process's name among the replicas (see `SlotsBotOptions.replicaId`). */
  readonly replicaId: string;
  /** Stops taking requests, finishes work under way, closes AWS clients and the store. */
  stop(): Promise<void>;
}

export async function startSlotsBot(config: Config, opts: SlotsBotOptions): Promise<SlotsBot> {
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  const replicaId = opts.replicaId ?? defaultReplicaId();
  logger.info({ replicaId, database: config.database.kind }, 'starting slots-bot');
  if (config.slots.dryRun) {
    logger.warn(
      { dryRun: true },
      'dry run (SLOTS_DRY_RUN=true): AWS is read as usual, but no purchase or renewal is ever sent',
    );
  }

  // 0. Slack's check of the bot token goes out first: its round trips run while the store opens
  //    and the AWS SDK loads. The Slack app awaits it (step 6) and listens only once it passed.
  const identity = checkBotToken(config, logger, opts.clientOptions);

  // 1. The store (migrations run on open), while the AWS SDK, the largest module, loads.
  const awsModule = import('./aws/index.js');
  // Metrics for `GET /metrics`, loaded only when they are on (SLOTS_METRICS).
  const metricsModule = config.metrics ? import('./metrics/metrics.js') : undefined;
  // All are awaited below; if the store fails first, their failures are not unhandled ones.
  for (const early of [identity, awsModule, metricsModule]) early?.catch(() => {});
  const store = await openStore(config.database, clock);
  const { createAwsClients, createCapacityServices, DEVICE_FARM_REGION } = await awsModule.catch(
    async (err: unknown) => {
      await store.close();
      throw err;
    },
  );

  // Every AWS and Slack client below reports to the metrics; the store is read at each scrape.
  const metrics = (
    await metricsModule?.catch(async (err: unknown) => {
      await store.close();
      throw err;
    })
  )?.createMetrics({ store, clock });

  // 2. AWS: read clients with retries, write clients without.
  const aws = createAwsClients({
    region: config.aws.region,
    logger,
    now: () => clock().getTime(),
    onCall: metrics?.awsCall,
  });
  const services = createCapacityServices(aws, { logger });
  // `/slots status` and the watcher share their reads; the bot's own purchases invalidate them.
  const statusReads = createStatusReads(services, clock, config.slots.statusMaxAgeMs);

  // 3. Slack Web API for the outbox and the approver directory; response URLs for answers.
  const responseUrls = createResponseUrlPoster({ slackApiUrl: config.slack.apiUrl });
  // Every Web API client of the app (this one, Bolt's) counts its errors through this `fetch`.
  const clientOptions = metrics
    ? {
        ...opts.clientOptions,
        fetch: metrics.slackFetch(config.slack.apiUrl, opts.clientOptions?.fetch),
      }
    : opts.clientOptions;
  const slackClient = createSlackClient(config, logger, clientOptions);
  const directory = createDirectory({
    slack: slackClient,
    approvers: config.slots.approvers,
    requesters: config.slots.requesters,
    clock,
    logger,
  });
  const reports = createReports(services, clock, statusReads);
  // Published per person; request changes refresh it, debounced, never holding up the change.
  const home = createHomeTab({
    slack: slackClient,
    reports,
    store,
    directory,
    clock,
    logger,
    dryRun: config.slots.dryRun,
  });
  const outbox = createOutboxWorker({
    store,
    slack: slackClient,
    responseUrls,
    render: createOutboxRenderer(clock, {
      approvers: config.slots.approvers,
      dryRun: config.slots.dryRun,
    }),
    // Called only once deliveries run (after start-up), when `requests` exists.
    onCardUndeliverable: (id, reason) => requests.cardUndeliverable(id, reason),
    clock,
    logger,
    ...(opts.outboxPollMs !== undefined && { pollMs: opts.outboxPollMs }),
  });

  // 4. The request lifecycle.
  const requests = createRequestService({
    store,
    aws: services,
    directory,
    clock,
    logger,
    channel: config.slots.channel,
    ttlMs: config.slots.requestTtlMs,
    maxQuantity: config.slots.maxQuantity,
    onQueued: () => outbox.kick(),
    awsClockOffsetMs: (service) => aws.clock.offsetMs(service),
    onAwsWrite: (service) => statusReads[service].invalidate(),
    approvalRules: config.slots.approvals,
    approvers: config.slots.approvers,
    remindAfterMs: config.slots.remindAfterMs,
    ...(config.slots.dryRun && {
      dryRun: { regions: { devicefarm: DEVICE_FARM_REGION, mediaconnect: config.aws.region } },
    }),
    // Every listener of applied state changes, each of which must return at once and never throw.
    onChanged: (request) => {
      home.changed(request);
      metrics?.requestChanged(request);
    },
    ...(opts.reconcile !== undefined && { timings: opts.reconcile }),
  });

  // 5. The watcher that tells the channel about renewals, endings and outside changes.
  const watcher = createWatcher({
    store,
    aws: services,
    clock,
    logger,
    channel: config.slots.channel,
    leadDays: config.slots.renewalNoticeDays,
    everyMs: config.slots.pollIntervalMs,
    render: noticeMessage,
    onQueued: () => outbox.kick(),
    replicaId,
    reads: statusReads,
    onPolled: metrics?.watcherPolled,
    ...(opts.watchFailureThreshold !== undefined && {
      failureThreshold: opts.watchFailureThreshold,
    }),
  });

  // 6. Slack surfaces. If Slack refuses to start, what was opened so far is closed again.
  const slack = await startSlackApp({
    config,
    logger,
    identity,
    reports,
    home,
    responseUrls,
    requests,
    notices: createNoticeDecisions({
      store,
      requests,
      devicefarm: services.devicefarm,
      clock,
      logger,
    }),
    clock,
    maxQuantity: config.slots.maxQuantity,
    outboxHealth: () => store.outboxHealth(),
    databaseHealth: () => store.ping(),
    metrics,
    ...(opts.drainTimeoutMs !== undefined && { drainTimeoutMs: opts.drainTimeoutMs }),
    ...(clientOptions !== undefined && { clientOptions }),
    ...(opts.listenHost !== undefined && { listenHost: opts.listenHost }),
  }).catch(async (err: unknown) => {
    aws.destroy();
    await store.close();
    throw err;
  });

  // 7. Background work: deliveries, expiry, watching AWS, and requests a stopped process left
  // undecided.
  outbox.start();
  const sweepMs = opts.expirySweepMs ?? Math.min(30_000, config.slots.requestTtlMs);
  // Expiry first: a request that has run out is never reminded about.
  const expiry = startPeriodic(
    'expiry',
    sweepMs,
    async () => (await requests.expireDue()) + (await requests.remindDue()),
    logger,
  );
  void expiry.runNow();
  // Every replica checks the watcher lease; only its holder polls AWS.
  watcher.start();
  // Every replica, all the time: settles `unknown` requests and those a stopped process left
  // `executing`. Its writes are conditional, so replicas never both settle one request.
  const reconciler = startPeriodic(
    'reconcile',
    opts.reconcile?.everyMs ?? DEFAULT_RECONCILE_TIMINGS.everyMs,
    () => requests.reconcileDue(),
    logger,
  );
  void reconciler.runNow();

  let stopping: Promise<void> | undefined;
  return {
    slack,
    store,
    outbox,
    requests,
    watcher,
    replicaId,
    stop() {
      stopping ??= (async () => {
        await slack.stop();
        await home.stop();
        await expiry.stop();
        await watcher.stop();
        await reconciler.stop();
        // A purchase under way is waited for as long as its call may take, so its outcome is
        // written before the store closes.
        await requests.drain();
        await outbox.deliverDue();
        await outbox.stop();
        aws.destroy();
        await store.close();
      })();
      return stopping;
    },
  };
}
