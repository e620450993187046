-- An event's global index is taken in the insert trigger, after the stream's lock and after the transaction has its
-- id (it used to be the column's default, taken before the trigger ran).
--
-- 1. A reader can then prove a gap permanent (platform.axon.ExactGapEventStorageEngine): ids are handed out in
--    increasing order, so the transaction behind a position that a read found empty has a smaller id than one
--    assigned after that read; once every transaction below that id has ended and the position is still empty, it
--    was rolled back. Axon's own rule, a minute by the events' time stamps, skipped events that committed late, for
--    good.
-- 2. A position is no longer held while its transaction waits for the stream's lock (V13): under contention on one
--    wallet, appends used to hold positions open for as long as the lock queue, and every reader carried them as
--    gaps.
ALTER TABLE DomainEventEntry ALTER COLUMN globalIndex DROP DEFAULT;

CREATE OR REPLACE FUNCTION ledger_chain_event() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    previous BYTEA;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(NEW.aggregateIdentifier, 0));
    IF NEW.globalIndex IS NULL THEN
        PERFORM txid_current(); -- the transaction's id first, then its position
        NEW.globalIndex := nextval('domainevententry_globalindex_seq');
    END IF;
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
