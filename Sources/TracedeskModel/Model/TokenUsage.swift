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

    /// The most tokens one count may say: more is not a count a pod means, and is read as unknown.
    public static let plausibleMaximum: Int64 = 1_000_000_000_000_000

    /// Input and output together, saturating: sums of hostile counts never trap.
    public var total: Int64 { Self.adding(input, output) }
    public var isZero: Bool { input == 0 && output == 0 }

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(input: adding(lhs.input, rhs.input), output: adding(lhs.output, rhs.output))
    }

    /// `a + b`, held at the bounds of Int64 instead of trapping.
    public static func adding(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    /// A count as a pod wrote it, when it is one: a whole number from 0 to `plausibleMaximum`.
    public static func count(_ value: JSONValue?) -> Int64? {
        guard let number = value?.int64Value, (0...plausibleMaximum).contains(number) else { return nil }
        return number
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
        let input = count(object.first(inputKeys)) ?? 0
        let output = count(object.first(outputKeys)) ?? 0
        if input == 0, output == 0, let total = count(object.first(totalKeys)) {
            return TokenUsage(input: 0, output: total)
        }
        return TokenUsage(input: input, output: output)
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
