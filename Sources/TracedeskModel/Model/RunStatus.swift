import Foundation

/// The status of an agent team's job, as the pod reports it.
///
/// `RUNNING` and `WAITING` mean "keep polling"; `COMPLETE` and `ERROR` end the run. A status the
/// documentation does not list is kept verbatim as `.other` rather than rejected, so a newer pod
/// never makes a body unreadable.
public enum RunStatus: Sendable, Hashable, CustomStringConvertible {
    case running
    case waiting
    case complete
    case error
    /// Stopped at a breakpoint of a debug run (`finishReason: "paused"`): over, and not continued.
    case paused
    case other(String)

    /// Reads a status case-insensitively; unknown words become `.other` in upper case.
    public init(_ text: String) {
        let word = text.trimmedOfBlanks.uppercased()
        switch word {
        case "RUNNING": self = .running
        case "WAITING": self = .waiting
        case "COMPLETE", "COMPLETED": self = .complete
        case "ERROR", "FAILED": self = .error
        case "PAUSED": self = .paused
        default: self = .other(word)
        }
    }

    /// The word as the pod writes it.
    public var rawValue: String {
        switch self {
        case .running: "RUNNING"
        case .waiting: "WAITING"
        case .complete: "COMPLETE"
        case .error: "ERROR"
        case .paused: "PAUSED"
        case .other(let word): word
        }
    }

    /// True when the run has ended and polling should stop.
    public var isTerminal: Bool { self == .complete || self == .error || self == .paused }

    public var description: String { rawValue }
}
