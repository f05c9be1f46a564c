import Foundation
import GRDB

/// The history's schema: versioned migrations, applied under an immediate transaction that
/// re-reads what is applied, so any number of processes can open a new or old history at once.
///
/// A migration, once released, is never edited: a change to the schema is a new migration. The
/// SQL is written out here rather than derived from record types, so that changing a type never
/// changes what an old database is migrated to. `docs/schema.md` describes every table for people
/// who query the history with the sqlite3 shell.
///
/// A Tracedesk history says so: `PRAGMA application_id` is `applicationID` and `PRAGMA
/// user_version` the schema version. Histories written before version 3 carry instead GRDB's
/// `grdb_migrations` table with the identifiers of `legacyMigrations`. Any other database is not
/// a history, and is left untouched.
enum HistorySchema {
    /// `PRAGMA application_id` of a Tracedesk history: "TRDK".
    static let applicationID: Int32 = 0x5452_444B

    /// The schema version this Tracedesk writes.
    static var currentVersion: Int { migrations.count }

    /// The identifiers GRDB's migrator recorded for the versions before `user_version` was used.
    static let legacyMigrations = ["v1 runs, snapshots, nodes, chunks, citations, search": 1, "v2 comparisons": 2]

    /// The migrations in order; the one at index `i` brings the schema to version `i + 1`.
    static let migrations: [@Sendable (Database) throws -> Void] = [version1, version2, version3, version4, version5, version6]

    /// What a database file holds, read without changing it.
    enum Identity: Equatable {
        /// No table at all: a new history (or an empty file).
        case empty
        /// A Tracedesk history at this schema version.
        case history(version: Int)
        /// Something else, with the tables it has.
        case foreign(tables: [String])
    }

    /// Reads what `db` is.
    static func identity(of db: Database) throws -> Identity {
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if tables.isEmpty { return .empty }
        let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if application == applicationID { return .history(version: version) }
        if application == 0, tables.contains("grdb_migrations"), tables.contains("run") {
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            let known = applied.compactMap { legacyMigrations[$0] }
            if known.count == applied.count, let latest = known.max() { return .history(version: latest) }
        }
        return .foreign(tables: tables)
    }

