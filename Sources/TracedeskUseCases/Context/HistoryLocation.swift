import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// Which history a command uses (`--db PATH`, else `$TRACEDESK_DB`, else the XDG data folder),
/// and how it opens it: a command that records creates the history; a command that only reads
/// never creates a file or a folder, and says there is no history instead.
public struct HistoryLocation: Sendable {
    /// `--db`, when given.
    public var database: String?

    public init(database: String? = nil) {
        self.database = database
    }

    /// The path, absolute.
    public func path(in context: CommandContext) -> String {
        context.absolutePath(database ?? context.paths.history)
    }

    /// Opens the history for recording, creating it (0600, in a 0700 folder) when it does not exist.
    public func openForWriting(in context: CommandContext) throws(TracedeskError) -> HistoryStore {
        let path = path(in: context)
        if Self.isFolder(path) { throw Self.folder(path) }
        // Rules read (and compiled) first: a wrong rule must not leave a new, empty history behind.
        let rules = try RedactionSettings.forRecording(profile: nil, environment: context.environment)
        let redactor = try rules.map { rules throws(TracedeskError) in
            try Redactor(rules: rules, digest: try RedactionKey.digester(environment: context.environment))
        }
        let store = try HistoryStore(path: path, mode: .readWrite)
        return redactor.map { store.redactingRecords(by: $0) } ?? store
    }

    /// Opens the history for changing what it holds (`prune`, `history --vacuum`): an error naming
    /// the path when there is none, for there is nothing to change and a mistyped `--db` must not
    /// leave an empty history behind.
    public func openExistingForWriting(in context: CommandContext) throws(TracedeskError) -> HistoryStore {
        let path = path(in: context)
        guard FileManager.default.fileExists(atPath: path) else { throw Self.missing(path) }
        return try openForWriting(in: context)
    }

    /// Opens the history for reading; `nil` when there is none at the path (nothing is created).
    public func openIfPresent(in context: CommandContext) throws(TracedeskError) -> HistoryStore? {
        let path = path(in: context)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        if Self.isFolder(path) { throw Self.folder(path) }
        let store = try HistoryStore(path: path, mode: .readOnly)
        if store.missesUncheckpointedWrites {
            try context.warn("the history at \(path) is read as of its last checkpoint: it cannot be opened in place from here "
                             + "(another user's, or read-only), and its newest writes wait in \(path)-wal")
        }
        return store
    }

    /// Opens the history for reading; an error naming the path when there is none.
    public func openForReading(in context: CommandContext) throws(TracedeskError) -> HistoryStore {
        guard let store = try openIfPresent(in: context) else { throw Self.missing(path(in: context)) }
        return store
    }

    private static func isFolder(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
    }

    static func folder(_ path: String) -> TracedeskError {
        .badInput("\(path) is a folder, not a history: pass a file name to --db")
    }

    static func missing(_ path: String) -> TracedeskError {
        .badInput("no history at \(path): nothing has been recorded there yet (--db or TRACEDESK_DB names another)")
    }
}
