import GRDB

/// The history's versioned migrations.
///
/// A migration, once released, is never edited: a change to the schema is a new migration. The
/// SQL is written out here rather than derived from record types, so that changing a type never
/// changes what an old database is migrated to. `docs/schema.md` describes every table for people
/// who query the history with the sqlite3 shell.
enum HistorySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 runs, snapshots, nodes, chunks, citations, search") { db in
            try db.execute(sql: """
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY,
                    jobId TEXT NOT NULL UNIQUE,
                    teamCode TEXT,
                    pod TEXT,
                    workflowCode TEXT,
                    workflowName TEXT,
                    version INTEGER,
                    versionStatus TEXT,
                    invocationMode TEXT,
                    architecture TEXT,
                    conversationId TEXT,
                    traceId TEXT,
                    message TEXT,
                    parameters TEXT NOT NULL DEFAULT '{}',
                    status TEXT NOT NULL,
                    output TEXT,
                    error TEXT,
                    followUpQuestions TEXT NOT NULL DEFAULT '[]',
                    waitingToolCode TEXT,
                    waitingSummary TEXT,
                    startedAt INTEGER,
                    endedAt INTEGER,
                    timeTakenMs INTEGER,
                    inputTokens INTEGER NOT NULL DEFAULT 0,
                    outputTokens INTEGER NOT NULL DEFAULT 0,
                    nodeCount INTEGER NOT NULL DEFAULT 0,
                    chunkCount INTEGER NOT NULL DEFAULT 0,
                    citationCount INTEGER NOT NULL DEFAULT 0,
                    label TEXT,
                    source TEXT NOT NULL,
                    recordedAt INTEGER NOT NULL,
                    updatedAt INTEGER NOT NULL
                );
                CREATE INDEX run_by_team ON run(teamCode, startedAt);
                CREATE INDEX run_by_start ON run(startedAt);

                CREATE TABLE snapshot (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    sequence INTEGER NOT NULL,
                    firstSeenAt INTEGER NOT NULL,
                    lastSeenAt INTEGER NOT NULL,
                    timesSeen INTEGER NOT NULL DEFAULT 1,
                    httpStatus INTEGER,
                    status TEXT,
                    body TEXT NOT NULL,
                    UNIQUE (runId, sequence)
                );

                CREATE TABLE status_change (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    status TEXT NOT NULL,
                    at INTEGER
                );
                CREATE INDEX status_change_by_run ON status_change(runId, id);

                CREATE TABLE node (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    parentPosition INTEGER,
                    depth INTEGER NOT NULL,
                    code TEXT,
                    name TEXT,
                    type TEXT,
                    status TEXT,
                    startedAt INTEGER,
                    endedAt INTEGER,
                    durationMs INTEGER,
                    inputTokens INTEGER NOT NULL DEFAULT 0,
                    outputTokens INTEGER NOT NULL DEFAULT 0,
                    model TEXT,
                    input TEXT,
                    output TEXT,
                    error TEXT,
                    nestedJobId TEXT,
                    nestedTraceId TEXT,
                    nestedStatus TEXT,
                    nestedInputTokens INTEGER,
                    nestedOutputTokens INTEGER,
                    raw TEXT NOT NULL,
                    UNIQUE (runId, position)
                );

                CREATE TABLE chunk (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    title TEXT,
                    source TEXT,
                    score REAL,
                    text TEXT,
                    page TEXT,
                    raw TEXT NOT NULL,
                    UNIQUE (runId, position)
                );

                CREATE TABLE citation (
                    id INTEGER PRIMARY KEY,
                    runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    title TEXT,
                    source TEXT,
                    score REAL,
                    text TEXT,
                    page TEXT,
                    raw TEXT NOT NULL,
                    UNIQUE (runId, position)
                );

                CREATE VIRTUAL TABLE run_search USING fts5(
                    runId UNINDEXED,
                    field UNINDEXED,
                    text,
                    tokenize = 'unicode61 remove_diacritics 2'
                );
                """)
        }
        migrator.registerMigration("v2 comparisons") { db in
            try db.execute(sql: """
                CREATE TABLE comparison (
                    id INTEGER PRIMARY KEY,
                    teamCode TEXT NOT NULL,
                    baseline TEXT NOT NULL,
                    candidate TEXT NOT NULL,
                    suite TEXT,
                    promptCount INTEGER NOT NULL,
                    repeats INTEGER NOT NULL,
                    verdict TEXT,
                    result TEXT,
                    createdAt INTEGER NOT NULL
                );

                CREATE TABLE comparison_run (
                    comparisonId INTEGER NOT NULL REFERENCES comparison(id) ON DELETE CASCADE,
                    runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    side TEXT NOT NULL CHECK (side IN ('A', 'B')),
                    promptIndex INTEGER NOT NULL,
                    promptLabel TEXT,
                    repetition INTEGER NOT NULL,
                    PRIMARY KEY (comparisonId, runId)
                );
                CREATE INDEX comparison_run_by_run ON comparison_run(runId);
                """)
        }
        return migrator
    }
}
