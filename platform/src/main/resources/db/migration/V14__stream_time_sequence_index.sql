-- The auditors' balance as of an instant reads a wallet's last money event at or before that instant:
-- ORDER BY timeStamp DESC, sequenceNumber DESC LIMIT 1. With the index of V11 on (aggregateIdentifier, timeStamp)
-- PostgreSQL still had to sort the events sharing a timestamp by sequence (many do: one batch of a saga, or a
-- seeded history), which grew with the wallet's history. With the sequence in the index the answer is the first
-- entry of a backward index scan, whatever the history's length. The new index serves every query the old one did.
CREATE INDEX domain_event_stream_time_seq_idx ON DomainEventEntry (aggregateIdentifier, timeStamp, sequenceNumber);
DROP INDEX domain_event_stream_time_idx;
