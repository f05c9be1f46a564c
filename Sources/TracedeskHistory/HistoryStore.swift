import Foundation
import TracedeskModel
import GRDB

/// The local SQLite history of runs: every status body received, and what is drawn from them.
///
/// Open one with `HistoryStore(path:)`: the file is created with mode 0600 (its folder 0700) and
/// migrated, and it runs in WAL mode so that several Tracedesk processes can record at once.
/// `HistoryStore.inMemory()` gives a throwaway store for tests. Every failure of the database
/// surfaces as a `TracedeskError` of kind `.database` that names the file.
public struct HistoryStore: Sendable {
    let writer: any DatabaseWriter
    /// Where the database lives, or `":memory:"`.
    public let path: String

    /// How a command opens the history.
    public enum OpenMode: Sendable {
        /// To record: the file (0600) and its folder (0700) are created when missing.
        case readWrite
        /// Only to read: nothing is created, and a history in a read-only place can be read.
        case readOnly
    }

    /// Opens the history at `path` and brings its schema up to date.
    public init(path: String, mode: OpenMode = .readWrite) throws(TracedeskError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.foreignKeysEnabled = true
            switch mode {
            case .readWrite:
                try Self.createPrivately(url)
                let pool = try DatabasePool(path: path, configuration: configuration)
                try Self.migrate(pool)
                writer = pool
            case .readOnly:
                configuration.readonly = true
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                let current = try queue.read { db in try HistorySchema.migrator.hasCompletedMigrations(db) }
                if !current {
                    // An older history: bring it up to date once (that needs write access), then read.
                    _ = try HistoryStore(path: path, mode: .readWrite)
                }
                writer = queue
            }
        } catch let error as TracedeskError {
            throw error
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    /// A history held in memory, for tests and previews.
    public static func inMemory() throws(TracedeskError) -> HistoryStore {
        do {
            let queue = try DatabaseQueue()
            try migrate(queue)
            return HistoryStore(writer: queue, path: ":memory:")
        } catch {
            throw describe(error, path: ":memory:")
        }
    }

    private init(writer: any DatabaseWriter, path: String) {
        self.writer = writer
        self.path = path
    }

    /// The default location: `$TRACEDESK_DB`, else `$XDG_DATA_HOME/tracedesk/history.sqlite`,
    /// else `~/.local/share/tracedesk/history.sqlite`.
    public static func defaultPath(environment: [String: String]) -> String {
        UserPaths(environment: environment).history
    }

    private static func migrate(_ writer: any DatabaseWriter) throws {
        let migrator = HistorySchema.migrator
        let superseded = try writer.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            throw TracedeskError.database(
                "the history at \(writer.path) was written by a newer Tracedesk; upgrade Tracedesk or pass another --db")
        }
        try migrator.migrate(writer)
    }

    /// Creates the folder (0700) and an empty file (0600) before SQLite does, so that neither is
    /// ever readable by others, not even for an instant. An existing file is left as it is.
    private static func createPrivately(_ url: URL) throws(TracedeskError) {
        let manager = FileManager.default
        let folder = url.deletingLastPathComponent()
        if !manager.fileExists(atPath: folder.path) {
            do {
                try manager.createDirectory(at: folder, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
            } catch {
                throw .database("cannot create the folder \(folder.path) for the history: \(error.localizedDescription)")
            }
        }
        let descriptor = open(url.path, O_CREAT | O_WRONLY, 0o600)
        if descriptor < 0 {
            let reason = String(cString: strerror(errno))
            throw .database("cannot open the history at \(url.path): \(reason)")
        }
        close(descriptor)
    }

    /// Turns a GRDB or SQLite failure into one line for the user.
    static func describe(_ error: any Error, path: String) -> TracedeskError {
        if let error = error as? TracedeskError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return .database("the history at \(path) is not a readable SQLite database (\(error.message ?? "corrupt")); move it aside or pass another --db")
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
                return .database("cannot write the history at \(path) (\(error.message ?? "permission denied")); check its permissions or pass another --db")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return .database("the history at \(path) stayed locked by another process; try again")
            case .SQLITE_FULL:
                return .database("the disk holding the history at \(path) is full")
            default:
                return .database("the history at \(path) failed: \(error.message ?? String(describing: error))")
            }
        }
        return .database("the history at \(path) failed: \(error)")
    }

    /// Runs a read, mapping failures to `TracedeskError`.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(TracedeskError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    /// Runs a write in one transaction, mapping failures to `TracedeskError`.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(TracedeskError) -> T {
        do {
            return try writer.write(body)
        } catch {
            throw Self.describe(error, path: path)
        }
    }
}
