import Foundation

/// What an LLM step was asked, when its node carries it: the messages in order (system, user,
/// assistant, tool), each with its text.
///
/// No schema is published for this either. The shapes read are those of the model APIs Fusion
/// calls and of common tracing: a `messages` (or `chatHistory`, `promptMessages`) list whose items
/// have a `role` and a `content` that is text or a list of parts (`{"type": "TEXT", "text": ...}`),
/// Cohere's `preamble`/`preambleOverride` with `message`, and plain `systemPrompt`/`prompt`
/// strings. They are looked for on the node item, in `nodeStepInfo` and each of its `details`,
/// under a request container (`llmRequest`, `chatRequest`, `request`), and in the node's input
/// when that is an object (or JSON in a string).
public struct LLMPrompt: Sendable, Hashable {
    /// One message of the prompt.
    public struct Message: Sendable, Hashable {
        /// The role as the pod wrote it, upper-cased (`SYSTEM`, `USER`, `ASSISTANT`, `TOOL`...).
        public var role: String
        public var text: String

        public init(role: String, text: String) {
            self.role = role
            self.text = text
        }
    }

    public var messages: [Message]

    public init(messages: [Message]) {
        self.messages = messages
    }

    /// Keys that hold a list of messages.
    static let listKeys = ["messages", "chatHistory", "promptMessages", "chat_history", "conversation"]
    /// Keys that hold a system prompt as text.
    static let systemKeys = ["systemPrompt", "system", "preambleOverride", "preamble", "system_prompt", "instructions"]
    /// Keys that hold the user's prompt as text. `message` counts only beside a list or a system prompt
    /// (Cohere's request), since alone it is too common a word (a node input's `message`).
    static let userKeys = ["prompt", "userPrompt", "user_prompt", "promptText"]
    static let containerKeys = ["llmRequest", "chatRequest", "llmInput", "request", "chatDetails"]
    /// Every key a prompt is read from: an item that names none of them holds no prompt.
    public static let keys = listKeys + systemKeys + userKeys
    static let roleKeys = ["role", "author", "speaker", "type"]
    static let textKeys = ["content", "text", "message", "parts"]

    /// The prompt a node item carries, or `nil` when it carries none that can be read.
    /// Reading is bounded: containers are looked into one level deep, never recursively.
    public init?(node item: JSONValue) {
        let item = item.parsingEmbeddedJSON
        guard item.objectValue != nil else { return nil }
        // A live pod's call carries the exact provider request: its messages are the prompt.
        if let call = LLMCall.calls(inNode: item).first(where: { !$0.messages.isEmpty }) {
            self.init(messages: call.messages)
            return
        }
        var places: [JSONValue] = [item]
        if let stepInfo = item.first(["nodeStepInfo", "stepInfo"])?.parsingEmbeddedJSON {
            places.append(stepInfo)
            places += (stepInfo["details"]?.arrayValue ?? []).map(\.parsingEmbeddedJSON)
        }
        places += (item["details"]?.arrayValue ?? []).map(\.parsingEmbeddedJSON)
        if let input = item.first(["nodeInput", "input", "inputs"])?.parsingEmbeddedJSON, input.objectValue != nil {
            places.append(input)
        }
        for place in places {
            for key in Self.containerKeys {
                if let container = place[key]?.parsingEmbeddedJSON, container.objectValue != nil { places.append(container) }
            }
        }
        for place in places {
            if let prompt = Self.read(place) {
                self = prompt
                return
            }
        }
        return nil
    }

    /// The prompt one object holds directly.
    static func read(_ object: JSONValue) -> LLMPrompt? {
        guard object.objectValue != nil else { return nil }
        var messages: [Message] = []
        let system = object.first(systemKeys).flatMap(text(of:))
        if let system, !system.isEmpty { messages.append(Message(role: "SYSTEM", text: system)) }
        var listed = false
        if let list = object.first(listKeys)?.parsingEmbeddedJSON.arrayValue {
            for item in list {
                guard let message = message(item) else { continue }
                // A system prompt given both ways is shown once.
                if message.role == "SYSTEM", message.text == system { continue }
                messages.append(message)
                listed = true
            }
        }
        let userKeys = listed || system != nil ? Self.userKeys + ["message"] : Self.userKeys
        if let user = object.first(userKeys).flatMap(text(of:)), !user.isEmpty {
            messages.append(Message(role: "USER", text: user))
        }
        return messages.isEmpty ? nil : LLMPrompt(messages: messages)
    }

    /// A message item: `{"role", "content"}` and its variants; a bare string is a user message.
    static func message(_ item: JSONValue) -> Message? {
        let item = item.parsingEmbeddedJSON
        if case .string(let text) = item { return text.isEmpty ? nil : Message(role: "USER", text: text) }
        guard item.objectValue != nil, let body = item.first(textKeys).flatMap(text(of:)), !body.isEmpty else { return nil }
        let role = item.first(roleKeys)?.stringValue?.uppercased() ?? "MESSAGE"
        return Message(role: role == "CHATBOT" || role == "MODEL" ? "ASSISTANT" : role, text: body)
    }

    /// Text from a string, or from a list of parts (`{"type": "TEXT", "text": ...}`, strings).
    static func text(of value: JSONValue) -> String? {
        switch value {
        case .string(let text):
            return text
        case .array(let parts):
            let texts = parts.compactMap { part -> String? in
                if case .string(let text) = part { return text }
                return part.first(["text", "content"])?.stringValue
            }
            return texts.isEmpty ? nil : texts.joined(separator: "\n")
        case .object:
            return value.first(["text", "content"]).flatMap(text(of:))
        default:
            return nil
        }
    }
}
