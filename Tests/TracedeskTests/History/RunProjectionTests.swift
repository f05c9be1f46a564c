import Foundation
import Testing
import TracedeskHistory
import TracedeskModel

/// The body-to-rows projection, on its own: no SQLite.
@Suite("What a body means for the history's rows")
struct RunProjectionTests {
    @Test("a run's fields, drawn from its body and kept from the previous body where the new one is silent")
    func runFields() throws {
        let running = try Fixtures.body("coe-invoke-running.json")
        let first = RunProjection.run(from: running, previous: nil, context: RecordingContext(teamCode: "COE", source: .poll), at: 5)
        #expect(first.status == .running)
        #expect(first.teamCode == "COE" && first.source == .poll && first.recordedAt == 5)
        #expect(first.tokens == nil, "a RUNNING body's 0 counts are not known counts")
        let complete = try Fixtures.body("coe-status-complete.json")
        let second = RunProjection.run(from: complete, previous: first, context: RecordingContext(source: .import), at: 9)
        #expect(second.status == .complete && second.recordedAt == 5 && second.updatedAt == 9)
        #expect(second.source == .poll, "how the first body arrived stays")
        #expect(second.conversationId == first.conversationId)
        #expect(second.timeTakenMs == 26_771)
    }

    @Test("steps flatten depth first, nested runs' steps under the step that called them")
    func nodes() throws {
        let body = try Fixtures.body("workflow-nested-complete.json")
        let rows = RunProjection.nodes(body.nodes, runId: 7)
        #expect(rows.count == 20)
        #expect(rows.map(\.position) == Array(0..<20))
        #expect(rows.allSatisfy { $0.runId == 7 })
        let fetch = try #require(rows.first { $0.code == "GET_APP_CONTEXT" })
        #expect(fetch.nestedJobId != nil && fetch.type == "WORKFLOW")
        let child = try #require(rows.first { $0.code == "READ_APP_CONTEXT" })
        #expect(child.parentPosition == fetch.position && child.depth == fetch.depth + 1)
        for row in rows { if let parent = row.parentPosition { #expect(parent < row.position) } }
    }

    @Test("a node result in Oracle's debug wrapper carries its nested run, the output a JSON string")
    func wrappedNestedRun() throws {
        let body = try Fixtures.body("workflow-wrapped-nested-complete.json")
        let call = try #require(body.nodes.first { $0.code == "CHECK_PERIOD" })
        let nested = try #require(call.nestedRun)
        #expect(nested.jobId == "9b1c4e7a-3d2f-4a6b-8c5e-1f7a2d9e6b30")
        #expect(nested.traceId == "00000000000000003e8d2c7b1a9f4e60")
        #expect(nested.status == .complete)
        #expect(nested.totalTokens == TokenUsage(input: 612, output: 48))
        let rows = RunProjection.nodes(body.nodes, runId: 1)
        let row = try #require(rows.first { $0.code == "CHECK_PERIOD" })
        #expect(row.nestedJobId == nested.jobId && row.nestedStatus == "COMPLETE" && row.nestedInputTokens == 612)
        #expect(rows.filter { $0.parentPosition == row.position }.map(\.code) == ["START", "GET_PERIOD_STATUSES", "SUMMARISE_PERIOD_STATUS", "END"])
        // The object form of the wrapper too.
        let object = try Fixtures.body(json: """
            {"jobId": "p", "nodes": [{"nodeCode": "CALL", "nodeType": "WORKFLOW", "nodeOutput": {"success": true,
             "output": {"jobId": "c", "status": "ERROR", "traceId": "t", "nodes": [], "error": "boom"}}}]}
            """)
        #expect(object.nodes.first?.nestedRun?.jobId == "c")
        #expect(object.nodes.first?.nestedRun?.status == .error)
    }

    @Test("a node keeps its exact text, as the pod wrote it")
    func rawText() throws {
        let text = #"{"jobId": "j", "nodes": [{"nodeCode" : "A",   "nodeOutput": "{\"b\": 2, \"a\": 1}"}]}"#
        let body = try Fixtures.body(json: text)
        let rows = RunProjection.nodes(body.nodes, runId: 1)
        #expect(rows[0].raw == #"{"nodeCode" : "A",   "nodeOutput": "{\"b\": 2, \"a\": 1}"}"#)
        #expect(rows[0].output == #"{"b": 2, "a": 1}"#, "JSON in a string stays as written")
    }

    @Test("the search entry holds the message, output, error and every step's output")
    func searchText() throws {
        let run = RunRecord(jobId: "j", message: "find the ledger", status: .error, output: "partial", error: "FAI-1: boom",
                            source: .import, recordedAt: 0, updatedAt: 0)
        let text = RunProjection.searchText(of: run, stepOutputs: ["step one", "step two"])
        for word in ["ledger", "partial", "FAI-1", "one", "two"] { #expect(text.contains(word)) }
    }

    @Test("when a status began: received now; from a capture, its end, its wait or its start")
    func changeInstants() throws {
        let waiting = try Fixtures.body("approval-waiting.json")
        #expect(RunProjection.changeInstant(status: .waiting, body: waiting, observation: .received(at: 42, httpStatus: 200), isFirstChange: false) == 42)
        #expect(RunProjection.changeInstant(status: .waiting, body: waiting, observation: .imported(at: 42), isFirstChange: false) == waiting.waitingSince)
        let complete = try Fixtures.body("coe-status-complete.json")
        #expect(RunProjection.changeInstant(status: .complete, body: complete, observation: .imported(at: 1), isFirstChange: false) == complete.endedAt)
        let running = try Fixtures.body("coe-invoke-running.json")
        #expect(RunProjection.changeInstant(status: .running, body: running, observation: .imported(at: 1), isFirstChange: true) == running.startedAt)
        #expect(RunProjection.changeInstant(status: .running, body: running, observation: .imported(at: 1), isFirstChange: false) == nil)
    }
}
