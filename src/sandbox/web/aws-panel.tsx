/**
 * The AWS side of the sandbox: the simulator's clock, what it is doing, every call the bot made
 * (exactly what AWS received and answered), and the buttons for what AWS or someone in the AWS
 * console does without the bot.
 */
import { useState } from 'preact/hooks';
import type { ActionResult, AwsAction, AwsCallView, AwsPanelState } from '../protocol.js';
import { clockSeconds, dateTime } from './format.js';

export interface AwsPanelProps {
  readonly aws: AwsPanelState;
  readonly onAction: (action: AwsAction) => Promise<ActionResult>;
}

/** Calls that buy or renew: what an approval ends in. */
const PURCHASE_OPERATIONS = /Purchase|Renew/;

export function AwsPanel({ aws, onAction }: AwsPanelProps) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ActionResult>();
  const [onlyPurchases, setOnlyPurchases] = useState(false);
  const act = async (action: AwsAction) => {
    if (busy) return;
    setBusy(true);
    try {
      setResult(await onAction(action));
    } finally {
      setBusy(false);
    }
  };
  const calls = [...aws.calls]
    .reverse()
    .filter((c) => !onlyPurchases || PURCHASE_OPERATIONS.test(c.operation));
  return (
    <aside class="aws-panel" data-testid="aws-panel" aria-label="AWS">
      <div class="aws-head">
        <h2>AWS (simulated)</h2>
        <div class="aws-clock-line">
          Now: <strong data-testid="aws-clock">{dateTime(aws.now)}</strong>
        </div>
        <div class="aws-next">Next Device Farm period: {dateTime(aws.nextPeriodStart)}</div>
        <div class="aws-services">
          {(['devicefarm', 'mediaconnect'] as const).map((s) => (
            <span key={s} class={`service service-${aws.services[s]}`} data-service={s}>
              {s === 'devicefarm' ? 'Device Farm' : 'MediaConnect'}: {aws.services[s]}
            </span>
          ))}
        </div>
      </div>
      <div class="aws-actions">
        <button
          type="button"
          class="bk-button bk-button-primary aws-wide"
          data-testid="aws-advance-period"
          disabled={busy}
          onClick={() => void act({ kind: 'advance-period' })}
        >
          Advance to the next billing period
        </button>
        <OfferingAction
          aws={aws}
          busy={busy}
          kind="renew-outside"
          label="Renew outside the bot"
          onAct={act}
        />
        <OfferingAction
          aws={aws}
          busy={busy}
          kind="buy-outside"
          label="Buy outside the bot"
          onAct={act}
        />
        <OfferingAction
          aws={aws}
          busy={busy}
          kind="set-next-period"
          label="Set next period"
          onAct={act}
        />
        <EndReservation aws={aws} busy={busy} onAct={act} />
        <div class="aws-row">
          <button
            type="button"
            class="bk-button bk-button-danger"
            data-testid="aws-fail-devicefarm"
            disabled={busy}
            onClick={() => void act({ kind: 'fail', service: 'devicefarm' })}
          >
            Fail Device Farm
          </button>
          <button
            type="button"
            class="bk-button bk-button-danger"
            data-testid="aws-fail-mediaconnect"
            disabled={busy}
            onClick={() => void act({ kind: 'fail', service: 'mediaconnect' })}
          >
            Fail MediaConnect
          </button>
          <button
            type="button"
            class="bk-button"
            data-testid="aws-heal"
            disabled={busy}
            onClick={() => void act({ kind: 'heal' })}
          >
            Heal
          </button>
        </div>
        <div
          class={`aws-result${result && !result.ok ? ' aws-result-error' : ''}`}
          data-testid="aws-result"
          role="status"
        >
          {result ? (result.message ?? (result.ok ? 'Done.' : 'That did not work.')) : ''}
        </div>
      </div>
      <div class="aws-calls-head">
        <h3>
          Calls from the bot <span class="muted">({aws.totalCalls} in all)</span>
        </h3>
        <label class="aws-filter">
          <input
            type="checkbox"
            checked={onlyPurchases}
            onChange={(e) => setOnlyPurchases((e.currentTarget as HTMLInputElement).checked)}
          />{' '}
          purchases and renewals only
        </label>
      </div>
      <ol class="aws-calls">
        {calls.length === 0 && <li class="muted">No calls yet.</li>}
        {calls.map((c) => (
          <CallRow key={c.seq} call={c} />
        ))}
      </ol>
    </aside>
  );
}

