/**
 * Plain-data shapes of the simulator. Device Farm and MediaConnect records are kept in their
 * wire shape (camelCase, as the service models name them) so a handler can answer with them
 * directly; Device Farm timestamps are `Date`s here and become epoch seconds on the wire.
 */

/** The two simulated services. */
export type SimService = 'devicefarm' | 'mediaconnect';

/** Device Farm `MonetaryAmount`. */
export interface DfMoney {
  amount: number;
  currencyCode: string;
}

/** Device Farm `Offering`. */
export interface DfOffering {
  id: string;
  description: string;
  type: string;
  platform: string;
  recurringCharges: { cost: DfMoney; frequency: string }[];
}

/** Device Farm `OfferingPromotion` plus whether a purchase already consumed it. */
export interface DfPromotion {
  id: string;
  description: string;
  used: boolean;
}

/** Device Farm `OfferingStatus` (the entry inside a transaction). */
export interface DfOfferingStatus {
  type: 'PURCHASE' | 'RENEW' | 'SYSTEM';
  offering: DfOffering;
  quantity: number;
  effectiveOn?: Date;
}

/** Device Farm `OfferingTransaction`. */
export interface DfTransaction {
  transactionId: string;
  offeringStatus: DfOfferingStatus;
  offeringPromotionId?: string;
  createdOn: Date;
  cost: DfMoney;
}

/** Slots held for one offering now and from the start of the next period. */
export interface DfSlots {
  current: number;
  nextPeriod: number;
}

/** The Device Farm account. */
export interface DeviceFarmState {
  /** `false` makes PurchaseOffering and RenewOffering answer NotEligibleException. */
  eligible: boolean;
  /** Ceiling on one offering's slots (current after a purchase, or a renewal quantity). */
  maxSlotsPerOffering: number;
  offerings: DfOffering[];
  /** Keyed by offering id; offerings without an entry hold nothing. */
  slots: Record<string, DfSlots>;
  promotions: DfPromotion[];
  /** In any order; ListOfferingTransactions sorts newest first. */
  transactions: DfTransaction[];
}

/** MediaConnect `Offering`. */
export interface McOffering {
  currencyCode: string;
  duration: number;
  durationUnits: string;
  offeringArn: string;
  offeringDescription: string;
  /** A decimal amount as text, e.g. `"0.17"`. */
  pricePerUnit: string;
  priceUnits: string;
  resourceSpecification: { reservedBitrate?: number; resourceType: string };
}

/** MediaConnect `Reservation`; `start`/`end` are `YYYY-MM-DDTHH:mm:SSZ`. */
export interface McReservation extends McOffering {
  reservationArn: string;
  reservationName: string;
  reservationState: string;
  start: string;
  end: string;
}

/** The MediaConnect account (one region). */
export interface MediaConnectState {
  offerings: McOffering[];
  reservations: McReservation[];
}

/** Everything the simulator knows; tests may edit it between calls. */
export interface SimState {
  deviceFarm: DeviceFarmState;
  mediaConnect: MediaConnectState;
}

/** A starting state. The simulator copies it, so one seed can start many simulators. */
export type SimSeed = SimState;

/** What to do to the next calls of one operation. */
export interface SimFault {
  /** Answer this error instead of running the operation (status defaults per service). */
  error?: { name: string; status?: number; message?: string };
  /** Wait this long before answering (added to the global delay). */
  delayMs?: number;
  /** Destroy the socket without answering, before or after the operation took effect. */
  drop?: 'before' | 'after';
  /** How many calls the fault applies to; until `clearFaults()` when absent. */
  times?: number;
}

/** One recorded request. */
export interface SimCall {
  service: SimService;
  operation: string;
  /** Device Farm: the JSON body. MediaConnect: decoded labels, query and body merged. */
  input: Record<string, unknown>;
  /** The `amz-sdk-request` header, e.g. `attempt=1; max=1`. */
  sdkRequest: string | undefined;
  /** The access key id the request was signed with (SigV4 `Credential=`); undefined if unsigned. */
  accessKeyId: string | undefined;
  /** HTTP status answered; 0 while pending or when the connection was dropped. */
  status: number;
  at: Date;
  /**
   * The parsed JSON body answered, error bodies included (Device Farm timestamps as epoch
   * seconds, as sent). Only with the `recordAnswers` option; undefined while pending or when the
   * connection was dropped.
   */
  answer?: unknown;
}

/**
 * How the simulated AWS behaves where AWS's documentation leaves room, or where the bot must
 * cope with AWS being late, slow to settle, skewed or refusing. Every default is what the
 * simulator did before these switches existed.
 */
export interface SimBehaviour {
  /**
   * `bought` (default): a Device Farm PURCHASE transaction records the quantity bought;
   * `total`: the total slots held for that offering right after the purchase.
   */
  purchaseQuantity: 'bought' | 'total';
  /**
   * AWS's clock minus the host's, in ms (positive: AWS ahead). Applied to every answer's `Date`
   * header and to every timestamp AWS makes. Default 0.
   */
  clockOffsetMs: number;
  /**
   * A Device Farm transaction or MediaConnect reservation made through the API shows in
   * ListOfferingTransactions / ListReservations / DescribeReservation only this many ms (host
   * time) after it was made; the purchase's own answer returns it at once. Default 0.
   */
  listingDelayMs: number;
  /** State of a newly purchased MediaConnect reservation; PROCESSING lasts until activated. */
  newReservationState: 'ACTIVE' | 'PROCESSING';
  /** Device Farm's four read operations answer NotEligibleException (400) when true. */
  readsNotEligible: boolean;
  /** MediaConnect offering ARNs carry no account field (`arn:aws:mediaconnect:<region>::offering:…`). */
  arnWithoutAccount: boolean;
}
