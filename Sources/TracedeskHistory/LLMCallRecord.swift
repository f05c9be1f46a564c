import Foundation
import GRDB
import TracedeskModel

/// A row of `llm_call`: one call a step made to a model, drawn from its `nodeStepInfo.details`
/// when the body or event was recorded, so that every view reads the same fields without parsing
/// raw JSON again: the model and its type, the messages sent role by role, the request's
/// settings, the response's text, tool calls and finish reason, Oracle's token counts beside the
/// provider's (with its reasoning tokens), the call's time, and its AI units.
public struct LLMCallRecord: Sendable, Hashable {
    public var id: Int64?
    public var runId: Int64
    /// The step's `position` in `node`.
    public var nodePosition: Int
    /// The call's place among its step's calls, from 0.
    public var position: Int
    /// The pod's run-wide counter of model calls.
    public var callIndex: Int?
    public var name: String?
    public var model: String?
    public var modelType: String?
    public var durationMs: Int64?
    /// Oracle's counts (billed).
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var providerPromptTokens: Int64?
    public var providerCompletionTokens: Int64?
    public var providerTotalTokens: Int64?
    public var reasoningTokens: Int64?
    public var finishReason: String?
    /// `[{"role": ..., "text": ...}]`.
    public var messages: [LLMPrompt.Message]
    /// The request's settings as a JSON object.
    public var parameters: String
    public var responseText: String?
    public var toolCalls: String?
    /// The exact request and response as received.
    public var request: String?
    public var response: String?
    public var aiUnits: Int64?

    public init(runId: Int64, nodePosition: Int, position: Int, call: LLMCall, aiUnits: Int64?) {
        self.runId = runId
        self.nodePosition = nodePosition
        self.position = position
        callIndex = call.index
        name = call.name
        model = call.model
        modelType = call.modelType
        durationMs = call.durationMs
        inputTokens = call.tokens.input
        outputTokens = call.tokens.output
        providerPromptTokens = call.providerUsage?.promptTokens
        providerCompletionTokens = call.providerUsage?.completionTokens
        providerTotalTokens = call.providerUsage?.totalTokens
        reasoningTokens = call.providerUsage?.reasoningTokens
        finishReason = call.finishReason
        messages = call.messages
        parameters = JSONValue.object(call.parameters).compactText
        responseText = call.responseText
        toolCalls = call.toolCalls?.compactText
        request = call.requestText
        response = call.responseBodyText
        self.aiUnits = aiUnits
    }

    /// Oracle's counts as one value.
    public var tokens: TokenUsage { TokenUsage(input: inputTokens, output: outputTokens) }

    /// The settings, parsed.
    public var parameterValues: [String: JSONValue] { JSONValue(parsing: parameters)?.objectValue ?? [:] }
}

extension LLMCallRecord: FetchableRecord {
    static let columns = [
        "id", "runId", "nodePosition", "position", "callIndex", "name", "model", "modelType", "durationMs", "inputTokens", "outputTokens",
        "providerPromptTokens", "providerCompletionTokens", "providerTotalTokens", "reasoningTokens", "finishReason", "messages",
        "parameters", "responseText", "toolCalls", "request", "response", "aiUnits",
    ]
    static let selection = columns.joined(separator: ", ")

    public init(row: Row) throws {
        id = row[0]
        runId = row[1]
        nodePosition = row[2]
        position = row[3]
        callIndex = row[4]
        name = row[5]
        model = row[6]
        modelType = row[7]
        durationMs = row[8]
        inputTokens = row[9]
        outputTokens = row[10]
        providerPromptTokens = row[11]
        providerCompletionTokens = row[12]
        providerTotalTokens = row[13]
        reasoningTokens = row[14]
        finishReason = row[15]
        messages = (JSONValue(parsing: row[16] as String)?.arrayValue ?? []).compactMap { item in
            guard let role = item["role"]?.stringValue, let text = item["text"]?.stringValue else { return nil }
            return LLMPrompt.Message(role: role, text: text)
        }
        parameters = row[17]
        responseText = row[18]
        toolCalls = row[19]
        request = row[20]
        response = row[21]
        aiUnits = row[22]
    }

    /// The values of every column but `id`, in `columns` order.
    var values: [SQLValue] {
        let messageText = JSONValue.array(messages.map { .object(["role": .string($0.role), "text": .string($0.text)]) }).compactText
        return [.integer(runId), .init(nodePosition), .init(position), .init(callIndex), .init(name), .init(model), .init(modelType),
                .init(durationMs), .integer(inputTokens), .integer(outputTokens), .init(providerPromptTokens), .init(providerCompletionTokens),
                .init(providerTotalTokens), .init(reasoningTokens), .init(finishReason), .text(messageText), .text(parameters),
                .init(responseText), .init(toolCalls), .init(request), .init(response), .init(aiUnits)]
    }
}
