import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// `tracedesk resume JOB`: answer a suspended run, then follow it on.
///
/// The answer is the real protocol's `{messageInstanceId: <callbackToken>, userResponse,
/// content}`: over the debug stream for a run that was streamed (a new `/debug` request with an
/// empty message, the run's conversation and jobId, and `resumeInput`), and as a v2
/// `invokeAsync` carrying `jobId`, `conversationId` and `resumeNodeInput` (inferred; the field's
/// name is a setting) for a polled one. The callback token comes from where the run was
/// followed (the 0600 token store), else from a fresh status of the run; it is forgotten once
/// used. The run stays one run in the history, each wait measured.
public struct ResumeJob: Sendable {
    public var history: HistoryLocation
    public var pod: PodAccess
    public var follow: FollowSettings
    /// The waiting run: a jobId, a prefix, or `last`.
    public var job: String
    public var answer: ResumeAnswer
    /// `--feedback` or `--request-changes`: the text that goes with the answer.
    public var content: String?
    /// `--input`: keys sent over the computed resume input (the token is filled in when absent).
    public var extra: [String: JSONValue]
    /// The name of the polled resume's field in `invokeAsync` (`resumeNodeInput`).
    public var resumeField: String

    public init(history: HistoryLocation, pod: PodAccess, follow: FollowSettings, job: String, answer: ResumeAnswer,
                content: String? = nil, extra: [String: JSONValue] = [:], resumeField: String = InvokeRequest.defaultResumeField) {
        self.history = history
        self.pod = pod
        self.follow = follow
        self.job = job
        self.answer = answer
        self.content = content
        self.extra = extra
        self.resumeField = resumeField
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let options = try follow.followOptions(in: context)
        let store = try history.openForWriting(in: context)
        let run = try store.run(job)
        guard run.status == .waiting else {
            let next = run.status.isTerminal ? "it has ended; see it with: tracedesk show \(run.jobId.prefix(8))"
                : "follow it with: tracedesk poll \(run.jobId.prefix(8))"
            throw TracedeskError.badInput("run \(run.jobId) is \(run.status), not WAITING: there is nothing to answer (\(next))")
        }
        guard let team = run.teamCode else { throw TracedeskError.badInput("run \(run.jobId) has no team in the history") }
        let details = run.waiting ?? WaitingDetails(toolCode: run.waitingToolCode, details: nil)
        try check(details, run: run)
        let (access, note) = try pod.following(run, in: context)
        if let note, !follow.quiet { try context.note(note) }
        let client = try access.client(team: team, in: context)
        let callbackTokens = CallbackTokenStore(environment: context.environment)
        let rates = try await AIUnitRatesLookup.rates(for: client, store: store, in: context)
        let recording = RecordingContext(teamCode: team, pod: client.pod.absoluteString, source: run.source, api: run.api, aiUnitRates: rates)
        let token = try await callbackToken(for: run, client: client, store: store, tokens: callbackTokens, recording: recording)
        var input = ResumeInput(callbackToken: token, answer: answer, content: content).json
        if case .object(var members) = input {
            for (key, value) in extra where key != "messageInstanceId" || value.stringValue != nil { members[key] = value }
            input = .object(members)
        }
        let said = "\(answer.verb) \(details.node ?? run.waitingToolCode ?? "the waiting step") of \(run.jobId)"

        if run.transport == .stream {
            let status = InvokeRequest.VersionStatus(rawValue: run.versionStatus ?? "PUBLISHED") ?? .published
            let original = DebugRequest(message: run.message ?? "", workflowCode: team, conversationId: run.conversationId,
                                        status: status, parameters: run.parameters)
            var request = original
            request.message = ""
            request.jobId = run.jobId
            request.resumeInput = ResumeInput(callbackToken: token, answer: answer, content: content)
            var follower = StreamFollower(client: client, store: store, context: recording, clock: context.clock, callbackTokens: callbackTokens)
            follower.deadline = access.deadline(in: context)
            let quiet = follow.quiet, jobId = run.jobId
            do {
                return try await FollowStream(team: team, follower: follower, options: options)
                    .run(request, previous: run, original: original, announce: false, onOpened: {
                        // Said, and the token forgotten, once the pod took the answer; a refused one keeps it.
                        callbackTokens.remove(jobId: jobId)
                        if !quiet { try? context.note(said + " (over the debug stream)") }
                    }, in: context)
            } catch where error.kind == .badInput && answer == .skipWait && error.message.hasPrefix("the pod refused the request (4") {
                throw refusedSkip(error, node: details.node ?? run.waitingToolCode ?? "the WAIT step", run: run, team: team)
            }
        }
        var request = InvokeRequest.answering(run, with: input.objectValue ?? [:], message: content ?? "")
        request.resumeField = resumeField
        var v2 = client
        v2.api = .v2
        let follower = JobFollower(client: v2, store: store, context: recording,
                                   options: follow.pollerOptions(mode: request.invocationMode), clock: context.clock, callbackTokens: callbackTokens)
        let first: ReceivedBody
        do {
            first = try await follower.start(request)
        } catch where error.kind == .badInput && answer == .skipWait && error.message.hasPrefix("the pod refused the request (4") {
            throw refusedSkip(error, node: details.node ?? run.waitingToolCode ?? "the WAIT step", run: run, team: team)
        }
        callbackTokens.remove(jobId: run.jobId)
        if !follow.quiet { try context.note(said) }
        let polling = JobFollower(client: client, store: store, context: recording,
                                  options: follow.pollerOptions(mode: request.invocationMode), clock: context.clock, callbackTokens: callbackTokens)
        return try await FollowRun(team: team, jobId: run.jobId, follower: polling, options: options).run(after: first, in: context)
    }

