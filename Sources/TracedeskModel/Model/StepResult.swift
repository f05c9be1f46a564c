import Foundation

/// A step's output as a debug stream carries it: wrapped, `{"success", "output", "error",
/// "message", "finishReason"}`, where a polled body carries the output itself. Compared,
/// pinned or shown, the two must be the same value.
public enum StepResult {
    static let wrapperKeys: Set<String> = ["success", "output", "error", "message", "finishReason"]

    /// The output inside a wrapper, as text (a string as it is, anything else as JSON; `nil` for
    /// a null output); any text that is no wrapper, as it is.
    public static func unwrapped(_ text: String) -> String? {
        guard text.utf8.first == UInt8(ascii: "{"), text.utf8.count <= 64 << 20, let value = JSONValue(parsing: text),
              let members = value.objectValue, members["success"] != nil, members["output"] != nil,
              members.keys.allSatisfy(wrapperKeys.contains) else { return text }
        switch members["output"] {
        case .null?, nil: return nil
        case .string(let output)?: return output
        case let output?: return output.compactText
        }
    }

    /// Whether `text` is a wrapper that says the step failed (`success: false`).
    public static func saysFailed(_ text: String) -> Bool {
        guard text.utf8.first == UInt8(ascii: "{"), let value = JSONValue(parsing: text), value.objectValue != nil else { return false }
        return value["success"] == .bool(false) && value["output"] != nil
    }
}
