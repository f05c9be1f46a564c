import Foundation

/// One step a team took: an item of an ADMIN status body's `nodes`, with its children nested.
///
/// For a workflow team a node is a workflow step (START, LLM, TOOL, WORKFLOW...); for a
/// supervisor team it is an agent. No schema is published, so every field is read under the
/// candidate names listed in `docs/fusion-api.md`. A WORKFLOW node whose output is itself a status
/// body (a call to another team) carries that body, decoded, as `nestedRun`.
public struct Node: Sendable, Hashable {
    public var code: String?
    public var name: String?
    /// The node type (LLM, TOOL, WORKFLOW, AGENT...), never an event word such as NODE_START.
    public var type: String?
    /// The streaming event word the item carried (NODE_START, CHILD_NODE_END...), if any.
    public var event: String?
    public var status: String?
    public var startedAt: Int64?
    public var endedAt: Int64?
    /// Time taken in milliseconds, from the item's own fields or its start and end.
    public var durationMs: Int64?
    /// The node's own token counts (not its children's).
    public var tokens: TokenUsage
    public var model: String?
    public var input: JSONValue?
    public var output: JSONValue?
    /// The input as received: a string as it came (JSON in a string stays as the pod wrote it),
    /// anything else as compact JSON.
    public var inputText: String?
    /// The output as received, as `inputText`.
    public var outputText: String?
    public var error: String?
    /// The calls the step made to models, from its `nodeStepInfo.details`.
    public var llmCalls: [LLMCall] = []
    /// The iteration of a loop the step ran in (`loopIndex`), when the pod says.
    public var loopIndex: Int?
    public var children: [Node]
    /// The run this step called, when its output is one. Held in a box: a body is large, and
    /// most steps call none, so that a run of a million steps does not carry a million empty ones.
    public var nestedRun: StatusBody? {
        get { nestedRunBox?.body }
        set { nestedRunBox = newValue.map(NestedRunBox.init) }
    }
    private var nestedRunBox: NestedRunBox?
    /// The item as received (after merging a START event with its END).
    public var raw: JSONValue
    /// The item's exact text, when it was an item of a body's `nodes` read from text, and not
    /// merged with another event.
    public var rawText: String?

    public init(code: String? = nil, name: String? = nil, type: String? = nil, event: String? = nil,
                status: String? = nil, startedAt: Int64? = nil, endedAt: Int64? = nil,
                durationMs: Int64? = nil, tokens: TokenUsage = .zero, model: String? = nil,
                input: JSONValue? = nil, output: JSONValue? = nil, error: String? = nil,
                children: [Node] = [], nestedRun: StatusBody? = nil, raw: JSONValue = .null) {
        self.code = code
        self.name = name
        self.type = type
        self.event = event
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.durationMs = durationMs
        self.tokens = tokens
        self.model = model
        self.input = input
        self.output = output
        self.inputText = input?.displayText
        self.outputText = output?.displayText
        self.error = error
        self.children = children
        self.nestedRunBox = nestedRun.map(NestedRunBox.init)
        self.raw = raw
    }

    /// True when the item had neither a code, a name nor a type: show it from its raw JSON.
    public var isUnrecognised: Bool { code == nil && name == nil && type == nil }

    /// A label for people: the code, else the name, else the type, else "node".
    public var label: String { code ?? name ?? type ?? "node" }

    /// Tokens of this node, or, where it reports none, the sum of its children's (or its nested run's).
    ///
    /// Summing only where a node is silent avoids counting twice a parent that already includes
    /// its children.
    public var effectiveTokens: TokenUsage {
        if !tokens.isZero { return tokens }
        if let nestedRun { return nestedRun.totalTokens }
        return children.reduce(.zero) { $0 + $1.effectiveTokens }
    }

    /// The number of nodes in this subtree, this one included, nested runs' nodes too.
    public var subtreeCount: Int {
        1 + children.reduce(0) { $0 + $1.subtreeCount }
            + (nestedRun?.nodes.reduce(0) { $0 + $1.subtreeCount } ?? 0)
    }
}

extension Node {
    static let codeKeys = ["nodeCode", "code", "agentCode", "toolCode", "stepCode", "id", "nodeId"]
    static let nameKeys = ["nodeName", "name", "agentName", "displayName", "label", "title"]
    static let typeKeys = ["nodeType", "type", "agentType", "stepType"]
    static let statusKeys = ["nodeStatus", "status", "state"]
    static let startKeys = ["startTime", "startDate", "start", "startedAt", "startTimestamp", "startTs"]
    static let endKeys = ["endTime", "endDate", "end", "endedAt", "endTimestamp", "endTs"]
    static let durationKeys = ["durationMs", "duration", "timeTaken", "elapsedTime", "totalTime", "executionTime", "latency"]
    static let inputKeys = ["nodeInput", "input", "inputs", "request"]
    static let outputKeys = ["nodeOutput", "output", "outputs", "result", "response"]
    static let errorKeys = ["error", "errorMessage", "nodeError", "errorDetails"]
    static let childrenKeys = ["children", "childNodes", "nodes", "subNodes", "steps"]
    /// How deep parent references may nest nodes (real teams nest a handful of levels).
    public static let maximumReferenceDepth = 64

