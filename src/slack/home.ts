/**
 * The App Home tab: usage and the account's status, published each time a user opens it.
 */
import type { App } from '@slack/bolt';
import type { Reports } from '../capacity/reports.js';
import type { Logger } from '../logger.js';
import { homeView } from './views/home.js';

export interface HomeDeps {
  readonly reports: Reports;
  readonly logger: Logger;
}

export function registerHome(app: App, deps: HomeDeps): void {
  const log = deps.logger.child({ module: 'home' });
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      const report = await deps.reports.status();
      await client.views.publish({ user_id: event.user, view: homeView(report) });
    } catch (err) {
      log.warn({ err, user: event.user }, 'could not publish the Home tab');
    }
  });
}
