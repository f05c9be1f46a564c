import Foundation

/// Token counts of a node, a run, or a side of a comparison.
///
/// Fusion writes token counts under many names (`inputTokens`, `promptTokens`, `prompt_tokens`,
/// `usage.inputTokenCount`...) and sometimes only per LLM call inside `nodeStepInfo.details`.
/// `TokenUsage.read(from:)` looks under all of them.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var input: Int64
    public var output: Int64

    public init(input: Int64 = 0, output: Int64 = 0) {
        self.input = input
        self.output = output
    }

    public static let zero = TokenUsage()

    public var total: Int64 { input + output }
    public var isZero: Bool { input == 0 && output == 0 }

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(input: lhs.input + rhs.input, output: lhs.output + rhs.output)
    }

    static let inputKeys = [
        "inputTokens", "inputTokenCount", "promptTokens", "promptTokenCount",
        "input_tokens", "prompt_tokens", "inputTokensCount",
    ]
    static let outputKeys = [
        "outputTokens", "outputTokenCount", "completionTokens", "completionTokenCount",
        "output_tokens", "completion_tokens", "outputTokensCount",
    ]
    static let totalKeys = ["totalTokens", "totalTokenCount", "total_tokens"]
    static let containerKeys = ["usage", "tokenUsage", "tokens", "llmUsage"]

    /// Reads the counts an object carries directly or in a usage container; zero when none.
    ///
    /// When only a total is given it is counted as output, so the total stays right.
    public static func read(from object: JSONValue) -> TokenUsage {
        var usage = readDirect(from: object)
        if usage.isZero {
            for key in containerKeys {
                if let container = object[key], container.objectValue != nil {
                    usage = readDirect(from: container)
                    if !usage.isZero { break }
                }
            }
        }
        return usage
    }

    private static func readDirect(from object: JSONValue) -> TokenUsage {
        let input = object.first(inputKeys)?.int64Value ?? 0
        let output = object.first(outputKeys)?.int64Value ?? 0
        if input == 0, output == 0, let total = object.first(totalKeys)?.int64Value {
            return TokenUsage(input: 0, output: total)
        }
        return TokenUsage(input: max(0, input), output: max(0, output))
    }

    /// The model name an object names, under any of the names seen.
    static func model(in object: JSONValue) -> String? {
        if let name = object.first(["model", "modelName", "modelId", "llmModel"])?.stringValue {
            return name
        }
        for key in containerKeys {
            if let container = object[key], let name = container.first(["model", "modelName"])?.stringValue {
                return name
            }
        }
        return nil
    }
}
