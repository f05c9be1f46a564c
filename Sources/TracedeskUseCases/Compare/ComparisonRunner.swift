import Foundation
import TracedeskClient
import TracedeskCompare
import TracedeskHistory
import TracedeskModel

/// Runs every prompt of a suite on a baseline (A) and a candidate (B), `repeats` times each, at
/// most `concurrency` jobs at once; records each run like `invoke` does, links it to the
/// comparison, and works out what changed.
///
/// A job that stops WAITING for a person is reported as such and not answered; a job that cannot
/// be followed to its end (timeout, pod failure) is reported with the reason and the others go on.
/// An authentication failure stops everything: no other job could succeed. When no job of a side
/// could be followed, there is nothing to compare: the comparison fails with the cause's kind
/// (and, when not one job was started, its number is given back). Ctrl-C stops every job and
/// names those left going at the pod.
public struct ComparisonRunner: Sendable {
    /// What to run.
    public struct Plan: Sendable {
        public var team: String
        public var baseline: VersionSpec
        public var candidate: VersionSpec
        public var suite: PromptSuite
        public var suiteName: String?
        public var repeats: Int
        public var concurrency: Int
        public var thresholds: Comparison.Thresholds
        /// How long to follow one job before giving up on it.
        public var jobTimeout: Duration
        public var pollInterval: AdaptiveInterval
        /// Follow each job over the debug stream (one request a job) instead of polling it.
        public var stream = false
        /// How the runs' model calls become AI units (the pod's feature configuration, or config.toml).
        public var aiUnitRates: AIUnitRates?

        public init(team: String, baseline: VersionSpec, candidate: VersionSpec, suite: PromptSuite, suiteName: String?,
                    repeats: Int, concurrency: Int, thresholds: Comparison.Thresholds, jobTimeout: Duration = .seconds(600),
                    pollInterval: AdaptiveInterval = AdaptiveInterval()) {
            self.team = team
            self.baseline = baseline
            self.candidate = candidate
            self.suite = suite
            self.suiteName = suiteName
            self.repeats = repeats
            self.concurrency = concurrency
            self.thresholds = thresholds
            self.jobTimeout = jobTimeout
            self.pollInterval = pollInterval
        }
    }

    /// One job of the plan.
    public struct Job: Sendable {
        public var promptIndex: Int
        public var side: String
        public var repetition: Int
        public var spec: VersionSpec
    }

    /// Progress, for the terminal.
    public enum Event: Sendable {
        case started(Job, jobId: String)
        /// The job's run ended or stopped; `waitingFor` names the step a WAITING one waits at.
        case finished(Job, jobId: String, status: String, timeTakenMs: Int64?, waitingFor: String?)
        case failed(Job, message: String)
    }

    let store: HistoryStore
    let client: AgentClient
    let clock: PollingClock

    public init(store: HistoryStore, client: AgentClient, clock: PollingClock = .system) {
        self.store = store
        self.client = client
        self.clock = clock
    }

