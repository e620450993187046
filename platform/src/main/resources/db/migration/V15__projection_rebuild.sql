-- Rebuilds of read models from the events (query.operations.ProjectionRebuild). A rebuild writes fresh copies of
-- a projection's tables into a schema of its own (ledger_rebuild_<run>) while the live tables keep serving, and
-- swaps them in at the end. This row is what every query-side instance knows of it: who runs it, how far it got,
-- and how it ended; a run whose heartbeat stops (its instance died) is abandoned and its schema dropped by the
-- next rebuild.
CREATE TABLE projection_rebuild
(
    run_id         UUID        NOT NULL PRIMARY KEY,
    processors     TEXT[]      NOT NULL,
    state          TEXT        NOT NULL CHECK (state IN ('RUNNING', 'COMPLETED', 'FAILED', 'ABANDONED')),
    owner          TEXT        NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    heartbeat_at   TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    start_position BIGINT      NOT NULL,
    up_to          BIGINT,
    position       BIGINT,
    events         BIGINT      NOT NULL DEFAULT 0,
    error          TEXT
);

CREATE INDEX projection_rebuild_running ON projection_rebuild (state) WHERE state = 'RUNNING';
