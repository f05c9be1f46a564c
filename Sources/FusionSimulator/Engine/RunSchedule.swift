import Foundation

/// When each step of a simulated run starts and ends, given its human answers so far.
///
/// The schedule is computed, never stepped: a job's state at any instant follows from its
/// scenario, its start and the answers it received. That makes polling idempotent, a run's
/// bodies deterministic, and tests exact with a manual clock.
struct RunSchedule {
    /// Time between a run's last step and its COMPLETE (or ERROR) status, in ms.
    static let completionMs: Int64 = 30
    /// A human's answer to a HUMAN step.
    struct Answer: Sendable {
        var at: Int64
        var action: String
        var feedback: String?
        var input: PodJSON?

        var rejects: Bool { action == "REJECT_ACTION" }
    }

    /// What a debug run changes of the scenario: steps whose output is pinned (not run), steps
    /// the run stops before, and steps run with another model.
    struct Debugging: Sendable {
        var pins: [String: PodJSON] = [:]
        var breakPoints: Set<String> = []
        /// Steps run with another model than their scenario's (an override's `spec`), by code.
        var models: [String: String] = [:]
        static let none = Debugging()
    }

    /// One scheduled step.
    struct Item {
        var step: StepScenario
        var start: Int64
        /// `nil` while the step waits for a human who has not answered.
        var end: Int64?
        var children: [Item] = []
        var nested: NestedRun?
        var answer: Answer?
        /// The output pinned by a debug override: the step was not run.
        var pinned: PodJSON?
        /// Requests for changes a HUMAN step received before its answer (each a new round).
        var rounds: [Answer] = []
        var failed: Bool { step.fails != nil && pinned == nil }
    }

    /// A run of another team called by a WORKFLOW step.
    final class NestedRun {
        let team: TeamScenario
        let version: VersionScenario
        let jobId: String
        let traceId: String
        let start: Int64
        let schedule: RunSchedule

        init(team: TeamScenario, version: VersionScenario, jobId: String, traceId: String, start: Int64, schedule: RunSchedule) {
            self.team = team
            self.version = version
            self.jobId = jobId
            self.traceId = traceId
            self.start = start
            self.schedule = schedule
        }
    }

    /// Why the schedule stops short of the end.
    enum Stop {
        case waitingForHuman(code: String, since: Int64)
        case failed(code: String, message: String, at: Int64)
        case rejected(at: Int64, output: String?)
        /// Stopped before a breakpoint of a debug run.
        case paused(code: String, at: Int64)
    }

    var items: [Item]
    /// When the last step ends; `nil` while a human has not answered.
    var end: Int64?
    var stop: Stop?

    /// Schedules `steps` one after another from `start`.
    init(steps: [StepScenario], start: Int64, answers: [String: Answer], rounds: [String: [Answer]] = [:],
         debugging: Debugging = .none, library: ScenarioLibrary, identity: @escaping (String) -> (jobId: String, traceId: String)) {
        let context = Context(answers: answers, rounds: rounds, debugging: debugging, library: library, identity: identity)
        let result = Self.sequence(Self.expand(steps), start: start, context)
        items = result.items
        end = result.end
        stop = result.stop
    }

    /// Unrolls `repeat`: a step repeated N times becomes N steps with `_1`...`_N` codes.
    static func expand(_ steps: [StepScenario]) -> [StepScenario] {
        steps.flatMap { step -> [StepScenario] in
            var base = step
            base.children = step.children.map(expand)
            guard let count = step.repeat, count > 1 else { return [base] }
            return (1...count).map { index in
                var copy = base
                copy.code = "\(step.code)_\(index)"
                copy.repeat = nil
                copy.baseCode = step.code
                copy.iteration = index - 1
                copy.children = base.children?.map { child in
                    var renamed = child
                    renamed.code = "\(child.code)_\(index)"
                    renamed.baseCode = child.baseCode ?? child.code
                    renamed.iteration = index - 1
                    return renamed
                }
                return copy
            }
        }
    }

    private static func defaultDuration(_ type: String) -> Int64 {
        switch type {
        case "LLM", "AGENT": 1200
        case "TOOL", "BO_FUNCTION", "EXTERNAL_REST", "RAG_DOCUMENT_TOOL", "VECTOR_DB_READER": 400
        case "START", "END", "RETURN", "SWITCH", "CONDITION", "SET_FIELDS": 3
        default: 40
        }
    }

