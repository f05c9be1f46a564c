import ArgumentParser
import Foundation
import TracedeskCore

/// `--db`, shared by every command that reads or writes the history.
struct HistoryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The history database.",
        discussion: "Default: $TRACEDESK_DB, else $XDG_DATA_HOME/tracedesk/history.sqlite, else ~/.local/share/tracedesk/history.sqlite.",
        valueName: "path"),
        completion: .file(extensions: ["sqlite", "db"]))
    var db: String?

    /// The database path these options name.
    var path: String {
        db ?? HistoryStore.defaultPath(environment: ProcessInfo.processInfo.environment)
    }

    /// Opens (creating if needed) the history.
    func openStore() throws -> HistoryStore {
        try HistoryStore(path: path)
    }

    /// Recent jobIds, for shell completion of RUN arguments.
    @Sendable static func completeRun(_ arguments: [String], _ index: Int, _ prefix: String) -> [String] {
        let path = HistoryStore.defaultPath(environment: ProcessInfo.processInfo.environment)
        guard FileManager.default.fileExists(atPath: path),
              let store = try? HistoryStore(path: path),
              let runs = try? store.runs(matching: RunQuery(limit: 200)) else { return ["last"] }
        return ["last"] + runs.map(\.jobId).filter { $0.hasPrefix(prefix) }
    }
}
