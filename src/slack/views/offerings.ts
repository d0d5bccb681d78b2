/**
 * `/slots offerings`: what can be bought, with prices and the ids people copy into a request
 * (Device Farm offering id, MediaConnect offering ARN), and current Device Farm promotions.
 */
import {
  type DeviceFarmOffering,
  type MediaConnectOffering,
  type Promotion,
  SERVICE_LABEL,
} from '../../aws/types.js';
import type { OfferingsReport, Outcome } from '../../capacity/reports.js';
import { formatDateTime } from '../../domain/dates.js';
import {
  bandwidth,
  compareText,
  count,
  description,
  estimatedMonthlyCost,
  money,
  platform,
  unitPrice,
} from './format.js';
import {
  context,
  divider,
  fallback,
  header,
  itemList,
  layout,
  type Part,
  type SlackMessage,
  section,
} from './message.js';
import { code } from './mrkdwn.js';
import { notShown, type ServicePart, unreadable } from './service-part.js';

export function offeringsMessage(report: OfferingsReport): SlackMessage {
  const asked = (['devicefarm', 'mediaconnect'] as const).filter((s) => report[s] !== undefined);
  const single = asked.length === 1 ? asked[0] : undefined;
  const alone = single !== undefined;

  const parts: Part[] = [
    header(single ? `${SERVICE_LABEL[single]} offerings you can buy` : 'Offerings you can buy'),
  ];
  if (report.now) parts.push(context(`as of ${formatDateTime(report.now)}`));
  const summaries: string[] = [];

  asked.forEach((service, i) => {
    if (i > 0) parts.push(divider());
    const built =
      service === 'devicefarm' && report.devicefarm
        ? deviceFarm(report.devicefarm, alone)
        : service === 'mediaconnect' && report.mediaconnect
          ? mediaConnect(report.mediaconnect, alone)
          : undefined;
    if (!built) return;
    parts.push(...built.parts);
    summaries.push(built.summary);
  });
  if (asked.length === 0) parts.push(section('Nothing was asked for.'));

  return { text: fallback(...summaries) || 'Offerings you can buy', blocks: layout(parts) };
}

// ---------------------------------------------------------------------------------------------
// Device Farm

export function compareDeviceFarmOfferings(a: DeviceFarmOffering, b: DeviceFarmOffering): number {
  return (
    compareText(a.platform, b.platform) ||
    compareText(a.description, b.description) ||
    compareText(a.id, b.id)
  );
}

function deviceFarm(
  outcome: Outcome<{
    readonly offerings: readonly DeviceFarmOffering[];
    readonly promotions: readonly Promotion[];
  }>,
  alone: boolean,
): ServicePart {
  if (!outcome.ok) return unreadable('devicefarm', outcome.error);
  const offerings = [...outcome.value.offerings].sort(compareDeviceFarmOfferings);
  const promotions = [...outcome.value.promotions].sort(
    (a, b) => compareText(a.description, b.description) || compareText(a.id, b.id),
  );

  const parts: Part[] = [];
  if (offerings.length === 0) {
    parts.push(section('*Device Farm offerings*\nNo Device Farm offerings available.'));
  } else {
    parts.push(
      section(`*Device Farm offerings* · ${offerings.length} available`),
      itemList(
        offerings.map(offeringLine),
        notShown('offerings', 'devicefarm', 'Device Farm offerings', alone),
      ),
    );
  }
  if (promotions.length > 0) {
    parts.push(
      section(`*Device Farm promotions* · ${promotions.length}`),
      itemList(
        promotions.map(promotionLine),
        notShown('offerings', 'devicefarm', 'Device Farm promotions', alone),
      ),
    );
  }
  return {
    parts,
    summary:
      `Device Farm: ${count(offerings.length, 'offering')}` +
      (promotions.length > 0 ? `, ${count(promotions.length, 'promotion')}.` : '.'),
  };
}

function offeringLine(o: DeviceFarmOffering): string {
  return (
    `• *${platform(o.platform)}* · ${description(o.description)} — ` +
    `*${money(o.monthlyPrice)}* per slot per month · ${code(o.id)}`
  );
}

function promotionLine(p: Promotion): string {
  return `• ${description(p.description)} · ${code(p.id)}`;
}

// ---------------------------------------------------------------------------------------------
// MediaConnect

/** Shortest term first, then smallest bandwidth, then id. */
export function compareMediaConnectOfferings(
  a: MediaConnectOffering,
  b: MediaConnectOffering,
): number {
  return (
    a.durationMonths - b.durationMonths ||
    (a.bandwidthMbps ?? Number.POSITIVE_INFINITY) - (b.bandwidthMbps ?? Number.POSITIVE_INFINITY) ||
    compareText(a.id, b.id)
  );
}

function mediaConnect(
  outcome: Outcome<readonly MediaConnectOffering[]>,
  alone: boolean,
): ServicePart {
  if (!outcome.ok) return unreadable('mediaconnect', outcome.error);
  const offerings = [...outcome.value].sort(compareMediaConnectOfferings);
  if (offerings.length === 0) {
    return {
      parts: [section('*MediaConnect offerings*\nNo MediaConnect offerings available.')],
      summary: 'MediaConnect: no offerings.',
    };
  }
  return {
    parts: [
      section(
        `*MediaConnect offerings* · ${offerings.length} available\n` +
          'Priced per Mbps per hour for the whole term; monthly figures are estimates (730 h).',
      ),
      itemList(
        offerings.map(mediaConnectLine),
        notShown('offerings', 'mediaconnect', 'MediaConnect offerings', alone),
      ),
    ],
    summary: `MediaConnect: ${count(offerings.length, 'offering')}.`,
  };
}

function mediaConnectLine(o: MediaConnectOffering): string {
  // Bandwidth and term say what an offering is; the description only helps when bandwidth is missing.
  const what =
    o.bandwidthMbps === undefined ? description(o.description) : `*${bandwidth(o.bandwidthMbps)}*`;
  const estimate = estimatedMonthlyCost(o.pricePerUnit, o.priceUnit, o.bandwidthMbps);
  return (
    `• ${what} for ${count(o.durationMonths, 'month')} — ${unitPrice(o.pricePerUnit, o.priceUnit)}` +
    (estimate ? ` (est. ${money(estimate)}/mo)` : '') +
    ` · ${code(o.id)}`
  );
}
