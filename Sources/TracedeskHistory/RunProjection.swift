import Foundation
import TracedeskModel

/// What a status body means for the history's rows: the run drawn from it (keeping earlier
/// values where the body is silent), its steps, chunks and citations, its full-text entry, and
/// when a status change began. Pure: no SQLite, so it is tested on its own; `HistoryStore.record`
/// writes what it returns.
public enum RunProjection {
    /// The run's fields drawn from `body`, keeping `previous` values where the body is silent.
    public static func run(from body: StatusBody, previous: RunRecord?, context: RecordingContext, at: Int64) -> RunRecord {
        let request = context.request
        let status = body.status ?? previous?.status ?? .other("UNKNOWN")
        let isTerminal = status.isTerminal
        let tokens = body.knownTokens ?? previous?.tokens
        let parameters = body.parameters
        var run = RunRecord(
            id: previous?.id,
            jobId: body.jobId,
            teamCode: context.teamCode ?? previous?.teamCode ?? body.workflowCode,
            // A capture's pod never replaces the one this machine followed the run on: a crafted
            // capture must not redirect where the run, and its token, go next.
            pod: context.source == .import ? (previous?.pod ?? context.pod) : (context.pod ?? previous?.pod),
            workflowCode: body.workflowCode ?? previous?.workflowCode,
            workflowName: body.workflowName ?? previous?.workflowName,
            version: body.workflowVersion ?? previous?.version ?? request?.version,
            versionStatus: body.workflowStatus ?? previous?.versionStatus ?? request?.status.rawValue,
            invocationMode: body.invocationMode ?? previous?.invocationMode ?? request?.invocationMode.rawValue,
            architecture: body.architecture ?? previous?.architecture,
            conversationId: body.conversationId ?? previous?.conversationId ?? request?.conversationId,
            traceId: body.traceId ?? previous?.traceId,
            message: body.message ?? previous?.message ?? request?.message,
            parameters: !parameters.isEmpty ? parameters : (previous?.parameters ?? request?.parameters ?? [:]),
            status: status,
            output: body.outputText ?? previous?.output,
            error: body.errorText ?? (isTerminal || body.status == nil ? previous?.error : nil),
            followUpQuestions: !body.followUpQuestions.isEmpty ? body.followUpQuestions : (previous?.followUpQuestions ?? []),
            // A PAUSED run's is the step its breakpoint stopped it before.
            waitingToolCode: status == .waiting ? body.waiting.toolCode : status == .paused ? body.pausedNode ?? previous?.waitingToolCode : nil,
            waitingSummary: status == .waiting && !body.waiting.isEmpty ? body.waiting.summary : nil,
            startedAt: body.startedAt ?? previous?.startedAt,
            endedAt: body.endedAt ?? (isTerminal ? previous?.endedAt : nil),
            timeTakenMs: body.durationMs ?? (isTerminal ? previous?.timeTakenMs : nil),
            inputTokens: tokens?.input,
            outputTokens: tokens?.output,
            nodeCount: previous?.nodeCount ?? 0,
            chunkCount: previous?.chunkCount ?? 0,
            citationCount: previous?.citationCount ?? 0,
            label: context.label ?? previous?.label,
            source: previous?.source ?? context.source,
            recordedAt: previous?.recordedAt ?? at,
            updatedAt: at
        )
        run.aiUnits = previous?.aiUnits
        run.api = context.api ?? previous?.api
        run.transport = context.transport ?? previous?.transport ?? .poll
        run.waitingDetails = status == .waiting ? body.waiting.shareable?.compactText : nil
        run.replayOf = previous?.replayOf ?? context.replay?.of
        run.replayPlan = previous?.replayPlan ?? context.replay?.plan
        return run
    }

    /// The AI units of a run whose model calls are `calls`: their sum, 0 when there are none,
    /// `nil` when no rates are known or a call's rate is unknown (unknown is never guessed).
    public static func aiUnits(of calls: [LLMCallRecord], rates: AIUnitRates?) -> Int64? {
        guard rates != nil else { return nil }
        var total: Int64 = 0
        for call in calls {
            guard let units = call.aiUnits else { return nil }
            total = TokenUsage.adding(total, units)
        }
        return total
    }