    /// A `--skip-wait` the pod refused: most often the WAIT step's timer ran out while the run was
    /// not followed, and the run went on by itself.
    func refusedSkip(_ error: TracedeskError, node: String, run: RunRecord, team: String) -> TracedeskError {
        let said = error.message.dropFirst("the pod refused the request ".count)
        return .badInput("the pod did not take --skip-wait for \(node) \(said); its wait has most likely run out and the run gone on by itself: "
                         + "see where it is with: tracedesk poll \(run.jobId.prefix(8)) --team \(team)")
    }

    /// Whether the node takes this answer: a WAIT node only `--skip-wait`, a HUMAN node not it;
    /// a request for changes only where the node offers one.
    func check(_ details: WaitingDetails, run: RunRecord) throws(TracedeskError) {
        let node = details.node ?? run.waitingToolCode ?? "the waiting step"
        if !details.waitsForPerson, answer != .skipWait {
            throw .badInput("\(node) is a WAIT node, which waits for no one: --skip-wait resumes it at once (or let it run out)")
        }
        if details.waitsForPerson, answer == .skipWait {
            throw .badInput("\(node) waits for a person (\(details.nodeType ?? "HUMAN")): answer with --approve, --reject or --request-changes TEXT")
        }
        let offered = Set(details.actions.map(\.code))
        if !offered.isEmpty, details.waitsForPerson, !offered.contains(answer.rawValue) {
            let choices = details.actions.map(\.code).joined(separator: ", ")
            throw .badInput("\(node) does not offer \(answer.rawValue) now (it offers \(choices))")
        }
        if answer == .requestChanges, (content ?? "").isEmpty {
            throw .badInput("--request-changes takes the changes asked for, as text")
        }
        if content != nil, answer != .requestChanges, details.feedbackEnabled == false {
            throw .badInput("\(node) takes no feedback with its answer; drop --feedback")
        }
    }

    /// The callback token of the run's suspension: kept where the run was followed, else read
    /// from the run's status now (and that body recorded, its token left out).
    func callbackToken(for run: RunRecord, client: AgentClient, store: HistoryStore, tokens: CallbackTokenStore,
                       recording: RecordingContext) async throws(TracedeskError) -> String {
        if let kept = tokens.entry(for: run.jobId) { return kept.token }
        do {
            let received = try await client.status(jobId: run.jobId)
            try store.record(received.body, verbatim: received.text, observation: .received(at: received.receivedAt, httpStatus: received.httpStatus),
                             context: recording)
            if received.body.status == .waiting, let token = received.body.waiting.callbackToken { return token }
            throw TracedeskError.badInput("run \(run.jobId) is \(received.body.status?.rawValue ?? "not WAITING") at the pod now: there is nothing to answer")
        } catch let error as TracedeskError where error.kind != .badInput {
            throw TracedeskError(error.kind, "the callback token of run \(run.jobId)'s wait is not on this machine (it is kept only where the run "
                                 + "was followed) and the pod's status could not give it: \(error.message)")
        } catch let error as TracedeskError {
            throw error
        } catch {
            throw TracedeskError(.podUnavailable, "\(error)")
        }
    }
}
