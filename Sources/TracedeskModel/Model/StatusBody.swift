import Foundation

/// A status body, as `invokeAsync` and `status/{jobId}` answer it, decoded tolerantly.
///
/// Every field is optional but `jobId`: a body without one cannot be tied to a run and is
/// rejected with `StatusBodyError`. Fields are read under the names `docs/fusion-api.md` lists, oddly
/// typed values are coerced where the meaning is clear (`"13"` for a version), `input` is parsed
/// from its JSON string, and the "not ended" markers (`endTime: 0`, the 1970 `endDate`) read as
/// `nil`. The whole body stays in `raw`: unknown fields are never dropped.
public struct StatusBody: Sendable, Hashable {
    public var jobId: String
    public var status: RunStatus?
    /// The request as the server saw it (`input`), parsed from its JSON string when it is one.
    public var input: JSONValue?
    public var output: JSONValue?
    public var error: JSONValue?
    public var followUpQuestions: [String]
    public var conversationId: String?
    public var traceId: String?
    public var supportingChunks: [DocumentReference]
    public var citations: [DocumentReference]
    /// The steps, nested; empty for END_USER bodies. `hasNodes` tells an absent key from an empty list.
    public var nodes: [Node]
    public var hasNodes: Bool
    public var hasSupportingChunks: Bool
    public var hasCitations: Bool
    public var waiting: WaitingDetails
    public var workflowCode: String?
    public var workflowName: String?
    public var architecture: String?
    public var workflowVersion: Int?
    public var workflowStatus: String?
    /// `startDate` (epoch ms), else `createDate`.
    public var startedAt: Int64?
    /// `endTime` (epoch ms), else `endDate`; `nil` while the run has not ended.
    public var endedAt: Int64?
    public var timeTakenMs: Int64?
    public var inputTokenCount: Int64?
    public var outputTokenCount: Int64?
    public var progressMessage: String?
    /// The whole body as received.
    public var raw: JSONValue

    /// For a run stopped at a breakpoint (PAUSED), the step it stopped before.
    public var pausedNode: String? { raw["pausedNode"]?.stringValue }
}

/// Why a JSON value cannot be a status body.
public enum StatusBodyError: Error, Sendable, Equatable, CustomStringConvertible {
    case notJSON(String)
    case notAnObject(String)
    case missingJobId
    case jobIdWithControlCharacter
    case jobIdTooLong

    public var description: String {
        switch self {
        case .notJSON(let reason): "not JSON (\(reason))"
        case .notAnObject(let kind): "not a status body: a JSON \(kind), where an object was expected"
        case .missingJobId: "not a status body: it has no jobId"
        case .jobIdWithControlCharacter: "not a status body: its jobId holds a control character, which no pod writes"
        case .jobIdTooLong: "not a status body: its jobId is longer than \(StatusBody.maximumJobIdBytes) bytes, which no pod writes"
        }
    }
}

extension StatusBody {
    /// The longest jobId accepted (Fusion's are 36-character UUIDs): what is recorded can always
    /// be named again as a RUN argument, which takes no more.
    public static let maximumJobIdBytes = 200

    /// Keys a body holds once: two `jobId`s (or statuses...) would be read as the last by this
    /// reader and as the first by SQLite's `json_extract`, so such a body is refused.
    public static let identifyingKeys: Set<String> = ["jobId", "status", "workflowCode", "conversationId", "traceId", "workflowVersion", "workflowStatus"]

