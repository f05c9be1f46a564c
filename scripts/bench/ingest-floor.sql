-- The floor of `tracedesk-bench ingest`: the sqlite3 shell itself imports the same JSON lines and
-- extracts the fields Tracedesk records (run, snapshot, node and search rows) with SQLite's JSON
-- functions. No tolerance, no nested runs, no checks: what storing these bodies costs at the least.
-- `tracedesk-bench` replaces @BODIES@ with the file of bodies.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE run (id INTEGER PRIMARY KEY, jobId TEXT NOT NULL UNIQUE, teamCode TEXT, workflowName TEXT, version INTEGER,
    versionStatus TEXT, conversationId TEXT, traceId TEXT, message TEXT, status TEXT NOT NULL, output TEXT,
    followUpQuestions TEXT, startedAt INTEGER, endedAt INTEGER, inputTokens INTEGER, outputTokens INTEGER,
    nodeCount INTEGER, recordedAt INTEGER, updatedAt INTEGER);
CREATE TABLE snapshot (id INTEGER PRIMARY KEY, runId INTEGER NOT NULL, sequence INTEGER NOT NULL, firstSeenAt INTEGER,
    lastSeenAt INTEGER, timesSeen INTEGER, status TEXT, body TEXT NOT NULL, UNIQUE (runId, sequence));
CREATE TABLE node (id INTEGER PRIMARY KEY, runId INTEGER NOT NULL, position INTEGER NOT NULL, code TEXT, name TEXT,
    type TEXT, status TEXT, startedAt INTEGER, endedAt INTEGER, durationMs INTEGER, inputTokens INTEGER,
    outputTokens INTEGER, model TEXT, input TEXT, output TEXT, raw TEXT NOT NULL, UNIQUE (runId, position));
CREATE VIRTUAL TABLE run_search USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
CREATE TEMP TABLE raw (line TEXT);
.mode ascii
.separator "\037" "\n"
.import @BODIES@ raw
BEGIN;
INSERT INTO run (jobId, teamCode, workflowName, version, versionStatus, conversationId, traceId, message, status, output,
                 followUpQuestions, startedAt, endedAt, inputTokens, outputTokens, nodeCount, recordedAt, updatedAt)
SELECT json_extract(line, '$.jobId'), json_extract(line, '$.workflowCode'), json_extract(line, '$.workflowName'),
       json_extract(line, '$.workflowVersion'), json_extract(line, '$.workflowStatus'), json_extract(line, '$.conversationId'),
       json_extract(line, '$.traceId'), json_extract(json_extract(line, '$.input'), '$.message'), json_extract(line, '$.status'),
       json_extract(line, '$.output'), json_extract(line, '$.followUpQuestions'), json_extract(line, '$.startDate'),
       json_extract(line, '$.endTime'), json_extract(line, '$.inputTokenCount'), json_extract(line, '$.outputTokenCount'),
       json_array_length(line, '$.nodes'), 0, 0
FROM raw;
INSERT INTO snapshot (runId, sequence, firstSeenAt, lastSeenAt, timesSeen, status, body)
SELECT run.id, 1, 0, 0, 1, run.status, raw.line FROM raw JOIN run ON run.jobId = json_extract(raw.line, '$.jobId');
INSERT INTO node (runId, position, code, name, type, status, startedAt, endedAt, durationMs, inputTokens, outputTokens,
                  model, input, output, raw)
SELECT run.id, n.key, json_extract(n.value, '$.nodeCode'), json_extract(n.value, '$.nodeName'), json_extract(n.value, '$.nodeType'),
       json_extract(n.value, '$.status'), json_extract(n.value, '$.startTime'), json_extract(n.value, '$.endTime'),
       json_extract(n.value, '$.nodeStepInfo.totalNodeTime'), json_extract(n.value, '$.nodeStepInfo.details[0].inputTokens'),
       json_extract(n.value, '$.nodeStepInfo.details[0].outputTokens'), json_extract(n.value, '$.nodeStepInfo.details[0].modelName'),
       json_extract(n.value, '$.nodeInput'), json_extract(n.value, '$.nodeOutput'), n.value
FROM raw JOIN run ON run.jobId = json_extract(raw.line, '$.jobId'), json_each(raw.line, '$.nodes') AS n;
INSERT INTO run_search (rowid, text)
SELECT run.id, COALESCE(run.message, '') || ' ' || COALESCE(run.output, '') || ' '
       || COALESCE((SELECT group_concat(output, ' ') FROM node WHERE node.runId = run.id), '') FROM run;
COMMIT;
