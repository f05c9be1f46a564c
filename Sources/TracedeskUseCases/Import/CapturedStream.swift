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

    public init(request: DebugRequest?, jobId: String?, sentAt: Int64, events: [ReceivedEvent], embedded: EmbeddedRun? = nil) {
        self.request = request
        self.jobId = jobId ?? Self.jobId(in: events)
        self.sentAt = sentAt
        self.events = events
        self.embedded = embedded
    }

    /// A recorded exchange's stream: its response's `data:` payloads, each one event.
    public init(exchangeRequest body: JSONValue?, response text: String, at: Int64) {
        var parser = ServerSentEventParser()
        let parsed = ((try? parser.feed(Array(text.utf8))) ?? []) + parser.finish()
        let request = body.flatMap(DebugRequest.init(json:))
        self.init(request: request, jobId: request?.jobId, sentAt: at,
                  events: parsed.map { ReceivedEvent(data: $0.data, receivedAt: at) })
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
            var run = DebugStreamRun(conversationId: request.conversationId)
            var events: [ReceivedEvent] = []
            for (index, piece) in pieces.enumerated() {
                if index > 0 { run.beginNextStream() }
                for event in piece.events {
                    for payload in DebugStreamRun.payloads(of: .init(data: event.data)) { _ = run.apply(payload, at: event.receivedAt) }
                }
                events += piece.events
            }
            let derived = run.statusBody(.init(request: request, sentAt: sentAt)).flatMap { try? StatusBody(value: $0) }
            return Run(jobId: jobId, events: events, derived: derived, team: team, label: embedded?.label, sentAt: sentAt,
                       aiUnitRates: embedded?.aiUnitRates)
        }
    }
}
