import Foundation
import TracedeskHistory
import TracedeskModel

/// Records status bodies captured elsewhere: what `tracedesk import` does.
public struct Importer: Sendable {
    /// One file's content and the name to use for it in messages.
    public struct Source: Sendable {
        public var origin: String
        public var data: Data

        public init(origin: String, data: Data) {
            self.origin = origin
            self.data = data
        }
    }

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

        public var newRuns: Int { runs.filter(\.isNew).count }
    }

    public let store: HistoryStore

    public init(store: HistoryStore) {
        self.store = store
    }

    /// Reads every source, then records all their bodies in one transaction.
    ///
    /// Nothing is recorded unless every file reads: a malformed file among several leaves the
    /// history exactly as it was. `team` names the team of bodies that lack `workflowCode`.
    public func importBodies(from sources: [Source], team: String?, at: Int64 = Date().epochMilliseconds)
        throws(TracedeskError) -> Summary {
        var items: [BodyToRecord] = []
        var skipped = 0
        for source in sources {
            let captured = try CapturedBodies(data: source.data, origin: source.origin)
            skipped += captured.skippedExchanges
            let embedded = captured.embeddedRun
            let request = embedded?.message.map { InvokeRequest(message: $0, parameters: embedded?.parameters ?? [:]) }
            for item in captured.items {
                let fallbackTeam = team ?? embedded?.team
                let context = RecordingContext(teamCode: item.body.workflowCode == nil ? fallbackTeam : nil, source: .import,
                                               label: embedded?.label, request: embedded?.jobId == item.body.jobId ? request : nil)
                items.append(BodyToRecord(body: item.body, verbatim: item.text, observation: .imported(at: item.seenAt ?? at),
                                          context: context))
            }
        }
        let outcomes = try store.record(items)

        var summary = Summary()
        summary.bodiesRead = items.count
        summary.exchangesSkipped = skipped
        var seen: [String: Int] = [:]
        for (item, outcome) in zip(items, outcomes) {
            switch outcome.snapshot {
            case .alreadyKnown: summary.bodiesAlreadyKnown += 1
            default: summary.bodiesStored += 1
            }
            let run = Summary.Run(jobId: outcome.jobId, team: item.body.workflowCode ?? item.context.teamCode,
                                  status: outcome.status.rawValue, isNew: outcome.isNewRun)
            if let index = seen[outcome.jobId] {
                summary.runs[index].status = run.status
                summary.runs[index].team = summary.runs[index].team ?? run.team
            } else {
                seen[outcome.jobId] = summary.runs.count
                summary.runs.append(run)
            }
        }
        summary.runsWithoutTeam = summary.runs.filter { $0.team == nil }.map(\.jobId)
        return summary
    }
}
