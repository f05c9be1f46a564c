import Foundation

/// One side of a comparison: `DRAFT`, `PUBLISHED`, or either with a version (`DRAFT:14`).
public struct VersionSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    public var status: InvokeRequest.VersionStatus
    /// The version number; `nil` runs the newest version with that status.
    public var version: Int?

    public init(status: InvokeRequest.VersionStatus, version: Int? = nil) {
        self.status = status
        self.version = version
    }

    /// Reads `DRAFT`, `published`, `DRAFT:14`. Throws `badInput` naming what was given.
    public init(parsing text: String) throws(TracedeskError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let status = InvokeRequest.VersionStatus(rawValue: parts[0].uppercased()) else {
            throw .badInput("'\(text)' is not a version: write DRAFT, PUBLISHED, or either with a number (DRAFT:14)")
        }
        self.status = status
        if parts.count == 2 {
            guard let number = Int(parts[1]), number > 0 else {
                throw .badInput("'\(text)': the version after ':' must be a positive number")
            }
            version = number
        }
    }

    public var description: String {
        version.map { "\(status.rawValue):\($0)" } ?? status.rawValue
    }
}
