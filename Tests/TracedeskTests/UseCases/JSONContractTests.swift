import Foundation
import Testing
@testable import TracedeskHistory
import TracedeskModel
@testable import TracedeskUseCases

/// docs/json.md and the `--json` output types say the same: every key written is documented,
/// and every documented key is written (when it has a value).
@Suite("The --json contract")
struct JSONContractTests {
    /// The keys of each `<!-- contract: NAME -->` table of docs/json.md.
    func documentedKeys() throws -> [String: Set<String>] {
        let text = try String(contentsOf: Fixtures.repository.appendingPathComponent("docs/json.md"), encoding: .utf8)
        var contracts: [String: Set<String>] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let match = line.firstMatch(of: /<!-- contract: (\w+) -->/) {
                current = String(match.1)
                contracts[current!] = []
            } else if let current, let key = line.firstMatch(of: /^\| `(\w+)` \|/) {
                contracts[current]?.insert(String(key.1))
            } else if !line.hasPrefix("|") {
                current = nil
            }
        }
        return contracts
    }

    func keys<T: Encodable>(_ value: T) throws -> Set<String> {
        let json = try #require(JSONValue(parsing: JSONOutput.text(value)))
        return Set(json.objectValue?.keys.map { $0 } ?? [])
    }

    /// A run with every field set, as the fullest output shows it.
    static let details: RunDetails = {
        var run = RunRecord(
            id: 1, jobId: "job", teamCode: "T", pod: "https://pod", workflowCode: "T", workflowName: "Team", version: 3,
            versionStatus: "DRAFT", invocationMode: "ADMIN", architecture: "supervisor", conversationId: "c", traceId: "t",
            message: "m", parameters: ["k": "v"], status: .waiting, output: "o", error: "e", followUpQuestions: ["q"],
            waitingToolCode: "HUMAN_STEP", waitingSummary: "HUMAN_STEP: ok?", startedAt: 1, endedAt: 2, timeTakenMs: 1,
            inputTokens: 10, outputTokens: 5, nodeCount: 1, chunkCount: 1, citationCount: 1, label: "l", source: .invoke,
            recordedAt: 1, updatedAt: 2)
        run.aiUnits = 5
        run.api = "v2"
        run.transport = .stream
        run.waitingDetails = #"{"code": "HUMAN_STEP", "type": "HUMAN", "actionNames": {"APPROVE_ACTION": "Approve"}}"#
        run.replayOf = "source-job"
        run.replayPlan = #"{"pinned": ["GET"], "live": [], "stoppedBefore": [], "allowLive": false}"#
        run.redaction = "detectors: all"
        var node = NodeRecord(
            id: 1, runId: 1, position: 1, parentPosition: 0, depth: 1, code: "CALL", name: "Call", type: "WORKFLOW", status: "COMPLETED",
            startedAt: 1, endedAt: 2, durationMs: 1, inputTokens: 1, outputTokens: 1, model: "model", input: "i", output: "o",
            error: "e", nestedJobId: "n", nestedTraceId: "nt", nestedStatus: "COMPLETE", nestedInputTokens: 1,
            nestedOutputTokens: 1, raw: "{}")
        node.loopIndex = 0
        node.aiUnits = 5
        let reference = DocumentReferenceRecord(id: 1, runId: 1, position: 0, title: "t", source: "s", score: 0.5, text: "x", page: "1", raw: "{}")
        var details = RunDetails(
            run: run, nodes: [node], chunks: [reference], citations: [reference],
            statusChanges: [StatusChangeRecord(id: 1, runId: 1, status: .waiting, at: 1)],
            snapshots: [.init(sequence: 1, firstSeenAt: 1, lastSeenAt: 2, timesSeen: 2, httpStatus: 200, status: "WAITING", bytes: 10)],
            waitingMs: 5, waitingSince: 1,
            caller: RunDetails.Caller(jobId: "p", teamCode: "P", step: "CALL", position: 1))
        details.streamEvents = 3
        details.replays = ["replay-job"]
        return details
    }()

    @Test("runs, show, its steps, chunks and snapshots: documented key for key")
    func runAndDetails() throws {
        let documented = try documentedKeys()
        let output = RunDetailsOutput(Self.details)
        #expect(try keys(output.run) == documented["run"])
        #expect(try keys(output) == documented["details"])
        #expect(try keys(output.nodes[0]) == documented["node"])
        #expect(try keys(output.chunks[0]) == documented["reference"])
        #expect(try keys(output.snapshots[0]) == documented["snapshot"])
    }

    @Test("import and history: documented key for key")
    func importAndHistory() throws {
        let documented = try documentedKeys()
        var summary = Importer.Summary()
        summary.runs = [.init(jobId: "j", team: "T", status: "COMPLETE", isNew: true)]
        #expect(try keys(ImportOutput(summary: summary, database: "/h.sqlite")) == documented["import"])
        let statistics = HistoryStatistics(path: "/h", fileBytes: 1, walBytes: 1, runs: 1, bodies: 1, steps: 1, comparisons: 1,
                                           bytesByTable: [("run", 1)], oldestRun: 1, newestRun: 2, schemaVersion: 3, pageSize: 16384)
        #expect(try keys(HistoryOutput(statistics)) == documented["history"])
    }
}
