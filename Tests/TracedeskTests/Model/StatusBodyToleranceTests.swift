import Foundation
import Testing
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

@Suite("Tolerant decoding: missing, extra and oddly typed fields")
struct StatusBodyToleranceTests {
    @Test("a body with nothing but a jobId decodes")
    func onlyJobId() throws {
        let body = try Fixtures.body(json: #"{"jobId": "j-1"}"#)
        #expect(body.jobId == "j-1")
        #expect(body.status == nil)
        #expect(body.nodes.isEmpty && !body.hasNodes)
        #expect(body.message == nil)
        #expect(body.followUpQuestions.isEmpty)
    }

    @Test("unknown fields stay in the raw body")
    func extraFieldsKept() throws {
        let body = try Fixtures.body(json: #"{"jobId": "j-1", "status": "RUNNING", "futureField": {"x": [1, 2]}}"#)
        #expect(body.raw["futureField"]?["x"]?.arrayValue?.count == 2)
    }

    @Test("numbers written as strings, seconds for milliseconds, input as an object")
    func oddlyTypedFields() throws {
        let body = try Fixtures.body(json: """
            {"jobId": 42, "status": "complete", "workflowVersion": "13", "startDate": "1773341443081",
             "endTime": 1773341469.93, "inputTokenCount": "120", "outputTokenCount": 30.0,
             "input": {"message": "hi", "parameters": {"n": 5, "flag": true}}}
            """)
        #expect(body.jobId == "42")
        #expect(body.status == .complete)
        #expect(body.workflowVersion == 13)
        #expect(body.startedAt == 1_773_341_443_081)
        #expect(body.endedAt == 1_773_341_469_930, "a value below 10^11 is seconds")
        #expect(body.totalTokens == TokenUsage(input: 120, output: 30))
        #expect(body.message == "hi")
        #expect(body.parameters == ["n": "5", "flag": "true"])
    }

    @Test("ISO 8601 instants with +0000, Z, +00:00, and without fractions", arguments: [
        "2026-03-12T18:51:09.930+0000", "2026-03-12T18:51:09.930Z", "2026-03-12T18:51:09.930+00:00",
        "2026-03-12T19:51:09.930+0100",
    ])
    func isoInstants(text: String) {
        #expect(Timestamp.parseISO8601(text) == 1_773_341_469_930)
        #expect(Timestamp.parseISO8601("2026-03-12T18:51:09Z") == 1_773_341_469_000)
        #expect(Timestamp.parseISO8601("1970-01-01T00:00:00.000+0000") == nil, "the epoch means 'not yet'")
        #expect(Timestamp.parseISO8601("yesterday") == nil)
    }

    @Test("a status the documentation does not list is kept, not rejected")
    func unknownStatus() throws {
        let body = try Fixtures.body(json: #"{"jobId": "j", "status": "Suspended"}"#)
        #expect(body.status == .other("SUSPENDED"))
        #expect(body.status?.isTerminal == false)
        // A debug run stopped at a breakpoint is over, and not continued.
        #expect(try Fixtures.body(json: #"{"jobId": "j", "status": "PAUSED"}"#).status?.isTerminal == true)
    }

    @Test("nodes given as a JSON string, with outputs as JSON strings, are parsed")
    func nodesAsString() throws {
        let nodes = #"[{"code": "A", "type": "LLM", "output": "{\"answer\": 1}"}]"#
        let json = try JSONEncoder().encode(["jobId": "j", "nodes": nodes])
        let body = try StatusBody(data: json)
        #expect(body.nodes.count == 1)
        #expect(body.nodes[0].output?["answer"]?.intValue == 1)
    }

    @Test("an item of nodes with no code, name or type is kept and marked unrecognised")
    func unrecognisedNode() throws {
        let body = try Fixtures.body(json: #"{"jobId": "j", "nodes": [{"weird": 1}, "just text"]}"#)
        #expect(body.nodes.count == 2)
        #expect(body.nodes.allSatisfy { $0.isUnrecognised })
        #expect(body.nodes[0].raw["weird"]?.intValue == 1)
        #expect(body.nodes[1].raw == .string("just text"))
    }

    @Test("token counts under every name seen", arguments: [
        #"{"code": "n", "inputTokens": 10, "outputTokens": 4}"#,
        #"{"code": "n", "promptTokens": 10, "completionTokens": 4}"#,
        #"{"code": "n", "prompt_tokens": 10, "completion_tokens": 4}"#,
        #"{"code": "n", "usage": {"input_tokens": 10, "output_tokens": 4}}"#,
        #"{"code": "n", "tokenUsage": {"inputTokenCount": 10, "outputTokenCount": 4}}"#,
        #"{"code": "n", "nodeStepInfo": {"details": [{"inputTokens": 6, "outputTokens": 1}, {"promptTokens": 4, "completionTokens": 3}]}}"#,
    ])
    func tokenNames(item: String) throws {
        let node = Node(reading: try #require(JSONValue(parsing: item)))
        #expect(node.tokens == TokenUsage(input: 10, output: 4))
    }

    @Test("a total alone counts as output, so totals stay right")
    func totalOnly() throws {
        let node = Node(reading: try #require(JSONValue(parsing: #"{"code": "n", "totalTokens": 99}"#)))
        #expect(node.tokens.total == 99)
    }

    @Test("flat items that name their parent are nested under it")
    func parentReferences() throws {
        let body = try Fixtures.body(json: """
            {"jobId": "j", "nodes": [
              {"nodeCode": "LOOP_LINES", "nodeType": "LOOP"},
              {"nodeCode": "CHECK_STOCK", "nodeType": "BO_FUNCTION", "parentNodeCode": "LOOP_LINES"},
              {"nodeCode": "NOTIFY", "nodeType": "EMAIL", "parentNodeCode": "CHECK_STOCK"},
              {"nodeCode": "END", "nodeType": "END"}]}
            """)
        #expect(body.nodes.map(\.label) == ["LOOP_LINES", "END"])
        #expect(body.nodes[0].children.map(\.label) == ["CHECK_STOCK"])
        #expect(body.nodes[0].children[0].children.map(\.label) == ["NOTIFY"])
        #expect(body.nodeCount == 4)
    }

    @Test("a node output object shaped like a status body is a nested run; other objects are not")
    func nestedRunRecognition() throws {
        let body = try Fixtures.body(json: """
            {"jobId": "parent", "nodes": [
              {"nodeCode": "CALL", "nodeType": "WORKFLOW", "nodeOutput": {"jobId": "child", "status": "COMPLETE", "nodes": [{"nodeCode": "X"}]}},
              {"nodeCode": "PLAIN", "nodeType": "CODE", "nodeOutput": {"jobId": "not a run, just a field"}}]}
            """)
        #expect(body.nodes[0].nestedRun?.jobId == "child")
        #expect(body.nodes[0].nestedRun?.nodes.map(\.label) == ["X"])
        #expect(body.nodes[1].nestedRun == nil)
        #expect(body.nodeCount == 3)
    }

    @Test("only what cannot be a status body is rejected, with the reason")
    func rejections() {
        #expect(throws: StatusBodyError.notAnObject("array")) { try Fixtures.body(json: "[1, 2]") }
        #expect(throws: StatusBodyError.missingJobId) { try Fixtures.body(json: #"{"status": "RUNNING"}"#) }
        #expect(throws: StatusBodyError.missingJobId) { try Fixtures.body(json: #"{"jobId": "  "}"#) }
        #expect(throws: StatusBodyError.self) { try Fixtures.body(json: "{not json") }
        #expect(StatusBodyError.missingJobId.description == "not a status body: it has no jobId")
    }

    @Test("the invokeAsync request writes conversationId null and omits unset v2 fields")
    func invokeRequestEncoding() throws {
        let request = InvokeRequest(message: "Compare", version: 13, parameters: ["Param1": "ABC"])
        let json = try #require(JSONValue(parsing: try JSONEncoder().encode(request)))
        #expect(json["conversationId"] == .null)
        #expect(json["invocationMode"]?.stringValue == "ADMIN")
        #expect(json["status"]?.stringValue == "PUBLISHED")
        #expect(json["conversational"]?.boolValue == true)
        #expect(json["jobId"] == nil)
        #expect(json["resumeNodeInput"] == nil)
    }
}
