import Foundation
import Testing
import TracedeskHistory
@testable import TracedeskModel

/// Reading a debug stream by the standard, not by one pod's habits.
@Suite("Debug streams: the parser and the run they tell")
struct DebugStreamTests {
    func events(_ text: String, pieces: Int = 1) throws -> [ServerSentEventParser.Event] {
        var parser = ServerSentEventParser()
        let bytes = Array(text.utf8)
        var events: [ServerSentEventParser.Event] = []
        let size = max(1, bytes.count / pieces)
        var offset = 0
        while offset < bytes.count {
            events += try parser.feed(bytes[offset..<min(bytes.count, offset + size)])
            offset += size
        }
        return events + parser.finish()
    }

    @Test("only data lines count: comments, event and id lines and blank lines frame them; CR, LF and CRLF end lines; pieces split anywhere", arguments: [1, 3, 17, 1000])
    func framing(pieces: Int) throws {
        let text = ": a comment\r\nevent: message\r\nid: 7\r\ndata: {\"a\": 1}\r\n\r\n"
            + "data: {\"b\":\ndata: 2}\n\n"
            + "retry: 100\rdata: [DONE]\r\r"
            + "data:no space\n\n"
            + "data: {\"last\": true}"   // no blank line before the end: kept all the same
        let read = try events(text, pieces: pieces)
        #expect(read.map(\.data) == [#"{"a": 1}"#, "{\"b\":\n2}", "[DONE]", "no space", #"{"last": true}"#])
        #expect(read[0].name == "message" && read[0].id == "7")
        #expect(read[1].name == nil, "a name holds for one event")
    }

    @Test("a line beyond the limit fails the stream rather than growing memory")
    func longLine() {
        var parser = ServerSentEventParser(maximumLineBytes: 1024)
        #expect(throws: ServerSentEventParser.LineTooLong.self) { _ = try parser.feed(Array(repeating: UInt8(ascii: "x"), count: 2048)) }
    }

    @Test("several JSON objects on data lines of one event are read one by one")
    func oneObjectPerLine() {
        let event = ServerSentEventParser.Event(data: "{\"jobId\": \"J\"}\n{\"message\": {\"content\": \"hi\"}}")
        #expect(DebugStreamRun.payloads(of: event).count == 2)
        #expect(DebugStreamRun.payloads(of: .init(data: "{\"a\":\n1}")).count == 1, "one object over two lines stays one")
    }