function CallRow({ call }: { call: AwsCallView }) {
  const [open, setOpen] = useState(false);
  const failed = call.status === 0 || call.status >= 400;
  return (
    <li
      class={`aws-call${failed ? ' aws-call-failed' : ''}`}
      data-testid="aws-call"
      data-operation={call.operation}
      data-service={call.service}
    >
      <button
        type="button"
        class="aws-call-summary"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <span class="aws-call-time">{clockSeconds(call.at)}</span>
        <span class="aws-call-service">{call.service}</span>
        <span class="aws-call-operation">{call.operation}</span>
        <span class="aws-call-status">{call.status === 0 ? 'dropped' : call.status}</span>
      </button>
      {open && (
        <div class="aws-call-detail">
          <div class="muted">Parameters</div>
          <pre>{JSON.stringify(call.input, null, 2)}</pre>
          <div class="muted">Answer</div>
          <pre>{call.answer === undefined ? '(none)' : JSON.stringify(call.answer, null, 2)}</pre>
        </div>
      )}
    </li>
  );
}

interface OfferingActionProps {
  readonly aws: AwsPanelState;
  readonly busy: boolean;
  readonly kind: 'renew-outside' | 'buy-outside' | 'set-next-period';
  readonly label: string;
  readonly onAct: (action: AwsAction) => Promise<void>;
}

function OfferingAction({ aws, busy, kind, label, onAct }: OfferingActionProps) {
  const [offeringId, setOfferingId] = useState('');
  const [quantity, setQuantity] = useState('1');
  const chosen = aws.offerings.find((o) => o.id === offeringId) ?? aws.offerings[0];
  const id = `aws-${kind}`;
  const n = Number(quantity);
  const valid = chosen !== undefined && Number.isInteger(n) && n >= 0;
  return (
    <div class="aws-row aws-row-wrap">
      <select
        id={`${id}-offering`}
        aria-label={`${label}: product`}
        value={chosen?.id ?? ''}
        onChange={(e) => setOfferingId((e.currentTarget as HTMLSelectElement).value)}
      >
        {aws.offerings.map((o) => (
          <option key={o.id} value={o.id}>
            {o.platform} · {o.current} now, {o.nextPeriod} next · {o.description}
          </option>
        ))}
      </select>
      <input
        id={`${id}-quantity`}
        type="number"
        min="0"
        step="1"
        class="aws-quantity"
        aria-label={`${label}: how many`}
        value={quantity}
        onInput={(e) => setQuantity((e.currentTarget as HTMLInputElement).value)}
      />
      <button
        type="button"
        class="bk-button"
        data-testid={id}
        disabled={busy || !valid}
        onClick={() => chosen && void onAct({ kind, offeringId: chosen.id, quantity: n })}
      >
        {label}
      </button>
    </div>
  );
}

function EndReservation({ aws, busy, onAct }: Pick<OfferingActionProps, 'aws' | 'busy' | 'onAct'>) {
  const [name, setName] = useState('');
  const [days, setDays] = useState('3');
  const chosen = aws.reservations.find((r) => r.name === name) ?? aws.reservations[0];
  const n = Number(days);
  const valid = chosen !== undefined && Number.isInteger(n) && n >= 0;
  return (
    <div class="aws-row aws-row-wrap">
      <select
        aria-label="End reservation: which one"
        value={chosen?.name ?? ''}
        onChange={(e) => setName((e.currentTarget as HTMLSelectElement).value)}
      >
        {aws.reservations.length === 0 && <option value="">No reservations</option>}
        {aws.reservations.map((r) => (
          <option key={r.arn} value={r.name}>
            {r.name} ({r.state}, ends {dateTime(r.end)})
          </option>
        ))}
      </select>
      <input
        type="number"
        min="0"
        step="1"
        class="aws-quantity"
        aria-label="End reservation: days from now"
        value={days}
        onInput={(e) => setDays((e.currentTarget as HTMLInputElement).value)}
      />
      <button
        type="button"
        class="bk-button"
        data-testid="aws-end-reservation"
        disabled={busy || !valid}
        onClick={() =>
          chosen && void onAct({ kind: 'end-reservation', name: chosen.name, days: n })
        }
      >
        End in days
      </button>
    </div>
  );
}
