import Foundation

/// A run as its debug stream tells it, built up event by event: the steps (a `NODE_START` and its
/// `NODE_END` one step with its span, a `NODE_EXECUTED` an instant step, `CHILD_NODE_*` nested
/// under `parentNodeCode`, iterations apart by `loopIndex`), the answer (from `message.content`
/// deltas or `message.output`), how it ended (`finishReason`) and what it waits for.
///
/// The stream carries no instants, only durations: a step's start and end are when its events
/// arrived (on the client's clock), its length `nodeStepInfo.totalNodeTime` when given. The
/// events themselves are kept verbatim by the caller; `statusBody(_:)` draws from them a body
/// in the shape of a status body, so that the history, reports, diffs and exports read a
/// streamed run as they read a polled one. That body is a view, never stored as received.
public struct DebugStreamRun: Sendable {
    /// One step as the events told it.
    public struct Step: Sendable {
        public var code: String
        public var nodeType: String?
        public var parentCode: String?
        public var loopIndex: Int?
        /// The index of the step this one is inside, among `steps`.
        public var parent: Int?
        /// When its first and last events arrived (epoch ms, the client's clock); for a step
        /// whose start was never seen (an instant step, or an end without its start), its end less
        /// its reported length.
        public var startedAt: Int64
        public var endedAt: Int64?
        /// Whether a `_START` event of the step arrived, so that `startedAt` is an instant seen.
        public var startObserved: Bool = false
        /// `nodeStepInfo.totalNodeTime`, when the pod gave it.
        public var reportedDurationMs: Int64?
        public var input: JSONValue?
        public var output: JSONValue?
        public var stepInfo: JSONValue?
        public var failed: Bool
        public var error: String?
        /// Whether the node's output arrived cut short (ending in `.....`, as a pod cuts large ones).
        public var outputTruncated: Bool

        public var isOpen: Bool { endedAt == nil }

        /// The step's length: the pod's figure, else the time between its events.
        public var durationMs: Int64? {
            reportedDurationMs ?? endedAt.map { max(0, $0 - startedAt) }
        }

        /// Oracle's token counts for the step, from its step info.
        public var tokens: TokenUsage {
            guard let stepInfo else { return .zero }
            let direct = TokenUsage.read(from: stepInfo)
            if !direct.isZero { return direct }
            return (stepInfo["details"]?.arrayValue ?? []).reduce(.zero) { $0 + TokenUsage.read(from: $1.parsingEmbeddedJSON) }
        }
    }

    /// What an event changed, for live progress.
    public enum Change: Sendable, Equatable {
        case jobId(String)
        case stepStarted(Int)
        case stepEnded(Int)
        case answer(String)
        case finished(reason: String)
        case waiting
        /// Something in the event Tracedesk could not read; the event is kept all the same.
        case warning(String)
    }

    /// How deep steps nest through parent references: a hostile stream cannot build a chain deeper.
    public static let maximumDepth = 64

    public private(set) var jobId: String?
    public private(set) var traceId: String?
    public private(set) var conversationId: String?
    public private(set) var steps: [Step] = []
    /// The answer's deltas, joined.
    public private(set) var answer = ""
    /// `message.output`: the whole answer, on the event that ends the run.
    public private(set) var output: String?
    public private(set) var finishReason: String?
    public private(set) var pausedNode: String?
    /// The `waitingNodeDetails` of a suspension, as received (the caller redacts the token).
    public private(set) var waiting: JSONValue?
    public private(set) var events = 0
    public private(set) var firstEventAt: Int64?
    public private(set) var lastEventAt: Int64?
    /// Open steps by code, parent and iteration: where a closing event goes.
    private var open: [String: Int] = [:]
    /// The latest step of each code, for `parentNodeCode` references.
    private var latest: [String: Int] = [:]
    /// Steps under way when the last stream stopped: a resumed stream that starts one of them
    /// again goes on with it, not with a second step of the same name.
    private var carriedOver: Set<String> = []
    private var depth: [Int] = []

    public init(conversationId: String? = nil) {
        self.conversationId = conversationId
    }

