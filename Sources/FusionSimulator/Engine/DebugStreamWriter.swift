import Foundation

/// Writes a simulated job as `POST …/debug` streams it: Server-Sent Events, one per step as it
/// starts and ends, then the answer, timed on the job's clock.
///
/// The patterns are those Oracle's AI Agent Studio CLI reads from live pods: instant nodes (START,
/// END, CODE, SET_FIELDS, CONDITION, RETURN) send one `NODE_EXECUTED`; others `NODE_START` then
/// `NODE_END` with `nodeStepInfo`; steps inside a container send `CHILD_NODE_*` with
/// `parentNodeCode`, and a LOOP's iterations carry `loopIndex`; a node's result is wrapped as
/// `{success, output}` and cut short with `.....` beyond `largestNodeText`; the answer arrives as
/// `message.content` deltas, then `message.output` with `finishReason` `stop`. A HUMAN or WAIT
/// node ends the stream with `finishReason: "wait"` and `waitingNodeDetails`; a failed step with
/// `error`; a breakpoint with `paused` and `pausedNode`. The stream carries no instants, and
/// `jobId` only on its first and last events.
struct DebugStreamWriter {
    let body: StatusBodyWriter
    let job: SimulatedJob
    let schedule: RunSchedule

    /// One event: when it is sent (the job's clock) and its payload.
    struct Event {
        var at: Int64
        var payload: PodJSON
    }

    /// Node inputs and outputs longer than this are cut short, as a pod cuts them.
    static let largestNodeText = 6_000
    static let instantTypes: Set<String> = ["START", "END", "CODE", "SET_FIELDS", "CONDITION", "RETURN"]
    static let loopTypes: Set<String> = ["LOOP", "WHILE"]
    /// Characters of the answer per delta.
    static let deltaLength = 48

    /// The events from `from` on (a resumed run's stream starts at its answer), up to the first
    /// suspension, failure, breakpoint or the end; and whether the stream says `[DONE]`.
    func events(from: Int64, resumed: Bool = false) -> [Event] {
        events(from: from, resumed: resumed, alreadySent: []).events
    }

    /// An event's identity among a job's streams: its instant and a 64-bit FNV-1a hash of its
    /// payload (a long run's payloads are not kept twice).
    static func key(_ event: Event) -> EventKey {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in event.payload.text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return EventKey(at: event.at, payloadHash: hash)
    }

    /// What `key` makes of an event.
    struct EventKey: Hashable, Sendable {
        var at: Int64
        var payloadHash: UInt64
    }

    /// The events as `events(from:resumed:)` orders them, less those `alreadySent` by an earlier
    /// stream of the job; and the keys of those sent now.
    func events(from: Int64, resumed: Bool, alreadySent: Set<EventKey>) -> (events: [Event], keys: [EventKey]) {
        var events: [Event] = []
        let cut = firstOpenTimer(schedule.items)
        for item in schedule.items { visit(item, parent: nil, into: &events) }
        var ending: [Event] = []
        if let timer = cut {
            // A WAIT node ends the stream; the run goes on at the pod once its time is up.
            // Up to the timer's start: what ended then (the step before it) is sent; what else starts then is not.
            events = events.filter { event in
                guard event.at == timer.start, let progress = event.payload["nodeProgressMessage"] else { return event.at < timer.start }
                return progress["nodeCode"]?.string == timer.step.code || progress["type"]?.string?.hasSuffix("_START") != true
            }
            ending.append(Event(at: timer.start, payload: .object([
                ("jobId", .string(job.jobId)),
                ("message", .object([("content", .string("")), ("finishReason", .string("wait"))])),
                ("waitingNodeDetails", body.timerDetails(timer, until: timer.end ?? timer.start)),
            ])))
        } else {
            ending = finalEvents()
        }
        // A resumed stream starts where the last one stopped: the start of the step just answered,
        // sent then, is not sent again (a step that starts waiting now is new, and is sent).
        let answered = Set(answeredCodes(schedule.items, at: from))
        var all = (events + ending).filter { event in
            guard resumed, event.at == from, let progress = event.payload["nodeProgressMessage"],
                  progress["type"]?.string?.hasSuffix("_START") == true, let code = progress["nodeCode"]?.string else { return event.at >= from }
            return !answered.contains(code)
        }
        all = all.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        let keys = all.map(Self.key)
        if !alreadySent.isEmpty {
            all = zip(all, keys).filter { !alreadySent.contains($0.1) }.map(\.0)
        }
        let sent = keys.filter { !alreadySent.contains($0) }
        if !all.isEmpty, case .object(let members) = all[0].payload, members.first?.0 != "jobId" {
            all[0].payload = .object([("jobId", .string(job.jobId))] + members)
        }
        return (all, sent)
    }