    /// The rows of a node tree and of its steps' model calls, in depth-first order.
    public static func steps(_ nodes: [Node], runId: Int64, rates: AIUnitRates?) -> (nodes: [NodeRecord], calls: [LLMCallRecord]) {
        var rows = self.nodes(nodes, runId: runId)
        var calls: [LLMCallRecord] = []
        // The rows' order is the walk's: the same walk again pairs each row with its node.
        walk(nodes) { node, _, _, position in
            if !node.llmCalls.isEmpty {
                var stepUnits: Int64? = 0
                for (index, call) in node.llmCalls.enumerated() {
                    let units = rates?.units(of: call)
                    calls.append(LLMCallRecord(runId: runId, nodePosition: position, position: index, call: call, aiUnits: units))
                    stepUnits = stepUnits.flatMap { total in units.map { TokenUsage.adding(total, $0) } }
                }
                rows[position].aiUnits = stepUnits
            }
            rows[position].loopIndex = node.loopIndex
        }
        return (rows, calls)
    }

    /// Visits a node tree depth first (a step, its children, then the steps of the run it called),
    /// numbering the steps as it goes. Without recursion, and without copying steps onto a
    /// stack: the stack holds one cursor per level, so a run of a million steps is walked in
    /// the memory of its depth.
    static func walk(_ roots: [Node], _ visit: (_ node: Node, _ parent: Int?, _ depth: Int, _ position: Int) -> Void) {
        var levels: [(siblings: [Node], next: Int, parent: Int?)] = [(roots, 0, nil)]
        var position = 0
        while let top = levels.indices.last {
            let index = levels[top].next
            guard index < levels[top].siblings.count else {
                levels.removeLast()
                continue
            }
            levels[top].next += 1
            let node = levels[top].siblings[index]
            visit(node, levels[top].parent, top, position)
            let below = node.nestedRun.map { node.children + $0.nodes } ?? node.children
            if !below.isEmpty { levels.append((below, 0, position)) }
            position += 1
        }
    }

    /// The rows of a node tree in depth-first order, nested runs' steps under their WORKFLOW node.
    ///
    /// Walked with an explicit stack, not by recursion: however deep a pod nests its steps, the
    /// walk cannot exhaust the stack.
    public static func nodes(_ nodes: [Node], runId: Int64) -> [NodeRecord] {
        var rows: [NodeRecord] = []
        rows.reserveCapacity(nodes.count)
        walk(nodes) { node, parent, depth, position in
            let nested = node.nestedRun
            let nestedTokens = nested?.totalTokens
            rows.append(NodeRecord(
                runId: runId, position: position, parentPosition: parent, depth: depth,
                code: node.code, name: node.name, type: node.type, status: node.status,
                startedAt: node.startedAt, endedAt: node.endedAt, durationMs: node.durationMs,
                inputTokens: node.tokens.input, outputTokens: node.tokens.output, model: node.model,
                input: node.inputText, output: node.outputText,
                error: node.error,
                nestedJobId: nested?.jobId, nestedTraceId: nested?.traceId, nestedStatus: nested?.status?.rawValue,
                nestedInputTokens: nestedTokens?.input, nestedOutputTokens: nestedTokens?.output,
                raw: node.rawText ?? node.raw.compactText))
        }
        return rows
    }

    /// The rows of a body's `supportingChunks` or `citations`.
    public static func references(_ items: [DocumentReference], runId: Int64) -> [DocumentReferenceRecord] {
        items.enumerated().map { position, item in
            DocumentReferenceRecord(runId: runId, position: position, title: item.title, source: item.source, score: item.score,
                                    text: item.text, page: item.page, raw: item.raw.compactText)
        }
    }

    /// The run's full-text entry: its message, output and error, and every step's output.
    public static func searchText(of run: RunRecord, stepOutputs: [String]) -> String {
        ([run.message, run.output, run.error].compactMap { $0 } + stepOutputs).joined(separator: "\n")
    }

    /// When the run entered `status`, as far as the observation tells: the instant a body was
    /// received; for a capture, the body's own end (or, for WAITING, when its wait began), or its
    /// start for the first status recorded, else unknown.
    public static func changeInstant(status: RunStatus, body: StatusBody, observation: Observation, isFirstChange: Bool) -> Int64? {
        switch observation {
        case .received(let instant, _):
            return instant
        case .imported:
            switch status {
            case .complete, .error: return body.endedAt
            case .waiting: return body.waitingSince
            default: return isFirstChange ? body.startedAt : nil
            }
        }
    }
}
