import Foundation
import GRDB
import TracedeskModel

/// The local SQLite history of runs: every status body received, and what is drawn from them.
///
/// `HistoryStore(path:mode:)` opens one. To record, the file is created when missing (0600, its
/// folder 0700), brought up to date and opened in WAL mode, so that several Tracedesk processes
/// record at once; to read, nothing is created and the file is opened read-only. A database that
/// is not a Tracedesk history (another application's) is refused before anything in it changes.
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

    /// How long a command waits for another process's write to finish.
    static let busyTimeout: TimeInterval = 10

    /// Opens the history at `path`, bringing its schema up to date first when it is older.
    public init(path: String, mode: OpenMode = .readWrite) throws(TracedeskError) {
        self.path = path
        do {
            if mode == .readWrite { try Self.createPrivately(URL(fileURLWithPath: path)) }
            let (version, reader) = try Self.probe(path)
            if version != HistorySchema.currentVersion {
                try reader.close()
                try Self.migrate(path, isNew: version == 0)
            }
            switch mode {
            case .readWrite:
                try reader.close()
                writer = try DatabasePool(path: path, configuration: Self.configuration())
            case .readOnly:
                var configuration = Self.configuration()
                configuration.readonly = true
                // The probing connection serves the reads when the history needed no migration.
                writer = version == HistorySchema.currentVersion ? reader : try DatabaseQueue(path: path, configuration: configuration)
            }
        } catch {
            throw Self.describe(error, path: path)
        }
    }

    /// A history held in memory, for tests and previews.
    public static func inMemory() throws(TracedeskError) -> HistoryStore {
        do {
            let queue = try DatabaseQueue(configuration: configuration())
            try queue.writeWithoutTransaction { db in try HistorySchema.migrate(db, path: ":memory:") }
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

    static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // In WAL mode NORMAL cannot corrupt the history; a power cut may lose the last commits.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    /// The schema version of the history at `path`, read without changing the file, and the
    /// read-only connection that read it: a foreign database or one written by a newer Tracedesk
    /// is refused here.
    private static func probe(_ path: String) throws -> (version: Int, reader: DatabaseQueue) {
        var configuration = configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: path, configuration: configuration)
        switch try reader.read({ db in try HistorySchema.identity(of: db) }) {
        case .empty: return (0, reader)
        case .history(let version):
            if version > HistorySchema.currentVersion { throw newer(path: path) }
            return (version, reader)
        case .foreign(let tables): throw foreign(path: path, tables: tables)
        }
    }

    /// The page size of a new history. Its rows are mostly text (bodies, steps' inputs and
    /// outputs): 16 KiB pages cut the pages written by an import by four, and its time by a third,
    /// against SQLite's 4 KiB default. Only a file without tables can take it.
    static let pageSize = 16_384

    /// Migrates the history at `path` with a connection of its own, in WAL mode.
    private static func migrate(_ path: String, isNew: Bool) throws {
        let queue = try DatabaseQueue(path: path, configuration: configuration())
        try queue.writeWithoutTransaction { db in
            if isNew { try db.execute(sql: "PRAGMA page_size = \(pageSize)") }
            // Persistent: set once, before any table, so that every later opening finds WAL.
            try switchToWAL(db)
            try HistorySchema.migrate(db, path: path)
        }
        try queue.close()
    }

    /// Puts the file in WAL mode. SQLite answers BUSY at once, without waiting, when another
    /// connection holds a lock while the mode changes (processes opening a new history at once):
    /// the change is tried again until it is made, or found made, for as long as the busy timeout.
    private static func switchToWAL(_ db: Database) throws {
        let deadline = Date().addingTimeInterval(busyTimeout)
        while true {
            do {
                if try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() == "wal" { return }
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                usleep(useconds_t.random(in: 5_000...25_000))
            }
        }
    }

    static func foreign(path: String, tables: [String]) -> TracedeskError {
        let listed = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", ..." : "")
        return .database("\(path) is an SQLite database but not a Tracedesk history (it holds \(listed)); it was left as it is: pass another --db")
    }

    static func newer(path: String) -> TracedeskError {
        .database("the history at \(path) was written by a newer Tracedesk; upgrade Tracedesk or pass another --db")
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
