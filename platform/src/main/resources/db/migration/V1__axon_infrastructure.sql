-- Axon Framework's JDBC tables on PostgreSQL. Every serialized column is bytea: PostgreSQL large objects
-- were measured here to be twenty times slower and they leak.
-- Names follow Axon's default JDBC schema (unquoted, so PostgreSQL folds them to lower case).

CREATE TABLE DomainEventEntry (
    globalIndex        BIGSERIAL    NOT NULL,
    aggregateIdentifier VARCHAR(255) NOT NULL,
    sequenceNumber     BIGINT       NOT NULL,
    type               VARCHAR(255),
    eventIdentifier    VARCHAR(255) NOT NULL,
    metaData           BYTEA,
    payload            BYTEA        NOT NULL,
    payloadRevision    VARCHAR(255),
    payloadType        VARCHAR(255) NOT NULL,
    timeStamp          VARCHAR(255) NOT NULL,
    PRIMARY KEY (globalIndex),
    UNIQUE (aggregateIdentifier, sequenceNumber),
    UNIQUE (eventIdentifier)
);

CREATE TABLE SnapshotEventEntry (
    aggregateIdentifier VARCHAR(255) NOT NULL,
    sequenceNumber     BIGINT       NOT NULL,
    type               VARCHAR(255) NOT NULL,
    eventIdentifier    VARCHAR(255) NOT NULL,
    metaData           BYTEA,
    payload            BYTEA        NOT NULL,
    payloadRevision    VARCHAR(255),
    payloadType        VARCHAR(255) NOT NULL,
    timeStamp          VARCHAR(255) NOT NULL,
    PRIMARY KEY (aggregateIdentifier, sequenceNumber),
    UNIQUE (eventIdentifier)
);

CREATE TABLE TokenEntry (
    processorName VARCHAR(255) NOT NULL,
    segment       INTEGER      NOT NULL,
    token         BYTEA,
    tokenType     VARCHAR(255),
    timestamp     VARCHAR(255),
    owner         VARCHAR(255),
    PRIMARY KEY (processorName, segment)
);

CREATE TABLE SagaEntry (
    sagaId         VARCHAR(255) NOT NULL,
    revision       VARCHAR(255),
    sagaType       VARCHAR(255),
    serializedSaga BYTEA,
    PRIMARY KEY (sagaId)
);

CREATE TABLE AssociationValueEntry (
    id               BIGSERIAL    NOT NULL,
    associationKey   VARCHAR(255) NOT NULL,
    associationValue VARCHAR(255),
    sagaType         VARCHAR(255),
    sagaId           VARCHAR(255) NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX association_lookup_idx ON AssociationValueEntry (sagaType, associationKey, associationValue);
CREATE INDEX association_saga_idx ON AssociationValueEntry (sagaId, sagaType);

CREATE TABLE DeadLetterEntry (
    deadLetterIdentifier VARCHAR(255)  NOT NULL,
    processingGroup      VARCHAR(255)  NOT NULL,
    sequenceIdentifier   VARCHAR(255)  NOT NULL,
    sequenceIndex        BIGINT        NOT NULL,
    messageType          VARCHAR(255)  NOT NULL,
    eventIdentifier      VARCHAR(255)  NOT NULL,
    timestamp            VARCHAR(255)  NOT NULL,
    payloadType          VARCHAR(255)  NOT NULL,
    payloadRevision      VARCHAR(255),
    payload              BYTEA         NOT NULL,
    metaData             BYTEA,
    type                 VARCHAR(255),
    aggregateIdentifier  VARCHAR(255),
    sequenceNumber       BIGINT,
    tokenType            VARCHAR(255),
    token                BYTEA,
    enqueuedAt           VARCHAR(255)  NOT NULL,
    lastTouched          VARCHAR(255),
    processingStarted    VARCHAR(255),
    causeType            VARCHAR(255),
    causeMessage         VARCHAR(1023),
    diagnostics          BYTEA,
    PRIMARY KEY (deadLetterIdentifier),
    UNIQUE (processingGroup, sequenceIdentifier, sequenceIndex)
);
CREATE INDEX dead_letter_group_idx ON DeadLetterEntry (processingGroup);
CREATE INDEX dead_letter_sequence_idx ON DeadLetterEntry (processingGroup, sequenceIdentifier);

-- db-scheduler: the persisted deadlines of DbSchedulerDeadlineManager survive restarts.
CREATE TABLE scheduled_tasks (
    task_name            TEXT                     NOT NULL,
    task_instance        TEXT                     NOT NULL,
    task_data            BYTEA,
    execution_time       TIMESTAMP WITH TIME ZONE NOT NULL,
    picked               BOOLEAN                  NOT NULL,
    picked_by            TEXT,
    last_success         TIMESTAMP WITH TIME ZONE,
    last_failure         TIMESTAMP WITH TIME ZONE,
    consecutive_failures INT,
    last_heartbeat       TIMESTAMP WITH TIME ZONE,
    version              BIGINT                   NOT NULL,
    priority             SMALLINT,
    PRIMARY KEY (task_name, task_instance)
);
CREATE INDEX scheduled_tasks_execution_time_idx ON scheduled_tasks (execution_time);
CREATE INDEX scheduled_tasks_last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
CREATE INDEX scheduled_tasks_priority_idx ON scheduled_tasks (priority DESC, execution_time ASC);
