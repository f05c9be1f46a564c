import Foundation
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

@Suite("The history store")
struct HistoryStoreTests {
    let store: HistoryStore

    init() throws {
        store = try HistoryStore.inMemory()
    }

    @discardableResult
    func importSample(_ name: String, at: Int64 = 1_000) throws -> RecordOutcome {
        let text = try Fixtures.text(name)
        return try store.record(try Fixtures.body(name), verbatim: text, observation: .imported(at: at),
                                context: RecordingContext(source: .import))
    }

    @discardableResult
    func receive(_ json: String, at: Int64, team: String = "TEAM") throws -> RecordOutcome {
        try store.record(try Fixtures.body(json: json), verbatim: json, observation: .received(at: at, httpStatus: 200),
                         context: RecordingContext(teamCode: team, pod: "https://pod.example.com", source: .invoke))
    }

    @Test("a recorded body reads back: the run's fields, its nodes in tree order, chunks and citations")
    func roundTrip() throws {
        try importSample("workflow-nested-complete.json")
        try importSample("document-chunks-complete.json")
        let run = try store.run("5f0c2a9e")
        #expect(run.teamCode == "XX_FIN_GL_LEDGER_CLOSURE_WORKFLOW")
        #expect(run.workflowName == "Ledger Closure Workflow")
        #expect(run.version == 79_337_161)
        #expect(run.versionStatus == "DRAFT")
        #expect(run.invocationMode == "ADMIN")
        #expect(run.status == .complete)
        #expect(run.message == "Summarise the close status of ledger US Primary Ledger for period Mar-26")
        #expect(run.parameters == ["OraMessageHint": "summary"])
        #expect(run.output?.hasPrefix("## US Primary Ledger") == true)
        #expect(run.followUpQuestions.count == 2)
        #expect(run.timeTakenMs == 9_320)
        #expect(run.tokens == TokenUsage(input: 8_331, output: 787))
        #expect(run.nodeCount == 20)
        #expect(run.source == .import)

        let details = try store.details(of: run)
        #expect(details.nodes.count == 20)
        #expect(details.nodes.map(\.position) == Array(0..<20))
        let context = try #require(details.nodes.first { $0.code == "GET_APP_CONTEXT" })
        #expect(context.nestedJobId == "0b6e2d1c-7a4f-4e28-b3c9-5d8a1f0e6b72")
        let nestedSteps = details.nodes.filter { $0.parentPosition == context.position }
        #expect(nestedSteps.map(\.label) == ["START", "READ_APP_CONTEXT", "END"])
        #expect(nestedSteps.allSatisfy { $0.depth == 1 })
        let controls = try #require(details.nodes.first { $0.code == "FETCH_CONTROLS_AND_COMPLIANCE" })
        #expect(controls.displayTokens == TokenUsage(input: 1204, output: 143))
        #expect(controls.depth == 1)

        let documents = try store.details(of: try store.run("6a1d8e3f"))
        #expect(documents.chunks.map(\.score) == [0.912, 0.847, 0.611])
        #expect(documents.citations.map(\.page) == ["7", nil])
        #expect(documents.run.chunkCount == 3 && documents.run.citationCount == 2)
    }

    @Test("the same body received again is counted, not stored twice")
    func repeatedBodyCounted() throws {
        let running = #"{"jobId": "job-1", "status": "RUNNING", "startDate": 5000}"#
        #expect(try receive(running, at: 10).snapshot == .stored(sequence: 1))
        #expect(try receive(running, at: 20).snapshot == .repeated(sequence: 1, timesSeen: 2))
        #expect(try receive(running, at: 30).snapshot == .repeated(sequence: 1, timesSeen: 3))
        let snapshots = try store.snapshots(of: try store.run("job-1"))
        #expect(snapshots.count == 1)
        #expect(snapshots[0].firstSeenAt == 10 && snapshots[0].lastSeenAt == 30 && snapshots[0].timesSeen == 3)
        #expect(snapshots[0].httpStatus == 200)
    }

