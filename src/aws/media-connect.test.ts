import { MediaConnectClient } from '@aws-sdk/client-mediaconnect';
import { describe, expect, it, vi } from 'vitest';
import { money, zero } from '../domain/money.js';
import { AwsError } from './errors.js';
import { createMediaConnectOfferings, parseUtc, startTextOf } from './media-connect.js';

describe('parseUtc', () => {
  it.each([
    ['2020-03-05T23:30:00Z', '2020-03-05T23:30:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2020-03-05T23:30:00.250Z', '2020-03-05T23:30:00.250Z'],
  ])('reads %s', (text, iso) => {
    expect(parseUtc(text)?.toISOString()).toBe(iso);
  });

  it.each([
    undefined,
    '',
    '2020-03-05',
    '2020-03-05 23:30:00Z',
    '2020-03-05T23:30:00+01:00',
    '2020-03-05T23:30Z',
    '2023-02-29T00:00:00Z',
    '2020-13-01T00:00:00Z',
    'soon',
  ])('rejects %s', (text) => {
    expect(parseUtc(text)).toBeUndefined();
  });
});

describe('createMediaConnectOfferings over a stubbed client', () => {
  function stubbed(answer: () => unknown, pageSize?: number) {
    const client = new MediaConnectClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const send = vi.spyOn(client, 'send').mockImplementation((async () => answer()) as never);
    return {
      offerings: createMediaConnectOfferings({ client, writeClient: client, pageSize }),
      send,
    };
  }

  const reservation = {
    ReservationArn: 'arn:r',
    ReservationName: 'q3',
    ReservationState: 'ACTIVE',
    OfferingArn: 'arn:o',
    Start: '2020-03-05T23:30:00Z',
    End: '2021-03-05T23:30:00Z',
    PricePerUnit: '0.17',
    CurrencyCode: 'USD',
    PriceUnits: 'HOURLY',
    Duration: 12,
    ResourceSpecification: { ReservedBitrate: 10, ResourceType: 'Mbps_Outbound_Bandwidth' },
  };

  it('skips reservations without an ARN or a readable term, neutralises bad prices', async () => {
    const { offerings } = stubbed(() => ({
      Reservations: [
        null,
        { ...reservation, ReservationArn: undefined },
        { ...reservation, ReservationArn: 'arn:bad-end', End: 'next year' },
        { ...reservation, PricePerUnit: 'cheap', ResourceSpecification: undefined },
        reservation,
      ],
    }));
    const list = await offerings.listReservations();
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ pricePerUnit: zero(), bandwidthMbps: undefined });
    expect(list[1]).toMatchObject({
      arn: 'arn:r',
      start: new Date('2020-03-05T23:30:00Z'),
      end: new Date('2021-03-05T23:30:00Z'),
      pricePerUnit: money('0.17'),
      bandwidthMbps: 10,
    });
  });

  it('a describe with nothing usable fails as aws_unknown', async () => {
    const { offerings } = stubbed(() => ({}));
    await expect(offerings.describeOffering('arn:o')).rejects.toMatchObject({
      name: 'AwsError',
      code: 'aws_unknown',
      operation: 'DescribeOffering',
    });
    await expect(offerings.describeReservation('arn:r')).rejects.toBeInstanceOf(AwsError);
  });

  it('passes pageSize to the paginator as MaxResults', async () => {
    const { offerings, send } = stubbed(() => ({ Offerings: [] }), 100);
    await offerings.listOfferings();
    const command = send.mock.calls[0]?.[0] as unknown as { input: { MaxResults?: number } };
    expect(command.input.MaxResults).toBe(100);
  });
});

describe('startTextOf', () => {
  it('keeps exact text and writes dates without milliseconds', () => {
    expect(startTextOf('2020-03-05T23:30:00Z')).toBe('2020-03-05T23:30:00Z');
    expect(startTextOf(new Date('2020-03-05T23:30:00.987Z'))).toBe('2020-03-05T23:30:00Z');
  });

  it.each([
    '2020-03-05T23:30:00.000Z',
    '2020-03-05T23:30:00',
    '2023-02-29T00:00:00Z',
    '',
    new Date(Number.NaN),
  ])('refuses %s', (start) => {
    expect(startTextOf(start)).toBeUndefined();
  });
});

