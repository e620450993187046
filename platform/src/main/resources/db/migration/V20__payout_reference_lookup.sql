-- The provider's payout reference of each withdrawal, on the command side's own record of payouts: a statement
-- line that names it finds its withdrawal (API.md v2, Withdrawals; ReconciliationApiTest). Kept with the
-- withdrawal's PayoutSubmitted and WithdrawalPaid events, in their transaction. Not unique: a provider that
-- reuses a reference makes a line ambiguous, and an ambiguous line matches nothing.
ALTER TABLE payout_record ADD COLUMN payout_reference VARCHAR(255);

-- Payouts submitted before this column existed: their reference is in their events (chr(36) is the '$' of the
-- nested class names Axon stores as payload types).
UPDATE payout_record AS record
SET payout_reference = latest.reference
FROM (SELECT DISTINCT ON (aggregateIdentifier) aggregateIdentifier,
             convert_from(payload, 'UTF8')::jsonb ->> 'payoutReference' AS reference
      FROM DomainEventEntry
      WHERE payloadType IN ('shop.ledger.api.withdrawal.Withdrawals' || chr(36) || 'PayoutSubmitted',
                            'shop.ledger.api.withdrawal.Withdrawals' || chr(36) || 'WithdrawalPaid')
        AND convert_from(payload, 'UTF8')::jsonb ->> 'payoutReference' IS NOT NULL
      ORDER BY aggregateIdentifier, sequenceNumber DESC) AS latest
WHERE record.withdrawal_id::text = latest.aggregateIdentifier;

CREATE INDEX payout_record_reference_idx ON payout_record (payout_reference);
