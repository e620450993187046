-- Tamper evidence for auditors: every stored event carries a SHA-256 hash over its content and the hash of
-- the previous event of its stream, computed by the database as the event is appended (whoever appends it).
-- An event altered afterwards no longer matches its hash, and every later hash of its stream breaks with it.
ALTER TABLE DomainEventEntry ADD COLUMN eventHash BYTEA;

CREATE FUNCTION ledger_event_hash(previous BYTEA, e DomainEventEntry) RETURNS BYTEA
    LANGUAGE sql IMMUTABLE AS
$$
SELECT sha256(coalesce(previous, ''::bytea)
                  || convert_to(e.aggregateIdentifier || '|' || e.sequenceNumber || '|' || e.eventIdentifier || '|'
                                    || e.payloadType || '|' || coalesce(e.payloadRevision, '') || '|' || e.timeStamp
                                    || '|', 'UTF8')
                  || e.payload || '|'::bytea || coalesce(e.metaData, ''::bytea))
$$;

CREATE FUNCTION ledger_chain_event() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    previous BYTEA;
BEGIN
    IF NEW.sequenceNumber > 0 THEN
        SELECT eventHash INTO previous FROM DomainEventEntry
        WHERE aggregateIdentifier = NEW.aggregateIdentifier AND sequenceNumber = NEW.sequenceNumber - 1;
    END IF;
    NEW.eventHash := ledger_event_hash(previous, NEW);
    RETURN NEW;
END;
$$;

CREATE TRIGGER domain_event_hash_chain
    BEFORE INSERT ON DomainEventEntry
    FOR EACH ROW EXECUTE FUNCTION ledger_chain_event();

-- Chain the events stored before this migration, stream by stream, in order.
DO
$$
DECLARE
    r RECORD;
    previous BYTEA;
    stream TEXT := NULL;
BEGIN
    FOR r IN SELECT * FROM DomainEventEntry ORDER BY aggregateIdentifier, sequenceNumber LOOP
        IF stream IS DISTINCT FROM r.aggregateIdentifier THEN
            previous := NULL;
            stream := r.aggregateIdentifier;
        END IF;
        previous := ledger_event_hash(previous, r);
        UPDATE DomainEventEntry SET eventHash = previous WHERE globalIndex = r.globalIndex;
    END LOOP;
END;
$$;

-- Balance as of an instant: the last event of a wallet at or before it, by one index lookup (Axon writes
-- timeStamp as a fixed-width ISO-8601 UTC text, so text order is time order).
CREATE INDEX domain_event_stream_time_idx ON DomainEventEntry (aggregateIdentifier, timeStamp);