    /// The events of a small run: an instant START, an LLM step with a span, a LOOP with two
    /// iterations of one child, the answer in deltas, and the end.
    static let stream: [String] = [
        #"{"jobId": "J-1", "nodeProgressMessage": {"nodeCode": "START", "type": "NODE_EXECUTED", "nodeType": "START", "nodeStepInfo": {"totalNodeTime": 2, "details": []}}}"#,
        #"{"nodeProgressMessage": {"nodeCode": "ASK", "type": "NODE_START", "nodeType": "LLM", "nodeInput": "{\"q\": 1}"}}"#,
        #"{"nodeProgressMessage": {"nodeCode": "ASK", "type": "NODE_END", "nodeType": "LLM", "nodeOutput": "{\"success\": true, \"output\": \"fine\"}", "nodeStepInfo": {"totalNodeTime": 1900, "details": [{"index": 0, "type": "LLM", "name": "LLM Call", "modelName": "openai.gpt-5-mini", "modelType": "PREMIUM", "timeTaken": 1880, "inputTokens": 903, "outputTokens": 226, "input": "{\"model\": \"openai.gpt-5-mini\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi?\"}], \"reasoning_effort\": \"medium\", \"max_completion_tokens\": 2048}", "output": "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"fine\"}, \"finish_reason\": \"stop\"}], \"usage\": {\"prompt_tokens\": 811, \"completion_tokens\": 992, \"total_tokens\": 1803, \"completion_tokens_details\": {\"reasoning_tokens\": 896}}}"}]}}}"#,
        #"{"nodeProgressMessage": {"nodeCode": "EACH", "type": "NODE_START", "nodeType": "LOOP"}}"#,
        #"{"nodeProgressMessage": {"nodeCode": "LOOK", "type": "CHILD_NODE_START", "nodeType": "TOOL", "parentNodeCode": "EACH", "loopIndex": 0}}"#,
        #"{"nodeProgressMessage": {"nodeCode": "LOOK", "type": "CHILD_NODE_END", "nodeType": "TOOL", "parentNodeCode": "EACH", "loopIndex": 0, "nodeOutput": "a", "nodeStepInfo": {"totalNodeTime": 40, "details": []}}}"#,
        #"{"nodeProgressMessage": {"nodeCode": "LOOK", "type": "CHILD_NODE_START", "nodeType": "TOOL", "parentNodeCode": "EACH", "loopIndex": 1}}"#,
        #"{"nodeProgressMessage": {"nodeCode": "LOOK", "type": "CHILD_NODE_END", "nodeType": "TOOL", "parentNodeCode": "EACH", "loopIndex": 1, "nodeOutput": "b....."}}"#,
        #"{"nodeProgressMessage": {"nodeCode": "EACH", "type": "NODE_END", "nodeType": "LOOP", "nodeStepInfo": {"totalNodeTime": 90}}}"#,
        #"{"message": {"content": [{"text": "All "}]}}"#,
        #"{"message": {"content": "fine."}}"#,
        "[DONE]",
        #"{"jobId": "J-1", "message": {"output": "All fine.", "finishReason": "stop"}}"#,
    ]

    func applied(_ payloads: [String], start: Int64 = 1_773_000_001_000) -> DebugStreamRun {
        var run = DebugStreamRun(conversationId: "c-1")
        for (index, payload) in payloads.enumerated() { _ = run.apply(payload, at: start + Int64(index) * 100) }
        return run
    }

    @Test("a START and its END are one step with its span; EXECUTED is an instant; children nest; iterations stay apart")
    func steps() throws {
        let run = applied(Self.stream)
        #expect(run.jobId == "J-1")
        #expect(run.steps.map(\.code) == ["START", "ASK", "EACH", "LOOK", "LOOK"])
        let ask = run.steps[1]
        #expect(ask.startedAt == 1_773_000_001_100 && ask.endedAt == 1_773_000_001_200 && ask.durationMs == 1900, "the span as seen, the length as the pod says")
        #expect(run.steps[0].startedAt == 1_773_000_000_998 && run.steps[0].endedAt == 1_773_000_001_000, "an instant step ends as it arrives, lasting what it reports")
        #expect(run.steps[3].parent == 2 && run.steps[4].parent == 2)
        #expect(run.steps.compactMap(\.loopIndex) == [0, 1])
        #expect(run.steps[4].outputTruncated, "an output ending in ..... was cut short by the pod")
        #expect(run.status == .complete && run.output == "All fine." && run.answer == "All fine.")
    }

