import ArgumentParser
import Foundation
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `--db`, shared by every command that reads or writes the history.
struct HistoryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The history database.",
        discussion: "Default: $TRACEDESK_DB, else $XDG_DATA_HOME/tracedesk/history.sqlite, else ~/.local/share/tracedesk/history.sqlite.",
        valueName: "path"),
        completion: .file(extensions: ["sqlite", "db"]))
    var db: String?

    /// The history these options name.
    var location: HistoryLocation { HistoryLocation(database: db) }

    /// The team codes of the history, for shell completion of `--team` and TEAM arguments.
    @Sendable static func completeTeam(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        let context = CommandContext.process()
        guard let store = try? HistoryLocation().openIfPresent(in: context),
              let teams = try? store.teamSummaries() else { return [] }
        return Array(Set(teams.map(\.team))).sorted().filter { $0.uppercased().hasPrefix(prefix.uppercased()) }
    }

    /// The values of `--status`.
    static let statusCompletion = CompletionKind.list(["RUNNING", "WAITING", "COMPLETE", "ERROR"])

    /// The values of `--bodies` and `--report-bodies`.
    static let bodiesCompletion = CompletionKind.list(["all", "changed", "last"])

    /// Recent jobIds, for shell completion of RUN arguments.
    @Sendable static func completeRun(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        let context = CommandContext.process()
        guard let store = try? HistoryLocation().openIfPresent(in: context),
              let runs = try? store.runs(matching: RunQuery(limit: 200)) else { return ["last"] }
        return ["last"] + runs.map(\.jobId).filter { $0.hasPrefix(prefix) }
    }
}