    /// Brings `db` (outside any transaction) to `currentVersion`, in one immediate transaction
    /// that reads the version again once it holds the lock: of several processes opening a new
    /// history at once, the first migrates and the others find nothing left to do.
    static func migrate(_ db: Database, path: String) throws {
        // Table rebuilds must not cascade deletes; the check below runs before committing.
        try db.execute(sql: "PRAGMA foreign_keys = OFF")
        defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
        try db.inTransaction(.immediate) {
            var version: Int
            switch try identity(of: db) {
            case .empty: version = 0
            case .history(let found): version = found
            case .foreign(let tables): throw HistoryStore.foreign(path: path, tables: tables)
            }
            if version > currentVersion { throw HistoryStore.newer(path: path) }
            while version < currentVersion {
                try migrations[version](db)
                version += 1
            }
            try db.execute(sql: "PRAGMA user_version = \(currentVersion)")
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            if let broken = try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") {
                throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "foreign key check failed after migrating: \(broken)")
            }
            return .commit
        }
    }

    // MARK: Version 1: runs, snapshots, nodes, chunks, citations, search

    @Sendable static func version1(_ db: Database) throws {
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

    // MARK: Version 2: comparisons

    @Sendable static func version2(_ db: Database) throws {
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

    // MARK: Version 3: a history that scales

    /// Unknown token counts are NULL instead of 0; `sortAt` orders the listing through an index;
    /// the full-text index keeps one entry per run whose rowid is the run's id, so that replacing
    /// it costs the same in a history of any size (version 1 found entries by an unindexed
    /// column, which scanned the whole index for every body recorded); nested runs are found by
    /// their jobId; the old GRDB bookkeeping goes.
    @Sendable static func version3(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE run_v3 (
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
                inputTokens INTEGER,
                outputTokens INTEGER,
                nodeCount INTEGER NOT NULL DEFAULT 0,
                chunkCount INTEGER NOT NULL DEFAULT 0,
                citationCount INTEGER NOT NULL DEFAULT 0,
                label TEXT,
                source TEXT NOT NULL,
                recordedAt INTEGER NOT NULL,
                updatedAt INTEGER NOT NULL,
                sortAt INTEGER NOT NULL
            );
            INSERT INTO run_v3
            SELECT id, jobId, teamCode, pod, workflowCode, workflowName, version, versionStatus, invocationMode, architecture,
                   conversationId, traceId, message, parameters, status, output, error, followUpQuestions, waitingToolCode,
                   waitingSummary, startedAt, endedAt, timeTakenMs,
                   CASE WHEN inputTokens = 0 AND outputTokens = 0 THEN NULL ELSE inputTokens END,
                   CASE WHEN inputTokens = 0 AND outputTokens = 0 THEN NULL ELSE outputTokens END,
                   nodeCount, chunkCount, citationCount, label, source, recordedAt, updatedAt, COALESCE(startedAt, recordedAt)
            FROM run;
            DROP TABLE run;
            ALTER TABLE run_v3 RENAME TO run;
            CREATE INDEX run_by_time ON run(sortAt DESC, id DESC);
            CREATE INDEX run_by_team ON run(teamCode COLLATE NOCASE, sortAt DESC, id DESC);
            CREATE INDEX run_by_status ON run(status, sortAt DESC, id DESC);
            CREATE INDEX run_by_recording ON run(recordedAt DESC, id DESC);
            CREATE INDEX run_by_conversation ON run(conversationId) WHERE conversationId IS NOT NULL;

            CREATE INDEX node_by_nested_job ON node(nestedJobId) WHERE nestedJobId IS NOT NULL;

            DROP TABLE run_search;
            CREATE VIRTUAL TABLE run_search USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE run_search_terms USING fts5vocab(run_search, row);
            INSERT INTO run_search (rowid, text)
            SELECT id, trim(COALESCE(message, '') || ' ' || COALESCE(output, '') || ' ' || COALESCE(error, '') || ' '
                            || COALESCE((SELECT group_concat(output, ' ') FROM node WHERE node.runId = run.id), ''))
            FROM run;

            DROP TABLE IF EXISTS grdb_migrations;
            """)
    }

    // MARK: Version 4: the real protocol

    /// Debug-stream events kept verbatim, in the order they arrived; each LLM call of a step
    /// (its model and type, messages, settings, response, Oracle's counts and the provider's,
    /// AI units); a step's loop iteration and AI units; a run's AI units, the API version and
    /// transport it was followed over, and what it waits for (the details, never the callback token).
    @Sendable static func version4(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE stream_event (
                id INTEGER PRIMARY KEY,
                runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                sequence INTEGER NOT NULL,
                receivedAt INTEGER NOT NULL,
                data TEXT NOT NULL,
                UNIQUE (runId, sequence)
            );

            CREATE TABLE llm_call (
                id INTEGER PRIMARY KEY,
                runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                nodePosition INTEGER NOT NULL,
                position INTEGER NOT NULL,
                callIndex INTEGER,
                name TEXT,
                model TEXT,
                modelType TEXT,
                durationMs INTEGER,
                inputTokens INTEGER NOT NULL DEFAULT 0,
                outputTokens INTEGER NOT NULL DEFAULT 0,
                providerPromptTokens INTEGER,
                providerCompletionTokens INTEGER,
                providerTotalTokens INTEGER,
                reasoningTokens INTEGER,
                finishReason TEXT,
                messages TEXT NOT NULL DEFAULT '[]',
                parameters TEXT NOT NULL DEFAULT '{}',
                responseText TEXT,
                toolCalls TEXT,
                request TEXT,
                response TEXT,
                aiUnits INTEGER,
                UNIQUE (runId, nodePosition, position)
            );

            ALTER TABLE node ADD COLUMN loopIndex INTEGER;
            ALTER TABLE node ADD COLUMN aiUnits INTEGER;
            ALTER TABLE run ADD COLUMN aiUnits INTEGER;
            ALTER TABLE run ADD COLUMN api TEXT;
            ALTER TABLE run ADD COLUMN transport TEXT NOT NULL DEFAULT 'poll';
            ALTER TABLE run ADD COLUMN waitingDetails TEXT;

            CREATE TABLE ai_unit_rates (
                pod TEXT PRIMARY KEY,
                fetchedAt INTEGER NOT NULL,
                rates TEXT NOT NULL
            );
            """)
    }

    /// Version 5: a replay's link to the run it replayed (its jobId, kept as text so that the
    /// link survives the source being pruned or living in another history) and what it pinned.
    @Sendable static func version5(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE run ADD COLUMN replayOf TEXT;
            ALTER TABLE run ADD COLUMN replayPlan TEXT;
            CREATE INDEX run_replayOf ON run(replayOf) WHERE replayOf IS NOT NULL;
            """)
    }

    /// Version 6: the rules a run was redacted by before it was recorded (`[redact] at = "record"`),
    /// and the history's pseudonyms: each value's keyed digest (never the value), kind and number.
    @Sendable static func version6(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE run ADD COLUMN redaction TEXT;
            CREATE TABLE pseudonym (
                id INTEGER PRIMARY KEY,
                digest TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                number INTEGER NOT NULL,
                UNIQUE (kind, number)
            );
            """)
    }
}
