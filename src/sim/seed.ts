/**
 * Starting states. Every id is fixed and every date is relative to `now`, so a seed is a pure
 * function of the clock and tests can name records without reading them back first.
 */
import { addDays, addMonths, formatSeconds, nextPeriodStart, periodStart } from './clock.js';
import { MEDIA_CONNECT_ARN_PREFIX } from './media-connect.js';
import type {
  DfOffering,
  DfOfferingStatus,
  DfPromotion,
  DfTransaction,
  McOffering,
  McReservation,
  SimSeed,
} from './types.js';

/** Device Farm's list price for one unmetered slot, per month. */
export const DEVICE_FARM_MONTHLY_PRICE = 250;

/** Ids of the default seed's records, for tests and demos. */
export const SEED_IDS = {
  androidRemote: 'a6f1c1d2-3b4e-4f50-8a61-7b8c9d0e1f21',
  iosRemote: 'b7e2d2e3-4c5f-4061-9b72-8c9d0e1f2a32',
  androidAutomated: 'c8f3e3f4-5d60-4172-ac83-9d0e1f2a3b43',
  iosAutomated: 'd904f405-6e71-4283-bd94-0e1f2a3b4c54',
  androidPrivate: 'e0150516-7f82-4394-8ea5-1f2a3b4c5d65',
  promotionAndroid: 'promo-android-free-month',
  promotionIos: 'promo-ios-free-month',
  offering10: `${MEDIA_CONNECT_ARN_PREFIX}:offering:36KTUMS5RR10`,
  offering20: `${MEDIA_CONNECT_ARN_PREFIX}:offering:36KTUMS5RR20`,
  offering50: `${MEDIA_CONNECT_ARN_PREFIX}:offering:36KTUMS5RR50`,
  activeReservation: `${MEDIA_CONNECT_ARN_PREFIX}:reservation:1f0e2d3c-4b5a-4697-8877-665544332211:live-events`,
  expiredReservation: `${MEDIA_CONNECT_ARN_PREFIX}:reservation:2a1b3c4d-5e6f-4708-9a1b-2c3d4e5f6a7b:pilot-bandwidth`,
} as const;

/**
 * Five Device Farm offerings (four with slots; one renewal cancelled), their history and two
 * unused promotions; three MediaConnect offerings, one ACTIVE reservation ending in 20 days and
 * one EXPIRED.
 */