    @Test("importing the same bodies twice changes nothing")
    func reimportIsIdempotent() throws {
        for name in Fixtures.sampleNames { try importSample(name, at: 1_000) }
        let before = try store.runs()
        let snapshotsBefore = try before.map { try store.snapshots(of: $0) }
        for name in Fixtures.sampleNames {
            let outcome = try importSample(name, at: 2_000)
            guard case .alreadyKnown = outcome.snapshot else {
                Issue.record("\(name) was recorded again: \(outcome.snapshot)")
                continue
            }
        }
        #expect(try store.runs() == before)
        #expect(try before.map { try store.snapshots(of: $0) } == snapshotsBefore)
    }

    @Test("a later body updates the run and re-derives its nodes; every earlier body is kept")
    func laterBodyUpdates() throws {
        try receive(#"{"jobId": "job-2", "status": "RUNNING", "input": "{\"message\":\"hello\"}", "startDate": 1773341443000, "endTime": 0, "inputTokenCount": 50, "nodes": [{"nodeCode": "A"}]}"#, at: 1100)
        try receive(#"{"jobId": "job-2", "status": "COMPLETE", "output": "done", "startDate": 1773341443000, "endTime": 1773341446000, "nodes": [{"nodeCode": "A"}, {"nodeCode": "B"}]}"#, at: 4100)
        let run = try store.run("job-2")
        #expect(run.status == .complete)
        #expect(run.output == "done")
        #expect(run.message == "hello", "kept from the first body: the second has no input")
        #expect(run.inputTokens == 50, "kept: the COMPLETE body carries no counts")
        #expect(run.endedAt == 1_773_341_446_000 && run.timeTakenMs == 3000)
        #expect(run.recordedAt == 1100 && run.updatedAt == 4100)
        let details = try store.details(of: run)
        #expect(details.nodes.map(\.label) == ["A", "B"])
        #expect(details.snapshots.map(\.status) == ["RUNNING", "COMPLETE"])
        #expect(details.statusChanges.map(\.status.rawValue) == ["RUNNING", "COMPLETE"])
        #expect(details.statusChanges.map(\.at) == [1100, 4100])
    }

    @Test("an END_USER body with no nodes key does not erase nodes an ADMIN body gave")
    func absentNodesKeepEarlierNodes() throws {
        try receive(#"{"jobId": "job-3", "status": "RUNNING", "nodes": [{"nodeCode": "A"}]}"#, at: 1)
        try receive(#"{"jobId": "job-3", "status": "COMPLETE"}"#, at: 2)
        #expect(try store.details(of: try store.run("job-3")).nodes.map(\.label) == ["A"])
    }

    @Test("an out-of-order import stores the older body but does not move a finished run back")
    func outOfOrderImport() throws {
        try importSample("coe-status-complete.json")
        let outcome = try importSample("coe-invoke-running.json")
        #expect(outcome.snapshot == .stored(sequence: 2))
        let run = try store.run("c73c")
        #expect(run.status == .complete)
        #expect(run.output != nil)
        #expect(try store.snapshots(of: run).count == 2)
    }

    @Test("time spent WAITING is measured between status changes")
    func waitingTime() throws {
        try receive(#"{"jobId": "job-4", "status": "RUNNING"}"#, at: 1_000)
        try receive(#"{"jobId": "job-4", "status": "WAITING", "waitingToolCode": "APPROVE"}"#, at: 3_000)
        var details = try store.details(of: try store.run("job-4"), now: 10_000)
        #expect(details.waitingMs == 7_000, "still waiting: counted up to now")
        #expect(details.waitingSince == 3_000)
        #expect(details.run.waitingToolCode == "APPROVE")
        try receive(#"{"jobId": "job-4", "status": "RUNNING"}"#, at: 63_000)
        try receive(#"{"jobId": "job-4", "status": "COMPLETE"}"#, at: 70_000)
        details = try store.details(of: try store.run("job-4"), now: 99_000)
        #expect(details.waitingMs == 60_000)
        #expect(details.waitingSince == nil)
        #expect(details.run.waitingToolCode == nil)
        #expect(details.statusChanges.map(\.status.rawValue) == ["RUNNING", "WAITING", "RUNNING", "COMPLETE"])
    }

    @Test("an imported WAITING run is dated from its waiting node, and not counted up to now")
    func importedWaiting() throws {
        try importSample("approval-waiting.json")
        let details = try store.details(of: try store.run("3e9a"), now: 1_900_000_000_000)
        #expect(details.waitingSince == 1_773_420_002_780)
        #expect(details.waitingMs == nil)
        #expect(details.run.waitingSummary?.contains("APPROVE_POSTING") == true)
    }

    @Test("full-text search covers messages, outputs, errors and node outputs; punctuation is literal")
    func search() throws {
        for name in Fixtures.sampleNames { try importSample(name) }
        func jobs(_ text: String) throws -> [String] {
            try store.runs(matching: RunQuery(search: text)).map { String($0.jobId.prefix(8)) }
        }
        #expect(try jobs("M1000034") == ["c73c1580"], "in the message")
        #expect(try jobs("qualifying life event") == ["7d3b9f1e"], "in the output")
        #expect(try jobs("upstream timed out") == ["d8b2f6a4"], "in the error")
        #expect(try jobs("Receivables closed") == ["5f0c2a9e"], "in a nested run's node output")
        #expect(try jobs("\"unbalanced * (query") == [], "no FTS syntax error")
        #expect(try jobs("nothing-like-this") == [])
    }

    @Test("runs are filtered by team, status and start, newest first, up to a limit")
    func filters() throws {
        for name in Fixtures.sampleNames { try importSample(name) }
        #expect(try store.runs().count == 6)
        #expect(try store.runs().map { $0.startedAt ?? 0 } == (try store.runs().map { $0.startedAt ?? 0 }.sorted(by: >)))
        #expect(try store.runs(matching: RunQuery(team: "xx_worker_card")).map(\.status) == [.error])
        #expect(try store.runs(matching: RunQuery(status: .waiting)).map(\.teamCode) == ["XX_GL_JOURNAL_APPROVAL"])
        #expect(try store.runs(matching: RunQuery(since: 1_773_430_000_000)).count == 2)
        #expect(try store.runs(matching: RunQuery(limit: 2)).count == 2)
    }

    @Test("counts by status within a budget are exact, or nil when SQLite was stopped at the budget; team codes are listed once each")
    func countsWithinBudget() throws {
        for index in 0..<300 {
            let status = index % 10 == 0 ? "ERROR" : "COMPLETE"
            try receive(#"{"jobId": "job-\#(index)", "status": "\#(status)", "output": "ledger \#(index)"}"#, at: 1_000 + Int64(index),
                        team: index % 3 == 0 ? "TEAM_B" : "team_a")
        }
        let everything = RunQuery(search: "ledger")
        #expect(try store.statusCounts(matching: everything, within: .seconds(30)) == [.complete: 270, .error: 30])
        #expect(try store.statusCounts(matching: everything, within: .nanoseconds(1)) == nil, "300 runs take more than a nanosecond")
        #expect(try store.statusCounts(matching: everything, within: .zero) == nil)
        #expect(try store.statusCounts(matching: RunQuery(team: "TEAM_B"), within: .seconds(30)) == [.complete: 90, .error: 10])
        #expect(try store.teamCodes() == ["team_a", "TEAM_B"])
    }

    @Test("a RUN is 'last', a jobId, or a unique prefix of 4 or more characters")
    func runReferences() throws {
        try receive(#"{"jobId": "abcd-1111"}"#, at: 1)
        try receive(#"{"jobId": "abcd-2222"}"#, at: 2)
        try receive(#"{"jobId": "ffff-3333"}"#, at: 3)
        #expect(try store.run("last").jobId == "ffff-3333")
        #expect(try store.run("abcd-1111").jobId == "abcd-1111")
        #expect(try store.run("abcd-2").jobId == "abcd-2222")
        #expect(try store.run("ffff").jobId == "ffff-3333")
        #expect(throws: TracedeskError.badInput("'abcd' matches several runs (abcd-2222, abcd-1111); give more characters")) {
            try store.run("abcd")
        }
        #expect(throws: TracedeskError.badInput("'ab' is too short: a run prefix needs at least 4 characters")) {
            try store.run("ab")
        }
        #expect(throws: TracedeskError.badInput("no run matches 'abc%' in :memory:")) { try store.run("abc%") }
        #expect(throws: TracedeskError.badInput("the history at :memory: holds no run yet")) {
            try HistoryStore.inMemory().run("last")
        }
    }

    @Test("an import with one bad file records nothing")
    func importIsAllOrNothing() throws {
        let good = CaptureSource.data(try Fixtures.data("supervisor-complete.json"), origin: "good.json")
        let bad = CaptureSource.data(Data(#"{"status": "RUNNING"}"#.utf8), origin: "bad.json")
        #expect(throws: TracedeskError.badInput("bad.json: not a status body: it has no jobId")) {
            try Importer(store: store).importBodies(from: [good, bad], team: nil)
        }
        #expect(try store.runs().isEmpty)
        let summary = try Importer(store: store).importBodies(from: [good], team: nil)
        #expect(summary.bodiesStored == 1 && summary.newRuns == 1)
    }

    @Test("--team names the team of bodies that carry no workflowCode")
    func teamForAnonymousBodies() throws {
        let anonymous = CaptureSource.data(Data(#"{"jobId": "anon-1", "status": "COMPLETE"}"#.utf8), origin: "a.json")
        let summary = try Importer(store: store).importBodies(from: [anonymous], team: nil)
        #expect(summary.runsWithoutTeam == ["anon-1"])
        let other = try HistoryStore.inMemory()
        let named = try Importer(store: other).importBodies(from: [anonymous], team: "MY_TEAM")
        #expect(named.runsWithoutTeam.isEmpty)
        #expect(try other.run("anon-1").teamCode == "MY_TEAM")
    }
}

@Suite("The history file")
struct HistoryFileTests {
    @Test("is created with mode 0600 in a 0700 folder, and runs in WAL mode")
    func createdPrivately() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("nested/dir/history.sqlite")
        let store = try HistoryStore(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let folderAttributes = try FileManager.default.attributesOfItem(atPath: folder.path("nested/dir"))
        #expect((folderAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        #expect(try store.journalMode() == "wal")
    }

    @Test("two stores on one file see each other's records")
    func sharedBetweenProcesses() throws {
        let folder = try TemporaryFolder()
        let first = try HistoryStore(path: folder.path("h.sqlite"))
        let second = try HistoryStore(path: folder.path("h.sqlite"))
        try first.record(try Fixtures.body(json: #"{"jobId": "shared-1"}"#), verbatim: #"{"jobId": "shared-1"}"#,
                         observation: .imported(at: 1), context: RecordingContext(source: .import))
        #expect(try second.run("shared-1").jobId == "shared-1")
    }

    @Test("a file that is not SQLite is refused with a clear error, and left as it was")
    func corruptFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("corrupt.sqlite")
        let garbage = Data("this is not a database, but it is somebody's file\n".utf8)
        try garbage.write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try HistoryStore(path: path)
        } throws: { error in
            guard let error = error as? TracedeskError else { return false }
            return error.kind == .database && error.message.contains("is not a readable SQLite database")
                && error.message.contains(path)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test("the default location follows TRACEDESK_DB, then XDG_DATA_HOME, then HOME")
    func defaultPath() {
        #expect(HistoryStore.defaultPath(environment: ["TRACEDESK_DB": "/x/h.db", "XDG_DATA_HOME": "/d"]) == "/x/h.db")
        #expect(HistoryStore.defaultPath(environment: ["XDG_DATA_HOME": "/d", "HOME": "/h"]) == "/d/tracedesk/history.sqlite")
        #expect(HistoryStore.defaultPath(environment: ["HOME": "/h"]) == "/h/.local/share/tracedesk/history.sqlite")
    }

    @Test("docs/schema.md documents every column of every table")
    func schemaDocumented() throws {
        let document = try String(contentsOf: Fixtures.repository.appendingPathComponent("docs/schema.md"), encoding: .utf8)
        let store = try HistoryStore.inMemory()
        for (table, columns) in try store.schemaColumns() {
            #expect(document.contains("### `\(table)`"), "table \(table) has a section")
            for column in columns {
                #expect(document.contains("| `\(column)` |"), "\(table).\(column) is described")
            }
        }
    }
}