    /// How the run ended, once it has: its status as a status body would say it.
    public var status: RunStatus {
        switch finishReason?.lowercased() {
        case "stop": .complete
        case "error": .error
        case "wait": .waiting
        case "paused": .paused
        case nil: .running
        case let other?: .other(other.uppercased())
        }
    }

    /// Whether the stream said the run ended or suspended (`finishReason`).
    public var hasEnded: Bool { finishReason != nil }

    /// Marks the start of a new stream of the same run (a resume): how the last one ended no
    /// longer holds. The steps, and the answer so far, stay.
    public mutating func beginNextStream() {
        carriedOver = Set(open.keys)
        finishReason = nil
        waiting = nil
        pausedNode = nil
    }

    // MARK: Reading events

    /// The payloads of an event: its data, or, when the data is several lines each JSON (a pod
    /// writing one object per `data:` line with no blank line between), each line.
    public static func payloads(of event: ServerSentEventParser.Event) -> [String] {
        guard event.data.contains("\n"), JSONValue(parsing: event.data) == nil else { return [event.data] }
        let lines = event.data.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        return lines.allSatisfy({ JSONValue(parsing: $0) != nil }) ? lines : [event.data]
    }

    /// Whether `payload` carries anything: not empty, not the `[DONE]` some servers send last.
    public static func saysSomething(_ payload: String) -> Bool {
        let trimmed = payload.trimmingCharacters(in: .whitespacesAndNewlines)
        return !trimmed.isEmpty && trimmed != "[DONE]"
    }

    /// Applies one payload that arrived at `at`; returns what it changed.
    public mutating func apply(_ payload: String, at: Int64) -> [Change] {
        events += 1
        firstEventAt = firstEventAt ?? at
        lastEventAt = at
        // `[DONE]` may come, and does not end the run: the server closing the stream does.
        guard Self.saysSomething(payload) else { return [] }
        guard let value = JSONValue(parsing: payload) else {
            // A payload that is not JSON is answer text.
            answer += payload
            return [.answer(payload)]
        }
        guard value.objectValue != nil else {
            return [.warning("an event that is a JSON \(value.kindName), not an object: kept, not read")]
        }
        var changes: [Change] = []
        if let id = value["jobId"]?.stringValue, !id.isEmpty, id != jobId {
            jobId = id
            changes.append(.jobId(id))
        }
        if let trace = value["traceId"]?.stringValue { traceId = trace }
        if let conversation = value["conversationId"]?.stringValue { conversationId = conversation }
        var understood = value["jobId"] != nil || value["traceId"] != nil || value["conversationId"] != nil

        if let progress = value["nodeProgressMessage"]?.parsingEmbeddedJSON, progress.objectValue != nil {
            understood = true
            changes += applyProgress(progress, at: at)
        }
        let message = value["message"]?.parsingEmbeddedJSON
        if let message, message.objectValue != nil {
            understood = true
            if let content = message["content"], let text = LLMPrompt.text(of: content), !text.isEmpty {
                answer += text
                changes.append(.answer(text))
            }
            if let whole = message["output"], !whole.isNull { output = whole.displayText }
            if let node = message["pausedNode"]?.stringValue { pausedNode = node }
            if let reason = message["finishReason"]?.stringValue ?? value["finishReason"]?.stringValue {
                finishReason = reason
                changes.append(.finished(reason: reason))
            }
        } else if let text = message?.stringValue {
            understood = true
            answer += text
            changes.append(.answer(text))
        } else if let reason = value["finishReason"]?.stringValue {
            understood = true
            finishReason = reason
            changes.append(.finished(reason: reason))
        }
        if let details = (value["waitingNodeDetails"] ?? message?["waitingNodeDetails"])?.parsingEmbeddedJSON, details.objectValue != nil {
            understood = true
            waiting = details
            changes.append(.waiting)
        }
        if !understood {
            changes.append(.warning("an event of a kind Tracedesk does not know (keys \(value.objectValue!.keys.sorted().prefix(5).joined(separator: ", "))): kept, not read"))
        }
        return changes
    }