describe('MediaConnect purchases over a stubbed client', () => {
  function stubbed(answer: () => unknown, writeAttempts = 1) {
    const make = (maxAttempts: number) =>
      new MediaConnectClient({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        maxAttempts,
      });
    const client = make(3);
    const writeClient = make(writeAttempts);
    const impl = (async () => answer()) as never;
    const send = vi.spyOn(client, 'send').mockImplementation(impl);
    const write = vi.spyOn(writeClient, 'send').mockImplementation(impl);
    return { offerings: createMediaConnectOfferings({ client, writeClient }), send, write };
  }

  const reservation = {
    ReservationArn: 'arn:r',
    ReservationName: 'q3',
    ReservationState: 'ACTIVE',
    OfferingArn: 'arn:o',
    Start: '2020-03-05T23:30:00Z',
    End: '2021-03-05T23:30:00Z',
  };
  const good = { offeringArn: 'arn:o', reservationName: 'q3', start: '2020-03-05T23:30:00Z' };

  it.each([
    ['an empty offering ARN', { ...good, offeringArn: '' }],
    ['a blank name', { ...good, reservationName: '  ' }],
    ['a start with milliseconds', { ...good, start: '2020-03-05T23:30:00.000Z' }],
    ['an invalid date', { ...good, start: new Date(Number.NaN) }],
  ])('refuses to send %s (rejected)', async (_, input) => {
    const { offerings, write } = stubbed(() => ({ Reservation: reservation }));
    await expect(offerings.purchase(input)).rejects.toMatchObject({
      code: 'aws_bad_request',
      outcome: 'rejected',
      operation: 'PurchaseOffering',
    });
    expect(write).not.toHaveBeenCalled();
  });

  it('refuses to buy through a client that would retry', async () => {
    const { offerings, write } = stubbed(() => ({ Reservation: reservation }), 2);
    await expect(offerings.purchase(good)).rejects.toMatchObject({ outcome: 'rejected' });
    expect(write).not.toHaveBeenCalled();
  });

  it('a 2xx answer without a readable reservation is unknown', async () => {
    for (const answer of [{}, { Reservation: { ...reservation, End: 'later' } }]) {
      const { offerings } = stubbed(() => answer);
      await expect(offerings.purchase(good)).rejects.toMatchObject({
        code: 'aws_unknown',
        outcome: 'unknown',
      });
    }
  });

  it('findReservation will not call a purchase unmade when a match cannot be read', async () => {
    const { offerings } = stubbed(() => ({ Reservations: [{ ...reservation, Start: 'soon' }] }));
    await expect(
      offerings.findReservation({ reservationName: 'q3', offeringArn: 'arn:o' }),
    ).rejects.toMatchObject({ code: 'aws_unknown', outcome: 'unknown' });
  });

  it('findReservation returns the latest-starting match', async () => {
    const { offerings } = stubbed(() => ({
      Reservations: [
        reservation,
        { ...reservation, ReservationArn: 'arn:r2', Start: '2020-04-01T00:00:00Z' },
        { ...reservation, ReservationArn: 'arn:other', OfferingArn: 'arn:x' },
      ],
    }));
    const found = await offerings.findReservation({ reservationName: 'q3', offeringArn: 'arn:o' });
    expect(found?.arn).toBe('arn:r2');
    await expect(
      offerings.findReservation({ reservationName: 'q4', offeringArn: 'arn:o' }),
    ).resolves.toBeUndefined();
  });
});

