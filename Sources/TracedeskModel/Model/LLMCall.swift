import Foundation

/// One call a step made to a model: an item of its `nodeStepInfo.details` of type LLM.
///
/// A live pod writes, per call: `index` (a run-wide counter), `timeTaken` (ms), `type`, `name`,
/// `modelName`, `modelType` (PREMIUM, STANDARD...), Oracle's `inputTokens` and `outputTokens`
/// (the counts that are billed), and `input` and `output`: the exact request sent to the model
/// provider and its response, each as a JSON string. The provider's own `usage` in the response
/// often differs from Oracle's counts (it counts hidden reasoning tokens, for one), so both are kept.
/// The request is read as OpenAI-style (`model`, `messages`, `reasoning_effort`...) or OCI
/// Generative AI (`chatRequest.messages` with content parts); the response as OpenAI-style
/// (`choices[].message`, `usage.completion_tokens_details.reasoning_tokens`) or OCI
/// (`chatResponse.choices`, `usage.completionTokensDetails`).
public struct LLMCall: Sendable, Hashable {
    /// The provider's own token counts, as its response gives them.
    public struct ProviderUsage: Sendable, Hashable {
        public var promptTokens: Int64?
        public var completionTokens: Int64?
        public var totalTokens: Int64?
        /// Completion tokens spent on hidden reasoning.
        public var reasoningTokens: Int64?

        public init(promptTokens: Int64? = nil, completionTokens: Int64? = nil, totalTokens: Int64? = nil, reasoningTokens: Int64? = nil) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.totalTokens = totalTokens
            self.reasoningTokens = reasoningTokens
        }