    /// Runs the plan and returns what it found; the comparison is in the history under `Comparison.id`.
    public func run(_ plan: Plan, onEvent: @escaping @Sendable (Event) -> Void = { _ in }) async throws(TracedeskError) -> Comparison {
        let comparisonId = try store.startComparison(team: plan.team, baseline: plan.baseline, candidate: plan.candidate,
                                                     suite: plan.suiteName, promptCount: plan.suite.prompts.count, repeats: plan.repeats)
        // A and B alternate, so that a pod that slows down during the comparison weighs on both.
        var jobs: [Job] = []
        for repetition in 1...plan.repeats {
            for index in plan.suite.prompts.indices {
                jobs.append(Job(promptIndex: index, side: "A", repetition: repetition, spec: plan.baseline))
                jobs.append(Job(promptIndex: index, side: "B", repetition: repetition, spec: plan.candidate))
            }
        }
        var outcomes: [Int: (jobId: String?, failure: TracedeskError?)] = [:]
        do {
            try await withThrowingTaskGroup(of: (Int, (jobId: String?, failure: TracedeskError?)).self) { group in
                var next = 0
                func launch() {
                    let index = next
                    let job = jobs[index]
                    next += 1
                    group.addTask { (index, try await self.perform(job, plan: plan, comparisonId: comparisonId, onEvent: onEvent)) }
                }
                for _ in 0..<min(plan.concurrency, jobs.count) { launch() }
                while let (index, outcome) = try await group.next() {
                    outcomes[index] = outcome
                    if next < jobs.count { launch() }
                }
            } as Void
        } catch let error as TracedeskError {
            if error.kind == .interrupted { throw interruption(comparisonId, plan: plan) }
            throw abandon(comparisonId, because: error)
        } catch {
            throw abandon(comparisonId, because: TracedeskError(.podUnavailable, "\(error)"))
        }
        try checkBothSidesRan(jobs: jobs, outcomes: outcomes, plan: plan, comparisonId: comparisonId)

        var prompts: [Comparison.PromptResult] = []
        for (promptIndex, prompt) in plan.suite.prompts.enumerated() {
            var sides: [String: [Comparison.RunOutcome]] = [:]
            var firstComplete: [String: RunDetails] = [:]
            for (jobIndex, job) in jobs.enumerated() where job.promptIndex == promptIndex {
                let outcome = outcomes[jobIndex]
                var result = Comparison.RunOutcome(repetition: job.repetition, jobId: outcome?.jobId, status: "NOT RUN",
                                                   failure: outcome?.failure?.message, checks: [])
                if let jobId = outcome?.jobId, let run = try? store.run(jobId) {
                    result.status = run.status.rawValue
                    result.timeTakenMs = run.timeTakenMs
                    result.tokens = run.tokens?.total
                    result.aiUnits = run.aiUnits
                    result.output = run.output
                    result.version = run.version
                    if result.failure == nil {
                        result.checks = (prompt.expect ?? PromptSuite.Expectations()).check(run)
                    }
                    if firstComplete[job.side] == nil, run.status.isTerminal {
                        firstComplete[job.side] = try store.details(of: run)
                    }
                }
                sides[job.side, default: []].append(result)
            }
            let diff = firstComplete["A"].flatMap { a in firstComplete["B"].map { RunDiff(a: a, b: $0) } }
            prompts.append(Comparison.PromptResult(
                index: promptIndex, prompt: prompt,
                a: Comparison.SideResult(spec: plan.baseline.description, runs: sides["A"] ?? []),
                b: Comparison.SideResult(spec: plan.candidate.description, runs: sides["B"] ?? []),
                diff: diff, thresholds: plan.thresholds))
        }
        let comparison = Comparison(id: comparisonId, team: plan.team, baseline: plan.baseline.description,
                                    candidate: plan.candidate.description, suite: plan.suiteName, repeats: plan.repeats,
                                    thresholds: plan.thresholds, prompts: prompts)
        try store.finishComparison(comparisonId, verdict: comparison.verdict.rawValue, resultJSON: comparison.json)
        return comparison
    }

    /// Fails when every job of a side failed: a verdict needs both sides.
    private func checkBothSidesRan(jobs: [Job], outcomes: [Int: (jobId: String?, failure: TracedeskError?)], plan: Plan,
                                   comparisonId: Int64) throws(TracedeskError) {
        for (side, spec) in [("A", plan.baseline), ("B", plan.candidate)] {
            let failures = jobs.indices.filter { jobs[$0].side == side }.map { outcomes[$0]?.failure }
            guard !failures.isEmpty, failures.allSatisfy({ $0 != nil }), let cause = failures.first ?? nil else { continue }
            let started = outcomes.values.contains { $0.jobId != nil }
            if started {
                try store.finishComparison(comparisonId, verdict: "failed", resultJSON: nil)
            } else {
                // Nothing was recorded under this number: the next comparison takes it.
                try store.discardComparison(comparisonId)
            }
            let count = failures.count == 1 ? "its job" : "any of its \(failures.count) jobs"
            throw TracedeskError(cause.kind, "no comparison: \(side) \(spec) did not finish \(count) (\(cause.message))")
        }
    }

    /// A comparison stopped by `error` (refused credentials, the history): kept as failed when a
    /// run was recorded under it, else discarded, so that no "unfinished" comparison of no runs
    /// stays in the history. Returns `error`, to throw.
    private func abandon(_ comparisonId: Int64, because error: TracedeskError) -> TracedeskError {
        if let links = try? store.comparisonRuns(comparisonId) {
            if links.isEmpty {
                try? store.discardComparison(comparisonId)
            } else {
                try? store.finishComparison(comparisonId, verdict: "failed", resultJSON: nil)
            }
        }
        return error
    }

