import Foundation
import TracedeskHistory
import TracedeskModel

/// How runs become spans: the limits of what is sent.
public struct SpanOptions: Sendable, Equatable {
    /// Text values longer than this many bytes are cut, with a marker saying how much was left out.
    public var maximumValueBytes: Int

    public init(maximumValueBytes: Int = 32 * 1024) {
        self.maximumValueBytes = maximumValueBytes
    }
}

/// A recorded run as OpenTelemetry spans (docs/otlp.md): one root span for the run, one span per
/// step under its parent step or the run, and a nested run's steps under the WORKFLOW step that
/// called it.
///
/// Ids are derived, never random: the trace id is the run's Fusion `traceId` when it is 32 hex
/// digits (so a search for Oracle's trace id finds it), else a hash of the jobId; span ids hash
/// the jobId and the step's position. Exporting a run twice therefore sends the same spans, which
/// a backend that keeps the first copy of a span (Phoenix) ignores. Attributes carry both the
/// OpenTelemetry GenAI names and the OpenInference names Phoenix reads.
public enum RunSpans {
    public static func spans(of details: RunDetails, options: SpanOptions = SpanOptions()) -> [ExportedSpan] {
        let run = details.run
        let traceId = traceId(of: run)
        let rootId = spanId(jobId: run.jobId, position: nil)
        let nodes = details.nodes
        let lastSeen = max(run.updatedAt, run.endedAt ?? 0)
        let runStart = run.startedAt ?? nodes.compactMap(\.startedAt).min() ?? run.recordedAt
        let nodeEnds = nodes.compactMap { node in node.endedAt ?? node.startedAt.flatMap { start in node.durationMs.map { start + $0 } } }
        let runEnd = run.endedAt ?? run.timeTakenMs.map { runStart + $0 } ?? max(nodeEnds.max() ?? runStart, run.status.isTerminal ? runStart : lastSeen)
        // Phoenix sums token counts over a trace's spans: the run carries them only when no step does.
        let stepsCarryTokens = nodes.contains { !$0.displayTokens.isZero && $0.depth == 0 }

        var spans: [ExportedSpan] = []
        spans.reserveCapacity(nodes.count + 1)
        spans.append(ExportedSpan(
            traceId: traceId, spanId: rootId, parentSpanId: nil, name: run.teamCode ?? run.workflowCode ?? "run", kind: "AGENT",
            startTimeUnixNano: nanoseconds(runStart), endTimeUnixNano: nanoseconds(max(runEnd, runStart)),
            status: runStatus(run), attributes: runAttributes(details, carryTokens: !stepsCarryTokens, options: options),
            events: waitingEvents(details)))

        var starts: [Int: Int64] = [:]
        var codes: [Int: String] = [:]
        let team = run.teamCode ?? run.workflowCode ?? "run"
        for node in nodes {
            let parentStart = node.parentPosition.flatMap { starts[$0] } ?? runStart
            let start = node.startedAt ?? parentStart
            starts[node.position] = start
            codes[node.position] = node.label
            let end = node.endedAt ?? node.durationMs.map { start + $0 } ?? (RunStatus(node.status ?? "") == .running ? max(start, lastSeen) : start)
            let parent = node.parentPosition.map { spanId(jobId: run.jobId, position: $0) } ?? rootId
            let nodeSpan = spanId(jobId: run.jobId, position: node.position)
            let calls = details.calls(ofStepAt: node.position)
            var attributes = nodeAttributes(node, calls: calls, options: options)
            attributes.append(Attribute("graph.node.id", .string(node.label)))
            attributes.append(Attribute("graph.node.parent_id", .string(node.parentPosition.flatMap { codes[$0] } ?? team)))
            spans.append(ExportedSpan(
                traceId: traceId, spanId: nodeSpan, parentSpanId: parent,
                name: node.label, kind: kind(of: node), startTimeUnixNano: nanoseconds(start), endTimeUnixNano: nanoseconds(max(end, start)),
                status: nodeStatus(node), attributes: attributes, events: []))
            // A step of several model calls: each its own `chat` span under the step, one after another.
            guard calls.count > 1 else { continue }
            var callStart = start
            for call in calls {
                let callEnd = call.durationMs.map { callStart + $0 } ?? callStart
                spans.append(ExportedSpan(
                    traceId: traceId, spanId: hex(nonZero(hash("span/\(run.jobId)/\(node.position)/call/\(call.position)"))), parentSpanId: nodeSpan,
                    name: "chat " + (call.model ?? node.label), kind: "LLM", startTimeUnixNano: nanoseconds(callStart),
                    endTimeUnixNano: nanoseconds(max(callEnd, callStart)), status: ExportedSpan.Status(code: "OK"),
                    attributes: callAttributes(call, options: options).items, events: []))
                callStart = callEnd
            }
        }
        return spans
    }

