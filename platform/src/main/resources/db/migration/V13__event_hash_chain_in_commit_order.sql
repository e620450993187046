-- The hash chain (V11) links each event to the previous event of its stream, read by the insert trigger. Two
-- transactions can append consecutive events of one stream before the first commits: Axon's per-aggregate lock
-- ends with its unit of work, while a request's transaction commits later. Under READ COMMITTED the second
-- trigger then did not see the first event, chained to nothing, and verify reported an untouched event as
-- tampered (found by the reliability suite: hundreds of parallel orders on one wallet). A transaction-scoped
-- advisory lock per stream makes the second append wait until the first transaction ends; the previous hash is
-- read after it, with a fresh snapshot. If the previous event is then missing (its transaction rolled back after
-- the aggregate had moved on from it in memory), the append is refused as a serialization failure: a stream
-- never gets a gap, and no event is ever derived from one that was not stored.
CREATE OR REPLACE FUNCTION ledger_chain_event() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    previous BYTEA;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(NEW.aggregateIdentifier, 0));
    IF NEW.sequenceNumber > 0 THEN
        SELECT eventHash INTO previous FROM DomainEventEntry
        WHERE aggregateIdentifier = NEW.aggregateIdentifier AND sequenceNumber = NEW.sequenceNumber - 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'event % of stream % has no stored predecessor', NEW.sequenceNumber, NEW.aggregateIdentifier
                USING ERRCODE = '40001';
        END IF;
    END IF;
    NEW.eventHash := ledger_event_hash(previous, NEW);
    RETURN NEW;
END;
$$;