    /// What scheduling needs besides the steps.
    struct Context {
        var answers: [String: Answer]
        var rounds: [String: [Answer]]
        var debugging: Debugging
        var library: ScenarioLibrary
        var identity: (String) -> (jobId: String, traceId: String)
    }

    private static func sequence(_ steps: [StepScenario], start: Int64, _ context: Context) -> (items: [Item], end: Int64?, stop: Stop?) {
        var items: [Item] = []
        var time = start
        for step in steps {
            if context.debugging.breakPoints.contains(step.code) || step.baseCode.map(context.debugging.breakPoints.contains) == true {
                return (items, time, .paused(code: step.code, at: time))
            }
            let (item, stop) = schedule(step, start: time, context)
            items.append(item)
            if let stop { return (items, item.end, stop) }
            guard let end = item.end else { return (items, nil, nil) }
            time = end
        }
        return (items, time, nil)
    }

    /// How long a step whose output is pinned takes: it is not run, only answered.
    static let pinnedDurationMs: Int64 = 4

    private static func schedule(_ step: StepScenario, start: Int64, _ context: Context) -> (Item, Stop?) {
        var step = step
        if let model = context.debugging.models[step.code] ?? step.baseCode.flatMap({ context.debugging.models[$0] }) {
            // Its type is then the pod's for that model, not the scenario's for its own.
            (step.model, step.modelType) = (model, nil)
        }
        var item = Item(step: step, start: start)
        if let pinned = context.debugging.pins[step.code] ?? step.baseCode.flatMap({ context.debugging.pins[$0] }) {
            item.pinned = pinned
            item.end = start + pinnedDurationMs
            return (item, nil)
        }
        let own = Int64(step.durationMs ?? Int(defaultDuration(step.type)))
        let answers = context.answers

        if let wait = step.wait {
            if wait.kind == "timer" {
                let natural = start + Int64(wait.durationMs ?? 0)
                // ORA_TIMEOUT resumes a WAIT node at once, as if its timer ran out.
                if let answer = answers[step.code], answer.action == "ORA_TIMEOUT", answer.at >= start {
                    item.answer = answer
                    item.end = min(natural, answer.at)
                } else {
                    item.end = natural
                }
                return (item, nil)
            }
            item.rounds = context.rounds[step.code] ?? []
            guard let answer = answers[step.code] else {
                return (item, .waitingForHuman(code: step.code, since: item.rounds.last.map { max(start, $0.at) } ?? start))
            }
            item.answer = answer
            item.end = max(start, answer.at)
            if answer.rejects { return (item, .rejected(at: item.end!, output: wait.rejectedOutput)) }
            return (item, nil)
        }

        var end = start + own
        if let call = step.calls, let team = context.library.teams[call.team],
           let version = context.library.version(of: call.team, number: call.version, status: call.status ?? "PUBLISHED") {
            let ids = context.identity(step.code)
            let nestedStart = start + Int64(version.startDelayMs ?? 20)
            let identity = context.identity
            let schedule = RunSchedule(steps: version.steps, start: nestedStart, answers: [:], library: context.library,
                                       identity: { identity("\(step.code)/\($0)") })
            item.nested = NestedRun(team: team, version: version, jobId: ids.jobId, traceId: ids.traceId,
                                    start: start, schedule: schedule)
            // The called run completes 30 ms after its last step (as every run does); the
            // WORKFLOW step ends once it has its whole body.
            end = max(end, (schedule.end ?? nestedStart) + Self.completionMs + 15)
        }
        if let children = step.children, !children.isEmpty {
            if step.type == "PARALLEL" {
                var latest = start
                var blocked = false
                var stop: Stop?
                for child in children {
                    let (scheduled, childStop) = schedule(child, start: start, context)
                    item.children.append(scheduled)
                    if let childEnd = scheduled.end { latest = max(latest, childEnd) } else { blocked = true }
                    if stop == nil, let childStop { stop = childStop }
                }
                if blocked { return (item, stop) }
                item.end = max(end, latest + own)
                return (item, stop)
            }
            let result = sequence(children, start: start, context)
            item.children = result.items
            guard let childEnd = result.end else { return (item, result.stop) }
            item.end = max(end, childEnd + own)
            if let stop = result.stop { return (item, stop) }
            return (item, nil)
        }
        item.end = end
        if let message = step.fails { return (item, .failed(code: step.code, message: message, at: end)) }
        return (item, nil)
    }
}