        public var isEmpty: Bool { promptTokens == nil && completionTokens == nil && totalTokens == nil && reasoningTokens == nil }
    }

    public var index: Int?
    public var name: String?
    public var model: String?
    /// PREMIUM, STANDARD... (upper case), which the AI-unit multipliers are keyed by.
    public var modelType: String?
    public var durationMs: Int64?
    /// Oracle's counts: the ones billed.
    public var tokens: TokenUsage
    public var providerUsage: ProviderUsage?
    /// The messages sent, role by role.
    public var messages: [LLMPrompt.Message]
    /// The request's other settings (`reasoning_effort`, `max_completion_tokens`, `temperature`...).
    public var parameters: [String: JSONValue]
    /// What the model answered: its text, or its tool calls.
    public var responseText: String?
    public var toolCalls: JSONValue?
    /// `stop`, `length`, `tool_calls`...
    public var finishReason: String?
    /// The request and the response as received (JSON text).
    public var requestText: String?
    public var responseBodyText: String?

    public init(index: Int? = nil, name: String? = nil, model: String? = nil, modelType: String? = nil, durationMs: Int64? = nil,
                tokens: TokenUsage = .zero, providerUsage: ProviderUsage? = nil, messages: [LLMPrompt.Message] = [],
                parameters: [String: JSONValue] = [:], responseText: String? = nil, toolCalls: JSONValue? = nil,
                finishReason: String? = nil, requestText: String? = nil, responseBodyText: String? = nil) {
        self.index = index
        self.name = name
        self.model = model
        self.modelType = modelType
        self.durationMs = durationMs
        self.tokens = tokens
        self.providerUsage = providerUsage
        self.messages = messages
        self.parameters = parameters
        self.responseText = responseText
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.requestText = requestText
        self.responseBodyText = responseBodyText
    }

    /// Keys of a request that are not settings: the model and the conversation.
    static let nonParameterKeys: Set<String> = [
        "model", "modelId", "messages", "chatHistory", "chat_history", "prompt", "system", "preamble", "preambleOverride",
        "message", "tools", "servingMode", "compartmentId", "chatRequest", "apiFormat",
    ]

    /// Reads one item of `details`; `nil` when it is no model call (a tool's timing, say).
    public init?(detail item: JSONValue) {
        let item = item.parsingEmbeddedJSON
        guard item.objectValue != nil else { return nil }
        let type = item["type"]?.stringValue?.uppercased()
        let requestValue = item.first(["input", "request", "llmRequest"])?.parsingEmbeddedJSON
        let responseValue = item.first(["output", "response", "llmResponse"])?.parsingEmbeddedJSON
        let model = item.first(["modelName", "model", "modelId"])?.stringValue
        guard type == "LLM" || model != nil || requestValue?["messages"] != nil || responseValue?["choices"] != nil else { return nil }

        index = item["index"]?.intValue
        name = item["name"]?.stringValue
        modelType = item["modelType"]?.stringValue?.uppercased()
        durationMs = Timestamp.duration(item.first(["timeTaken", "durationMs", "duration"]))
        tokens = TokenUsage.read(from: item)
        requestText = item.first(["input", "request", "llmRequest"]).map(\.displayText)
        responseBodyText = item.first(["output", "response", "llmResponse"]).map(\.displayText)

        // The request: the object itself, or OCI's `chatRequest` inside it; messages also on the item.
        let request = requestValue.flatMap { $0.objectValue != nil ? ($0["chatRequest"]?.parsingEmbeddedJSON ?? $0) : nil }
        self.model = model ?? request?.first(["model", "modelId"])?.stringValue ?? requestValue?["servingMode"]?["modelId"]?.stringValue
        messages = (request.flatMap(LLMPrompt.read) ?? LLMPrompt.read(item))?.messages ?? []
        var parameters: [String: JSONValue] = [:]
        for (key, value) in request?.objectValue ?? [:] where !Self.nonParameterKeys.contains(key) && value != .null {
            parameters[key] = value
        }
        self.parameters = parameters

        // The response: OpenAI's `choices`, or OCI's `chatResponse.choices`.
        let response = responseValue.flatMap { $0.objectValue != nil ? ($0["chatResponse"]?.parsingEmbeddedJSON ?? $0) : nil }
        let choice = response?["choices"]?.arrayValue?.first
        let message = choice?["message"]
        responseText = message.flatMap { $0["content"] }.flatMap(LLMPrompt.text(of:)).flatMap { $0.isEmpty ? nil : $0 }
            ?? response?["text"]?.stringValue ?? (responseValue?.stringValue)
        toolCalls = message?.first(["tool_calls", "toolCalls"]).flatMap { $0.arrayValue?.isEmpty == false ? $0 : nil }
        finishReason = choice?.first(["finish_reason", "finishReason"])?.stringValue ?? response?.first(["finishReason", "finish_reason"])?.stringValue
        if let usage = response?["usage"] ?? responseValue?["usage"] {
            let details = usage.first(["completion_tokens_details", "completionTokensDetails"])
            let reading = ProviderUsage(
                promptTokens: TokenUsage.count(usage.first(["prompt_tokens", "promptTokens", "input_tokens"])),
                completionTokens: TokenUsage.count(usage.first(["completion_tokens", "completionTokens", "output_tokens"])),
                totalTokens: TokenUsage.count(usage.first(["total_tokens", "totalTokens"])),
                reasoningTokens: TokenUsage.count(details?.first(["reasoning_tokens", "reasoningTokens"]) ?? usage.first(["reasoning_tokens", "reasoningTokens"])))
            providerUsage = reading.isEmpty ? nil : reading
        } else {
            providerUsage = nil
        }
        if tokens.isZero, let usage = providerUsage {
            // No count of Oracle's: the provider's is the best there is.
            tokens = TokenUsage(input: usage.promptTokens ?? 0, output: usage.completionTokens ?? 0)
        }
    }

    /// The calls a node item's `nodeStepInfo.details` (or `details`) lists, in order.
    public static func calls(inNode item: JSONValue) -> [LLMCall] {
        let stepInfo = item.first(["nodeStepInfo", "stepInfo"])?.parsingEmbeddedJSON
        let details = stepInfo?["details"]?.parsingEmbeddedJSON.arrayValue ?? item["details"]?.arrayValue ?? []
        return details.compactMap(LLMCall.init(detail:))
    }
}
