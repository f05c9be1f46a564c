import Foundation

/// The body of `POST .../{team}/invokeAsync`.
///
/// `conversationId` is always written, `null` included, because a `null` is how a client asks the
/// pod to start a conversation. The v2 fields (`jobId`, `resumeNodeInput`) are written only when
/// set: `jobId` with `resumeNodeInput` answers a WAITING human step of that job.
public struct InvokeRequest: Sendable, Hashable, Encodable {
    /// Which saved version of a team to run.
    public enum VersionStatus: String, Sendable, Hashable, Codable, CaseIterable {
        case published = "PUBLISHED"
        case draft = "DRAFT"
    }

    /// Who the pod should take the caller for: ADMIN adds nodes, traceId, tokens and timings.
    public enum InvocationMode: String, Sendable, Hashable, Codable, CaseIterable {
        case admin = "ADMIN"
        case endUser = "END_USER"
    }

    /// The longest message sent: a prompt, not a document (a team reads documents with its tools).
    public static let maximumMessageBytes = 1 << 20

    public var message: String
    public var conversational: Bool
    public var conversationId: String?
    public var version: Int?
    public var status: VersionStatus
    public var invocationMode: InvocationMode
    public var parameters: [String: String]
    public var jobId: String?
    public var resumeNodeInput: JSONValue?
    /// The name `resumeNodeInput` is sent under: documented for v2, its content inferred, so a setting.
    public var resumeField = InvokeRequest.defaultResumeField

    public static let defaultResumeField = "resumeNodeInput"

    public init(message: String, conversational: Bool = true, conversationId: String? = nil,
                version: Int? = nil, status: VersionStatus = .published,
                invocationMode: InvocationMode = .admin, parameters: [String: String] = [:],
                jobId: String? = nil, resumeNodeInput: JSONValue? = nil) {
        self.message = message
        self.conversational = conversational
        self.conversationId = conversationId
        self.version = version
        self.status = status
        self.invocationMode = invocationMode
        self.parameters = parameters
        self.jobId = jobId
        self.resumeNodeInput = resumeNodeInput
    }

    private enum CodingKeys: String, CodingKey {
        case message, conversational, conversationId, version, status, invocationMode, parameters, jobId, resumeNodeInput
    }

    private struct FieldName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message, forKey: .message)
        try container.encode(conversational, forKey: .conversational)
        try container.encode(conversationId, forKey: .conversationId)
        try container.encodeIfPresent(version, forKey: .version)
        try container.encode(status, forKey: .status)
        try container.encode(invocationMode, forKey: .invocationMode)
        try container.encode(parameters, forKey: .parameters)
        try container.encodeIfPresent(jobId, forKey: .jobId)
        if let resumeNodeInput {
            var named = encoder.container(keyedBy: FieldName.self)
            try named.encode(resumeNodeInput, forKey: FieldName(stringValue: resumeField))
        }
    }
}
