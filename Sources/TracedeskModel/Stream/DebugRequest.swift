import Foundation

/// How a person answers a suspended run: the `userResponse` of `resumeInput`.
public enum ResumeAnswer: String, Sendable, Hashable, CaseIterable {
    case approve = "APPROVE_ACTION"
    case reject = "REJECT_ACTION"
    /// A request for changes (or for information): the HUMAN node waits again, one round on.
    case requestChanges = "RFI_ACTION"
    /// A WAIT node resumed at once, as if its timer had run out.
    case skipWait = "ORA_TIMEOUT"

    /// As a person says it.
    public var verb: String {
        switch self {
        case .approve: "approved"
        case .reject: "rejected"
        case .requestChanges: "asked for changes"
        case .skipWait: "skipped the wait"
        }
    }
}

/// What resumes a suspension: `{messageInstanceId: <callbackToken>, userResponse, content?}`,
/// sent as `resumeInput` over `/debug` and (inferred) as `resumeNodeInput` of a v2 invokeAsync.
public struct ResumeInput: Sendable, Hashable {
    public var callbackToken: String
    public var answer: ResumeAnswer
    /// The text that goes with the answer: the changes asked for, or a note to an approval.
    public var content: String?

    public init(callbackToken: String, answer: ResumeAnswer, content: String? = nil) {
        self.callbackToken = callbackToken
        self.answer = answer
        self.content = content
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["messageInstanceId": .string(callbackToken), "userResponse": .string(answer.rawValue)]
        if let content { members["content"] = .string(content) }
        return .object(members)
    }
}

/// The body of `POST …/agent/v2/{team}/debug`, as Oracle's AI Agent Studio CLI sends it: the
/// message, the team's code, the conversation, ADMIN mode, `status` only when PUBLISHED is asked
/// for (DRAFT is the default there, and no version is sent), parameters when there are any,
/// `triggerType` and `singleTurnOnly` for a REST trigger, and `debugParams` with its breakpoints
/// and overrides. A resume is the same body with an empty message, the waiting `jobId` and
/// `resumeInput`.
public struct DebugRequest: Sendable, Hashable {
    public var message: String
    public var workflowCode: String
    public var conversationId: String?
    public var status: InvokeRequest.VersionStatus
    public var parameters: [String: String]
    /// `rest` or `app`; absent for chat.
    public var triggerType: String?
    public var singleTurnOnly: Bool?
    /// Steps the run stops before (`finishReason: "paused"`).
    public var breakPoints: [String]
    /// Per step code: `{output: …}` to pin a step's output, `{spec: …}` to change its definition.
    public var overrides: [String: JSONValue]
    public var jobId: String?
    public var resumeInput: ResumeInput?

    public init(message: String, workflowCode: String, conversationId: String?, status: InvokeRequest.VersionStatus = .published,
                parameters: [String: String] = [:], triggerType: String? = nil, singleTurnOnly: Bool? = nil,
                breakPoints: [String] = [], overrides: [String: JSONValue] = [:], jobId: String? = nil, resumeInput: ResumeInput? = nil) {
        self.message = message
        self.workflowCode = workflowCode
        self.conversationId = conversationId
        self.status = status
        self.parameters = parameters
        self.triggerType = triggerType
        self.singleTurnOnly = singleTurnOnly
        self.breakPoints = breakPoints
        self.overrides = overrides
        self.jobId = jobId
        self.resumeInput = resumeInput
    }

    /// A request read back from its body (a recorded exchange): `nil` without a `workflowCode`.
    /// The resume's callback token is not read: a recording holds only its marker.
    public init?(json: JSONValue) {
        guard let code = json["workflowCode"]?.stringValue, !code.isEmpty else { return nil }
        var parameters: [String: String] = [:]
        for (name, value) in json["parameters"]?.objectValue ?? [:] { parameters[name] = value.stringValue ?? value.compactText }
        self.init(message: json["message"]?.stringValue ?? "", workflowCode: code,
                  conversationId: json["conversationId"]?.stringValue,
                  status: json["status"]?.stringValue.flatMap { InvokeRequest.VersionStatus(rawValue: $0.uppercased()) } ?? .draft,
                  parameters: parameters, triggerType: json["triggerType"]?.stringValue, singleTurnOnly: json["singleTurnOnly"]?.boolValue,
                  breakPoints: json["debugParams"]?["breakPoints"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                  overrides: json["debugParams"]?["overrides"]?.objectValue ?? [:], jobId: json["jobId"]?.stringValue)
    }

    /// The body as sent.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "message": .string(message),
            "workflowCode": .string(workflowCode),
            "conversationId": conversationId.map(JSONValue.string) ?? .null,
            "invocationMode": .string(InvokeRequest.InvocationMode.admin.rawValue),
        ]
        if status == .published { members["status"] = .string(status.rawValue) }
        if !parameters.isEmpty { members["parameters"] = .object(parameters.mapValues(JSONValue.string)) }
        if let triggerType { members["triggerType"] = .string(triggerType) }
        if let singleTurnOnly { members["singleTurnOnly"] = .bool(singleTurnOnly) }
        var debug: [String: JSONValue] = ["isDebug": .bool(true), "breakPoints": .array(breakPoints.map(JSONValue.string))]
        if !overrides.isEmpty { debug["overrides"] = .object(overrides) }
        members["debugParams"] = .object(debug)
        if let jobId { members["jobId"] = .string(jobId) }
        if let resumeInput { members["resumeInput"] = resumeInput.json }
        return .object(members)
    }

    /// The request as a run's `input` records it: the body with the callback token left out.
    public var recordedInput: JSONValue {
        guard case .object(var members) = json else { return json }
        if case .object(var resume)? = members["resumeInput"] {
            resume["messageInstanceId"] = .string(CallbackTokens.marker)
            members["resumeInput"] = .object(resume)
        }
        members["version"] = nil
        return .object(members)
    }
}
