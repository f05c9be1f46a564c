import Foundation
import TracedeskCompare
import TracedeskHistory
import TracedeskModel

/// A comparison read back from its report by `import`, recorded in the history again once its
/// runs are: under a number of this history, with its runs linked by side, prompt and repeat,
/// and its verdict and result as the report says. A comparison already recorded (the same team
/// and the same runs) is not recorded twice.
struct ComparisonImport {
    /// What became of one comparison.
    enum Outcome {
        case recorded(id: Int64, runs: Int)
        case alreadyRecorded(id: Int64)
        /// None of its runs is in the history (their reports were not imported).
        case withoutRuns
    }

    let store: HistoryStore

    func record(_ comparison: Comparison, at instant: Int64) throws(TracedeskError) -> Outcome {
        // Each run of the comparison, where it sat: side, prompt, repeat.
        var links: [(jobId: String, side: String, prompt: Comparison.PromptResult, repetition: Int)] = []
        for prompt in comparison.prompts {
            for (side, result) in [("A", prompt.a), ("B", prompt.b)] {
                for run in result.runs {
                    guard let jobId = run.jobId, (try? store.run(jobId)) != nil else { continue }
                    links.append((jobId, side, prompt, run.repetition))
                }
            }
        }
        guard !links.isEmpty else { return .withoutRuns }
        let jobIds = Set(links.map(\.jobId))
        for existing in try store.comparisons() where existing.team == comparison.team {
            if Set(try store.comparisonRuns(existing.id).map(\.jobId)) == jobIds { return .alreadyRecorded(id: existing.id) }
        }
        let baseline = try VersionSpec(parsing: comparison.baseline), candidate = try VersionSpec(parsing: comparison.candidate)
        let id = try store.startComparison(team: comparison.team, baseline: baseline, candidate: candidate, suite: comparison.suite,
                                           promptCount: comparison.prompts.count, repeats: comparison.repeats, at: instant)
        for link in links {
            try store.linkRun(link.jobId, toComparison: id, side: link.side, promptIndex: link.prompt.index,
                              promptLabel: link.prompt.name == link.prompt.message ? nil : link.prompt.name, repetition: link.repetition)
        }
        var renumbered = comparison
        renumbered.id = id
        try store.finishComparison(id, verdict: comparison.verdict.rawValue, resultJSON: renumbered.json)
        return .recorded(id: id, runs: links.count)
    }
}
