import Foundation
import TracedeskHistory
import TracedeskModel

/// `tracedesk runs`: the history, newest first, as a table or as JSON.
public struct ListRuns: Sendable {
    public var history: HistoryLocation
    public var query: RunQuery
    public var json: Bool

    public init(history: HistoryLocation, query: RunQuery, json: Bool) {
        self.history = history
        self.query = query
        self.json = json
    }

    public func run(in context: CommandContext) throws(TracedeskError) -> CommandOutcome {
        guard let store = try history.openIfPresent(in: context) else {
            if json {
                try context.output.writeData("[]\n")
            } else {
                try context.output.write("No history at \(history.path(in: context)) yet: invoke, poll or import records runs there.\n")
            }
            return .success
        }
        var query = query
        if let reference = query.conversationId {
            // A conversation named by its first characters, as a run is; none recorded matches nothing.
            guard let conversation = try store.conversation(reference) else {
                if json { try context.writeJSON([RunOutput]()) } else { try context.output.write("No run of a conversation '\(reference)' in \(store.path).\n") }
                return .success
            }
            query.conversationId = conversation
        }
        // One run more than asked says whether the list stops short of what matches.
        let limit = query.limit
        if let limit { query.limit = limit + 1 }
        var found = try store.runs(matching: query)
        let more = limit.map { found.count > $0 } ?? false
        if more, let limit { found.removeLast(found.count - limit) }
        // A conversation reads in the order it was held: its turns oldest first.
        let runs = query.conversationId == nil ? found : Array(found.reversed())
        if json {
            try context.writeJSON(runs.map(RunOutput.init))
            return .success
        }
        if runs.isEmpty {
            let total = try store.runCount()
            if total == 0 {
                try context.output.write("No runs recorded yet in \(store.path).\n")
            } else {
                try context.output.write("No run matches these filters (\(TextFormat.count(Int64(total))) run\(total == 1 ? "" : "s") in the history).\n")
            }
            return .success
        }
        try context.output.write(RunTable(format: TextFormat(timeZone: context.timeZone), width: context.output.width).render(runs))
        if more, let limit {
            try context.note("the newest \(TextFormat.count(Int64(limit))) shown; more runs match: --limit \(limit * 2) shows more")
        }
        return .success
    }
}