    private mutating func applyProgress(_ progress: JSONValue, at: Int64) -> [Change] {
        guard let code = progress.first(["nodeCode", "code"])?.stringValue, !code.isEmpty else {
            return [.warning("a step event without a nodeCode: kept, not read")]
        }
        let word = (progress["type"]?.stringValue ?? progress["eventType"]?.stringValue ?? "").uppercased()
        let parentCode = progress.first(["parentNodeCode", "parentCode"])?.stringValue.flatMap { $0.isEmpty || $0 == code ? nil : $0 }
        let loopIndex = progress["loopIndex"]?.intValue
        let key = "\(code)\u{1}\(parentCode ?? "")\u{1}\(loopIndex.map(String.init) ?? "")"
        let stepInfo = progress["nodeStepInfo"]?.parsingEmbeddedJSON
        let reported = Timestamp.duration(stepInfo?.first(["totalNodeTime", "totalTime", "timeTaken"]))
        let input = progress["nodeInput"]
        let output = progress["nodeOutput"]

        if word.hasSuffix("_END"), let index = open[key] {
            open[key] = nil
            close(index, at: at, output: output, stepInfo: stepInfo, reported: reported, input: input)
            return [.stepEnded(index)]
        }
        let isStart = word.hasSuffix("_START")
        if isStart, carriedOver.remove(key) != nil, open[key] != nil { return [] }
        // A new step: started now, or (for one that executed, or an end without its start) already over.
        let start = isStart ? at : max(0, at - (reported ?? 0))
        var parent: Int?
        if let parentCode {
            parent = latest[parentCode]
        } else if word.hasPrefix("CHILD_") {
            parent = steps.indices.last { steps[$0].isOpen && steps[$0].code != code }
        }
        if let chosen = parent, depth[chosen] + 1 >= Self.maximumDepth {
            // Deeper than any real team nests: kept, at the deepest level allowed.
            var ancestor: Int? = chosen
            while let current = ancestor, depth[current] + 1 >= Self.maximumDepth { ancestor = steps[current].parent }
            parent = ancestor
        }
        let index = steps.count
        steps.append(Step(code: code, nodeType: progress.first(["nodeType"])?.stringValue?.uppercased(), parentCode: parentCode,
                          loopIndex: loopIndex, parent: parent, startedAt: start, endedAt: nil, startObserved: isStart, reportedDurationMs: nil,
                          input: input, output: nil, stepInfo: stepInfo, failed: false, error: nil, outputTruncated: false))
        depth.append(parent.map { depth[$0] + 1 } ?? 0)
        latest[code] = index
        if isStart {
            open[key] = index
            return [.stepStarted(index)]
        }
        close(index, at: at, output: output, stepInfo: stepInfo, reported: reported, input: input)
        var changes: [Change] = [.stepStarted(index), .stepEnded(index)]
        if !word.hasSuffix("_EXECUTED") && !word.hasSuffix("_END") {
            changes.append(.warning("a step event of type \(word.isEmpty ? "(none)" : word), read as a step that ran"))
        }
        return changes
    }

    private mutating func close(_ index: Int, at: Int64, output: JSONValue?, stepInfo: JSONValue?, reported: Int64?, input: JSONValue?) {
        var step = steps[index]
        step.endedAt = max(at, step.startedAt)
        step.reportedDurationMs = reported ?? step.reportedDurationMs
        if let stepInfo { step.stepInfo = stepInfo }
        if step.input == nil || step.input == .null { step.input = input }
        if let output, !output.isNull {
            step.output = output
            if let text = output.stringValue, text.hasSuffix(".....") { step.outputTruncated = true }
            // A node's result is wrapped: {success, output, error, message, finishReason}.
            let wrapped = output.parsingEmbeddedJSON
            if wrapped["success"] == .bool(false) || wrapped["finishReason"]?.stringValue?.lowercased() == "error" {
                step.failed = true
                step.error = wrapped.first(["error", "message"]).map(\.displayText) ?? "the step failed"
            }
        }
        steps[index] = step
    }

    // MARK: The body drawn from the events

    /// What the body needs beyond the events: the request, and when it was sent.
    public struct Context: Sendable {
        public var request: DebugRequest
        /// When the request was sent (epoch ms, the client's clock).
        public var sentAt: Int64

