import Crypto
import Foundation
import TracedeskModel

/// Tokens kept between runs, one file per client and grant, mode 0600 in a 0700 folder under
/// `$XDG_CACHE_HOME/tracedesk/tokens/` (else `~/.cache/tracedesk/tokens/`), and nowhere else.
public struct TokenCache: Sendable {
    /// A cached token and what is known of it.
    public struct Entry: Codable, Sendable, Equatable {
        public var accessToken: String
        /// Epoch milliseconds.
        public var expiresAt: Int64
        public var refreshToken: String?
        public var scope: String?
    }

    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    /// The cache folder for an environment.
    public static func defaultFolder(environment: [String: String]) -> URL {
        UserPaths(environment: environment).tokenCache
    }

    func file(for key: String) -> URL {
        let digest = SHA256.hash(data: Data(key.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        return folder.appendingPathComponent("\(digest).json")
    }

    func load(_ key: String) -> Entry? {
        guard let data = try? Data(contentsOf: file(for: key)) else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: data)
    }

    /// Writes an entry with mode 0600; a cache that cannot be written only costs a new token next time.
    func store(_ entry: Entry, for key: String) {
        let manager = FileManager.default
        try? manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard let data = try? JSONEncoder().encode(entry) else { return }
        let url = file(for: key)
        let temporary = url.appendingPathExtension("tmp")
        guard manager.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else { return }
        // rename(2) replaces the old file atomically, so a reader never sees half a token.
        if rename(temporary.path, url.path) != 0 { try? manager.removeItem(at: temporary) }
    }
}