    @Test("the body drawn from the events reads as a status body: steps, calls, the answer, the request's message")
    func derivedBody() throws {
        let run = applied(Self.stream)
        let request = DebugRequest(message: "Hi?", workflowCode: "TEAM", conversationId: "c-1", status: .draft, parameters: ["p": "1"])
        let value = try #require(run.statusBody(.init(request: request, sentAt: 1_773_000_000_900)))
        let body = try StatusBody(value: value)
        #expect(body.status == .complete && body.outputText == "All fine.")
        #expect(body.message == "Hi?" && body.parameters == ["p": "1"] && body.workflowStatus == "DRAFT")
        #expect(body.startedAt == 1_773_000_000_900 && body.endedAt == 1_773_000_002_200)
        #expect(body.nodes.map(\.label) == ["START", "ASK", "EACH"])
        #expect(body.nodes[1].startedAt == 1_773_000_001_100, "a step starts when its start event arrived, not its end less the pod's length")
        #expect(body.nodes[0].startedAt == 1_773_000_000_998, "a step whose start was not seen starts its reported length before its end")
        #expect(body.nodes[2].children.map(\.loopIndex) == [0, 1])
        let call = try #require(body.nodes[1].llmCalls.first)
        #expect(call.model == "openai.gpt-5-mini" && call.modelType == "PREMIUM")
        #expect(call.tokens == TokenUsage(input: 903, output: 226), "Oracle's counts, billed")
        #expect(call.providerUsage == LLMCall.ProviderUsage(promptTokens: 811, completionTokens: 992, totalTokens: 1803, reasoningTokens: 896))
        #expect(call.messages.map(\.role) == ["SYSTEM", "USER"] && call.messages.last?.text == "Hi?")
        #expect(call.parameters["reasoning_effort"] == .string("medium") && call.parameters["max_completion_tokens"] == .integer(2048))
        #expect(call.responseText == "fine" && call.finishReason == "stop")
        #expect(body.nodes[1].tokens == TokenUsage(input: 903, output: 226))
    }