        public init(request: DebugRequest, sentAt: Int64) {
            self.request = request
            self.sentAt = sentAt
        }
    }

    /// The run in the shape of a status body (`tracedeskDerivedFrom: "debug-stream"`): `nil`
    /// until a jobId arrived, since a body without one cannot be tied to a run.
    public func statusBody(_ context: Context) -> JSONValue? {
        guard let jobId else { return nil }
        let status = self.status
        let ended = status.isTerminal ? (lastEventAt ?? context.sentAt) : nil
        var members: [String: JSONValue] = [
            "jobId": .string(jobId),
            "status": .string(status.rawValue),
            "input": .string(context.request.recordedInput.compactText),
            "workflowCode": .string(context.request.workflowCode),
            "workflowStatus": .string(context.request.status.rawValue),
            "conversationId": conversationId.map(JSONValue.string) ?? .null,
            "traceId": traceId.map(JSONValue.string) ?? .null,
            "startDate": .integer(context.sentAt),
            "endTime": .integer(ended ?? 0),
            "nodes": .array(nodeItems(sentAt: context.sentAt)),
            "tracedeskDerivedFrom": .string("debug-stream"),
        ]
        let answer = output ?? (self.answer.isEmpty ? nil : self.answer)
        switch status {
        case .complete, .paused:
            members["output"] = answer.map(JSONValue.string) ?? .null
        case .error:
            members["error"] = .object(["message": .string(answer ?? "the run ended in error (finishReason error)")])
        default:
            break
        }
        if status == .paused, let pausedNode { members["pausedNode"] = .string(pausedNode) }
        if status == .waiting {
            members["waitingNodeDetails"] = waiting ?? .null
            members["waitingToolCode"] = (WaitingDetails(toolCode: nil, details: waiting).node).map(JSONValue.string) ?? .null
        }
        return .object(members)
    }

    /// The steps as `nodes` items nested by `children`, built from the deepest up without recursion.
    ///
    /// Events carry no instants, only lengths: a step started when its start event arrived; one
    /// whose start was never seen started its reported length before its end arrived. Never
    /// before the request was sent nor before the step it is in (a pod whose lengths run on
    /// another clock than this machine's, like a sped-up simulator, stays drawable: its lengths
    /// stay in `nodeStepInfo`, and the history's "two clocks" note says when they disagree).
    func nodeItems(sentAt: Int64) -> [JSONValue] {
        var starts = [Int64](repeating: 0, count: steps.count)
        for (index, step) in steps.enumerated() {
            let floor = step.parent.map { starts[$0] } ?? sentAt
            let start: Int64
            if step.startObserved {
                start = step.startedAt
            } else {
                start = step.endedAt.flatMap { end in step.reportedDurationMs.map { max(0, end - $0) } } ?? step.startedAt
            }
            starts[index] = min(max(start, floor), step.endedAt ?? .max)
        }
        var children = Array(repeating: [JSONValue](), count: steps.count)
        var roots: [JSONValue] = []
        for index in steps.indices.reversed() {
            let step = steps[index]
            var item: [String: JSONValue] = [
                "nodeCode": .string(step.code),
                "status": .string(step.failed ? "FAILED" : step.isOpen ? "RUNNING" : "COMPLETED"),
                "startTime": .integer(starts[index]),
                "endTime": .integer(step.endedAt ?? 0),
            ]
            if let type = step.nodeType { item["nodeType"] = .string(type) }
            if let loop = step.loopIndex { item["loopIndex"] = .integer(Int64(loop)) }
            if let parentCode = step.parentCode { item["parentNodeCode"] = .string(parentCode) }
            if let input = step.input { item["nodeInput"] = input }
            if let output = step.output { item["nodeOutput"] = output }
            if let info = step.stepInfo { item["nodeStepInfo"] = info }
            if let error = step.error { item["error"] = .string(error) }
            if step.outputTruncated { item["outputTruncated"] = .bool(true) }
            if !children[index].isEmpty { item["children"] = .array(children[index].reversed()) }
            if let parent = step.parent { children[parent].append(.object(item)) } else { roots.append(.object(item)) }
        }
        return roots.reversed()
    }
}
