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

    /// The run's status at `now`, and when it ended if it has.
    var state: (status: String, endedAt: Int64?) {
        switch schedule.stop {
        case .failed(_, _, let at) where at <= now: return ("ERROR", at + RunSchedule.completionMs)
        case .rejected(let at, _) where at + RunSchedule.completionMs <= now: return ("COMPLETE", at + RunSchedule.completionMs)
        case .waitingForHuman(_, let since) where since <= now: return ("WAITING", nil)
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
    private var waiting: (code: String, details: PodJSON)? {
        if case .waitingForHuman(let code, let since) = schedule.stop, since <= now,
           let item = find(code, in: schedule.items), let wait = item.step.wait {
            var details: [(String, PodJSON)] = [
                ("nodeCode", .string(code)), ("nodeName", .string(item.step.name ?? code)),
                ("nodeType", .string(item.step.type)), ("channel", .string(wait.channel ?? "CHAT")),
            ]
            if let message = wait.message { details.append(("message", .string(job.fill(message)))) }
            details.append(("actions", .array((wait.actions ?? ["APPROVE_ACTION", "REJECT_ACTION"]).map(PodJSON.string))))
            details.append(("waitingSince", .int(since)))
            return (code, .object(details))
        }
        if let timer = activeTimer(in: schedule.items), let end = timer.end {
            return (timer.step.code, .object([
                ("nodeCode", .string(timer.step.code)), ("nodeType", .string(timer.step.type)),
                ("waitUntil", .int(end)),
            ]))
        }
        return nil
    }

    private func find(_ code: String, in items: [RunSchedule.Item]) -> RunSchedule.Item? {
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

        var output: PodJSON = .null
        if done {
            if let nested = item.nested {
                output = .string(nestedBody(nested, at: item.end ?? now).text)
            } else if let answer = item.answer {
                output = .string(PodJSON.object([("action", .string(answer.action)),
                                                 ("feedback", answer.feedback.map(PodJSON.string) ?? .null)]).text)
            } else if let value = step.output {
                switch job.fill(value) {
                case .string(let text): output = .string(text)
                case .null: output = .null
                case let other: output = .string(other.text)
                }
            }
        }
        var details: [PodJSON] = []
        if let tokens = step.tokens, done {
            var call: [(String, PodJSON)] = [
                ("type", .string("LLM")), ("timeTaken", .int((item.end ?? now) - item.start)),
                ("inputTokens", .int(Int64(tokens.input))), ("outputTokens", .int(Int64(tokens.output))),
                ("modelName", .string(step.model ?? "cohere.command-r-plus-08-2024")),
            ]
            // The messages as OCI Generative AI's generic chat API takes them: a role and a list of parts.
            if let prompt = step.prompt {
                let messages = [("SYSTEM", prompt.system), ("USER", prompt.user)].compactMap { role, text in
                    text.map { PodJSON.object([("role", .string(role)),
                                               ("content", .array([.object([("type", .string("TEXT")), ("text", .string(job.fill($0)))])]))]) }
                }
                call.append(("messages", .array(messages)))
            }
            details.append(.object(call))
        }
        var members: [(String, PodJSON)] = [
            ("nodeCode", .string(step.code)),
            ("nodeName", .string(step.name ?? step.code)),
            ("nodeType", .string(step.type)),
            ("status", .string(status)),
            ("startTime", .int(item.start)),
            ("endTime", .int(done ? item.end ?? 0 : 0)),
            ("nodeInput", step.input.map { .string(job.fill($0).text) } ?? .null),
            ("nodeOutput", output),
            ("nodeStepInfo", .object([("totalNodeTime", .int(done ? (item.end ?? now) - item.start : 0)),
                                      ("details", .array(details))])),
        ]
        if done, let message = step.fails { members.append(("error", .string(job.fill(message)))) }
        let children = nodes(item.children)
        if !children.isEmpty { members.append(("children", .array(children))) }
        return .object(members)
    }

    /// The whole status body of a run called by a WORKFLOW step, as it stood when that run ended.
    private func nestedBody(_ nested: RunSchedule.NestedRun, at instant: Int64) -> PodJSON {
        var child = job
        child.jobId = nested.jobId
        child.traceId = nested.traceId
        child.team = nested.team
        child.version = nested.version
        child.conversationId = nil
        child.createdAt = nested.start
        child.answers = [:]
        return StatusBodyWriter(library: library, job: child, schedule: nested.schedule, now: instant, admin: true).body()
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
