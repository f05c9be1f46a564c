import Foundation

/// An error Tracedesk reports to its user: what failed, why, and what to do next, in one line.
///
/// `kind` sorts errors by what the user must do about them; the command-line tool maps each kind
/// to its exit code in one place (2 bad input, 3 timed out, 4 authentication refused, 5 pod or
/// network, 6 history database, 8 output, 130 interrupted; README "Exit codes").
public struct TracedeskError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The families of failure, each with its own exit code.
    public enum Kind: Sendable, Equatable {
        /// A wrong argument, an unreadable or malformed file, a RUN that matches nothing.
        case badInput
        /// The run ended in ERROR.
        case runFailed
        /// The run was still RUNNING or WAITING when Tracedesk stopped waiting.
        case timedOut
        /// The pod or the identity domain refused the credentials.
        case authenticationRefused
        /// The pod or the network failed after retries.
        case podUnavailable
        /// The history database could not be opened, read or written.
        case database
        /// Standard output or error could not be written (a closed pipe, a full disk).
        case output
        /// The user interrupted (Ctrl-C); what arrived is recorded.
        case interrupted
    }

    public let kind: Kind
    public let message: String
    /// False when trying again cannot help (a pod that redirects elsewhere, or answers about
    /// another job): the poll loop then stops at once instead of riding out an outage.
    public let isTransient: Bool

    public init(_ kind: Kind, _ message: String, isTransient: Bool = true) {
        self.kind = kind
        self.message = message
        self.isTransient = isTransient
    }

    public var description: String { message }

    public static func badInput(_ message: String) -> TracedeskError { .init(.badInput, message) }
    public static func database(_ message: String) -> TracedeskError { .init(.database, message) }
}
