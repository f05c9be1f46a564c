import Foundation

/// What a WAITING run waits for: the `waitingToolCode` and `waitingNodeDetails` of its body.
///
/// The details have no published schema; `summary` picks out the node, the channel, the actions
/// offered and the question put to the human when they are present, and the raw value is kept.
public struct WaitingDetails: Sendable, Hashable {
    public var toolCode: String?
    public var details: JSONValue?

    public init(toolCode: String?, details: JSONValue?) {
        self.toolCode = toolCode
        self.details = details
    }

    /// True when the body says anything about what it waits for.
    public var isEmpty: Bool { toolCode == nil && (details == nil || details == .null) }

    /// One line for people: `APPROVAL_STEP (HUMAN, channel CHAT): Approve the journal? [APPROVE_ACTION, REJECT_ACTION]`.
    public var summary: String {
        var parts: [String] = []
        let details = self.details?.parsingEmbeddedJSON
        let node = details?.first(["nodeCode", "code", "nodeName", "name"])?.stringValue ?? toolCode
        var qualifiers: [String] = []
        if let type = details?.first(["nodeType", "type"])?.stringValue { qualifiers.append(type) }
        if let channel = details?.first(["channel", "channelType"])?.stringValue { qualifiers.append("channel \(channel)") }
        if let node {
            parts.append(qualifiers.isEmpty ? node : "\(node) (\(qualifiers.joined(separator: ", ")))")
        } else if !qualifiers.isEmpty {
            parts.append(qualifiers.joined(separator: ", "))
        }
        var line = parts.joined()
        if let question = details?.first(["message", "prompt", "question", "description", "instructions"])?.displayText {
            line += line.isEmpty ? question : ": \(question)"
        }
        if let actions = details?.first(["actions", "allowedActions", "availableActions"])?.arrayValue {
            let names = actions.compactMap { $0.stringValue ?? $0.first(["action", "code", "name"])?.stringValue }
            if !names.isEmpty { line += " [\(names.joined(separator: ", "))]" }
        }
        if line.isEmpty, let details, details != .null { line = details.compactText }
        return line.isEmpty ? "unspecified" : line
    }
}