    static let parentKeys = ["parentNodeCode", "parentCode", "parentNodeId", "parentId", "parent"]
    /// The words of Oracle's streaming debug events; `type` holds one of these instead of a node type there.
    static let eventWords: Set<String> = [
        "NODE_START", "NODE_END", "NODE_EXECUTED", "CHILD_NODE_START", "CHILD_NODE_END", "CHILD_NODE_EXECUTED",
    ]

    /// Reads one item of `nodes`, whatever its shape. A string that holds JSON is parsed first.
    public init(reading item: JSONValue) {
        let item = item.parsingEmbeddedJSON
        guard item.objectValue != nil else {
            self.init(raw: item)
            return
        }
        var type: String?
        var event: String?
        for key in Self.typeKeys {
            guard let word = item[key]?.stringValue else { continue }
            if Self.eventWords.contains(word.uppercased()) { event = event ?? word.uppercased() } else { type = type ?? word }
        }
        event = event ?? item.first(["eventType", "event"])?.stringValue?.uppercased()

        let stepInfo = item.first(["nodeStepInfo", "stepInfo"])?.parsingEmbeddedJSON
        let details = stepInfo?["details"]?.arrayValue ?? item["details"]?.arrayValue ?? []

        var tokens = TokenUsage.read(from: item)
        if tokens.isZero, let stepInfo { tokens = TokenUsage.read(from: stepInfo) }
        if tokens.isZero {
            tokens = details.reduce(.zero) { $0 + TokenUsage.read(from: $1.parsingEmbeddedJSON) }
        }
        let calls = details.compactMap(LLMCall.init(detail:))
        if tokens.isZero { tokens = calls.reduce(.zero) { $0 + $1.tokens } }
        let model = TokenUsage.model(in: item)
            ?? calls.lazy.compactMap(\.model).first
            ?? details.lazy.compactMap { TokenUsage.model(in: $0.parsingEmbeddedJSON) }.first

        let startedAt = Timestamp.milliseconds(item.first(Self.startKeys))
        let endedAt = Timestamp.milliseconds(item.first(Self.endKeys))
        var duration = Timestamp.duration(stepInfo?.first(["totalNodeTime", "totalTime", "timeTaken"]))
            ?? Timestamp.duration(item.first(Self.durationKeys))
        if duration == nil, let startedAt, let endedAt, endedAt >= startedAt { duration = endedAt - startedAt }
        // A step under way says `endTime: 0` and `totalNodeTime: 0`: its length is not known yet, not zero.
        let status = item.first(Self.statusKeys)?.stringValue
        if endedAt == nil, duration == 0, let status, [.running, .waiting].contains(RunStatus(status)) { duration = nil }
        if duration == nil, !details.isEmpty {
            let times = details.compactMap { Timestamp.duration($0.parsingEmbeddedJSON.first(["timeTaken", "duration", "durationMs"])) }
            if !times.isEmpty { duration = min(times.reduce(0) { TokenUsage.adding($0, $1) }, Timestamp.longestDuration) }
        }

        let inputAsReceived = item.first(Self.inputKeys)
        let outputAsReceived = item.first(Self.outputKeys)
        let input = inputAsReceived?.parsingEmbeddedJSON
        let output = outputAsReceived?.parsingEmbeddedJSON
        let nestedRun = output.flatMap(StatusBody.nestedRunBody(in:)).flatMap { try? StatusBody(value: $0) }

        var children: [Node] = []
        for key in Self.childrenKeys {
            if let items = item[key]?.parsingEmbeddedJSON.arrayValue, !items.isEmpty {
                children = Node.tree(reading: items)
                break
            }
        }

        self.init(
            code: item.first(Self.codeKeys)?.stringValue,
            name: item.first(Self.nameKeys)?.stringValue,
            type: type,
            event: event,
            status: item.first(Self.statusKeys)?.stringValue.flatMap { Self.eventWords.contains($0.uppercased()) ? nil : $0 },
            startedAt: startedAt,
            endedAt: endedAt,
            durationMs: duration.map { max(0, $0) },
            tokens: tokens,
            model: model,
            input: input,
            output: output,
            error: item.first(Self.errorKeys).map { $0.parsingEmbeddedJSON.displayText },
            children: children,
            nestedRun: nestedRun,
            raw: item
        )
        inputText = inputAsReceived?.displayText
        outputText = outputAsReceived?.displayText
        llmCalls = calls
        loopIndex = item["loopIndex"]?.intValue
    }