    /// The events of one step and those inside it.
    private func visit(_ item: RunSchedule.Item, parent: RunSchedule.Item?, into events: inout [Event]) {
        let step = item.step
        let inLoop = parent.map { Self.loopTypes.contains($0.step.type) } ?? false
        let code = inLoop ? (step.baseCode ?? step.code) : step.code
        let prefix = parent == nil ? "NODE_" : "CHILD_NODE_"
        func progress(_ word: String, output: PodJSON?, info: PodJSON?) -> PodJSON {
            var members: [(String, PodJSON)] = [("nodeCode", .string(code)), ("type", .string(prefix + word)), ("nodeType", .string(step.type))]
            if let parent { members.append(("parentNodeCode", .string(parent.step.code))) }
            if inLoop, let iteration = step.iteration { members.append(("loopIndex", .int(Int64(iteration)))) }
            members.append(("nodeInput", Self.cut(body.nodeInput(item))))
            if let output { members.append(("nodeOutput", output)) }
            if let info { members.append(("nodeStepInfo", info)) }
            return .object([("nodeProgressMessage", .object(members))])
        }
        let result = item.end.map { _ in wrapped(item) }
        if Self.instantTypes.contains(step.type), let end = item.end, item.children.isEmpty {
            events.append(Event(at: end, payload: progress("EXECUTED", output: result, info: body.stepInfo(item, done: true))))
            return
        }
        events.append(Event(at: item.start, payload: progress("START", output: nil, info: nil)))
        for child in item.children { visit(child, parent: item, into: &events) }
        guard let end = item.end else { return }
        events.append(Event(at: end, payload: progress("END", output: result, info: body.stepInfo(item, done: true))))
    }

    /// A node's result, wrapped as the debug events wrap it.
    private func wrapped(_ item: RunSchedule.Item) -> PodJSON {
        if item.failed, let message = item.step.fails {
            return .string(PodJSON.object([("success", .bool(false)), ("output", .null), ("error", .string(job.fill(message))),
                                           ("finishReason", .string("error"))]).text)
        }
        let output = body.nodeOutput(item)
        let text: PodJSON = output.string.map(PodJSON.string) ?? (output == .null ? .null : .string(output.text))
        return Self.cut(.string(PodJSON.object([("success", .bool(true)), ("output", text)]).text))
    }

    /// A text cut short at `largestNodeText`, ending in `.....`.
    static func cut(_ value: PodJSON) -> PodJSON {
        guard case .string(let text) = value, text.count > largestNodeText else { return value }
        return .string(String(text.prefix(largestNodeText)) + ".....")
    }

    /// The events that end the stream: a suspension, a failure, a breakpoint, or the answer.
    private func finalEvents() -> [Event] {
        func last(_ at: Int64, _ message: [(String, PodJSON)], extra: [(String, PodJSON)] = []) -> Event {
            Event(at: at, payload: .object([("jobId", .string(job.jobId)), ("message", .object(message))] + extra))
        }
        switch schedule.stop {
        case .waitingForHuman(let code, let since)?:
            guard let item = body.find(code, in: schedule.items), let wait = item.step.wait else { return [] }
            return [last(since, [("content", .string("")), ("finishReason", .string("wait"))],
                         extra: [("waitingNodeDetails", body.humanDetails(item, wait: wait))])]
        case .failed(let code, let message, let at)?:
            return [last(at + RunSchedule.completionMs, [("output", .string("Node \(code) failed: \(job.fill(message))")),
                                                         ("finishReason", .string("error"))])]
        case .paused(let code, let at)?:
            return [last(at, [("content", .string("")), ("finishReason", .string("paused")), ("pausedNode", .string(code))])]
        case .rejected(let at, let output)?:
            return answer(job.fill(output ?? "The request was rejected: {{feedback}}"), at: at + RunSchedule.completionMs)
        case nil:
            guard let end = schedule.end else { return [] }
            if let error = job.version.error {
                return [last(end + RunSchedule.completionMs, [("output", .string("\(error.code ?? "FAI-50000"): \(job.fill(error.message))")),
                                                              ("finishReason", .string("error"))])]
            }
            return answer(job.fill(job.version.output ?? ""), at: end + RunSchedule.completionMs)
        }
    }

    /// The answer as deltas, then whole with `finishReason: "stop"`, then `[DONE]`.
    private func answer(_ text: String, at: Int64) -> [Event] {
        var events: [Event] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let piece = rest.prefix(Self.deltaLength)
            rest = rest.dropFirst(piece.count)
            events.append(Event(at: at, payload: .object([("message", .object([("content", .array([.object([("text", .string(String(piece)))])]))]))])))
        }
        events.append(Event(at: at, payload: .object([("jobId", .string(job.jobId)),
                                                      ("message", .object([("output", .string(text)), ("finishReason", .string("stop"))]))])))
        events.append(Event(at: at, payload: .string("[DONE]")))
        return events
    }

    /// The waiting steps answered at `at` (approved, rejected, asked for changes or skipped): the
    /// ones a resume at that instant goes on with.
    private func answeredCodes(_ items: [RunSchedule.Item], at: Int64) -> [String] {
        items.flatMap { item in
            let answered = item.step.wait != nil && (item.answer?.at == at || item.rounds.contains { $0.at == at })
            return (answered ? [item.step.baseCode ?? item.step.code] : []) + answeredCodes(item.children, at: at)
        }
    }

    /// The first WAIT step whose timer runs without an answer: where a stream stops.
    private func firstOpenTimer(_ items: [RunSchedule.Item]) -> RunSchedule.Item? {
        for item in items {
            if item.step.wait?.kind == "timer", item.answer == nil { return item }
            if let found = firstOpenTimer(item.children) { return found }
        }
        return nil
    }

    /// The events as the bytes of a `text/event-stream`: `data:` lines, a comment now and then,
    /// and an `event:` line on some, which a reader must ignore.
    static func frames(_ events: [Event]) -> [(at: Int64, text: String)] {
        events.enumerated().map { index, event in
            let data = event.payload.string == "[DONE]" ? "[DONE]" : event.payload.text
            var frame = index == 0 ? ": tracedesk simulator debug stream\n" : ""
            if index % 7 == 3 { frame += "event: message\n" }
            frame += "data: \(data)\n\n"
            return (event.at, frame)
        }
    }
}
