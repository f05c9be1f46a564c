import Foundation
import TracedeskHistory
import TracedeskModel

/// `tracedesk prune --older-than AGE`: remove old runs, with everything recorded about them.
public struct PruneHistory: Sendable {
    public var history: HistoryLocation
    public var request: PruneRequest
    /// What `--older-than` said, for the summary.
    public var age: String
    public var dryRun: Bool

    public init(history: HistoryLocation, request: PruneRequest, age: String, dryRun: Bool) {
        self.history = history
        self.request = request
        self.age = age
        self.dryRun = dryRun
    }

    public func run(in context: CommandContext) throws(TracedeskError) -> CommandOutcome {
        let store = try history.openExistingForWriting(in: context)
        let outcome = try store.prune(request, dryRun: dryRun)
        let format = TextFormat(timeZone: context.timeZone)
        let verb = dryRun ? "Would remove" : "Removed"
        var text = "\(verb) \(TextFormat.count(Int64(outcome.runs))) run\(outcome.runs == 1 ? "" : "s") started before "
            + "\(format.instant(request.before)) (older than \(age))"
        if let team = request.team { text += " of \(team)" }
        if let status = request.status { text += " in \(status)" }
        text += ": \(TextFormat.count(Int64(outcome.bodies))) bodies (\(TextFormat.bytes(outcome.bodyBytes))), "
            + "\(TextFormat.count(Int64(outcome.nodes))) steps.\n"
        if outcome.keptAsRecent > 0 {
            text += "Kept \(TextFormat.count(Int64(outcome.keptAsRecent))) as their team's most recent (--keep-last \(request.keepLast)).\n"
        }
        if outcome.keptForComparisons > 0 {
            text += "Kept \(TextFormat.count(Int64(outcome.keptForComparisons))) that comparisons refer to (--force removes them too).\n"
        }
        if !dryRun && outcome.runs > 0 {
            text += "The file keeps its size until: tracedesk history --vacuum\n"
        }
        try context.output.write(text)
        return .success
    }

}
