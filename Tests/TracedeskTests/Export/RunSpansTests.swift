import Foundation
import SwiftProtobuf
import Testing
@testable import TracedeskExport
import TracedeskHistory
import TracedeskModel

/// Runs as spans (docs/otlp.md), and the spans as OTLP protobuf.
@Suite("Runs as OpenTelemetry spans")
struct RunSpansTests {
    func details(_ names: String...) throws -> (HistoryStore, [RunDetails]) {
        let store = try HistoryStore.inMemory()
        for name in names {
            try store.record(try Fixtures.body(name), verbatim: try Fixtures.text(name), observation: .imported(at: 1),
                             context: RecordingContext(source: .import))
        }
        return (store, try store.runs().map { try store.details(of: $0) })
    }

    @Test("a span per run and per step, under its parent; a nested run's steps under the step that called it")
    func tree() throws {
        let (_, runs) = try details("workflow-wrapped-nested-complete.json")
        let spans = RunSpans.spans(of: runs[0])
        #expect(spans.count == runs[0].nodes.count + 1)
        let root = spans[0]
        #expect(root.parentSpanId == nil && root.kind == "AGENT" && root.name == "XX_GL_PERIOD_CHECK")
        #expect(root.traceId == "00000000000000007b2e4d9c1f3a8e56", "Fusion's trace id, so a search for it finds the trace")
        #expect(Set(spans.map(\.traceId)).count == 1)
        let call = try #require(spans.first { $0.name == "CHECK_PERIOD" })
        #expect(call.parentSpanId == root.spanId && call.kind == "AGENT")
        #expect(call.attribute("fusion.nested.job_id") == .string("9b1c4e7a-3d2f-4a6b-8c5e-1f7a2d9e6b30"))
        #expect(call.attribute("fusion.nested.trace_id") == .string("00000000000000003e8d2c7b1a9f4e60"))
        let nested = spans.filter { $0.parentSpanId == call.spanId }.map(\.name)
        #expect(nested == ["START", "GET_PERIOD_STATUSES", "SUMMARISE_PERIOD_STATUS", "END"])
        let summarise = try #require(spans.first { $0.name == "SUMMARISE_PERIOD_STATUS" })
        #expect(summarise.kind == "LLM")
        #expect(summarise.attribute("llm.token_count.prompt") == .int(612) && summarise.attribute("llm.token_count.total") == .int(660))
        #expect(summarise.attribute("gen_ai.usage.output_tokens") == .int(48))
        #expect(summarise.attribute("llm.model_name") == .string("cohere.command-r-plus-08-2024"))
        #expect(summarise.startTimeUnixNano == 1_776_000_000_840_000_000 && summarise.endTimeUnixNano == 1_776_000_002_210_000_000)
        #expect(spans.first { $0.name == "GET_PERIOD_STATUSES" }?.kind == "TOOL")
        #expect(root.attribute("llm.token_count.total") == nil, "steps carry the tokens: the run does not count them twice")
        #expect(root.attribute("gen_ai.usage.input_tokens") == .int(1014))
        #expect(root.attribute("session.id") == .string("4c2e9a71-8b3d-4f5e-a6c1-9d7b2e8f0a13"))
        #expect(root.attribute("input.value") == .string("Is April open for US Primary Ledger?"))
    }

