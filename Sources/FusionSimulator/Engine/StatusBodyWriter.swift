import Foundation

/// Writes a simulated job's status body as a pod would at a given instant.
///
/// Shapes follow `docs/fusion-api.md`: `input` is the request as a JSON string; `endTime` is 0 and
/// `endDate` the epoch while running; RUNNING and WAITING bodies carry `timeTaken`, the token
/// counts and `waitingNodeDetails`, and COMPLETE and ERROR bodies lack them, as the CoE samples
/// do. `nodes` is filled only for ADMIN callers and grows as the run advances.
struct StatusBodyWriter {
    let library: ScenarioLibrary
    let job: SimulatedJob
    let schedule: RunSchedule
    let now: Int64
    let admin: Bool
    var aiUnits: AIUnitConfiguration = .demo
    /// Each LLM step's place among the run's model calls (the run-wide `index` of its call).
    let callIndex: [String: Int]

    init(library: ScenarioLibrary, job: SimulatedJob, schedule: RunSchedule, now: Int64, admin: Bool, aiUnits: AIUnitConfiguration = .demo) {
        self.library = library
        self.job = job
        self.schedule = schedule
        self.now = now
        self.admin = admin
        self.aiUnits = aiUnits
        var indices: [String: Int] = [:]
        var stack = Array(schedule.items.reversed())
        while let item = stack.popLast() {
            if item.step.tokens != nil { indices[item.step.code] = indices.count }
            stack += item.children.reversed()
        }
        callIndex = indices
    }

    /// The run's status at `now`, and when it ended if it has.
    var state: (status: String, endedAt: Int64?) {
        switch schedule.stop {
        case .failed(_, _, let at) where at <= now: return ("ERROR", at + RunSchedule.completionMs)
        case .rejected(let at, _) where at + RunSchedule.completionMs <= now: return ("COMPLETE", at + RunSchedule.completionMs)
        case .waitingForHuman(_, let since) where since <= now: return ("WAITING", nil)
        case .paused(_, let at) where at <= now: return ("PAUSED", at)
        default: break
        }
        if let end = schedule.end, schedule.stop == nil, end + RunSchedule.completionMs <= now {
            return (job.version.error == nil ? "COMPLETE" : "ERROR", end + RunSchedule.completionMs)
        }
        if activeTimer(in: schedule.items) != nil { return ("WAITING", nil) }
        return ("RUNNING", nil)
    }

    func body() -> PodJSON {
        let (status, endedAt) = state
        let terminal = endedAt != nil
        let waiting = self.waiting
        var members: [(String, PodJSON)] = [
            ("input", .string(inputText)),
            ("output", terminal && status == "COMPLETE" ? .string(outputText) : .null),
            ("error", status == "ERROR" ? errorJSON : .null),
            ("followUpQuestions", .array(terminal && status == "COMPLETE" ? (job.version.followUpQuestions ?? []).map { .string(job.fill($0)) } : [])),
            ("jobId", .string(job.jobId)),
            ("conversationId", job.conversationId.map(PodJSON.string) ?? .null),
            ("traceId", .string(job.traceId)),
            ("status", .string(status)),
            ("supportingChunks", .array(terminal ? documents(job.version.supportingChunks, citation: false) : [])),
            ("citations", .array(terminal ? documents(job.version.citations, citation: true) : [])),
            ("nodes", .array(admin ? nodes(schedule.items) : [])),
            ("waitingToolCode", waiting.map { .string($0.code) } ?? .null),
            ("workflowCode", .string(job.team.team)),
            ("workflowName", job.team.name.map(PodJSON.string) ?? .null),
            ("architecture", job.team.architecture.map(PodJSON.string) ?? .null),
            ("workflowVersion", .int(Int64(job.version.version))),
            ("workflowStatus", .string(job.version.status)),
            ("startDate", .int(job.createdAt)),
            ("endTime", .int(endedAt ?? 0)),
            ("createDate", .string(Self.iso(job.createdAt))),
            ("endDate", .string(endedAt.map(Self.iso) ?? "1970-01-01T00:00:00.000+0000")),
        ]
        if !terminal {
            let tokens = tokenTotals(schedule.items)
            members += [
                ("timeTaken", .int(0)),
                ("inputTokenCount", .int(tokens.input)),
                ("outputTokenCount", .int(tokens.output)),
                ("waitingNodeDetails", waiting?.details ?? .null),
            ]
        }
        return .object(members)
    }