    /// Decodes a body from JSON text.
    public init(data: Data) throws(StatusBodyError) {
        // The nodes' exact text is kept as it came, instead of being written back out from the tree.
        var parsed: Result<(JSONValue, [String]), JSONReader.Failure> = .success((.null, []))
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            parsed = Result { () throws(JSONReader.Failure) -> (JSONValue, [String]) in
                let (value, spans) = try JSONReader.read(bytes, capturingElementsOf: "nodes", refusingDuplicates: Self.identifyingKeys)
                return (value, spans.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) })
            }
        }
        switch parsed {
        case .success(let (value, nodeTexts)): try self.init(value: value, nodeTexts: nodeTexts)
        case .failure(let error): throw .notJSON(error.description)
        }
    }

    /// Decodes a body from a JSON value already parsed. `nodeTexts`, when given, are the exact
    /// texts of the items of `nodes`, kept as each node's `rawText`.
    public init(value: JSONValue, nodeTexts: [String]? = nil) throws(StatusBodyError) {
        let value = value.parsingEmbeddedJSON
        guard value.objectValue != nil else { throw .notAnObject(value.kindName) }
        guard let jobId = value["jobId"]?.stringValue?.trimmedOfBlanks, !jobId.isEmpty else {
            throw .missingJobId
        }
        // A NUL or another control character would make two ids one in SQLite's text, or drive a terminal.
        guard !jobId.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            throw .jobIdWithControlCharacter
        }
        guard jobId.utf8.count <= Self.maximumJobIdBytes else { throw .jobIdTooLong }
        self.jobId = jobId
        self.raw = value
        self.status = value["status"]?.stringValue.map(RunStatus.init)
        self.input = value["input"].flatMap { $0.isNull ? nil : $0.parsingEmbeddedJSON }
        self.output = value["output"].flatMap { $0.isNull ? nil : $0 }
        self.error = value["error"].flatMap { $0.isNull ? nil : $0.parsingEmbeddedJSON }
        self.followUpQuestions = (value["followUpQuestions"]?.parsingEmbeddedJSON.arrayValue ?? [])
            .compactMap { $0.stringValue ?? $0.first(["question", "text", "message"])?.stringValue }
        self.conversationId = value["conversationId"]?.stringValue
        self.traceId = value["traceId"]?.stringValue

        let chunks = value["supportingChunks"]?.parsingEmbeddedJSON.arrayValue
        self.hasSupportingChunks = chunks != nil
        self.supportingChunks = (chunks ?? []).map(DocumentReference.init(reading:))
        let citations = value["citations"]?.parsingEmbeddedJSON.arrayValue
        self.hasCitations = citations != nil
        self.citations = (citations ?? []).map(DocumentReference.init(reading:))
        let nodes = value["nodes"]?.parsingEmbeddedJSON.arrayValue
        self.hasNodes = nodes != nil
        let texts = nodeTexts.flatMap { texts in value["nodes"]?.arrayValue?.count == texts.count ? texts : nil }
        self.nodes = Node.tree(reading: nodes ?? [], texts: texts)

        self.waiting = WaitingDetails(
            toolCode: value["waitingToolCode"]?.stringValue,
            details: value["waitingNodeDetails"].flatMap { $0.isNull ? nil : $0.parsingEmbeddedJSON }
        )
        self.workflowCode = value["workflowCode"]?.stringValue ?? self.input?["workflowCode"]?.stringValue
        self.workflowName = value["workflowName"]?.stringValue
        self.architecture = value["architecture"]?.stringValue
        self.workflowVersion = value["workflowVersion"]?.intValue ?? self.input?["version"]?.intValue
        self.workflowStatus = (value["workflowStatus"]?.stringValue ?? self.input?["status"]?.stringValue)?.uppercased()
        self.startedAt = Timestamp.milliseconds(value["startDate"]) ?? Timestamp.milliseconds(value["createDate"])
        self.endedAt = Timestamp.milliseconds(value["endTime"]) ?? Timestamp.milliseconds(value["endDate"])
        self.timeTakenMs = Timestamp.duration(value["timeTaken"])
        self.inputTokenCount = TokenUsage.count(value["inputTokenCount"])
        self.outputTokenCount = TokenUsage.count(value["outputTokenCount"])
        self.progressMessage = value["progressMessage"]?.stringValue
    }

    /// True when a value has the shape of a status body: an object with a `jobId` and at least one
    /// other key only status bodies carry. Used to recognise a nested run in a WORKFLOW node's output.
    public static func looksLikeStatusBody(_ value: JSONValue) -> Bool {
        guard value["jobId"]?.stringValue != nil else { return false }
        return value.first(["status", "traceId", "nodes", "workflowCode", "conversationId"]) != nil
    }

    /// The status body of the run a step called, in that step's output (parsed): the output
    /// itself, or its `output` when wrapped as Oracle's debug events wrap a node's result
    /// (`{"success", "output", "error", "message", "finishReason"}`); `nil` for any other output.
    public static func nestedRunBody(in output: JSONValue) -> JSONValue? {
        if looksLikeStatusBody(output) { return output }
        if let wrapped = output["output"]?.parsingEmbeddedJSON, output["success"] != nil || output["finishReason"] != nil,
           looksLikeStatusBody(wrapped) {
            return wrapped
        }
        return nil
    }

    // MARK: Drawn from the body

    /// The message of the request (from `input`).
    public var message: String? { input?.first(["message", "prompt", "query"])?.displayText }

    /// The parameters of the request (from `input`), as text.
    public var parameters: [String: String] {
        guard let members = input?["parameters"]?.parsingEmbeddedJSON.objectValue else { return [:] }
        return members.compactMapValues { $0.isNull ? nil : $0.displayText }
    }

    /// The invocation mode of the request (from `input`), ADMIN or END_USER.
    public var invocationMode: String? { input?["invocationMode"]?.stringValue?.uppercased() }

    /// The final answer as text; an object answer is written as JSON.
    public var outputText: String? { output.map(\.displayText) }

    /// The error as one text: the message of an error object when it has one, else its JSON.
    public var errorText: String? {
        guard let error else { return nil }
        if error.objectValue != nil,
           let message = error.first(["message", "detail", "title", "errorMessage", "error"])?.displayText {
            if let code = error.first(["errorCode", "code"])?.stringValue { return "\(code): \(message)" }
            return message
        }
        return error.displayText
    }

    /// The run's time taken in ms: `timeTaken` when positive, else end minus start.
    public var durationMs: Int64? {
        if let timeTakenMs, timeTakenMs > 0 { return timeTakenMs }
        if let startedAt, let endedAt, endedAt >= startedAt { return endedAt - startedAt }
        return nil
    }

    /// Token counts: the body's own where present and non-zero, else the sum over the nodes.
    public var totalTokens: TokenUsage {
        let fromNodes = nodes.reduce(TokenUsage.zero) { $0 + $1.effectiveTokens }
        let input = inputTokenCount.flatMap { $0 > 0 ? $0 : nil } ?? fromNodes.input
        let output = outputTokenCount.flatMap { $0 > 0 ? $0 : nil } ?? fromNodes.output
        return TokenUsage(input: input, output: output)
    }

    /// Token counts where the body or its steps give any: `nil` when all are absent or zero, since a
    /// pod writes 0 while it has nothing to count yet (unknown is not zero).
    public var knownTokens: TokenUsage? {
        let tokens = totalTokens
        return tokens.isZero ? nil : tokens
    }

    /// When the wait began, for a WAITING body: the start of the node it waits on, where the
    /// nodes show it (found by `waitingToolCode` or the details' node code).
    public var waitingSince: Int64? {
        let code = waiting.details?.first(["nodeCode", "code"])?.stringValue ?? waiting.toolCode
        guard let code else { return nil }
        func search(_ nodes: [Node]) -> Int64? {
            for node in nodes.reversed() {
                if node.code == code, let start = node.startedAt { return start }
                if let found = search(node.children) { return found }
            }
            return nil
        }
        return search(nodes)
    }

    /// How many nodes the body holds, nested ones and nested runs' included.
    public var nodeCount: Int { nodes.reduce(0) { $0 + $1.subtreeCount } }
}

extension JSONValue {
    /// The JSON kind, for messages: "object", "array", "string"...
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
