import Foundation
import GRDB
import TracedeskModel

extension Optional where Wrapped == Bool {
    fileprivate var orFalse: Bool { self ?? false }
}

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
    /// True when the history had to be opened immutable (see `init(path:mode:)`) while its
    /// write-ahead log held writes not yet checkpointed: those cannot be seen from here.
    public private(set) var missesUncheckpointedWrites = false
    /// `[redact] at = "record"`: every body, event and request is redacted by it before it is
    /// written (see `redactingRecords(by:)`); `nil` to record as received.
    public internal(set) var recordRedactor: Redactor?

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
    ///
    /// To read, a history that cannot be opened as usual because its file or folder cannot be
    /// written (another user's history, a read-only file system: SQLite cannot make the WAL's
    /// shared-memory file beside it) is opened as immutable instead, as of its last checkpoint.
    /// To record, a history this call created and could not set up (a full disk) is removed
    /// again, with the folders it made, so a failed first use leaves nothing behind.
    public init(path: String, mode: OpenMode = .readWrite) throws(TracedeskError) {
        self.path = path
        var created: [String] = []
        do {
            if mode == .readWrite { created = try Self.createPrivately(URL(fileURLWithPath: path)) }
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
            if mode == .readOnly, let immutable = Self.openImmutable(path, after: error) {
                writer = immutable
                let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
                missesUncheckpointedWrites = wal > 0
                return
            }
            let failure = Self.describe(error, path: path)
            // A history locked by another process is in use: nothing of it is this call's to remove.
            if !(error as? DatabaseError).map({ [.SQLITE_BUSY, .SQLITE_LOCKED].contains($0.resultCode) }).orFalse { Self.remove(created) }
            throw failure
        }
    }

    /// The history at `path` opened immutable, when `error` is the failure of a history that
    /// cannot be opened in place for reading; `nil` otherwise (a corrupt or foreign file still
    /// says so).
    private static func openImmutable(_ path: String, after error: any Error) -> DatabaseQueue? {
        guard let error = error as? DatabaseError,
              [.SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_IOERR].contains(error.resultCode) else { return nil }
        var configuration = configuration()
        configuration.readonly = true
        // SQLite reads a `file:` name as a URI (Debian's is built with SQLITE_USE_URI); `immutable`
        // takes no lock and needs no -shm file.
        let escaped = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%"))) ?? path
        guard let queue = try? DatabaseQueue(path: "file:\(escaped)?immutable=1", configuration: configuration),
              let identity = try? queue.read({ db in try HistorySchema.identity(of: db) }),
              identity == .history(version: HistorySchema.currentVersion) else { return nil }
        return queue
    }

    /// Removes files and folders this process created, newest first; those that hold anything stay.
    private static func remove(_ created: [String]) {
        for path in created.reversed() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            if isFolder.boolValue {
                if (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true { rmdir(path) }
            } else {
                // Only a history that holds nothing, in its file (at most the header page SQLite
                // writes when it changes the journal mode) or its log: another process that opened
                // it meanwhile would have written its schema to one of them.
                func size(_ path: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int }
                guard let file = size(path), file <= pageSize, (size(path + "-wal") ?? 0) == 0 else { continue }
                for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
                unlink(path)
            }
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
    /// Returns what it created (the folders, outermost first, then the file).
    private static func createPrivately(_ url: URL) throws(TracedeskError) -> [String] {
        let manager = FileManager.default
        var created: [String] = []
        let folder = url.deletingLastPathComponent()
        var missing: [URL] = []
        var ancestor = folder
        while !manager.fileExists(atPath: ancestor.path), ancestor.path != "/" {
            missing.insert(ancestor, at: 0)
            ancestor = ancestor.deletingLastPathComponent()
        }
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            throw .database("\(url.path) is a folder, not a history: pass a file name to --db")
        }
        for folder in missing {
            if mkdir(folder.path, 0o700) == 0 {
                created.append(folder.path)
            } else if errno != EEXIST {
                // (Another process making the same folder at the same moment is no failure.)
                let reason = String(cString: strerror(errno))
                remove(created)
                throw .database("cannot create the folder \(folder.path) for the history: \(reason)")
            }
        }
        let existed = manager.fileExists(atPath: url.path)
        let descriptor = open(url.path, O_CREAT | O_WRONLY, 0o600)
        if descriptor < 0 {
            let reason = String(cString: strerror(errno))
            remove(created)
            throw .database("cannot open the history at \(url.path): \(reason)")
        }
        close(descriptor)
        if !existed { created.append(url.path) }
        return created
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
