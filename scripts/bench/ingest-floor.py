#!/usr/bin/env python3
"""The Python floor of `tracedesk-bench ingest` and `history`: json + sqlite3 recording the same
rows as Tracedesk (run, snapshot, node and search rows) from a file of JSON lines, in batches of
1,000 bodies a transaction. Usage: ingest-floor.py BODIES.jsonl DATABASE"""
import json
import sqlite3
import sys

SCHEMA = """
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS run (id INTEGER PRIMARY KEY, jobId TEXT NOT NULL UNIQUE, teamCode TEXT, workflowName TEXT,
    version INTEGER, versionStatus TEXT, conversationId TEXT, traceId TEXT, message TEXT, status TEXT NOT NULL, output TEXT,
    followUpQuestions TEXT, startedAt INTEGER, endedAt INTEGER, inputTokens INTEGER, outputTokens INTEGER, nodeCount INTEGER,
    recordedAt INTEGER, updatedAt INTEGER);
CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY, runId INTEGER NOT NULL, sequence INTEGER NOT NULL,
    firstSeenAt INTEGER, lastSeenAt INTEGER, timesSeen INTEGER, status TEXT, body TEXT NOT NULL, UNIQUE (runId, sequence));
CREATE TABLE IF NOT EXISTS node (id INTEGER PRIMARY KEY, runId INTEGER NOT NULL, position INTEGER NOT NULL, code TEXT,
    name TEXT, type TEXT, status TEXT, startedAt INTEGER, endedAt INTEGER, durationMs INTEGER, inputTokens INTEGER,
    outputTokens INTEGER, model TEXT, input TEXT, output TEXT, raw TEXT NOT NULL, UNIQUE (runId, position));
CREATE VIRTUAL TABLE IF NOT EXISTS run_search USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
"""


def text(value):
    return value if value is None or isinstance(value, str) else json.dumps(value)


def main(path, database):
    db = sqlite3.connect(database, isolation_level=None)
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    with open(path, encoding="utf-8") as lines:
        for count, line in enumerate(lines, 1):
            body = json.loads(line)
            request = body.get("input")
            if isinstance(request, str):
                try:
                    request = json.loads(request)
                except ValueError:
                    request = {}
            nodes = body.get("nodes") or []
            cursor = db.execute(
                "INSERT INTO run (jobId, teamCode, workflowName, version, versionStatus, conversationId, traceId, message,"
                " status, output, followUpQuestions, startedAt, endedAt, inputTokens, outputTokens, nodeCount, recordedAt, updatedAt)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
                (body["jobId"], body.get("workflowCode"), body.get("workflowName"), body.get("workflowVersion"),
                 body.get("workflowStatus"), body.get("conversationId"), body.get("traceId"),
                 (request or {}).get("message"), body.get("status") or "UNKNOWN", text(body.get("output")),
                 json.dumps(body.get("followUpQuestions") or []), body.get("startDate"), body.get("endTime"),
                 body.get("inputTokenCount"), body.get("outputTokenCount"), len(nodes)))
            run_id = cursor.lastrowid
            db.execute("INSERT INTO snapshot (runId, sequence, firstSeenAt, lastSeenAt, timesSeen, status, body)"
                       " VALUES (?, 1, 0, 0, 1, ?, ?)", (run_id, body.get("status"), line.rstrip("\n")))
            outputs = []
            for position, node in enumerate(nodes):
                details = ((node.get("nodeStepInfo") or {}).get("details") or [{}])
                call = details[0] if details else {}
                output = text(node.get("nodeOutput"))
                if output:
                    outputs.append(output)
                db.execute(
                    "INSERT INTO node (runId, position, code, name, type, status, startedAt, endedAt, durationMs,"
                    " inputTokens, outputTokens, model, input, output, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (run_id, position, node.get("nodeCode"), node.get("nodeName"), node.get("nodeType"), node.get("status"),
                     node.get("startTime"), node.get("endTime"), (node.get("nodeStepInfo") or {}).get("totalNodeTime"),
                     call.get("inputTokens"), call.get("outputTokens"), call.get("modelName"),
                     text(node.get("nodeInput")), output, json.dumps(node)))
            db.execute("INSERT INTO run_search (rowid, text) VALUES (?, ?)",
                       (run_id, " ".join(filter(None, [(request or {}).get("message"), text(body.get("output"))] + outputs))))
            if count % 1000 == 0:
                db.execute("COMMIT")
                db.execute("BEGIN")
    db.execute("COMMIT")
    db.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
