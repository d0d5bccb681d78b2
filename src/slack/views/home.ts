/**
 * The App Home tab: the account's status (the same view as `/slots status`) and how to use
 * `/slots`. A Home tab takes up to 100 blocks; the status message keeps itself to 50.
 */
import type { types } from '@slack/bolt';
import type { StatusReport } from '../../capacity/reports.js';
import { helpMessage } from './help.js';
import { divider } from './message.js';
import { statusMessage } from './status.js';

export const HOME_BLOCKS_MAX = 100;

export function homeView(report: StatusReport): types.HomeView {
  const blocks = [...statusMessage(report).blocks, divider(), ...helpMessage().blocks];
  return { type: 'home', blocks: blocks.slice(0, HOME_BLOCKS_MAX) };
}