export function defaultSeed(now: Date): SimSeed {
  const androidRemote = dfOffering(
    SEED_IDS.androidRemote,
    'ANDROID',
    'Android Remote Access Unmetered Device Slot',
  );
  const iosRemote = dfOffering(
    SEED_IDS.iosRemote,
    'IOS',
    'iOS Remote Access Unmetered Device Slot',
  );
  const androidAutomated = dfOffering(
    SEED_IDS.androidAutomated,
    'ANDROID',
    'Android Unmetered Device Slot',
  );
  const iosAutomated = dfOffering(SEED_IDS.iosAutomated, 'IOS', 'iOS Unmetered Device Slot');
  const androidPrivate = dfOffering(
    SEED_IDS.androidPrivate,
    'ANDROID',
    'Android Private Device Slot',
  );

  const thisPeriod = periodStart(now);
  const lastPeriod = addMonths(thisPeriod, -1);
  const mid = (start: Date) => addDays(start, 14);
  const recently = new Date(Math.max(thisPeriod.getTime(), addDays(now, -2).getTime()));
  // [type, offering, quantity, when, cost]; ids follow the order.
  const history: [DfOfferingStatus['type'], DfOffering, number, Date, number][] = [
    ['PURCHASE', androidRemote, 2, mid(lastPeriod), 266.67],
    ['PURCHASE', androidAutomated, 3, mid(lastPeriod), 400],
    ['PURCHASE', iosRemote, 1, mid(lastPeriod), 133.33],
    ['SYSTEM', androidRemote, 2, thisPeriod, 500],
    ['SYSTEM', androidAutomated, 3, thisPeriod, 750],
    ['SYSTEM', iosRemote, 1, thisPeriod, 250],
    ['PURCHASE', iosAutomated, 1, thisPeriod, 250],
    ['RENEW', iosRemote, 0, recently, 0],
  ];
  const transactions = history.map(([type, offering, quantity, at, cost], i) =>
    dfTransaction(
      `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      offering,
      type,
      quantity,
      at,
      cost,
    ),
  );

  const offering10 = mcOffering(SEED_IDS.offering10, 10, '0.17');
  const offering20 = mcOffering(SEED_IDS.offering20, 20, '0.16');
  const offering50 = mcOffering(SEED_IDS.offering50, 50, '0.15');
  const activeEnd = addDays(now, 20);
  const expiredEnd = addMonths(activeEnd, -12);
  return {
    deviceFarm: {
      eligible: true,
      maxSlotsPerOffering: 50,
      offerings: [androidRemote, iosRemote, androidAutomated, iosAutomated, androidPrivate],
      slots: {
        [androidRemote.id]: { current: 2, nextPeriod: 2 },
        [iosRemote.id]: { current: 1, nextPeriod: 0 },
        [androidAutomated.id]: { current: 3, nextPeriod: 3 },
        [iosAutomated.id]: { current: 1, nextPeriod: 1 },
      },
      promotions: defaultPromotions(),
      transactions,
    },
    mediaConnect: {
      offerings: [offering10, offering20, offering50],
      reservations: [
        mcReservation(offering20, SEED_IDS.activeReservation, 'live-events', 'ACTIVE', activeEnd),
        mcReservation(
          offering10,
          SEED_IDS.expiredReservation,
          'pilot-bandwidth',
          'EXPIRED',
          expiredEnd,
        ),
      ],
    },
  };
}

/**
 * `count` Device Farm offerings, each holding 1–5 slots (every seventh renewing none), and
 * `count` MediaConnect offerings and reservations (even indexes ACTIVE, odd EXPIRED): enough to
 * push any Slack view past Block Kit's limits.
 */
export function largeSeed(now: Date, count: number): SimSeed {
  const offerings: DfOffering[] = [];
  const slots: SimSeed['deviceFarm']['slots'] = {};
  const transactions: DfTransaction[] = [];
  const mcOfferings: McOffering[] = [];
  const reservations: McReservation[] = [];
  const thisPeriod = periodStart(now);
  for (let i = 0; i < count; i++) {
    const n = String(i + 1).padStart(12, '0');
    const platform = i % 2 === 0 ? 'ANDROID' : 'IOS';
    const offering = dfOffering(
      `10000000-0000-4000-8000-${n}`,
      platform,
      `${platform === 'IOS' ? 'iOS' : 'Android'} Unmetered Device Slot #${i + 1}`,
    );
    const current = 1 + (i % 5);
    offerings.push(offering);
    slots[offering.id] = { current, nextPeriod: i % 7 === 6 ? 0 : current };
    transactions.push(
      dfTransaction(
        `20000000-0000-4000-8000-${n}`,
        offering,
        'SYSTEM',
        current,
        thisPeriod,
        DEVICE_FARM_MONTHLY_PRICE * current,
      ),
    );

    const mc = mcOffering(`${MEDIA_CONNECT_ARN_PREFIX}:offering:LARGE${n}`, 10 * (i + 1), '0.17');
    mcOfferings.push(mc);
    const active = i % 2 === 0;
    const end = active ? addDays(now, 1 + (i % 300)) : addDays(now, -1 - (i % 300));
    const name = `reservation-${i + 1}`;
    reservations.push(
      mcReservation(
        mc,
        `${MEDIA_CONNECT_ARN_PREFIX}:reservation:30000000-0000-4000-8000-${n}:${name}`,
        name,
        active ? 'ACTIVE' : 'EXPIRED',
        end,
      ),
    );
  }
  return {
    deviceFarm: {
      eligible: true,
      maxSlotsPerOffering: 50,
      offerings,
      slots,
      promotions: defaultPromotions(),
      transactions,
    },
    mediaConnect: { offerings: mcOfferings, reservations },
  };
}

function defaultPromotions(): DfPromotion[] {
  return [
    {
      id: SEED_IDS.promotionAndroid,
      description: 'One free Android device slot for a month',
      used: false,
    },
    { id: SEED_IDS.promotionIos, description: 'One free iOS device slot for a month', used: false },
  ];
}

function dfOffering(id: string, platform: string, description: string): DfOffering {
  return {
    id,
    description,
    type: 'RECURRING',
    platform,
    recurringCharges: [
      { cost: { amount: DEVICE_FARM_MONTHLY_PRICE, currencyCode: 'USD' }, frequency: 'MONTHLY' },
    ],
  };
}

function dfTransaction(
  transactionId: string,
  offering: DfOffering,
  type: DfOfferingStatus['type'],
  quantity: number,
  at: Date,
  amount: number,
): DfTransaction {
  return {
    transactionId,
    // A renewal takes effect at the next period, not when it was made.
    offeringStatus: {
      type,
      offering,
      quantity,
      effectiveOn: type === 'RENEW' ? nextPeriodStart(at) : at,
    },
    createdOn: at,
    cost: { amount, currencyCode: 'USD' },
  };
}

function mcOffering(offeringArn: string, mbps: number, pricePerUnit: string): McOffering {
  return {
    currencyCode: 'USD',
    duration: 12,
    durationUnits: 'MONTHS',
    offeringArn,
    offeringDescription: `Offering to reserve ${mbps} Mbps of outbound bandwidth for 12 months`,
    pricePerUnit,
    priceUnits: 'HOURLY',
    resourceSpecification: { reservedBitrate: mbps, resourceType: 'Mbps_Outbound_Bandwidth' },
  };
}

function mcReservation(
  offering: McOffering,
  reservationArn: string,
  reservationName: string,
  reservationState: string,
  end: Date,
): McReservation {
  return {
    ...offering,
    reservationArn,
    reservationName,
    reservationState,
    start: formatSeconds(addMonths(end, -offering.duration)),
    end: formatSeconds(end),
  };
}
