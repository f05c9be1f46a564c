import TracedeskCompare
import TracedeskHistory
import TracedeskModel

extension Comparison {
    /// This comparison with every text drawn from its runs redacted by `redactor`: prompts,
    /// parameters, answers, failures, expectation names, reasons and notes, and each prompt's
    /// diff drawn again from the two runs redacted (so word diffs compare pseudonyms, which the
    /// two sides share). The redactor learns every run first; redact the runs' own reports
    /// with the same redactor so that their pseudonyms agree with the comparison's.
    public func redacted(by redactor: Redactor, store: HistoryStore) throws(TracedeskError) -> Comparison {
        var read: [String: RunDetails] = [:]
        for jobId in prompts.flatMap({ $0.a.runs + $0.b.runs }).compactMap(\.jobId) where read[jobId] == nil {
            let run = try Self.details(of: jobId, in: store)
            redactor.learn(run)
            // What the runs' own reports will show, learned before the comparison is redacted.
            redactor.learn(try store.snapshots(of: run.run))
            read[jobId] = run
        }
        for prompt in prompts {
            redactor.learn(parameters: prompt.parameters ?? [:])
            redactor.learn(json: prompt.message)
        }
        var comparison = self
        comparison.suite = suite.map { redactor.redact($0) }
        comparison.prompts = try prompts.map { prompt throws(TracedeskError) in
            var prompt = prompt
            prompt.name = redactor.redact(prompt.name)
            prompt.message = redactor.redact(prompt.message)
            prompt.parameters = prompt.parameters.map { redactor.redact(parameters: $0) }
            prompt.a = Self.redacted(prompt.a, by: redactor)
            prompt.b = Self.redacted(prompt.b, by: redactor)
            prompt.reasons = prompt.reasons.map { redactor.redact($0) }
            prompt.notes = prompt.notes.map { redactor.redact($0) }
            if let diff = prompt.diff {
                let a = try Self.details(of: diff.a.jobId, in: store, read: read)
                let b = try Self.details(of: diff.b.jobId, in: store, read: read)
                redactor.learn(a)
                redactor.learn(b)
                prompt.diff = RunDiff(a: redactor.redact(a), b: redactor.redact(b), pinned: RunDiff.pinned(a.run, b.run))
            }
            return prompt
        }
        return comparison
    }

    private static func details(of jobId: String, in store: HistoryStore, read: [String: RunDetails] = [:]) throws(TracedeskError) -> RunDetails {
        if let details = read[jobId] { return details }
        return try store.details(of: try store.run(jobId))
    }

    private static func redacted(_ side: SideResult, by redactor: Redactor) -> SideResult {
        var side = side
        side.runs = side.runs.map { outcome in
            var outcome = outcome
            outcome.output = outcome.output.map { redactor.redact($0) }
            outcome.failure = outcome.failure.map { redactor.redact($0) }
            outcome.checks = outcome.checks.map { { var check = $0; check.name = redactor.redact(check.name); return check }($0) }
            return outcome
        }
        side.expectations = side.expectations.map { tally in
            var tally = tally
            tally.name = redactor.redact(tally.name)
            return tally
        }
        return side
    }
}
