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
    /// `progress` is called after each body.
    public func importBodies(from sources: [CaptureSource], team: String?, at: Int64 = Date().epochMilliseconds,
                             progress: (@Sendable (Progress) -> Void)? = nil) throws(TracedeskError) -> Summary {
        try store.recordingTransaction { record in
            var summary = Summary()
            var seen: [String: Int] = [:]
            var bytesBefore = 0
            for source in sources {
                let reader: CaptureReader
                do { reader = try CaptureReader(source) } catch { throw error }
                while let item = try reader.next() {
                    let embedded = reader.embeddedRun
                    let request = embedded?.message.map { InvokeRequest(message: $0, parameters: embedded?.parameters ?? [:]) }
                    let fallbackTeam = team ?? embedded?.team
                    let context = RecordingContext(teamCode: item.body.workflowCode == nil ? fallbackTeam : nil, source: .import,
                                                   label: embedded?.label, request: embedded?.jobId == item.body.jobId ? request : nil)
                    let outcome = try record(BodyToRecord(body: item.body, verbatim: item.text,
                                                          observation: .imported(at: item.seenAt ?? at), context: context))
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
                    progress?(Progress(bodies: summary.bodiesRead, runs: summary.runs.count, bytes: bytesBefore + reader.bytesRead))
                }
                summary.exchangesSkipped += reader.skippedExchanges
                bytesBefore += reader.bytesRead
            }
            summary.bytesRead = bytesBefore
            summary.runsWithoutTeam = summary.runs.filter { $0.team == nil }.map(\.jobId)
            return summary
        }
    }
}