    /// The history's reading of a stream whose steps report `factor` times the span between their events.
    func recordedDetails(lengthFactor factor: Int64) throws -> RunDetails {
        let payloads = (0..<3).flatMap { step in [
            #"{"jobId": "J-C", "nodeProgressMessage": {"nodeCode": "S\#(step)", "type": "NODE_START", "nodeType": "LLM"}}"#,
            #"{"nodeProgressMessage": {"nodeCode": "S\#(step)", "type": "NODE_END", "nodeType": "LLM", "nodeStepInfo": {"totalNodeTime": \#(1_000 * factor)}}}"#,
        ] } + [#"{"message": {"output": "done", "finishReason": "stop"}}"#]
        var run = DebugStreamRun()
        var events: [ReceivedEvent] = []
        for (index, payload) in payloads.enumerated() {
            let at = 1_773_000_000_000 + Int64(index) * 1_000
            _ = run.apply(payload, at: at)
            events.append(ReceivedEvent(data: payload, receivedAt: at))
        }
        let request = DebugRequest(message: "Hi?", workflowCode: "TEAM", conversationId: nil)
        let body = try StatusBody(value: try #require(run.statusBody(.init(request: request, sentAt: 1_772_999_999_000))))
        let store = try HistoryStore.inMemory()
        _ = try store.recordStream(jobId: "J-C", events: events, derived: body,
                                   context: RecordingContext(teamCode: "TEAM", source: .invoke), at: events.last!.receivedAt)
        return try store.details(of: try store.run("J-C"))
    }

    @Test("a streamed run whose steps report ten times the time between their events gets a two-clocks note; one that agrees gets none")
    func streamedClocks() throws {
        let fast = try recordedDetails(lengthFactor: 10)
        let note = try #require(fast.clockNote)
        #expect(note.hasPrefix("Two clocks: a streamed run's steps start and end when their events reached this machine"))
        #expect(note.contains("10× as fast"), "\(note)")
        #expect(try recordedDetails(lengthFactor: 1).clockNote == nil)
    }

    @Test("AI units by Oracle's formula: 903 + 226 tokens on a premium model are 5; unknown where no multiplier applies")
    func aiUnits() throws {
        let rates = AIUnitRates(tokenMultiplier: 0.001, typeMultipliers: ["premium": 2.5], modelTypes: ["cohere.command-r-08-2024": "standard"],
                                source: "test")
        let call = LLMCall(model: "openai.gpt-5-mini", modelType: "PREMIUM", tokens: TokenUsage(input: 903, output: 226))
        #expect(rates.units(of: call) == 5)
        #expect(rates.units(of: LLMCall(model: "cohere.command-r-08-2024", tokens: TokenUsage(input: 10, output: 1))) == nil,
                "standard has no multiplier here: unknown, never a guess")
        #expect(rates.units(of: LLMCall(model: "unlisted", tokens: TokenUsage(input: 10, output: 1))) == nil)
        let answer = try #require(JSONValue(parsing: #"""
            {"items": [
              {"featureCode": "ACTION_UNITS_REPORTING", "parameterCode": "MODEL_TYPES", "parameterValue": "{\"modelTypes\": [{\"premium\": [\"openai.gpt-5-mini\"]}]}"},
              {"featureCode": "ACTION_UNITS_REPORTING", "parameterCode": "UNIT_MULTIPLIERS", "parameterValue": "{\"tokenUnits\": {\"multipliers\": {\"general\": 0.001}}, \"actionUnits\": [{\"model\": \"premium\", \"multipliers\": {\"general\": 2.5}}]}"},
              {"featureCode": "SOMETHING_ELSE", "parameterCode": "UNIT_MULTIPLIERS", "parameterValue": "{}"}
            ]}
            """#))
        let read = try #require(AIUnitRates(featureConfiguration: answer))
        #expect(read.units(of: LLMCall(model: "oci-agent/openai.gpt-5-mini", tokens: TokenUsage(input: 903, output: 226))) == 5,
                "the type found by model name, without its provider prefix")
    }

    @Test("odd events are kept and said: not JSON is answer text, an unknown kind and a step without a code are warnings")
    func oddEvents() {
        var run = DebugStreamRun()
        #expect(run.apply("plain words", at: 1) == [.answer("plain words")])
        #expect(run.apply(#"{"somethingNew": 1}"#, at: 2).contains { if case .warning = $0 { true } else { false } })
        #expect(run.apply(#"{"nodeProgressMessage": {"type": "NODE_START"}}"#, at: 3).contains { if case .warning = $0 { true } else { false } })
        #expect(run.apply("[1, 2]", at: 4).contains { if case .warning = $0 { true } else { false } })
        #expect(run.jobId == nil && run.statusBody(.init(request: DebugRequest(message: "m", workflowCode: "T", conversationId: nil), sentAt: 0)) == nil,
                "no body before a jobId")
        #expect(run.events == 4)
    }

    @Test("a wait ends the stream with its details; the body says WAITING and the waiting node")
    func waiting() throws {
        var run = applied(Array(Self.stream.prefix(3)))
        _ = run.apply(#"{"jobId": "J-1", "message": {"content": "", "finishReason": "wait"}, "waitingNodeDetails": {"code": "APPROVE", "type": "HUMAN", "callbackToken": "[callback token kept apart by Tracedesk]"}}"#, at: 5_000)
        #expect(run.status == .waiting)
        let body = try StatusBody(value: try #require(run.statusBody(.init(request: DebugRequest(message: "m", workflowCode: "T", conversationId: nil), sentAt: 0))))
        #expect(body.status == .waiting && body.waiting.node == "APPROVE" && body.waiting.callbackToken == nil)
        run.beginNextStream()
        #expect(run.status == .running, "a resume starts a new stream of the same run")
    }

    @Test("a resumed stream that starts the waiting step again goes on with it: one step, ended by the new stream")
    func resumedStart() {
        var run = applied(Array(Self.stream.prefix(1)))
        _ = run.apply(#"{"nodeProgressMessage": {"nodeCode": "HOLD", "type": "NODE_START", "nodeType": "WAIT"}}"#, at: 2_000)
        _ = run.apply(#"{"jobId": "J-1", "message": {"content": "", "finishReason": "wait"}, "waitingNodeDetails": {"code": "HOLD", "type": "WAIT"}}"#, at: 2_000)
        run.beginNextStream()
        #expect(run.apply(#"{"nodeProgressMessage": {"nodeCode": "HOLD", "type": "NODE_START", "nodeType": "WAIT"}}"#, at: 2_500) == [])
        _ = run.apply(#"{"nodeProgressMessage": {"nodeCode": "HOLD", "type": "NODE_END", "nodeType": "WAIT"}}"#, at: 2_600)
        #expect(run.steps.map(\.code) == ["START", "HOLD"])
        #expect(run.steps[1].startedAt == 2_000 && run.steps[1].endedAt == 2_600)
        _ = run.apply(#"{"nodeProgressMessage": {"nodeCode": "HOLD", "type": "NODE_START", "nodeType": "WAIT"}}"#, at: 2_700)
        #expect(run.steps.count == 3, "once carried on, a later start is a step of its own")
    }

    @Test("callback tokens are replaced wherever they stand, escaped or nested, and handed back")
    func callbackTokens() {
        let token = "cbt-0123456789abcdef"
        let body = #"{"jobId": "J", "waitingNodeDetails": {"callbackToken": "\#(token)"}, "nodes": [{"nodeOutput": "{\"waitingNodeDetails\": {\"callbackToken\": \"\#(token)\"}}"}]}"#
        let (text, tokens) = CallbackTokens.redacting(body)
        #expect(tokens.contains(token))
        #expect(!text.contains(token))
        #expect(JSONValue(parsing: text) != nil, "still JSON")
        let sse = "data: {\"waitingNodeDetails\": {\"callbackToken\": \"\(token)\"}, \"resumeInput\": {\"messageInstanceId\": \"\(token)\"}\n\n"
        #expect(!CallbackTokens.redacting(sse).text.contains(token))
        #expect(CallbackTokens.redacting(#"{"callbackToken": null, "x": "null"}"#).text == #"{"callbackToken": null, "x": "null"}"#)
        let details = WaitingDetails(toolCode: nil, details: JSONValue(parsing: #"{"code": "A", "callbackToken": "\#(token)"}"#))
        #expect(details.callbackToken == token)
        #expect(details.shareable?["callbackToken"] == .string(CallbackTokens.marker))
    }

    @Test("the waiting keys of a live pod and the older ones both read")
    func waitingKeys() throws {
        let real = WaitingDetails(toolCode: nil, details: JSONValue(parsing: #"""
            {"code": "APPROVE", "type": "HUMAN", "channelType": "EMAIL", "initialMessage": "Approve?", "currentIterationCount": 1, "maxIteration": 3,
             "feedbackEnabledFlag": "Y", "approvalEnabledFlag": true, "actionNames": {"REJECT_ACTION": "Reject", "APPROVE_ACTION": "Approve", "RFI_ACTION": "Ask"}}
            """#))
        #expect(real.node == "APPROVE" && real.nodeType == "HUMAN" && real.channel == "EMAIL" && real.message == "Approve?")
        #expect(real.iterationText == "2 of 3" && real.feedbackEnabled == true)
        #expect(real.actions.map(\.code) == ["APPROVE_ACTION", "REJECT_ACTION", "RFI_ACTION"])
        #expect(real.summary == "APPROVE (HUMAN, channel EMAIL, round 2 of 3): Approve? [APPROVE_ACTION Approve, REJECT_ACTION Reject, RFI_ACTION Ask]")
        let old = WaitingDetails(toolCode: "T", details: JSONValue(parsing: #"{"nodeCode": "APPROVE", "nodeType": "HUMAN", "channel": "CHAT", "message": "Ok?", "actions": ["APPROVE_ACTION"]}"#))
        #expect(old.summary == "APPROVE (HUMAN, channel CHAT): Ok? [APPROVE_ACTION]")
        let timer = WaitingDetails(toolCode: nil, details: JSONValue(parsing: #"{"code": "PAUSE", "type": "WAIT", "waitTimeInMinutes": 5}"#))
        #expect(!timer.waitsForPerson && timer.summary.contains("waits 5"))
    }
}
