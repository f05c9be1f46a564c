import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// `tracedesk invoke TEAM MESSAGE`: run a team in ADMIN mode, follow it, record every body (or,
/// with `stream`, every event of the debug stream).
public struct InvokeTeam: Sendable {
    public var history: HistoryLocation
    public var pod: PodAccess
    public var follow: FollowSettings
    public var team: String
    public var request: InvokeRequest
    public var label: String?
    /// Follow over `POST …/v2/{team}/debug` (Server-Sent Events) instead of polling.
    public var stream = false

    public init(history: HistoryLocation, pod: PodAccess, follow: FollowSettings, team: String, request: InvokeRequest,
                label: String? = nil, stream: Bool = false) {
        self.history = history
        self.pod = pod
        self.follow = follow
        self.team = team
        self.request = request
        self.label = label
        self.stream = stream
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let options = try follow.followOptions(in: context)
        let store = try history.openForWriting(in: context)
        let client = try pod.client(team: team, in: context)
        let request = try resolvedConversation(in: store)
        let rates = try await AIUnitRatesLookup.rates(for: client, store: store, in: context)
        var recording = RecordingContext(teamCode: team, pod: client.pod.absoluteString, source: .invoke, label: label, request: request,
                                         api: client.api.rawValue, aiUnitRates: rates)
        let callbackTokens = CallbackTokenStore(environment: context.environment)
        if stream {
            if request.version != nil {
                throw .badInput("--version cannot go over the debug stream, which runs the PUBLISHED version or the DRAFT (--draft); drop --stream or --version")
            }
            recording.api = "v2"
            // The stream does not report a conversation: a new one gets an id Tracedesk makes, as Oracle's CLI does.
            let debug = DebugRequest(message: request.message, workflowCode: team,
                                     conversationId: request.conversationId ?? UUID().uuidString.lowercased(),
                                     status: request.status, parameters: request.parameters)
            var follower = StreamFollower(client: client, store: store, context: recording, clock: context.clock, callbackTokens: callbackTokens)
            follower.deadline = pod.deadline(in: context)
            return try await FollowStream(team: team, follower: follower, options: options).run(debug, announce: true, in: context)
        }
        let expected = try store.expectedDuration(team: team, versionStatus: request.status.rawValue)
        let follower = JobFollower(client: client, store: store, context: recording,
                                   options: follow.pollerOptions(mode: request.invocationMode, expected: expected), clock: context.clock,
                                   callbackTokens: callbackTokens)
        let quiet = follow.quiet
        let first = try await follower.start(request) { first throws(TracedeskError) in
            guard !quiet else { return }
            let version = first.body.workflowVersion.map { "v\($0) " } ?? ""
            try context.note("started job \(first.body.jobId) (\(team) \(version)\(first.body.workflowStatus ?? request.status.rawValue))")
        }
        return try await FollowRun(team: team, jobId: first.body.jobId, follower: follower, options: options)
            .run(after: first, in: context)
    }

    /// `--conversation` as the history knows it: a whole id as given, a prefix of one resolved as
    /// `runs --conversation` resolves it; anything that is no id is refused (not sent as one).
    func resolvedConversation(in store: HistoryStore) throws(TracedeskError) -> InvokeRequest {
        guard let given = request.conversationId else { return request }
        var resolved = request
        let text = given.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.lowercased() != "null", text.count <= 200,
              text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw .badInput("--conversation takes a conversationId (letters, digits and dashes, as the pod gives it), not '\(TextFormat.snippet(given, width: 40))'")
        }
        if let whole = try store.conversation(text) {
            resolved.conversationId = whole
        } else if text.count < 32 {
            throw .badInput("--conversation \(text) matches no conversation in the history: give the whole id to continue one recorded elsewhere")
        } else {
            resolved.conversationId = text
        }
        return resolved
    }
}
