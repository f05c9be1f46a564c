import Crypto
import Foundation
import TracedeskModel

/// The callback tokens of suspended runs, kept apart from everything that is shared: one file
/// per job, mode 0600 in a 0700 folder under `$XDG_CACHE_HOME/tracedesk/callbacks/`, holding the
/// token of the job's current suspension, and deleted once the token is used.
///
/// A callback token resumes a run as whoever holds it, so it enters no history, report, page,
/// export, recording, log line or process argument; `tracedesk resume` reads it from here.
public struct CallbackTokenStore: Sendable {
    /// What is kept of one suspension.
    public struct Entry: Codable, Sendable, Equatable {
        public var jobId: String
        public var node: String?
        /// The round of a HUMAN node (0 first), as the pod counted it.
        public var round: Int?
        public var token: String
        /// Epoch ms.
        public var savedAt: Int64

        public init(jobId: String, node: String?, round: Int?, token: String, savedAt: Int64) {
            self.jobId = jobId
            self.node = node
            self.round = round
            self.token = token
            self.savedAt = savedAt
        }
    }

    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    public init(environment: [String: String]) {
        self.init(folder: UserPaths(environment: environment).callbackTokens)
    }

    func file(for jobId: String) -> URL {
        let digest = SHA256.hash(data: Data("callback|\(jobId)".utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        return folder.appendingPathComponent("\(digest).json")
    }

    /// The token of the job's current suspension, if kept here.
    public func entry(for jobId: String) -> Entry? {
        guard let data = try? Data(contentsOf: file(for: jobId)), let entry = try? JSONDecoder().decode(Entry.self, from: data),
              entry.jobId == jobId else { return nil }
        return entry
    }

    /// Keeps `entry` (0600, replaced atomically). Throws when it cannot be kept: a run whose
    /// token is lost cannot be resumed from this machine, which the user must hear.
    public func store(_ entry: Entry) throws(TracedeskError) {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            chmod(folder.path, 0o700)
        } catch {
            throw .badInput("cannot keep the callback token of job \(entry.jobId) in \(folder.path): \(error.localizedDescription)")
        }
        guard let data = try? JSONEncoder().encode(entry) else { return }
        let url = file(for: entry.jobId)
        let temporary = url.appendingPathExtension("tmp")
        guard manager.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]),
              rename(temporary.path, url.path) == 0 else {
            try? manager.removeItem(at: temporary)
            throw .badInput("cannot keep the callback token of job \(entry.jobId) in \(folder.path)")
        }
    }

    /// Forgets the job's token: it was used (each suspension is resumed once).
    public func remove(jobId: String) {
        try? FileManager.default.removeItem(at: file(for: jobId))
    }
}
