-- Read your own writes (API.md, X-Ledger-Min-Position): a read waiting for the processors to cover a position wakes
-- when a processor stores a token, on whichever instance holds the segment. Every query-side instance LISTENs on
-- this channel (query.position.TokenCommitListener); the payload is the processor's name. A claim extension (the
-- same token, a new timestamp) notifies nobody. A NOTIFY is delivered only when its transaction commits.
CREATE FUNCTION ledger_notify_token_stored() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.token IS DISTINCT FROM NEW.token THEN
        PERFORM pg_notify('ledger_token_stored', NEW.processorName);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tokenentry_notify_token_stored
    AFTER INSERT OR UPDATE ON TokenEntry
    FOR EACH ROW EXECUTE FUNCTION ledger_notify_token_stored();