    // MARK: Ids

    /// The run's Fusion trace id when it is 32 hex digits (not all zero), else one derived from its jobId.
    public static func traceId(of run: RunRecord) -> String {
        if let fusion = run.traceId?.lowercased(), fusion.count == 32, fusion.allSatisfy(\.isHexDigit),
           fusion.contains(where: { $0 != "0" }) {
            return fusion
        }
        return hex(nonZero(hash("trace/" + run.jobId))) + hex(nonZero(hash("trace2/" + run.jobId)))
    }

    /// The span of the run (`position` nil) or of its step at `position`.
    public static func spanId(jobId: String, position: Int?) -> String {
        hex(nonZero(hash(position.map { "span/\(jobId)/\($0)" } ?? "span/\(jobId)")))
    }

    /// FNV-1a, 64 bits: stable across processes and machines (unlike `Hasher`).
    static func hash(_ text: String) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
        // A final mix, so that ids of similar texts differ in every digit.
        value ^= value >> 33
        value = value &* 0xff51_afd7_ed55_8ccd
        value ^= value >> 33
        return value
    }

    static func nonZero(_ value: UInt64) -> UInt64 { value == 0 ? 1 : value }

    static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    static func nanoseconds(_ milliseconds: Int64) -> UInt64 {
        milliseconds <= 0 ? 0 : UInt64(milliseconds).multipliedReportingOverflow(by: 1_000_000).partialValue
    }

    // MARK: Kinds and statuses

    /// The OpenInference kind of a step, from its type.
    public static func kind(of node: NodeRecord) -> String {
        switch (node.type ?? "").uppercased() {
        case "LLM": "LLM"
        case "TOOL", "BO_FUNCTION", "EXTERNAL_REST": "TOOL"
        case "AGENT", "MULTI_AGENT", "WORKFLOW": "AGENT"
        case "RAG_DOCUMENT_TOOL", "VECTOR_DB_READER": "RETRIEVER"
        default: node.nestedJobId != nil ? "AGENT" : "CHAIN"
        }
    }

    static func runStatus(_ run: RunRecord) -> ExportedSpan.Status {
        switch run.status {
        case .complete: ExportedSpan.Status(code: "OK")
        case .error: ExportedSpan.Status(code: "ERROR", message: run.error ?? "the run ended in ERROR")
        default: ExportedSpan.Status(code: "UNSET")
        }
    }

    static func nodeStatus(_ node: NodeRecord) -> ExportedSpan.Status {
        if node.failed { return ExportedSpan.Status(code: "ERROR", message: node.error ?? "the step \(node.status ?? "failed")") }
        return RunStatus(node.status ?? "") == .complete ? ExportedSpan.Status(code: "OK") : ExportedSpan.Status(code: "UNSET")
    }

    // MARK: Attributes

    static func runAttributes(_ details: RunDetails, carryTokens: Bool, options: SpanOptions) -> [Attribute] {
        let run = details.run
        var attributes = AttributeList(options: options)
        attributes.add("openinference.span.kind", "AGENT")
        // A Fusion team is a workflow of agents and steps.
        attributes.add("gen_ai.operation.name", "invoke_workflow")
        attributes.add("gen_ai.agent.name", run.teamCode ?? run.workflowCode)
        attributes.add("graph.node.id", run.teamCode ?? run.workflowCode ?? "run")
        attributes.add("gen_ai.conversation.id", run.conversationId)
        attributes.add("session.id", run.conversationId)
        attributes.text("input.value", run.message)
        attributes.text("output.value", run.output)
        if let tokens = run.tokens {
            attributes.add("gen_ai.usage.input_tokens", tokens.input)
            attributes.add("gen_ai.usage.output_tokens", tokens.output)
            if carryTokens {
                attributes.add("llm.token_count.prompt", tokens.input)
                attributes.add("llm.token_count.completion", tokens.output)
                attributes.add("llm.token_count.total", tokens.total)
            }
        }
        attributes.add("fusion.job_id", run.jobId)
        attributes.add("fusion.trace_id", run.traceId)
        attributes.add("fusion.team", run.teamCode)
        attributes.add("fusion.workflow_name", run.workflowName)
        attributes.add("fusion.version", run.version.map(Int64.init))
        attributes.add("fusion.version_status", run.versionStatus)
        attributes.add("fusion.invocation_mode", run.invocationMode)
        attributes.add("fusion.status", run.status.rawValue)
        attributes.add("fusion.error", run.error)
        attributes.add("fusion.pod", run.pod)
        attributes.add("fusion.ai_units", run.aiUnits)
        attributes.add("tracedesk.transport", run.transport.rawValue)
        attributes.add("fusion.waiting_for", run.waitingSummary)
        for (name, value) in run.parameters.sorted(by: { $0.key < $1.key }) { attributes.text("fusion.parameters.\(name)", value) }
        if !run.followUpQuestions.isEmpty { attributes.add("fusion.follow_up_questions", .strings(run.followUpQuestions)) }
        attributes.add("tracedesk.label", run.label)
        attributes.add("tracedesk.source", run.source.rawValue)
        if let waited = details.waitingMs, waited > 0 { attributes.add("fusion.waiting_ms", waited) }
        for chunk in details.chunks {
            let prefix = "retrieval.documents.\(chunk.position).document"
            attributes.add("\(prefix).id", chunk.source ?? chunk.title ?? "chunk \(chunk.position + 1)")
            attributes.text("\(prefix).content", chunk.text)
            if let score = chunk.score, score.isFinite { attributes.add("\(prefix).score", .double(score)) }
            var metadata: [String: JSONValue] = [:]
            if let title = chunk.title { metadata["title"] = .string(title) }
            if let page = chunk.page { metadata["page"] = .string(page) }
            if !metadata.isEmpty { attributes.add("\(prefix).metadata", JSONValue.object(metadata).compactText) }
        }
        for citation in details.citations {
            let prefix = "fusion.citations.\(citation.position)"
            attributes.add("\(prefix).title", citation.title)
            attributes.add("\(prefix).source", citation.source)
            attributes.add("\(prefix).page", citation.page)
            attributes.text("\(prefix).text", citation.text)
        }
        return attributes.items
    }

    /// The GenAI operation of a span of this kind.
    static func operation(ofKind kind: String) -> String? {
        switch kind {
        case "LLM": "chat"
        case "TOOL", "RETRIEVER": "execute_tool"
        case "AGENT": "invoke_agent"
        default: nil
        }
    }

    static func nodeAttributes(_ node: NodeRecord, calls: [LLMCallRecord] = [], options: SpanOptions) -> [Attribute] {
        var attributes = AttributeList(options: options)
        let kind = kind(of: node)
        attributes.add("openinference.span.kind", kind)
        attributes.add("gen_ai.operation.name", operation(ofKind: kind))
        if kind == "TOOL" || kind == "RETRIEVER" { attributes.add("gen_ai.tool.name", node.code ?? node.name) }
        if node.loopIndex != nil { attributes.add("fusion.node.loop_index", node.loopIndex.map(Int64.init)) }
        attributes.add("fusion.ai_units", node.aiUnits)
        attributes.add("fusion.node.code", node.code)
        attributes.add("fusion.node.name", node.name)
        attributes.add("fusion.node.type", node.type)
        attributes.add("fusion.node.status", node.status)
        attributes.add("fusion.node.position", Int64(node.position))
        attributes.text("input.value", node.input)
        attributes.text("output.value", node.output)
        attributes.add("fusion.node.error", node.error)
        if kind == "TOOL" { attributes.add("tool.name", node.code ?? node.name) }
        if let model = node.model {
            attributes.add("llm.model_name", model)
            attributes.add("gen_ai.request.model", model)
        }
        let tokens = TokenUsage(input: node.inputTokens, output: node.outputTokens)
        if !tokens.isZero {
            attributes.add("llm.token_count.prompt", tokens.input)
            attributes.add("llm.token_count.completion", tokens.output)
            attributes.add("llm.token_count.total", tokens.total)
            attributes.add("gen_ai.usage.input_tokens", tokens.input)
            attributes.add("gen_ai.usage.output_tokens", tokens.output)
        }
        // One model call: its messages, settings and counts on the step itself (several: on spans of their own).
        if calls.count == 1 {
            // The step's own counts are already there; the call adds what they lack.
            let already = Set(attributes.items.map(\.key))
            attributes.items += callAttributes(calls[0], options: options).items.filter { !already.contains($0.key) }
        }
        if let nested = node.nestedJobId {
            attributes.add("gen_ai.agent.name", node.code)
            attributes.add("fusion.nested.job_id", nested)
            attributes.add("fusion.nested.trace_id", node.nestedTraceId)
            attributes.add("fusion.nested.status", node.nestedStatus)
        }
        return attributes.items
    }

    /// A model call in both vocabularies: OpenInference's `llm.input_messages.N.message.role` and
    /// `.content`, `llm.output_messages`, `llm.invocation_parameters` and the reasoning count, and
    /// the GenAI conventions' `gen_ai.input.messages` / `gen_ai.output.messages` (JSON), finish
    /// reasons and `gen_ai.usage.reasoning.output_tokens`.
    static func callAttributes(_ call: LLMCallRecord, options: SpanOptions) -> AttributeList {
        var attributes = AttributeList(options: options)
        attributes.add("openinference.span.kind", "LLM")
        attributes.add("gen_ai.operation.name", "chat")
        attributes.add("llm.model_name", call.model)
        attributes.add("gen_ai.request.model", call.model)
        attributes.add("fusion.model_type", call.modelType)
        for (index, message) in call.messages.enumerated() {
            attributes.add("llm.input_messages.\(index).message.role", message.role.lowercased())
            attributes.text("llm.input_messages.\(index).message.content", message.text)
        }
        if !call.messages.isEmpty {
            attributes.text("gen_ai.input.messages", JSONValue.array(call.messages.map { message in
                .object(["role": .string(message.role.lowercased()), "parts": .array([.object(["type": .string("text"), "content": .string(message.text)])])])
            }).compactText)
        }
        if let answer = call.responseText, !answer.isEmpty {
            attributes.add("llm.output_messages.0.message.role", "assistant")
            attributes.text("llm.output_messages.0.message.content", answer)
            var message: [String: JSONValue] = ["role": .string("assistant"), "parts": .array([.object(["type": .string("text"), "content": .string(answer)])])]
            if let reason = call.finishReason { message["finish_reason"] = .string(reason) }
            attributes.text("gen_ai.output.messages", JSONValue.array([.object(message)]).compactText)
        }
        if let reason = call.finishReason { attributes.add("gen_ai.response.finish_reasons", .strings([reason])) }
        let parameters = call.parameterValues.filter { $0.value != .null }
        if !parameters.isEmpty { attributes.text("llm.invocation_parameters", JSONValue.object(parameters).compactText) }
        if let effort = parameters["reasoning_effort"]?.stringValue { attributes.add("gen_ai.request.reasoning_effort", effort) }
        if let maximum = parameters["max_completion_tokens"]?.int64Value ?? parameters["max_tokens"]?.int64Value {
            attributes.add("gen_ai.request.max_tokens", maximum)
        }
        attributes.add("llm.token_count.prompt", call.inputTokens)
        attributes.add("llm.token_count.completion", call.outputTokens)
        attributes.add("llm.token_count.total", call.inputTokens + call.outputTokens)
        attributes.add("gen_ai.usage.input_tokens", call.inputTokens)
        attributes.add("gen_ai.usage.output_tokens", call.outputTokens)
        if let reasoning = call.reasoningTokens {
            attributes.add("llm.token_count.completion_details.reasoning", reasoning)
            attributes.add("gen_ai.usage.reasoning.output_tokens", reasoning)
        }
        attributes.add("fusion.provider_usage.prompt_tokens", call.providerPromptTokens)
        attributes.add("fusion.provider_usage.completion_tokens", call.providerCompletionTokens)
        attributes.add("fusion.ai_units", call.aiUnits)
        attributes.add("fusion.llm_call.duration_ms", call.durationMs)
        return attributes
    }

    /// Each time the run waited for a person or a timer, as an event at the wait's start.
    static func waitingEvents(_ details: RunDetails) -> [ExportedSpan.Event] {
        let changes = details.statusChanges
        return changes.enumerated().compactMap { index, change in
            guard change.status == .waiting, let at = change.at else { return nil }
            var attributes: [Attribute] = []
            if index + 1 < changes.count, let next = changes[index + 1].at, next >= at {
                attributes.append(Attribute("fusion.waiting_ms", .int(next - at)))
                attributes.append(Attribute("fusion.resumed_as", .string(changes[index + 1].status.rawValue)))
            } else if index + 1 == changes.count, let summary = details.run.waitingSummary {
                attributes.append(Attribute("fusion.waiting_for", .string(summary)))
            }
            return ExportedSpan.Event(name: "fusion.waiting", timeUnixNano: nanoseconds(at), attributes: attributes)
        }
    }
}

/// Attributes being gathered: absent values left out, long texts cut.
struct AttributeList {
    let options: SpanOptions
    var items: [Attribute] = []

    mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        items.append(Attribute(key, .string(cut(value))))
    }

    mutating func add(_ key: String, _ value: Int64?) {
        guard let value else { return }
        items.append(Attribute(key, .int(value)))
    }

    mutating func add(_ key: String, _ value: AttributeValue) {
        items.append(Attribute(key, value))
    }

    /// A text that may be long (an input, an output, a chunk).
    mutating func text(_ key: String, _ value: String?) {
        guard let value, !value.isEmpty else { return }
        add(key, value)
    }

    /// `value` within the limit, cut at a character and marked when it was longer.
    func cut(_ value: String) -> String {
        let limit = options.maximumValueBytes
        guard value.utf8.count > limit else { return value }
        var end = value.utf8.index(value.utf8.startIndex, offsetBy: limit)
        while end > value.startIndex, String.Index(end, within: value) == nil { end = value.utf8.index(before: end) }
        let kept = String(value[..<end])
        return kept + "… [truncated by Tracedesk: \(value.utf8.count - kept.utf8.count) more bytes]"
    }
}
