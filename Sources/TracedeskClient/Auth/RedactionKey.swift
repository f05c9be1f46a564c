import Crypto
import Foundation
import TracedeskModel

/// The key a history's pseudonyms are made with (`[redact] at = "record"`): 32 random bytes in
/// `redaction.key` of the data folder (0600, its folder 0700), made on first use.
///
/// The history keeps each pseudonym with the HMAC-SHA256 of its value under this key, never the
/// value, so that a value seen again by any process gets the same pseudonym; without the key, the
/// digests cannot be checked against guesses (a list of names, every SSN). The key stays on this
/// machine: a history copied elsewhere keeps its pseudonyms, and new values there get new ones.
public enum RedactionKey {
    /// The key's file.
    public static func path(environment: [String: String]) -> URL {
        UserPaths(environment: environment).dataFolder.appendingPathComponent("redaction.key")
    }

    /// The digest function of this machine's key, making the key first when there is none.
    public static func digester(environment: [String: String]) throws(TracedeskError) -> @Sendable (String) -> String {
        let bytes = try keyBytes(at: path(environment: environment))
        let hex = Array("0123456789abcdef".utf8)
        return { value in
            let code = HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: SymmetricKey(data: bytes))
            return String(decoding: code.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0F)]] }, as: UTF8.self)
        }
    }

    private static func keyBytes(at url: URL) throws(TracedeskError) -> Data {
        if let data = FileManager.default.contents(atPath: url.path) {
            guard data.count == 32 else { throw .badInput("\(url.path) is not a redaction key (32 bytes); move it away to make a new one") }
            return data
        }
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .badInput("cannot make \(folder.path) for the redaction key: \(error.localizedDescription)")
        }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        // Made once, exclusively: a process that loses the race reads the key the winner wrote.
        let descriptor = open(url.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            guard errno == EEXIST else { throw .badInput("cannot write the redaction key \(url.path): \(String(cString: strerror(errno)))") }
            for _ in 0..<50 {
                if let data = FileManager.default.contents(atPath: url.path), data.count == 32 { return data }
                usleep(10_000)
            }
            throw .badInput("\(url.path) is not a redaction key (32 bytes); move it away to make a new one")
        }
        defer { close(descriptor) }
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw .badInput("cannot write the redaction key \(url.path): \(String(cString: strerror(errno)))")
        }
        return Data(bytes)
    }
}
