import Foundation
import TracedeskModel

/// Gives the bearer token for the pod's calls.
public protocol TokenProvider: Sendable {
    /// A token to send now. `forceRefresh` asks for a new one after the pod answered 401.
    func token(forceRefresh: Bool) async throws(TracedeskError) -> String
}

/// A token given as it is (`--token-file`, `$TRACEDESK_TOKEN`): it cannot be refreshed, so a
/// 401 is final.
public struct StaticTokenProvider: TokenProvider {
    private let value: String

    public init(_ value: String) {
        self.value = value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func token(forceRefresh: Bool) async throws(TracedeskError) -> String {
        if forceRefresh {
            throw TracedeskError(.authenticationRefused,
                                 "the pod refused the token (401): it is expired or invalid; get a new one, or use an OAuth client (--token-url, --client-id)")
        }
        return value
    }
}
