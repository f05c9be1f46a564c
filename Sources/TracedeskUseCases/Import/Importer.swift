import Foundation
import TracedeskHistory
import TracedeskModel

/// Records status bodies captured elsewhere: what `tracedesk import` does.
///
/// Sources are read one body at a time (`CaptureReader`) and recorded as they are read, all in
/// one transaction: an import of any size is all or nothing, and holds in memory one body at a
/// time, not the files.
public struct Importer: Sendable {
    /// What an import did.
    public struct Summary: Sendable, Equatable {
        /// Each run touched, in the order first met: its jobId, team and status after the import.
        public struct Run: Sendable, Equatable {
            public var jobId: String
            public var team: String?
            public var status: String
            public var isNew: Bool
        }

        public var bodiesRead = 0
        public var bodiesStored = 0
        public var bodiesAlreadyKnown = 0
        /// Recorded exchanges (`--record`) with no status body (token calls, error answers), skipped.
        public var exchangesSkipped = 0
        /// Debug streams read (recorded `/debug` exchanges, streamed runs' reports) and their events.
        public var streamsRead = 0
        public var eventsStored = 0
        /// Streamed runs already in the history with their events: left as they were.
        public var streamedRunsAlreadyKnown = 0
        /// Streams of runs the history does not hold whose events never told what run they are
        /// (none, or none with a status): skipped, since there is nothing to record them as.
        public var streamsWithoutRun = 0
        public var runs: [Run] = []
        /// Runs whose bodies named no team and for which no `--team` was given.
        public var runsWithoutTeam: [String] = []
        /// Bytes read from the sources.
        public var bytesRead = 0

        public var newRuns: Int { runs.filter(\.isNew).count }
    }

    /// How far an import has come, for progress on a terminal.
    public struct Progress: Sendable {
        public var bodies: Int
        public var runs: Int
        public var bytes: Int
    }

    public let store: HistoryStore

    public init(store: HistoryStore) {
        self.store = store
    }

    /// Reads every source and records its bodies as they come, in one transaction.
    ///
    /// Nothing is recorded unless every source reads: a malformed file among several leaves the
    /// history exactly as it was. `team` names the team of bodies that lack `workflowCode`.
    /// `progress` is called after each body. Reading and decoding run on a thread of their own,
    /// a few batches ahead of recording, so that both cores work and memory stays bounded.
    public func importBodies(from sources: [CaptureSource], team: String?, at: Int64 = Date().epochMilliseconds,
                             progress: (@Sendable (Progress) -> Void)? = nil) throws(TracedeskError) -> Summary {
        let batches = BoundedQueue<Batch>(capacity: 2)
        let reading = Thread { Self.read(sources, team: team, at: at, into: batches) }
        reading.stackSize = 8 << 20
        reading.start()
        defer { batches.close() }
        return try store.recordingTransaction { recorder in
            var summary = Summary()
            var seen: [String: Int] = [:]
            var streams: [CapturedStream] = []
            var rates: [String: AIUnitRates] = [:]
            while let batch = batches.take() {
                rates.merge(batch.aiUnitRates) { _, new in new }
                for item in batch.items {
                    let outcome = try recorder.record(item.body)
                    summary.bodiesRead += 1
                    switch outcome.snapshot {
                    case .alreadyKnown: summary.bodiesAlreadyKnown += 1
                    default: summary.bodiesStored += 1
                    }
                    let run = Summary.Run(jobId: outcome.jobId, team: outcome.teamCode, status: outcome.status.rawValue,
                                          isNew: outcome.isNewRun)
                    if let index = seen[outcome.jobId] {
                        summary.runs[index].status = run.status
                        summary.runs[index].team = summary.runs[index].team ?? run.team
                    } else {
                        seen[outcome.jobId] = summary.runs.count
                        summary.runs.append(run)
                    }
                    progress?(Progress(bodies: summary.bodiesRead, runs: summary.runs.count, bytes: item.bytesRead))
                }
                summary.exchangesSkipped = batch.exchangesSkipped
                summary.bytesRead = batch.items.last?.bytesRead ?? summary.bytesRead
                streams += batch.streams
                if let failure = batch.failure { throw failure }
            }
            // Streams last: a job's first stream and its resumes may lie in several files.
            summary.streamsRead = streams.count
            for run in StreamedRunImport.runs(streams) {
                if run.checkpoints.allSatisfy({ $0.derived == nil }), try !recorder.holdsRun(jobId: run.jobId) {
                    summary.streamsWithoutRun += 1
                    continue
                }
                var context = RecordingContext(teamCode: run.team ?? team, pod: run.pod, source: .import, label: run.label)
                context.aiUnitRates = run.aiUnitRates ?? run.pod.flatMap { rates[$0] }
                // Recorded as it was followed: at each change of status, with the events up to it.
                var outcome: RecordOutcome?
                var recorded = 0
                for (number, checkpoint) in run.checkpoints.enumerated() {
                    let events = Array(run.events[recorded..<checkpoint.eventCount])
                    guard let next = try recorder.recordStream(jobId: run.jobId, events: events, derived: checkpoint.derived, context: context,
                                                               at: checkpoint.at, unlessRecorded: number == 0) else { break }
                    outcome = next
                    recorded = checkpoint.eventCount
                }
                guard let outcome else {
                    summary.streamedRunsAlreadyKnown += 1
                    continue
                }
                summary.eventsStored += run.events.count
                let entry = Summary.Run(jobId: outcome.jobId, team: outcome.teamCode, status: outcome.status.rawValue, isNew: outcome.isNewRun)
                if let index = seen[outcome.jobId] { summary.runs[index] = entry } else {
                    seen[outcome.jobId] = summary.runs.count
                    summary.runs.append(entry)
                }
            }
            summary.runsWithoutTeam = summary.runs.filter { $0.team == nil }.map(\.jobId)
            return summary
        }
    }