    private var inputText: String {
        PodJSON.object([
            ("workflowCode", .string(job.team.team)),
            ("message", .string(job.message)),
            ("conversational", .bool(job.conversational)),
            ("conversationId", job.conversationId.map(PodJSON.string) ?? .null),
            ("jobId", .string(job.jobId)),
            ("invocationMode", .string(job.invocationMode)),
            ("version", .int(Int64(job.version.version))),
            ("status", .string(job.version.status)),
            ("parameters", .object(job.parameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("refreshCache", .bool(false)),
            ("useInternalConfig", .bool(false)),
            ("workflowId", .string(job.workflowId)),
        ]).text
    }

    private var outputText: String {
        if case .rejected(_, let output) = schedule.stop {
            return job.fill(output ?? "The request was rejected: {{feedback}}")
        }
        return job.fill(job.version.output ?? "")
    }

    private var errorJSON: PodJSON {
        if case .failed(let code, let message, _) = schedule.stop {
            return .object([("errorCode", .string("FAI-50021")), ("title", .string("Workflow execution failed")),
                            ("message", .string("Node \(code) failed: \(job.fill(message))"))])
        }
        let error = job.version.error
        return .object([("errorCode", .string(error?.code ?? "FAI-50000")),
                        ("title", .string(error?.title ?? "Workflow execution failed")),
                        ("message", .string(job.fill(error?.message ?? "The run failed.")))])
    }

    /// The step the run waits on at `now`, with its details as the pod writes them.
    var waiting: (code: String, details: PodJSON)? {
        if case .waitingForHuman(let code, let since) = schedule.stop, since <= now,
           let item = find(code, in: schedule.items), let wait = item.step.wait {
            return (code, humanDetails(item, wait: wait))
        }
        if let timer = activeTimer(in: schedule.items), let end = timer.end {
            return (timer.step.code, timerDetails(timer, until: end))
        }
        return nil
    }

    /// `waitingNodeDetails` of a HUMAN step, with the keys a live pod writes.
    func humanDetails(_ item: RunSchedule.Item, wait: WaitScenario) -> PodJSON {
        let round = item.rounds.count
        let maximum = wait.maxIterations ?? 3
        let actions = wait.actions ?? ["APPROVE_ACTION", "REJECT_ACTION"]
        // RFI_ACTION is offered only while feedback is enabled and a round is left.
        let offered = actions.filter { $0 != "RFI_ACTION" || round + 1 < maximum }
        let labels = ["APPROVE_ACTION": "Approve", "REJECT_ACTION": "Reject", "RFI_ACTION": "Request changes"]
        return .object([
            ("code", .string(item.step.code)),
            ("name", .string(item.step.name ?? item.step.code)),
            ("type", .string(item.step.type)),
            ("channelType", .string(wait.channel ?? "CHAT")),
            ("initialMessage", wait.message.map { .string(job.fill($0)) } ?? .null),
            ("requestChangeMessage", .string(job.fill(wait.requestChangeMessage ?? "Changes were asked for: {{feedback}}"))),
            ("maxIterationMessage", .string(wait.maxIterationMessage ?? "No more changes can be asked for: approve or reject.")),
            ("currentIterationCount", .int(Int64(round))),
            ("maxIteration", .int(Int64(maximum))),
            ("feedbackEnabledFlag", .bool(actions.contains("RFI_ACTION"))),
            ("approvalEnabledFlag", .bool(actions.contains("APPROVE_ACTION"))),
            ("waitTimeInMinutes", .null),
            ("actionNames", .object(offered.map { ($0, .string(labels[$0] ?? $0)) })),
            ("callbackToken", .string(job.callbackToken(step: item.step.code, round: round))),
        ])
    }

    /// `waitingNodeDetails` of a WAIT step whose timer runs.
    func timerDetails(_ item: RunSchedule.Item, until end: Int64) -> PodJSON {
        .object([
            ("code", .string(item.step.code)),
            ("name", .string(item.step.name ?? item.step.code)),
            ("type", .string(item.step.type)),
            ("waitTimeInMinutes", .double(Double(item.step.wait?.durationMs ?? 0) / 60_000)),
            ("currentIterationCount", .int(0)),
            ("actionNames", .object([("ORA_TIMEOUT", .string("Skip the wait"))])),
            ("callbackToken", .string(job.callbackToken(step: item.step.code, round: 0))),
            ("waitUntil", .int(end)),
        ])
    }

    func find(_ code: String, in items: [RunSchedule.Item]) -> RunSchedule.Item? {
        for item in items {
            if item.step.code == code { return item }
            if let found = find(code, in: item.children) { return found }
        }
        return nil
    }

    private func activeTimer(in items: [RunSchedule.Item]) -> RunSchedule.Item? {
        for item in items {
            if item.step.wait?.kind == "timer", item.start <= now, let end = item.end, now < end { return item }
            if let found = activeTimer(in: item.children) { return found }
        }
        return nil
    }

    private func tokenTotals(_ items: [RunSchedule.Item]) -> (input: Int64, output: Int64) {
        var total: (input: Int64, output: Int64) = (0, 0)
        for item in items where (item.end ?? .max) <= now {
            if let tokens = item.step.tokens {
                total.input += Int64(tokens.input)
                total.output += Int64(tokens.output)
            }
            let inner = tokenTotals(item.children + (item.nested?.schedule.items ?? []))
            total.input += inner.input
            total.output += inner.output
        }
        return total
    }

    private func nodes(_ items: [RunSchedule.Item]) -> [PodJSON] {
        items.filter { $0.start <= now }.map(node)
    }

    private func node(_ item: RunSchedule.Item) -> PodJSON {
        let step = item.step
        let done = item.end.map { $0 <= now } ?? false
        let status: String
        if item.end == nil { status = "WAITING" }
        else if !done { status = step.wait?.kind == "timer" ? "WAITING" : "RUNNING" }
        else { status = item.failed ? "FAILED" : "COMPLETED" }
        var members: [(String, PodJSON)] = [
            ("nodeCode", .string(step.code)),
            ("nodeName", .string(step.name ?? step.code)),
            ("nodeType", .string(step.type)),
            ("status", .string(status)),
            ("startTime", .int(item.start)),
            ("endTime", .int(done ? item.end ?? 0 : 0)),
            ("nodeInput", nodeInput(item)),
            ("nodeOutput", done ? nodeOutput(item) : .null),
            ("nodeStepInfo", stepInfo(item, done: done)),
        ]
        if done, item.failed, let message = step.fails { members.append(("error", .string(job.fill(message)))) }
        let children = nodes(item.children)
        if !children.isEmpty { members.append(("children", .array(children))) }
        return .object(members)
    }

    /// A step's input as the pod writes it: objects as JSON strings.
    func nodeInput(_ item: RunSchedule.Item) -> PodJSON {
        if let text = item.step.inputText { return .string(text) }
        return item.step.input.map { .string(job.fill($0).text) } ?? .null
    }

    /// A finished step's output: a called run's whole body, a person's answer, a pinned output, or the scenario's.
    func nodeOutput(_ item: RunSchedule.Item) -> PodJSON {
        if let pinned = item.pinned {
            return pinned.string.map(PodJSON.string) ?? .string(pinned.text)
        }
        if let nested = item.nested {
            return .string(nestedBody(nested, at: item.end ?? now).text)
        }
        if let answer = item.answer {
            return .string(PodJSON.object([("action", .string(answer.action)),
                                           ("feedback", answer.feedback.map(PodJSON.string) ?? .null)]).text)
        }
        guard let value = item.step.output else { return .null }
        switch job.fill(value) {
        case .string(let text): return .string(text)
        case .null: return .null
        case let other: return .string(other.text)
        }
    }

    /// `nodeStepInfo`: the step's time, and for an LLM step its model call as a live pod
    /// reports it: Oracle's counts, the model and its type, and the exact provider request and
    /// response as JSON strings (the provider's usage counting reasoning tokens besides).
    func stepInfo(_ item: RunSchedule.Item, done: Bool) -> PodJSON {
        var details: [PodJSON] = []
        if let tokens = item.step.tokens, done, item.pinned == nil {
            details.append(llmCall(item, tokens: tokens))
        }
        return .object([("totalNodeTime", .int(done ? (item.end ?? now) - item.start : 0)), ("details", .array(details))])
    }

    private func llmCall(_ item: RunSchedule.Item, tokens: TokenScenario) -> PodJSON {
        let step = item.step
        let model = step.model ?? "cohere.command-r-plus-08-2024"
        var messages: [PodJSON] = []
        if let prompt = step.prompt {
            if let system = prompt.system { messages.append(.object([("role", .string("system")), ("content", .string(job.fill(system)))])) }
            if let user = prompt.user { messages.append(.object([("role", .string("user")), ("content", .string(job.fill(user)))])) }
        }
        let reasoning = tokens.reasoning ?? 0
        let request = PodJSON.object([
            ("model", .string(model)),
            ("messages", .array(messages)),
            ("max_completion_tokens", .int(4096)),
            ("reasoning_effort", reasoning > 0 ? .string("medium") : .null),
            ("service_tier", .string("default")),
        ])
        let answer: PodJSON = {
            guard case .string(let text) = nodeOutput(item) else { return .null }
            return .string(text)
        }()
        // The provider counts the prompt its own way, and counts the reasoning it hides as completion.
        let promptTokens = Int64((Double(tokens.input) * 0.9).rounded())
        let completion = Int64(tokens.output + reasoning)
        let response = PodJSON.object([
            ("id", .string("chatcmpl-" + job.callbackToken(step: step.code, round: 99).suffix(12))),
            ("object", .string("chat.completion")),
            ("model", .string(model)),
            ("choices", .array([.object([("index", .int(0)),
                                         ("message", .object([("role", .string("assistant")), ("content", answer)])),
                                         ("finish_reason", .string("stop"))])])),
            ("usage", .object([("prompt_tokens", .int(promptTokens)), ("completion_tokens", .int(completion)),
                               ("total_tokens", .int(promptTokens + completion)),
                               ("completion_tokens_details", .object([("reasoning_tokens", .int(Int64(reasoning)))]))])),
        ])
        var call: [(String, PodJSON)] = [
            ("index", .int(Int64(callIndex[step.code] ?? 0))),
            ("timeTaken", .int((item.end ?? now) - item.start)),
            ("type", .string("LLM")),
            ("name", .string("LLM Call")),
            ("modelName", .string(model)),
        ]
        if let type = step.modelType ?? aiUnits.type(of: model) { call.append(("modelType", .string(type))) }
        call += [
            ("inputTokens", .int(Int64(tokens.input))),
            ("outputTokens", .int(Int64(tokens.output))),
            ("input", .string(request.text)),
            ("output", .string(response.text)),
        ]
        return .object(call)
    }

    /// The whole status body of a run called by a WORKFLOW step, as it stood when that run ended.
    func nestedBody(_ nested: RunSchedule.NestedRun, at instant: Int64) -> PodJSON {
        var child = job
        child.jobId = nested.jobId
        child.traceId = nested.traceId
        child.team = nested.team
        child.version = nested.version
        child.conversationId = nil
        child.createdAt = nested.start
        child.answers = [:]
        return StatusBodyWriter(library: library, job: child, schedule: nested.schedule, now: instant, admin: true, aiUnits: aiUnits).body()
    }

    private func documents(_ items: [DocumentScenario]?, citation: Bool) -> [PodJSON] {
        (items ?? []).flatMap { item -> [PodJSON] in
            let count = max(1, item.repeat ?? 1)
            return (1...count).map { index in
                var members: [(String, PodJSON)] = []
                let suffix = count > 1 ? " (\(index))" : ""
                if let title = item.title { members.append(("title", .string(title + suffix))) }
                if let source = item.source { members.append((citation ? "url" : "source", .string(source))) }
                if let score = item.score { members.append(("score", .double(score))) }
                if let page = item.page { members.append(("page", .int(Int64(page)))) }
                if let text = item.text { members.append((citation ? "quote" : "text", .string(job.fill(text)))) }
                return .object(members)
            }
        }
    }

    static func iso(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'+0000'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
