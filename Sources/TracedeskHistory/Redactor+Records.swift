import TracedeskModel

/// A run's records redacted: every text a report, a page or an export can show, and the bodies
/// and events it embeds. Numbers, instants, codes, types and statuses are kept.
extension Redactor {
    /// Learns what the run's records hold under matched keys: call it for every run an output
    /// shows before redacting any of them.
    public func learn(_ details: RunDetails) {
        learn(details.run)
        for node in details.nodes {
            learn(json: node.raw)
            for text in [node.input, node.output] { if let text { learn(json: text) } }
        }
        for reference in details.chunks + details.citations { learn(json: reference.raw) }
        for call in details.llmCalls {
            for text in [call.request, call.response, call.toolCalls, call.parameters] { if let text { learn(json: text) } }
        }
    }

    /// Learns a run record's parameters and waiting details.
    public func learn(_ run: RunRecord) {
        learn(parameters: run.parameters)
        for text in [run.waitingDetails, run.replayPlan, run.message, run.output] { if let text { learn(json: text) } }
    }

    /// Learns status bodies.
    public func learn(_ snapshots: [SnapshotRecord]) {
        for snapshot in snapshots { learn(json: snapshot.body) }
    }

    /// Learns the events of a streamed run.
    public func learn(_ events: [ReceivedEvent]) {
        for event in events { learn(json: event.data) }
    }

    /// `details` with every text redacted.
    public func redact(_ details: RunDetails) -> RunDetails {
        var details = details
        details.run = redact(details.run)
        details.nodes = details.nodes.map { redact($0) }
        details.chunks = details.chunks.map { redact($0) }
        details.citations = details.citations.map { redact($0) }
        details.llmCalls = details.llmCalls.map { redact($0) }
        return details
    }

    /// `run` with its prompt, parameters, answer, error, follow-up questions, waiting texts,
    /// label and replay plan redacted.
    public func redact(_ run: RunRecord) -> RunRecord {
        var run = run
        run.message = run.message.map { redact($0) }
        run.parameters = redact(parameters: run.parameters)
        run.output = run.output.map { redact($0) }
        run.error = run.error.map { redact($0) }
        run.followUpQuestions = run.followUpQuestions.map { redact($0) }
        run.waitingSummary = run.waitingSummary.map { redact($0) }
        run.waitingDetails = run.waitingDetails.map { redact(document: $0) }
        run.label = run.label.map { redact($0) }
        run.replayPlan = run.replayPlan.map { redact(document: $0) }
        return run
    }

    /// `node` with its input, output, error and raw JSON redacted.
    public func redact(_ node: NodeRecord) -> NodeRecord {
        var node = node
        node.input = node.input.map { redact($0) }
        node.output = node.output.map { redact($0) }
        node.error = node.error.map { redact($0) }
        node.raw = redact(document: node.raw)
        return node
    }

    /// `reference` (a chunk or a citation) with its title, source, text, page and raw JSON redacted.
    public func redact(_ reference: DocumentReferenceRecord) -> DocumentReferenceRecord {
        var reference = reference
        reference.title = reference.title.map { redact($0) }
        reference.source = reference.source.map { redact($0) }
        reference.text = reference.text.map { redact($0) }
        reference.page = reference.page.map { redact($0) }
        reference.raw = redact(document: reference.raw)
        return reference
    }

    /// `call` with its messages, parameters, response, tool calls and exchanged bodies redacted.
    public func redact(_ call: LLMCallRecord) -> LLMCallRecord {
        var call = call
        call.messages = call.messages.map { LLMPrompt.Message(role: $0.role, text: redact($0.text)) }
        call.parameters = redact(call.parameters)
        call.responseText = call.responseText.map { redact($0) }
        call.toolCalls = call.toolCalls.map { redact($0) }
        // The exchanged bodies are documents: one that does not read as JSON is withheld whole.
        call.request = call.request.map { redact(document: $0) }
        call.response = call.response.map { redact(document: $0) }
        return call
    }

    /// `snapshot` with its body redacted.
    public func redact(_ snapshot: SnapshotRecord) -> SnapshotRecord {
        var snapshot = snapshot
        snapshot.body = redact(document: snapshot.body)
        return snapshot
    }

    /// `event` with its data redacted.
    public func redact(_ event: ReceivedEvent) -> ReceivedEvent {
        ReceivedEvent(data: redact(document: event.data), receivedAt: event.receivedAt)
    }
}