    /// Reads a `nodes` array into a tree.
    ///
    /// Items may already nest (`children`), may point to a parent (`parentNodeCode`), or may be a
    /// flat event list in which a `*_START` item is followed later by the `*_END` or `*_EXECUTED`
    /// item of the same node, and `CHILD_NODE_*` items belong to the node that was running.
    /// All three are brought into one tree, in the order the pod listed the nodes.
    ///
    /// Every node is kept, whatever the references: a node naming itself as parent is a top-level
    /// node, a parent named later than its child cannot be referred to (so no cycle forms), and
    /// references deeper than `maximumReferenceDepth` attach at that depth, so that a hostile
    /// list of 20,000 nodes each under the last is read in linear time, not as a chain.
    public static func tree(reading items: [JSONValue], texts: [String]? = nil) -> [Node] {
        var roots: [Node] = []
        // At most one root an item: reserved once, so that a long list is not copied as it grows.
        roots.reserveCapacity(items.count)
        // Where each code last stood, as a path of indexes from the roots, for parent references.
        var paths: [String: [Int]] = [:]
        var openStarts: [String: [Int]] = [:]
        var lastTopLevel: [Int]?

        for (index, item) in items.enumerated() {
            var node = Node(reading: item)
            node.rawText = texts?[index]
            let parentCode = item.parsingEmbeddedJSON.first(parentKeys)?.stringValue
            let event = node.event ?? ""
            let isChildEvent = event.hasPrefix("CHILD_NODE_")

            // A closing event merges into the start it closes, at whatever depth that start sits.
            if event.hasSuffix("_END") || event.hasSuffix("_EXECUTED"), let code = node.code,
               let path = openStarts[code] {
                roots.update(at: path) { $0.merge(closing: node) }
                if event.hasSuffix("_END") { openStarts[code] = nil }
                continue
            }

            var parentPath: [Int]?
            if let parentCode, parentCode != node.code, let path = paths[parentCode] {
                parentPath = path
            } else if isChildEvent {
                parentPath = lastTopLevel
            }
            if let path = parentPath, path.count >= maximumReferenceDepth {
                parentPath = Array(path.prefix(maximumReferenceDepth - 1))
            }

            let path: [Int]
            if let parentPath {
                var childIndex = 0
                roots.update(at: parentPath) { parent in
                    parent.children.append(node)
                    childIndex = parent.children.count - 1
                }
                path = parentPath + [childIndex]
            } else {
                roots.append(node)
                path = [roots.count - 1]
                lastTopLevel = path
            }
            if let code = node.code {
                paths[code] = path
                if event.hasSuffix("_START") { openStarts[code] = path }
            }
        }
        return roots
    }

    /// Folds the END (or EXECUTED) event of a node into the item that started it.
    mutating func merge(closing other: Node) {
        name = name ?? other.name
        type = type ?? other.type
        status = other.status ?? status
        startedAt = startedAt ?? other.startedAt
        endedAt = other.endedAt ?? endedAt
        if let duration = other.durationMs { durationMs = duration }
        else if let startedAt, let endedAt, endedAt >= startedAt { durationMs = endedAt - startedAt }
        if tokens.isZero { tokens = other.tokens }
        model = model ?? other.model
        if llmCalls.isEmpty { llmCalls = other.llmCalls }
        if input == nil {
            input = other.input
            inputText = other.inputText
        }
        if other.output != nil {
            output = other.output
            outputText = other.outputText
        }
        error = other.error ?? error
        nestedRun = other.nestedRun ?? nestedRun
        children += other.children
        event = other.event
        rawText = nil
        if case .object(var mine) = raw, case .object(let theirs) = other.raw {
            for (key, value) in theirs where mine[key] == nil || mine[key] == .null { mine[key] = value }
            mine["closingEvent"] = other.raw
            raw = .object(mine)
        }
    }
}

extension Array where Element == Node {
    /// Applies `change` to the node at a path of indexes from these roots.
    fileprivate mutating func update(at path: [Int], _ change: (inout Node) -> Void) {
        guard let first = path.first, indices.contains(first) else { return }
        if path.count == 1 {
            change(&self[first])
        } else {
            self[first].children.update(at: [Int](path.dropFirst()), change)
        }
    }
}

/// A called run's body, held apart from the step that called it (see `Node.nestedRun`).
private final class NestedRunBox: Sendable, Hashable {
    let body: StatusBody

    init(_ body: StatusBody) {
        self.body = body
    }

    static func == (lhs: NestedRunBox, rhs: NestedRunBox) -> Bool { lhs === rhs || lhs.body == rhs.body }
    func hash(into hasher: inout Hasher) { hasher.combine(body) }
}
