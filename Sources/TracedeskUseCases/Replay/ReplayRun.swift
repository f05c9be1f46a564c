import Foundation
import TracedeskClient
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// `tracedesk replay RUN`: runs a recorded run again over the debug stream, in the same team with
/// the same message and parameters (unless told otherwise), with the recorded outputs of its data
/// steps pinned (`ReplayPlan`), records it as a run of its own linked to its source, and says at
/// once how it differs from the source.
public struct ReplayRun: Sendable {
    public var history: HistoryLocation
    public var pod: PodAccess
    public var follow: FollowSettings
    /// The run to replay: a jobId, a prefix of one, or `last`.
    public var run: String
    /// DRAFT or PUBLISHED; `nil` replays the status the source ran.
    public var status: InvokeRequest.VersionStatus?
    /// Another message; `nil` keeps the recorded one.
    public var message: String?
    /// Parameters set over the recorded ones.
    public var parameters: [String: String] = [:]
    public var live: [String] = []
    public var pin: [String] = []
    /// Steps run with another model, by code.
    public var models: [String: String] = [:]
    /// A `.wf` file: the team's definition, for the data steps a new path may reach.
    public var definition: String?
    public var allowLive = false
    public var maximumPinBytes = ReplayPlan.defaultMaximumPinBytes
    public var label: String?
    /// `--save-fixture FILE`: write the recorded run as an Oracle CLI test file (its data steps'
    /// outputs as `testData`) instead of replaying it; nothing is sent to the pod.
    public var saveFixture: String?

    public init(history: HistoryLocation, pod: PodAccess, follow: FollowSettings, run: String) {
        self.history = history
        self.pod = pod
        self.follow = follow
        self.run = run
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let options = try follow.followOptions(in: context)
        let store = try history.openForWriting(in: context)
        let source = try store.run(run)
        guard source.status.isTerminal || source.status == .paused else {
            throw .badInput("run \(source.jobId.prefix(8)) is \(source.status.rawValue): replay a run that has ended, whose steps are all recorded")
        }
        guard let team = source.teamCode ?? source.workflowCode else {
            throw .badInput("run \(source.jobId.prefix(8)) names no team: a replay runs the same team (import it with --team)")
        }
        guard let recordedMessage = message ?? source.message else {
            throw .badInput("run \(source.jobId.prefix(8)) recorded no message: give one with --message")
        }
        let details = try store.details(of: source, now: context.clock.now())
        let teamDefinition = try definition.map { path throws(TracedeskError) in
            let url = URL(fileURLWithPath: context.absolutePath(path))
            guard let data = try? Data(contentsOf: url) else { throw .badInput("--definition \(path): cannot be read") }
            return try TeamDefinition(data: data, origin: path)
        }
        // A fixture needs no breakpoints (its runner sets them), so no definition; given one, its
        // data steps the run never reached become what must not run.
        let plan = try ReplayPlan(source: details, live: live, pin: pin, models: models, definition: teamDefinition,
                                  allowLive: allowLive || (saveFixture != nil && teamDefinition == nil), maximumPinBytes: maximumPinBytes)
        let versionStatus = status ?? source.versionStatus.flatMap { InvokeRequest.VersionStatus(rawValue: $0.uppercased()) } ?? .published
        if let saveFixture {
            let parameters = source.parameters.merging(self.parameters) { _, new in new }
            let name = label ?? "\(team) as run \(source.jobId.prefix(8)) ran"
            let file = plan.oracleTestFile(name: name, team: team, message: recordedMessage, parameters: parameters, status: versionStatus.rawValue)
            let path = try ReportFile.write(bytes: Array((file.prettyText + "\n").utf8), to: context.absolutePath(saveFixture))
            let pinned = plan.summary.pinned
            try context.output.write("Fixture written to \(path): run \(source.jobId.prefix(8)) of \(team) as an Oracle CLI test file, "
                                     + "\(pinned.count) data step\(pinned.count == 1 ? "" : "s") recorded (\(pinned.joined(separator: ", "))), "
                                     + "\(plan.stepsRun.count) steps that must run\n")
            return .success
        }

        // The pod the source was followed on (an imported run's is not used); always the v2 stream.
        var forPod = source
        forPod.api = nil
        let following = try pod.following(forPod, in: context)
        if let note = following.note, !follow.quiet { try context.note(note) }
        let client = try following.access.client(team: team, in: context)
        let rates = try await AIUnitRatesLookup.rates(for: client, store: store, in: context)
        let parameters = source.parameters.merging(self.parameters) { _, new in new }
        let request = InvokeRequest(message: recordedMessage, status: versionStatus, parameters: parameters)
        var recording = RecordingContext(teamCode: team, pod: client.pod.absoluteString, source: .invoke, label: label, request: request,
                                         api: "v2", aiUnitRates: rates)
        let summaryText = (try? JSONEncoder().encode(plan.summary)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        recording.replay = (of: source.jobId, plan: summaryText)
        let debug = DebugRequest(message: recordedMessage, workflowCode: team, conversationId: UUID().uuidString.lowercased(),
                                 status: versionStatus, parameters: parameters, breakPoints: plan.breakPoints, overrides: plan.overrides)
        if !follow.quiet { try context.note(Self.describe(plan.summary, source: source, status: versionStatus)) }

        var follower = StreamFollower(client: client, store: store, context: recording, clock: context.clock,
                                      callbackTokens: CallbackTokenStore(environment: context.environment))
        follower.deadline = pod.deadline(in: context)
        let outcome = try await FollowStream(team: team, follower: follower, options: options).run(debug, announce: true, in: context)

        guard let replayId = try store.details(of: store.run(source.jobId)).replays.last else { return outcome }
        let replay = try store.details(of: store.run(replayId), now: context.clock.now())
        if replay.run.status == .paused, let node = replay.run.waitingToolCode, plan.summary.stoppedBefore.contains(node) {
            try context.note("the replay took a path the recording never did: it reached \(node), a data step, and stopped before it "
                             + "(--allow-live or --live \(node) lets it run)")
        }
        if !options.json {
            let diff = RunDiff(a: details, b: replay, pinned: Set(plan.summary.pinned))
            try context.output.write("\nAgainst the source, run \(source.jobId.prefix(8)) (A) and its replay \(replayId.prefix(8)) (B):\n"
                                     + diff.summaryLines.joined(separator: "\n") + "\n")
        }
        return outcome
    }

    /// What the replay pins, lets run and stops before, in one line.
    static func describe(_ summary: ReplayPlan.Summary, source: RunRecord, status: InvokeRequest.VersionStatus) -> String {
        func list(_ codes: [String]) -> String {
            codes.count <= 6 ? codes.joined(separator: ", ") : codes.prefix(6).joined(separator: ", ") + " and \(codes.count - 6) more"
        }
        var parts = ["replaying run \(source.jobId.prefix(8)) on \(status.rawValue)"]
        parts.append(summary.pinned.isEmpty ? "nothing pinned" : "\(summary.pinned.count) step\(summary.pinned.count == 1 ? "" : "s") pinned to their recorded outputs (\(list(summary.pinned)))")
        if !summary.live.isEmpty { parts.append("live: \(list(summary.live))") }
        if let models = summary.models {
            parts.append(models.sorted { $0.key < $1.key }.map { "\($0.key) on \($0.value)" }.joined(separator: ", "))
        }
        if !summary.stoppedBefore.isEmpty { parts.append("stopping before the data steps it never reached (\(list(summary.stoppedBefore)))") }
        if summary.allowLive { parts.append("steps it never reached run live (--allow-live)") }
        return parts.joined(separator: "; ")
    }
}