    /// The error for Ctrl-C: which jobs go on at the pod, and how to follow them.
    private func interruption(_ comparisonId: Int64, plan: Plan) -> TracedeskError {
        let links = (try? store.comparisonRuns(comparisonId)) ?? []
        let going = links.filter { link in (try? store.run(link.jobId)).map { !$0.status.isTerminal } ?? false }
        var message = "interrupted comparison #\(comparisonId); everything received is recorded"
        if going.isEmpty { return TracedeskError(.interrupted, message) }
        message += "; \(going.count) job\(going.count == 1 ? "" : "s") still going at the pod, follow "
            + (going.count == 1 ? "it" : "them") + " with: "
            + going.map { "tracedesk poll \($0.jobId) --team \(plan.team)" }.joined(separator: "; ")
        return TracedeskError(.interrupted, message)
    }

    /// Invokes one job and follows it; returns its jobId (once it has one) and why it did not finish.
    private func perform(_ job: Job, plan: Plan, comparisonId: Int64,
                         onEvent: @Sendable (Event) -> Void) async throws -> (jobId: String?, failure: TracedeskError?) {
        let prompt = plan.suite.prompts[job.promptIndex]
        let request = InvokeRequest(message: prompt.message, version: job.spec.version, status: job.spec.status,
                                    invocationMode: .admin, parameters: prompt.parameters ?? [:])
        // Short, as `runs` shows it beside the message: which comparison, side, prompt (when there
        // are several) and repeat; the prompt itself is the run's message.
        let promptPart = plan.suite.prompts.count > 1 ? " p\(job.promptIndex + 1)" : ""
        let label = "compare #\(comparisonId) \(job.side)\(promptPart) #\(job.repetition)"
        var context = RecordingContext(teamCode: plan.team, pod: client.pod.absoluteString, source: .invoke, label: label, request: request)
        context.aiUnitRates = plan.aiUnitRates
        if plan.stream { return try await stream(job, prompt: prompt, plan: plan, comparisonId: comparisonId, context: context, onEvent: onEvent) }
        let follower = JobFollower(client: client, store: store, context: context,
                                   options: Poller.Options(timeout: plan.jobTimeout, stopOnWaiting: true, interval: plan.pollInterval),
                                   clock: clock)
        var jobId: String?
        do {
            let first = try await follower.start(request)
            jobId = first.body.jobId
            try store.linkRun(first.body.jobId, toComparison: comparisonId, side: job.side, promptIndex: job.promptIndex,
                              promptLabel: prompt.label, repetition: job.repetition)
            onEvent(.started(job, jobId: first.body.jobId))
            _ = try await follower.follow(jobId: first.body.jobId, after: first)
            let run = try store.run(first.body.jobId)
            onEvent(.finished(job, jobId: run.jobId, status: run.status.rawValue, timeTakenMs: run.timeTakenMs,
                              waitingFor: run.status == .waiting ? run.waiting?.node ?? run.waitingToolCode : nil))
            return (jobId, nil)
        } catch {
            return (jobId, try Self.jobFailed(job, error, onEvent: onEvent))
        }
    }

    /// A job's failure, said; one that stops the whole comparison (refused credentials, Ctrl-C,
    /// the history) is thrown instead.
    private static func jobFailed(_ job: Job, _ error: TracedeskError, onEvent: @Sendable (Event) -> Void) throws(TracedeskError) -> TracedeskError {
        if error.kind == .authenticationRefused || error.kind == .interrupted || error.kind == .database { throw error }
        onEvent(.failed(job, message: error.message))
        return error
    }

    /// One job over the debug stream: linked to the comparison once the stream has named it.
    private func stream(_ job: Job, prompt: PromptSuite.Prompt, plan: Plan, comparisonId: Int64, context: RecordingContext,
                        onEvent: @Sendable (Event) -> Void) async throws -> (jobId: String?, failure: TracedeskError?) {
        let request = DebugRequest(message: prompt.message, workflowCode: plan.team, conversationId: UUID().uuidString.lowercased(),
                                   status: job.spec.status, parameters: prompt.parameters ?? [:])
        var follower = StreamFollower(client: client, store: store, context: context, clock: clock, callbackTokens: nil)
        follower.deadline = Deadline(after: plan.jobTimeout, clock: clock)
        do {
            let (jobId, _) = try await follower.follow(request)
            try store.linkRun(jobId, toComparison: comparisonId, side: job.side, promptIndex: job.promptIndex,
                              promptLabel: prompt.label, repetition: job.repetition)
            onEvent(.started(job, jobId: jobId))
            let run = try store.run(jobId)
            onEvent(.finished(job, jobId: run.jobId, status: run.status.rawValue, timeTakenMs: run.timeTakenMs,
                              waitingFor: run.status == .waiting ? run.waiting?.node ?? run.waitingToolCode : nil))
            return (jobId, nil)
        } catch {
            return (nil, try Self.jobFailed(job, error, onEvent: onEvent))
        }
    }
}
