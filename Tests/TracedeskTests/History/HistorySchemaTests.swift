import Foundation
import GRDB
import Testing
import TracedeskHistory
import TracedeskModel

/// Opening histories: old ones migrated, foreign databases left alone, read-only ones read.
@Suite("Opening a history")
struct HistorySchemaTests {
    /// A history as Tracedesk 0.1 wrote it: the version 1 and 2 schema, GRDB's bookkeeping, one run.
    func versionTwoHistory(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            let v1 = try String(contentsOf: Fixtures.repository.appendingPathComponent("Sources/TracedeskHistory/HistorySchema.swift"), encoding: .utf8)
            // The SQL of versions 1 and 2, exactly as shipped.
            for marker in ["static func version1", "static func version2"] {
                let start = try #require(v1.range(of: marker))
                let sqlStart = try #require(v1.range(of: "try db.execute(sql: \"\"\"", range: start.upperBound..<v1.endIndex))
                let sqlEnd = try #require(v1.range(of: "\"\"\")", range: sqlStart.upperBound..<v1.endIndex))
                try db.execute(sql: String(v1[sqlStart.upperBound..<sqlEnd.lowerBound]))
            }
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v1 runs, snapshots, nodes, chunks, citations, search'), ('v2 comparisons')")
            try db.execute(sql: """
                INSERT INTO run (jobId, teamCode, message, status, output, inputTokens, outputTokens, source, recordedAt, updatedAt)
                VALUES ('old-run-0001', 'OLD_TEAM', 'What is my leave balance?', 'COMPLETE', 'Twelve days', 0, 0, 'import', 1000, 1000)
                """)
            try db.execute(sql: "INSERT INTO run_search (runId, field, text) VALUES (1, 'output', 'Twelve days')")
        }
        try queue.close()
    }

    @Test("a version 2 history is migrated in place: its runs kept, unknown tokens NULL, search rebuilt by rowid")
    func migratesVersionTwo() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("old.sqlite")
        try versionTwoHistory(at: path)
        let store = try HistoryStore(path: path)
        let run = try store.run("old-run")
        #expect(run.teamCode == "OLD_TEAM" && run.status == .complete)
        #expect(run.tokens == nil, "0 and 0 written by version 2 meant unknown")
        #expect(try store.runs(matching: RunQuery(search: "twelve")).map(\.jobId) == ["old-run-0001"])
        #expect(try store.runs(matching: RunQuery(search: "leave balance")).map(\.jobId) == ["old-run-0001"], "the message is indexed too")
        try store.record(try Fixtures.body("supervisor-complete.json"), verbatim: try Fixtures.text("supervisor-complete.json"),
                         observation: .imported(at: 2), context: RecordingContext(source: .import))
        #expect(try store.runCount() == 2)
        let version = try DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
        #expect(version == 6)
    }

    @Test("another application's SQLite database is refused, and not changed at all (no WAL, no tables)")
    func foreignDatabase() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('mine')") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        for mode in [HistoryStore.OpenMode.readWrite, .readOnly] {
            #expect {
                _ = try HistoryStore(path: path, mode: mode)
            } throws: { error in
                let error = error as? TracedeskError
                return error?.kind == .database && error?.message.contains("is an SQLite database but not a Tracedesk history (it holds notes)") == true
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test("a history written by a newer Tracedesk is refused, and left as it was")
    func newerHistory() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("new.sqlite")
        _ = try HistoryStore(path: path)
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "PRAGMA user_version = 99") }
        #expect(throws: TracedeskError.database("the history at \(path) was written by a newer Tracedesk; upgrade Tracedesk or pass another --db")) {
            _ = try HistoryStore(path: path)
        }
    }

    @Test("a history that may only be read is read: nothing is written to open it")
    func readOnlyFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("history.sqlite")
        let store = try HistoryStore(path: path)
        try store.record(try Fixtures.body("supervisor-complete.json"), verbatim: try Fixtures.text("supervisor-complete.json"),
                         observation: .imported(at: 2), context: RecordingContext(source: .import))
        try DatabaseQueue(path: path).writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
        let reader = try HistoryStore(path: path, mode: .readOnly)
        #expect(try reader.runs().count == 1)
    }

    @Test("the search entry of a run is replaced, not added to, when the run changes")
    func searchEntryReplaced() throws {
        let store = try HistoryStore.inMemory()
        func record(_ output: String, at: Int64) throws {
            let json = #"{"jobId": "search-1", "status": "COMPLETE", "output": "\#(output)"}"#
            try store.record(try Fixtures.body(json: json), verbatim: json, observation: .received(at: at, httpStatus: 200),
                             context: RecordingContext(teamCode: "T", source: .invoke))
        }
        try record("a lighthouse keeper", at: 1)
        try record("a harbour master", at: 2)
        #expect(try store.runs(matching: RunQuery(search: "harbour")).count == 1)
        #expect(try store.runs(matching: RunQuery(search: "lighthouse")).isEmpty, "the old output is no longer indexed")
    }

    @Test("a search finds runs newest first both when its words are rare and when they are in most runs")
    func searchStrategies() throws {
        let store = try HistoryStore.inMemory()
        var items: [BodyToRecord] = []
        for index in 0..<6_000 {
            let word = index % 1_000 == 0 ? "needle" : "hay"
            let json = #"{"jobId": "job-\#(index)", "status": "COMPLETE", "startDate": \#(1_773_000_000_000 + Int64(index) * 1000), "output": "common \#(word)"}"#
            items.append(BodyToRecord(body: try Fixtures.body(json: json), verbatim: json, observation: .imported(at: 1),
                                      context: RecordingContext(teamCode: "T", source: .import)))
        }
        try store.record(items)
        #expect(try store.runs(matching: RunQuery(search: "needle", limit: 3)).map(\.jobId) == ["job-5000", "job-4000", "job-3000"])
        #expect(try store.runs(matching: RunQuery(search: "common hay", limit: 3)).map(\.jobId) == ["job-5999", "job-5998", "job-5997"])
        #expect(try store.statusCounts(matching: RunQuery(search: "common")) == [.complete: 6_000])
    }
}
