import Testing
import TracedeskModel

/// Reading what an LLM step was asked, in the shapes model APIs and tracers use.
@Suite("An LLM step's prompt")
struct LLMPromptTests {
    static func prompt(_ json: String) -> LLMPrompt? {
        JSONValue(parsing: json).flatMap { LLMPrompt(node: $0) }
    }

    @Test("OCI Generative AI's messages in nodeStepInfo.details: roles kept, text parts joined")
    func generic() throws {
        let prompt = try #require(Self.prompt(#"""
            {"nodeCode": "ANSWER", "nodeType": "LLM", "nodeStepInfo": {"details": [{"type": "LLM", "modelName": "m",
             "messages": [{"role": "SYSTEM", "content": [{"type": "TEXT", "text": "Answer from the policy."}]},
                          {"role": "user", "content": [{"type": "TEXT", "text": "Business class?"}, {"type": "TEXT", "text": "7 hours."}]}]}]}}
            """#))
        #expect(prompt.messages == [.init(role: "SYSTEM", text: "Answer from the policy."), .init(role: "USER", text: "Business class?\n7 hours.")])
    }

    @Test("Cohere's preamble, chat history and message, with CHATBOT read as the assistant")
    func cohere() throws {
        let prompt = try #require(Self.prompt(#"""
            {"nodeCode": "C", "llmRequest": {"preambleOverride": "Be brief.",
             "chatHistory": [{"role": "USER", "message": "Hi"}, {"role": "CHATBOT", "message": "Hello"}], "message": "Close March"}}
            """#))
        #expect(prompt.messages.map(\.role) == ["SYSTEM", "USER", "ASSISTANT", "USER"])
        #expect(prompt.messages.last?.text == "Close March")
    }

    @Test("a prompt in the node's input, itself JSON in a string; a system prompt given twice is shown once")
    func inInput() throws {
        let prompt = try #require(Self.prompt(#"""
            {"nodeCode": "S", "nodeInput": "{\"systemPrompt\": \"Summarise.\", \"messages\": [{\"role\": \"system\", \"content\": \"Summarise.\"}, {\"role\": \"user\", \"content\": \"the ledger\"}]}"}
            """#))
        #expect(prompt.messages == [.init(role: "SYSTEM", text: "Summarise."), .init(role: "USER", text: "the ledger")])
    }

    @Test("nothing that reads as a prompt: no prompt, and a lone `message` (a node input's) is not one")
    func none() {
        #expect(Self.prompt(#"{"nodeCode": "PARSE", "nodeInput": {"message": "Compare M1 and M2"}}"#) == nil)
        #expect(Self.prompt(#"{"nodeCode": "X", "messages": [42, null, {"role": "user"}]}"#) == nil)
        #expect(Self.prompt(#"["not", "an", "item"]"#) == nil)
        #expect(Self.prompt(#"{"prompt": "Plain prompt"}"#)?.messages == [.init(role: "USER", text: "Plain prompt")])
    }
}
