import Foundation
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// A debug stream found in a capture: a `/debug` exchange saved with `--record`, or the events a
/// report of a streamed run embeds in place of bodies. An import turns the streams of one job
/// (the first and each resume) back into one run (`StreamedRunImport`).
public struct CapturedStream: Sendable {
    /// The request that opened the stream, as recorded; `nil` for a report's events.
    public var request: DebugRequest?
    /// The job: a resume names it in its request; otherwise the events do.
    public var jobId: String?
    /// When the request was sent, epoch ms.
    public var sentAt: Int64
    /// The events, with when each arrived (a recording keeps only when the exchange began).
    public var events: [ReceivedEvent]
    /// The context a report carries.
    public var embedded: EmbeddedRun?
    /// The pod the stream came from: a recording's URL says, a report's context too.
    public var pod: String?

    public init(request: DebugRequest?, jobId: String?, sentAt: Int64, events: [ReceivedEvent], embedded: EmbeddedRun? = nil, pod: String? = nil) {
        self.request = request
        self.jobId = jobId ?? Self.jobId(in: events)
        self.sentAt = sentAt
        self.events = events
        self.embedded = embedded
        self.pod = pod
    }

    /// A recorded exchange's stream: its response's `data:` payloads, each one event, timed by
    /// `arrivals` (when each event arrived, as the recording kept them); a recording without
    /// them, or whose count does not match, times every event at the exchange's start.
    public init(exchangeRequest body: JSONValue?, response text: String, at: Int64, arrivals: [Int64]? = nil, pod: String? = nil) {
        var parser = ServerSentEventParser()
        let parsed = ((try? parser.feed(Array(text.utf8))) ?? []) + parser.finish()
        let request = body.flatMap(DebugRequest.init(json:))
        let times = arrivals.flatMap { $0.count == parsed.count && $0.allSatisfy({ (at...Timestamp.latest).contains($0) }) ? $0 : nil }
        self.init(request: request, jobId: request?.jobId, sentAt: at,
                  events: parsed.enumerated().map { ReceivedEvent(data: $0.element.data, receivedAt: times?[$0.offset] ?? at) }, pod: pod)
    }

    /// The last jobId the events name.
    static func jobId(in events: [ReceivedEvent]) -> String? {
        var run = DebugStreamRun()
        for event in events {
            for payload in DebugStreamRun.payloads(of: .init(data: event.data)) { _ = run.apply(payload, at: event.receivedAt) }
        }
        return run.jobId
    }
}

/// The streams of an import put back together, one run per job: the first stream's request
/// gives the run its message and parameters, every stream's events are applied in the order
/// they were sent, and the run's rows are drawn from them as `invoke --stream` draws them.
public enum StreamedRunImport {
    /// One run to record: its events in order and the body they tell.
    public struct Run: Sendable {
        public var jobId: String
        public var events: [ReceivedEvent]
        public var derived: StatusBody?
        public var team: String?
        public var label: String?
        public var sentAt: Int64
        public var aiUnitRates: AIUnitRates?
        public var pod: String?
        /// Where the run's status changed as its events were applied (it started, suspended,
        /// was resumed, ended): recorded one after the other, they give the run the status
        /// history, and so the time spent waiting, it had when it was followed.
        public var checkpoints: [Checkpoint]
    }

    /// The run as it stood after its first `eventCount` events, seen at `at`.
    public struct Checkpoint: Sendable {
        public var eventCount: Int
        public var derived: StatusBody?
        public var at: Int64
    }

    public static func runs(_ streams: [CapturedStream]) -> [Run] {
        var order: [String] = []
        var byJob: [String: [CapturedStream]] = [:]
        for stream in streams {
            guard let jobId = stream.jobId else { continue }
            if byJob[jobId] == nil { order.append(jobId) }
            byJob[jobId, default: []].append(stream)
        }
        return order.map { jobId in
            // The first stream is the one no resume opened; then the resumes, as they were sent.
            let pieces = byJob[jobId, default: []].sorted { ($0.request?.jobId != nil ? 1 : 0, $0.sentAt) < ($1.request?.jobId != nil ? 1 : 0, $1.sentAt) }
            let first = pieces[0]
            let embedded = pieces.compactMap(\.embedded).first
            let team = first.request?.workflowCode ?? embedded?.team
            let request = first.request ?? DebugRequest(
                message: embedded?.message ?? "", workflowCode: team ?? "", conversationId: embedded?.conversationId,
                status: embedded?.versionStatus.flatMap { InvokeRequest.VersionStatus(rawValue: $0) } ?? .published,
                parameters: embedded?.parameters ?? [:])
            let sentAt = embedded?.sentAt ?? first.sentAt
            let bodyContext = DebugStreamRun.Context(request: request, sentAt: sentAt)
            var run = DebugStreamRun(conversationId: request.conversationId)
            var events: [ReceivedEvent] = []
            var checkpoints: [Checkpoint] = []
            var lastStatus: RunStatus?
            // A checkpoint where the status moves, once the run has a jobId to be recorded by.
            func mark(_ at: Int64) {
                guard run.jobId != nil, run.status != lastStatus else { return }
                lastStatus = run.status
                checkpoints.append(Checkpoint(eventCount: events.count, derived: run.statusBody(bodyContext).flatMap { try? StatusBody(value: $0) }, at: at))
            }
            for (index, piece) in pieces.enumerated() {
                if index > 0, run.status != .waiting { run.beginNextStream() }
                // A report's events are one list, its resumes inside it; a recorded exchange is one
                // stream, which a wait ends.
                let holdsResumes = piece.request == nil
                for (number, event) in piece.events.enumerated() {
                    let payloads = DebugStreamRun.payloads(of: .init(data: event.data))
                    // After a wait, the next event that says something is the resumed stream's (not
                    // `[DONE]`): the run went on when the answer was taken, as `resume` records it.
                    if run.status == .waiting, payloads.contains(where: DebugStreamRun.saysSomething), index > 0 && number == 0 || holdsResumes {
                        run.beginNextStream()
                        mark(index > 0 && number == 0 ? max(piece.sentAt, events.last?.receivedAt ?? piece.sentAt) : event.receivedAt)
                    }
                    for payload in payloads { _ = run.apply(payload, at: event.receivedAt) }
                    events.append(event)
                    mark(event.receivedAt)
                }
            }
            // The last checkpoint holds every event, so that nothing after the last change is lost;
            // events after it are a checkpoint of their own, so the change keeps its instant.
            let derived = run.statusBody(bodyContext).flatMap { try? StatusBody(value: $0) }
            if let last = checkpoints.last {
                if last.eventCount < events.count {
                    checkpoints.append(Checkpoint(eventCount: events.count, derived: derived, at: max(last.at, events.last?.receivedAt ?? sentAt)))
                } else {
                    checkpoints[checkpoints.count - 1].derived = derived
                }
            } else {
                checkpoints = [Checkpoint(eventCount: events.count, derived: derived, at: sentAt)]
            }
            return Run(jobId: jobId, events: events, derived: derived, team: team, label: embedded?.label, sentAt: sentAt,
                       aiUnitRates: embedded?.aiUnitRates, pod: first.pod ?? pieces.compactMap(\.pod).first, checkpoints: checkpoints)
        }
    }
}