    /// A run of two LLM steps: one model call with its exact request and response, and one of two calls.
    static let modelCallsBody = #"""
        {"jobId": "calls-1", "status": "COMPLETE", "workflowCode": "TEAM", "traceId": "0000000000000000322418a3c9ceb65d",
         "startDate": 1773341443000, "endTime": 1773341450000, "output": "fine",
         "nodes": [
          {"nodeCode": "ASK", "nodeType": "LLM", "status": "COMPLETED", "startTime": 1773341443100, "endTime": 1773341445000,
           "nodeStepInfo": {"totalNodeTime": 1900, "details": [{"index": 0, "type": "LLM", "name": "LLM Call", "modelName": "openai.gpt-5-mini",
             "modelType": "PREMIUM", "timeTaken": 1880, "inputTokens": 903, "outputTokens": 226,
             "input": "{\"model\": \"openai.gpt-5-mini\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi?\"}], \"reasoning_effort\": \"medium\", \"max_completion_tokens\": 2048}",
             "output": "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"fine\"}, \"finish_reason\": \"stop\"}], \"usage\": {\"prompt_tokens\": 811, \"completion_tokens\": 992, \"total_tokens\": 1803, \"completion_tokens_details\": {\"reasoning_tokens\": 896}}}"}]}},
          {"nodeCode": "TWICE", "nodeType": "LLM", "status": "COMPLETED", "startTime": 1773341445100, "endTime": 1773341448000,
           "nodeStepInfo": {"totalNodeTime": 2900, "details": [
             {"index": 1, "type": "LLM", "modelName": "m", "timeTaken": 1000, "inputTokens": 10, "outputTokens": 5},
             {"index": 2, "type": "LLM", "modelName": "m", "timeTaken": 1500, "inputTokens": 20, "outputTokens": 7}]}}
         ]}
        """#

    @Test("a model call's prompt role by role, its answer, settings and reasoning tokens in both vocabularies; several calls, a chat span each")
    func modelCalls() throws {
        let store = try HistoryStore.inMemory()
        let body = try StatusBody(data: Data(Self.modelCallsBody.utf8))
        try store.record(body, verbatim: Self.modelCallsBody, observation: .imported(at: 1), context: RecordingContext(source: .import))
        let spans = RunSpans.spans(of: try store.details(of: try store.run("calls-1")))
        #expect(spans[0].attribute("gen_ai.operation.name") == .string("invoke_workflow"))
        let ask = try #require(spans.first { $0.name == "ASK" })
        #expect(ask.attribute("gen_ai.operation.name") == .string("chat"))
        #expect(ask.attribute("llm.input_messages.0.message.role") == .string("system"))
        #expect(ask.attribute("llm.input_messages.1.message.content") == .string("Hi?"))
        #expect(ask.attribute("llm.output_messages.0.message.content") == .string("fine"))
        #expect(ask.attribute("gen_ai.response.finish_reasons") == .strings(["stop"]))
        #expect(ask.attribute("llm.token_count.completion_details.reasoning") == .int(896))
        #expect(ask.attribute("gen_ai.usage.reasoning.output_tokens") == .int(896))
        #expect(ask.attribute("llm.token_count.prompt") == .int(903), "Oracle's count, billed, not the provider's 811")
        #expect(ask.attribute("fusion.provider_usage.prompt_tokens") == .int(811))
        #expect(ask.attribute("gen_ai.request.reasoning_effort") == .string("medium"))
        #expect(ask.attribute("graph.node.id") == .string("ASK") && ask.attribute("graph.node.parent_id") == .string("TEAM"))
        guard case .string(let messages)? = ask.attribute("gen_ai.input.messages") else { Issue.record("no gen_ai.input.messages"); return }
        #expect(JSONValue(parsing: messages)?.arrayValue?.first?["parts"]?.arrayValue?.first?["content"] == .string("Be brief."))
        #expect(ask.attributes.filter { $0.key == "llm.token_count.prompt" }.count == 1, "one count per key")

        let twice = try #require(spans.first { $0.name == "TWICE" })
        let calls = spans.filter { $0.parentSpanId == twice.spanId }
        #expect(calls.map(\.name) == ["chat m", "chat m"])
        #expect(calls.map { $0.attribute("llm.token_count.prompt") } == [.int(10), .int(20)])
        #expect(calls[1].startTimeUnixNano == calls[0].endTimeUnixNano, "one after another")
        #expect(RunSpans.spans(of: try store.details(of: try store.run("calls-1"))) == spans, "derived ids, as for steps")
    }

    @Test("ids are derived, not random: the same run gives the same spans; a trace id that is not Fusion's is derived")
    func ids() throws {
        let (_, runs) = try details("supervisor-complete.json", "coe-status-complete.json")
        #expect(RunSpans.spans(of: runs[0]) == RunSpans.spans(of: runs[0]))
        let ids = runs.flatMap { RunSpans.spans(of: $0).map(\.spanId) }
        #expect(Set(ids).count == ids.count, "no two spans share an id")
        #expect(ids.allSatisfy { $0.count == 16 && $0.allSatisfy(\.isHexDigit) && $0 != String(repeating: "0", count: 16) })
        var run = runs[0].run
        run.traceId = "not-a-trace-id"
        let derived = RunSpans.traceId(of: run)
        #expect(derived.count == 32 && derived.allSatisfy(\.isHexDigit) && derived == RunSpans.traceId(of: run))
    }

    @Test("an ERROR run and its failed step are ERROR spans with the error; WAITING is an event")
    func statusesAndWaits() throws {
        let (_, runs) = try details("worker-card-error.json", "approval-waiting.json")
        let error = try #require(runs.first { $0.run.status == .error })
        let spans = RunSpans.spans(of: error)
        #expect(spans[0].status.code == "ERROR" && spans[0].status.message?.contains("FAI-50021") == true)
        let failed = try #require(spans.first { $0.name == "GET_PERSON_DETAILS" })
        #expect(failed.status.code == "ERROR" && failed.status.message?.contains("HTTP 504") == true)
        #expect(spans.first { $0.name == "START" }?.status.code == "OK")
        let waiting = try #require(runs.first { $0.run.status == .waiting })
        let root = RunSpans.spans(of: waiting)[0]
        #expect(root.status.code == "UNSET")
        let event = try #require(root.events.first)
        #expect(event.name == "fusion.waiting")
        #expect(event.attributes.contains { $0.key == "fusion.waiting_for" })
    }

    @Test("supporting chunks are retrieval documents on the run span; long texts are cut with a marker")
    func documentsAndLimits() throws {
        let (_, runs) = try details("document-chunks-complete.json")
        let root = RunSpans.spans(of: runs[0])[0]
        #expect(root.attribute("retrieval.documents.0.document.content")?.stringValue?.isEmpty == false)
        #expect(root.attribute("retrieval.documents.2.document.id") != nil)
        let cut = RunSpans.spans(of: runs[0], options: SpanOptions(maximumValueBytes: 40))[0]
        let content = try #require(cut.attribute("retrieval.documents.0.document.content")?.stringValue)
        #expect(content.utf8.count < 110 && content.contains("… [truncated by Tracedesk: "), "\(content)")
    }

    @Test("the spans as an OTLP request: protobuf that reads back to the same ids, kinds, attributes and resource")
    func encoding() throws {
        let (_, runs) = try details("workflow-wrapped-nested-complete.json")
        let spans = RunSpans.spans(of: runs[0])
        let bytes = try OTLPEncoding.request(spans, resource: .init(project: "payroll", version: "0.2.0"))
        let request = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: bytes)
        let resource = request.resourceSpans[0].resource.attributes
        #expect(resource.contains { $0.key == "openinference.project.name" && $0.value.stringValue == "payroll" })
        #expect(resource.contains { $0.key == "service.name" && $0.value.stringValue == "tracedesk" })
        let decoded = request.resourceSpans[0].scopeSpans[0].spans
        #expect(decoded.count == spans.count)
        for (otlp, span) in zip(decoded, spans) {
            #expect(otlp.traceID == OTLPEncoding.bytes(hex: span.traceId) && otlp.traceID.count == 16)
            #expect(otlp.spanID.count == 8 && otlp.name == span.name)
            #expect(otlp.parentSpanID == (span.parentSpanId.map { OTLPEncoding.bytes(hex: $0) } ?? Data()))
            #expect(otlp.attributes.count == span.attributes.count)
            #expect(otlp.attributes.first { $0.key == "openinference.span.kind" }?.value.stringValue == span.kind)
            #expect(otlp.startTimeUnixNano == span.startTimeUnixNano)
        }
        #expect(decoded.allSatisfy { span in span.attributes.allSatisfy { attribute in
            if case .bytesValue? = attribute.value.value { return false }
            return true
        } }, "no bytes values: Phoenix drops a span that has one")
    }
}