describe('activeReservation: "only one at a time", by AWS state', () => {
  const NOW = new Date('2025-03-15T12:00:00Z');
  const base = {
    ReservationArn: 'arn:r',
    ReservationName: 'q3',
    OfferingArn: 'arn:o',
    Duration: 12,
    DurationUnits: 'MONTHS',
    PricePerUnit: '0.17',
    CurrencyCode: 'USD',
    PriceUnits: 'HOURLY',
  };
  const running = { Start: '2025-03-01T00:00:00Z', End: '2026-03-01T00:00:00Z' };
  const future = { Start: '2025-03-16T00:00:00Z', End: '2026-03-16T00:00:00Z' };
  const ended = { Start: '2024-03-01T00:00:00Z', End: '2025-03-01T00:00:00Z' };

  function over(reservations: unknown[]) {
    const client = new MediaConnectClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    vi.spyOn(client, 'send').mockImplementation((async () => ({
      Reservations: reservations,
    })) as never);
    const warn = vi.fn();
    return {
      offerings: createMediaConnectOfferings({ client, writeClient: client, logger: { warn } }),
      warn,
    };
  }

  it.each([
    ['ACTIVE within its term', 'ACTIVE', running, true],
    ['ACTIVE whose start is ahead of our clock', 'ACTIVE', future, true],
    ['ACTIVE past its end (AWS not yet caught up)', 'ACTIVE', ended, false],
    ['PROCESSING within its term', 'PROCESSING', running, true],
    ['PROCESSING starting in the future', 'PROCESSING', future, true],
    ['PROCESSING past its stated end', 'PROCESSING', ended, true],
    ['PROCESSING with no end yet', 'PROCESSING', { Start: running.Start }, true],
    [
      'PROCESSING with an end before its start',
      'PROCESSING',
      { ...running, End: ended.Start },
      true,
    ],
    ['PROCESSING with no term at all', 'PROCESSING', {}, true],
    [
      'ACTIVE with an unreadable end, within start + duration',
      'ACTIVE',
      { ...running, End: 'soon' },
      true,
    ],
    [
      'ACTIVE with an unreadable end, past start + duration',
      'ACTIVE',
      { ...ended, End: 'soon' },
      false,
    ],
    ['ACTIVE with no term at all', 'ACTIVE', {}, true],
    ['a state this code does not know, within its term', 'PENDING_SOMETHING', running, true],
    ['EXPIRED', 'EXPIRED', running, false],
    ['CANCELED within its term', 'CANCELED', running, false],
  ] as const)('%s: blocks = %s', async (_, state, term, blocks) => {
    const { offerings } = over([{ ...base, ReservationState: state, ...term }]);
    const found = await offerings.activeReservation(NOW);
    expect(found !== undefined).toBe(blocks);
    if (found) expect(found).toMatchObject({ arn: 'arn:r', name: 'q3', state });
  });

  it('fills in a term AWS left unreadable with valid dates, computed as AWS would', async () => {
    const { offerings, warn } = over([
      { ...base, ReservationState: 'PROCESSING', Start: running.Start, End: '' },
    ]);
    const found = await offerings.activeReservation(NOW);
    expect(found?.start).toEqual(new Date(running.Start));
    expect(found?.end).toEqual(new Date('2026-03-01T00:00:00Z'));
    expect(warn).toHaveBeenCalledTimes(1);

    const none = over([{ ...base, ReservationState: 'PROCESSING', Duration: undefined }]);
    const bare = await none.offerings.activeReservation(NOW);
    expect(bare?.start).toEqual(NOW);
    expect(bare?.end).toEqual(NOW);
  });

  it('prefers a blocking reservation it can read over one it cannot', async () => {
    const { offerings } = over([
      { ...base, ReservationArn: 'arn:expired', ReservationState: 'EXPIRED', ...ended },
      { ...base, ReservationArn: 'arn:unreadable', ReservationState: 'PROCESSING' },
      { ...base, ReservationArn: 'arn:active', ReservationState: 'ACTIVE', ...running },
    ]);
    expect((await offerings.activeReservation(NOW))?.arn).toBe('arn:active');
  });

  it('finds nothing when every reservation has ended or was cancelled', async () => {
    const { offerings } = over([
      { ...base, ReservationState: 'EXPIRED', ...ended },
      { ...base, ReservationState: 'CANCELED', ...future },
      null,
    ]);
    await expect(offerings.activeReservation(NOW)).resolves.toBeUndefined();
  });
});

describe('describeOffering input checks', () => {
  it('refuses an empty ARN with a code, before sending', async () => {
    const client = new MediaConnectClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const send = vi.spyOn(client, 'send');
    const offerings = createMediaConnectOfferings({ client, writeClient: client });
    await expect(offerings.describeOffering(' ')).rejects.toMatchObject({
      code: 'aws_bad_request',
      outcome: 'rejected',
      operation: 'DescribeOffering',
    });
    expect(send).not.toHaveBeenCalled();
  });
});
