/**
 * Changes made to the AWS account outside slots-bot (someone in the console), sent straight to the
 * simulator on the wire, so the bot learns of them only by reading AWS.
 */
import { expect } from 'vitest';

/** A Device Farm purchase or renewal made outside the bot; returns its transaction id. */
export async function deviceFarmOutside(
  simUrl: string,
  operation: 'PurchaseOffering' | 'RenewOffering',
  offeringId: string,
  quantity: number,
): Promise<string> {
  const res = await fetch(`${simUrl}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `DeviceFarm_20150623.${operation}`,
    },
    body: JSON.stringify({ offeringId, quantity }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { offeringTransaction: { transactionId: string } };
  return body.offeringTransaction.transactionId;
}