    /// Bodies read and decoded, ready to record; the last batch may carry the error that ended reading.
    private struct Batch {
        struct Item {
            var body: PreparedBody
            /// Bytes read from all sources when this body was read.
            var bytesRead: Int
        }

        var items: [Item] = []
        var exchangesSkipped = 0
        var streams: [CapturedStream] = []
        /// Rates read from recorded feature configurations, by pod.
        var aiUnitRates: [String: AIUnitRates] = [:]
        var failure: TracedeskError?
    }

    /// Reads every source into batches of bodies, on the reading thread.
    private static func read(_ sources: [CaptureSource], team: String?, at: Int64, into batches: BoundedQueue<Batch>) {
        var batch = Batch()
        var skipped = 0
        var bytesBefore = 0
        var batchBytes = 0
        var rates: [String: AIUnitRates] = [:]
        do throws(TracedeskError) {
            for source in sources {
                let reader = try CaptureReader(source)
                while let item = try reader.next() {
                    let embedded = reader.embeddedRun
                    let request = embedded?.message.map { InvokeRequest(message: $0, parameters: embedded?.parameters ?? [:]) }
                    let fallbackTeam = team ?? embedded?.team
                    var context = RecordingContext(teamCode: item.body.workflowCode == nil ? fallbackTeam : nil, pod: item.pod, source: .import,
                                                   label: embedded?.label, request: embedded?.jobId == item.body.jobId ? request : nil)
                    if embedded?.jobId == item.body.jobId { context.aiUnitRates = embedded?.aiUnitRates }
                    // A recording's bodies are counted by the rates recorded from their pod (read first, as it was fetched).
                    if context.aiUnitRates == nil, let pod = item.pod { context.aiUnitRates = rates[pod] ?? reader.aiUnitRates[pod] }
                    let prepared = PreparedBody(BodyToRecord(body: item.body, verbatim: item.text,
                                                             observation: .imported(at: item.seenAt ?? at), context: context),
                                                keepingBody: false)
                    batch.items.append(Batch.Item(body: prepared, bytesRead: bytesBefore + reader.bytesRead))
                    batchBytes += item.text.utf8.count
                    // Bounded by count and by size, so that a few large bodies do not pile up.
                    if batch.items.count == 64 || batchBytes > 4 << 20 {
                        batch.exchangesSkipped = skipped + reader.skippedExchanges
                        guard batches.put(batch) else { return }
                        batch = Batch()
                        batchBytes = 0
                    }
                }
                skipped += reader.skippedExchanges
                bytesBefore += reader.bytesRead
                batch.streams += reader.streams
                rates.merge(reader.aiUnitRates) { _, new in new }
                batch.aiUnitRates = rates
            }
        } catch {
            batch.failure = error
        }
        batch.exchangesSkipped = skipped
        batches.put(batch)
        batches.close()
    }
}
