import Foundation

/// What a WAITING run waits for: the `waitingToolCode` and `waitingNodeDetails` of its body, or
/// the `waitingNodeDetails` of a debug stream's `wait` event.
///
/// The keys are those Oracle's AI Agent Studio CLI reads from live pods (`code`, `type`,
/// `channelType`, `initialMessage`, `requestChangeMessage`, `maxIterationMessage`,
/// `currentIterationCount`, `maxIteration`, `feedbackEnabledFlag`, `approvalEnabledFlag`,
/// `waitTimeInMinutes`, `actionNames`, `callbackToken`), and the older names Tracedesk's first
/// samples used (`nodeCode`, `nodeType`, `channel`, `message`, `actions`): both are read. The
/// callback token is a credential; `callbackToken` holds it only where the caller read it from a
/// body as received (stored bodies carry `CallbackTokens.marker` instead).
public struct WaitingDetails: Sendable, Hashable {
    /// One action a person may take, by code (`APPROVE_ACTION`), with the label the pod gives it.
    public struct Action: Sendable, Hashable {
        public var code: String
        public var label: String?

        public init(code: String, label: String? = nil) {
            self.code = code
            self.label = label
        }
    }

    public var toolCode: String?
    /// The details as received.
    public var details: JSONValue?

    /// The node that waits.
    public var node: String?
    /// HUMAN or WAIT.
    public var nodeType: String?
    /// CHAT, EMAIL or APPROVAL_PROCESS.
    public var channel: String?
    /// The question put to the person (`initialMessage`, else an older `message`).
    public var message: String?
    /// What the person is told after asking for changes, and when the iterations run out.
    public var requestChangeMessage: String?
    public var maxIterationMessage: String?
    /// 0-based: 0 is the first time the node waits, 1 after one request for changes.
    public var iteration: Int?
    public var maximumIterations: Int?
    public var feedbackEnabled: Bool?
    public var approvalEnabled: Bool?
    /// For a WAIT node: how long it waits on its own.
    public var waitMinutes: Double?
    public var actions: [Action]
    /// The token that resumes this suspension, when the details were read as received.
    public var callbackToken: String?

    public init(toolCode: String?, details: JSONValue?) {
        self.toolCode = toolCode
        let details = details.flatMap { $0.isNull ? nil : $0.parsingEmbeddedJSON }
        self.details = details
        let read = details ?? .null
        node = read.first(["code", "nodeCode", "nodeName", "name"])?.stringValue ?? toolCode
        nodeType = read.first(["type", "nodeType"])?.stringValue?.uppercased()
        channel = read.first(["channelType", "channel"])?.stringValue?.uppercased()
        message = read.first(["initialMessage", "message", "prompt", "question", "description", "instructions"])?.displayText
        requestChangeMessage = read["requestChangeMessage"]?.displayText
        maxIterationMessage = read["maxIterationMessage"]?.displayText
        iteration = read["currentIterationCount"]?.intValue
        maximumIterations = read["maxIteration"]?.intValue
        feedbackEnabled = Self.flag(read["feedbackEnabledFlag"])
        approvalEnabled = Self.flag(read["approvalEnabledFlag"])
        waitMinutes = read["waitTimeInMinutes"].flatMap { $0.doubleValue ?? $0.stringValue.flatMap(Double.init) }
        if let names = read["actionNames"]?.parsingEmbeddedJSON.objectValue {
            actions = names.keys.sorted(by: Self.actionOrder).map { Action(code: $0, label: names[$0]?.displayText) }
        } else if let list = read.first(["actions", "allowedActions", "availableActions"])?.parsingEmbeddedJSON.arrayValue {
            actions = list.compactMap { item in
                (item.stringValue ?? item.first(["action", "code", "name"])?.stringValue).map { Action(code: $0, label: item["label"]?.stringValue) }
            }
        } else {
            actions = []
        }
        let token = read["callbackToken"]?.stringValue
        callbackToken = token == CallbackTokens.marker ? nil : token
    }

    /// Fusion writes flags as booleans, `"Y"`/`"N"` or `"true"`.
    static func flag(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let flag)?: return flag
        case .string(let text)?: return ["Y", "YES", "TRUE", "1"].contains(text.uppercased()) ? true : ["N", "NO", "FALSE", "0"].contains(text.uppercased()) ? false : nil
        case .integer(let number)?: return number != 0
        default: return nil
        }
    }

    /// Approve, reject, request changes, then any other, alphabetically.
    static func actionOrder(_ a: String, _ b: String) -> Bool {
        let known = ["APPROVE_ACTION", "REJECT_ACTION", "RFI_ACTION"]
        switch (known.firstIndex(of: a), known.firstIndex(of: b)) {
        case let (x?, y?): return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a < b
        }
    }

    /// True when the body says anything about what it waits for.
    public var isEmpty: Bool { toolCode == nil && details == nil }

    /// Whether a person must answer (a HUMAN node), rather than a timer running out (a WAIT node).
    public var waitsForPerson: Bool { nodeType != "WAIT" }

    /// The iteration as people count it, when known: "2 of 3".
    public var iterationText: String? {
        guard let iteration else { return nil }
        return maximumIterations.map { "\(iteration + 1) of \($0)" } ?? "\(iteration + 1)"
    }

    /// One line for people: `APPROVE_POSTING (HUMAN, channel CHAT, round 1 of 3): Approve the
    /// journal? [APPROVE_ACTION Approve, REJECT_ACTION Reject]`, or for a WAIT node its time.
    public var summary: String {
        var qualifiers: [String] = []
        if let nodeType { qualifiers.append(nodeType) }
        if let channel { qualifiers.append("channel \(channel)") }
        if let iterationText { qualifiers.append("round \(iterationText)") }
        if let waitMinutes { qualifiers.append("waits \(TextFormat.duration(Int64(waitMinutes * 60_000)))") }
        var line = node.map { qualifiers.isEmpty ? $0 : "\($0) (\(qualifiers.joined(separator: ", ")))" } ?? qualifiers.joined(separator: ", ")
        if let message { line += line.isEmpty ? message : ": \(message)" }
        if !actions.isEmpty {
            let names = actions.map { action in action.label.map { "\(action.code) \($0)" } ?? action.code }
            line += " [\(names.joined(separator: ", "))]"
        }
        if line.isEmpty, let details { line = details.compactText }
        return line.isEmpty ? "unspecified" : line
    }

    /// The details with the callback token replaced by `CallbackTokens.marker`: what may be kept and shown.
    public var shareable: JSONValue? {
        guard case .object(var members)? = details else { return details }
        if members["callbackToken"] != nil { members["callbackToken"] = .string(CallbackTokens.marker) }
        return .object(members)
    }
}
