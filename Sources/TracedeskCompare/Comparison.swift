import Foundation
import TracedeskModel
import TracedeskHistory

/// What a comparison of a baseline (A) and a candidate (B) found, prompt by prompt: the
/// figures over repeats, the expectations met, the difference of the first runs, and a verdict.
/// `compare --json` prints it (`docs/json.md`).
public struct Comparison: Sendable, Codable {
    /// When a median increase counts as a regression (`--max-token-increase`, `--max-time-increase`).
    public struct Thresholds: Sendable, Codable, Equatable {
        /// A fraction: 0.1 for 10%.
        public var maxTokenIncrease: Double?
        public var maxTimeIncrease: Double?

        public init(maxTokenIncrease: Double? = nil, maxTimeIncrease: Double? = nil) {
            self.maxTokenIncrease = maxTokenIncrease
            self.maxTimeIncrease = maxTimeIncrease
        }
    }

    /// From the mildest to the worst: a comparison's verdict is the worst of its prompts'.
    ///
    /// `notGraded`: the sides did not finish as many repeats as each other (B's invokeAsync
    /// failed twice of three, a run timed out), so the figures would compare unlike with unlike;
    /// no verdict is given, and the command exits 10 (a regression found elsewhere still wins: 7).
    public enum Verdict: String, Sendable, Codable, Comparable, CaseIterable {
        case unchanged, changed, improvement
        case notGraded = "not-graded"
        case regression

        public static func < (lhs: Verdict, rhs: Verdict) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// One run of one side, or the reason it did not run.
    public struct RunOutcome: Sendable, Codable {
        public var repetition: Int
        public var jobId: String?
        public var status: String
        /// Why the job could not be followed to its end (an HTTP failure, a timeout).
        public var failure: String?
        public var timeTakenMs: Int64?
        public var tokens: Int64?
        /// The run's AI units, when every model call's are known.
        public var aiUnits: Int64?
        public var checks: [ExpectationCheck]
        public var output: String?
        /// The team's version the run ran, as its body said (`workflowVersion`); absent when it did not say.
        public var version: Int?

        public init(repetition: Int, jobId: String?, status: String, failure: String? = nil, timeTakenMs: Int64? = nil,
                    tokens: Int64? = nil, checks: [ExpectationCheck], output: String? = nil) {
            self.repetition = repetition
            self.jobId = jobId
            self.status = status
            self.failure = failure
            self.timeTakenMs = timeTakenMs
            self.tokens = tokens
            self.checks = checks
            self.output = output
        }
    }

    /// How often an expectation held on one side.
    public struct ExpectationTally: Sendable, Codable, Equatable {
        public var name: String
        public var met: Int
        public var of: Int
        public var always: Bool { of > 0 && met == of }
    }

    /// One side of one prompt over its repeats.
    public struct SideResult: Sendable, Codable {
        public var spec: String
        public var runs: [RunOutcome]
        public var medianTimeMs: Int64?
        public var minTimeMs: Int64?
        public var maxTimeMs: Int64?
        public var medianTokens: Int64?
        public var minTokens: Int64?
        public var maxTokens: Int64?
        /// The median AI units of the repeats whose units are known.
        public var medianAIUnits: Int64?
        /// How many different answers the repeats gave.
        public var distinctAnswers: Int
        /// The share of pairs of repeats whose answers differ: 0 when every repeat said the same.
        public var answerChangeRate: Double
        public var expectations: [ExpectationTally]
        public var statuses: [String: Int]

        public init(spec: String, runs: [RunOutcome]) {
            self.spec = spec
            self.runs = runs
            let times = runs.compactMap { $0.failure == nil ? $0.timeTakenMs : nil }.sorted()
            let tokens = runs.compactMap { $0.failure == nil ? $0.tokens : nil }.sorted()
            medianTimeMs = Self.median(times)
            minTimeMs = times.first
            maxTimeMs = times.last
            medianTokens = Self.median(tokens)
            minTokens = tokens.first
            maxTokens = tokens.last
            medianAIUnits = Self.median(runs.compactMap { $0.failure == nil ? $0.aiUnits : nil }.sorted())
            let answers = runs.filter { $0.failure == nil }.map { $0.output ?? "" }
            distinctAnswers = Set(answers).count
            var pairs = 0, differing = 0
            for i in answers.indices {
                for j in answers.indices where j > i {
                    pairs += 1
                    if answers[i] != answers[j] { differing += 1 }
                }
            }
            answerChangeRate = pairs == 0 ? 0 : Double(differing) / Double(pairs)
            var tallies: [ExpectationTally] = []
            for run in runs {
                for check in run.checks {
                    if let index = tallies.firstIndex(where: { $0.name == check.name }) {
                        tallies[index].of += 1
                        tallies[index].met += check.met ? 1 : 0
                    } else {
                        tallies.append(ExpectationTally(name: check.name, met: check.met ? 1 : 0, of: 1))
                    }
                }
            }
            expectations = tallies
            statuses = runs.reduce(into: [:]) { $0[$1.status, default: 0] += 1 }
        }

        static func median(_ sorted: [Int64]) -> Int64? {
            guard !sorted.isEmpty else { return nil }
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }

        func count(_ status: RunStatus) -> Int {
            runs.count { $0.failure == nil && RunStatus($0.status) == status }
        }

        /// Runs followed to their end (COMPLETE or ERROR): a run that could not be followed, or
        /// that stopped WAITING, is not one.
        public var finishedRuns: Int {
            runs.count { $0.failure == nil && RunStatus($0.status).isTerminal }
        }
    }

    /// One prompt on both sides.
    public struct PromptResult: Sendable, Codable {
        public var index: Int
        public var name: String
        public var message: String
        public var parameters: [String: String]?
        public var a: SideResult
        public var b: SideResult
        /// The change of the median time and tokens from A to B, as fractions (0.1 is +10%).
        public var timeChange: Double?
        public var tokenChange: Double?
        /// The first completed run of A against the first of B.
        public var diff: RunDiff?
        public var verdict: Verdict
        /// Why the verdict: what regressed, or else what improved; for a verdict of `changed`,
        /// what changed (the answer, the steps, status, chunks, citations).
        public var reasons: [String]
        /// What to keep in mind: noise between repeats, runs that waited or failed to run.
        public var notes: [String]

        public init(index: Int, prompt: PromptSuite.Prompt, a: SideResult, b: SideResult, diff: RunDiff?, thresholds: Thresholds) {
            self.index = index
            name = prompt.name
            message = prompt.message
            parameters = prompt.parameters
            self.a = a
            self.b = b
            self.diff = diff
            timeChange = Self.change(from: a.medianTimeMs, to: b.medianTimeMs)
            tokenChange = Self.change(from: a.medianTokens, to: b.medianTokens)

            var regressions: [String] = []
            var improvements: [String] = []
            for tally in b.expectations {
                guard let before = a.expectations.first(where: { $0.name == tally.name }) else { continue }
                if before.always && !tally.always {
                    regressions.append("B misses “\(tally.name)” in \(tally.of - tally.met) of \(tally.of) runs; A met it in \(TextFormat.every(before.of, "run"))")
                } else if !before.always && tally.always {
                    improvements.append("B meets “\(tally.name)” in \(TextFormat.every(tally.of, "run")); A missed it in \(before.of - before.met) of \(before.of)")
                }
            }
            let completeA = a.count(.complete), errorsB = b.count(.error)
            if completeA > 0, completeA == a.runs.count, errorsB > 0 {
                regressions.append("status COMPLETE → ERROR in \(errorsB) of \(b.runs.count) runs of B")
            }
            if a.count(.error) > 0, b.count(.complete) == b.runs.count, !b.runs.isEmpty {
                improvements.append("status ERROR → COMPLETE: every run of B completed")
            }
            if let limit = thresholds.maxTokenIncrease, let change = tokenChange, change > limit {
                regressions.append(String(format: "median tokens %+.0f%% (limit +%.0f%%)", change * 100, limit * 100))
            }
            if let limit = thresholds.maxTimeIncrease, let change = timeChange, change > limit {
                regressions.append(String(format: "median time %+.0f%% (limit +%.0f%%)", change * 100, limit * 100))
            }
            let answersDiffer = Set(a.runs.compactMap(\.output)) != Set(b.runs.compactMap(\.output))
            let shapeDiffers = diff.map { !$0.isSameShape } ?? false
            let finishedA = a.finishedRuns, finishedB = b.finishedRuns
            if finishedA != finishedB || finishedA == 0 {
                // Unlike with unlike is no verdict: the repeats that did not finish may be the ones that would differ.
                verdict = .notGraded
                reasons = ["not graded: A finished \(finishedA) of \(a.runs.count) runs and B \(finishedB) of \(b.runs.count)"]
            } else {
                verdict = !regressions.isEmpty ? .regression : !improvements.isEmpty ? .improvement
                    : (answersDiffer || shapeDiffers) ? .changed : .unchanged
                reasons = !regressions.isEmpty ? regressions : !improvements.isEmpty ? improvements
                    : verdict == .changed ? Self.changes(a: a, b: b, diff: diff, answersDiffer: answersDiffer) : []
            }

            var notes: [String] = []
            for (label, side) in [("A", a), ("B", b)] {
                if side.answerChangeRate > 0 {
                    notes.append(String(format: "%@'s answers differ between its own repeats (%.0f%% of pairs, %d distinct): "
                                        + "a change of answer may be noise", label, side.answerChangeRate * 100, side.distinctAnswers))
                }
                let waiting = side.count(.waiting)
                if waiting > 0 { notes.append("\(waiting) run\(waiting == 1 ? "" : "s") of \(label) stopped WAITING for a person (not answered by compare)") }
                for run in side.runs { if let failure = run.failure { notes.append("\(label) repeat \(run.repetition) did not finish: \(failure)") } }
            }
            self.notes = notes
        }

        /// What changed, when nothing regressed or improved: the answer (word by word between
        /// the first runs, or over the repeats' distinct answers), then the shape of the first runs.
        static func changes(a: SideResult, b: SideResult, diff: RunDiff?, answersDiffer: Bool) -> [String] {
            var changes: [String] = []
            if let diff, diff.outputChanged {
                let share = Int((WordDiff.changedShare(diff.output) * 100).rounded())
                let which = a.runs.count > 1 || b.runs.count > 1 ? " in repeat 1" : ""
                changes.append("answer changed\(which): \(max(share, 1))% of its words")
            } else if answersDiffer {
                changes.append("answers differ in later repeats (A gave \(a.distinctAnswers) distinct, B \(b.distinctAnswers))")
            }
            guard let diff else { return changes }
            if diff.statusChanged { changes.append("status \(diff.a.status) → \(diff.b.status)") }
            if diff.errorChanged { changes.append("error changed") }
            let moved = [(diff.stepsAdded, "added"), (diff.stepsRemoved, "removed"), (diff.stepsChanged, "changed")].filter { $0.0 > 0 }
            if moved.count == 1 {
                changes.append("\(moved[0].0) step\(moved[0].0 == 1 ? "" : "s") \(moved[0].1)")
            } else if !moved.isEmpty {
                changes.append("steps: " + moved.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
            }
            for (count, what, how) in [(diff.chunksGained.count, "chunk", "gained"), (diff.chunksLost.count, "chunk", "lost"),
                                       (diff.citationsGained.count, "citation", "gained"), (diff.citationsLost.count, "citation", "lost")] where count > 0 {
                changes.append("\(count) \(what)\(count == 1 ? "" : "s") \(how)")
            }
            return changes
        }

        /// `22.3 s → 19.2 s (-14%)`: the median times, for summary tables.
        public var timeCell: String {
            Self.change(TextFormat.duration(a.medianTimeMs), TextFormat.duration(b.medianTimeMs), timeChange)
        }

        /// `2,622 → 3,348 (+28%)`: the median tokens.
        public var tokenCell: String {
            Self.change(a.medianTokens.map(TextFormat.count) ?? "-", b.medianTokens.map(TextFormat.count) ?? "-", tokenChange)
        }

        /// `8 → 9 (+12%)`: the median AI units; `-` on a side whose units are unknown.
        public var aiUnitCell: String {
            Self.change(a.medianAIUnits.map(TextFormat.count) ?? "-", b.medianAIUnits.map(TextFormat.count) ?? "-",
                        Self.change(from: a.medianAIUnits, to: b.medianAIUnits))
        }

        /// Expectations, B against A: `1 improved, 1 regressed` (each by how often it held over
        /// the repeats), or `3/3 held` when none moved (held in every run of B, of all).
        public var expectationCell: String {
            let names = a.expectations.map(\.name) + b.expectations.map(\.name).filter { name in !a.expectations.contains { $0.name == name } }
            guard !names.isEmpty else { return "-" }
            var improved = 0, regressed = 0
            for name in names {
                let rateA = a.expectations.first { $0.name == name }.map { $0.of == 0 ? 0 : Double($0.met) / Double($0.of) } ?? 0
                let rateB = b.expectations.first { $0.name == name }.map { $0.of == 0 ? 0 : Double($0.met) / Double($0.of) } ?? 0
                if rateB > rateA { improved += 1 } else if rateB < rateA { regressed += 1 }
            }
            if improved == 0 && regressed == 0 { return "\(b.expectations.count(where: \.always))/\(names.count) held" }
            return [improved > 0 ? "\(improved) improved" : nil, regressed > 0 ? "\(regressed) regressed" : nil]
                .compactMap { $0 }.joined(separator: ", ")
        }

        /// `+1 −0 ~1`: steps added, removed and changed.
        public var stepCell: String {
            diff.map { "+\($0.stepsAdded) −\($0.stepsRemoved) ~\($0.stepsChanged)" } ?? "-"
        }

        private static func change(_ a: String, _ b: String, _ fraction: Double?) -> String {
            "\(a) → \(b)" + (fraction.map { String(format: " (%+.0f%%)", $0 * 100) } ?? "")
        }

        static func change(from a: Int64?, to b: Int64?) -> Double? {
            guard let a, let b, a > 0 else { return nil }
            return Double(b - a) / Double(a)
        }
    }

    public var id: Int64?
    public var team: String
    public var baseline: String
    public var candidate: String
    public var suite: String?
    public var repeats: Int
    public var thresholds: Thresholds
    public var prompts: [PromptResult]

    public init(id: Int64?, team: String, baseline: String, candidate: String, suite: String?, repeats: Int,
                thresholds: Thresholds, prompts: [PromptResult]) {
        self.id = id
        self.team = team
        self.baseline = baseline
        self.candidate = candidate
        self.suite = suite
        self.repeats = repeats
        self.thresholds = thresholds
        self.prompts = prompts
    }

    /// The versions the runs of side A (`baseline`) or B ran, in order: one, unless a version was
    /// published between its runs.
    public func versions(baseline: Bool) -> [Int] {
        Array(Set(prompts.flatMap { (baseline ? $0.a : $0.b).runs.compactMap(\.version) })).sorted()
    }

    /// `PUBLISHED v13`: a side as asked, with the version its runs ran (`DRAFT v14, v15` when a
    /// version came between its runs); as asked alone when no run said.
    public func label(baseline: Bool) -> String {
        Self.label(spec: baseline ? self.baseline : candidate, versions: versions(baseline: baseline))
    }

    /// `PUBLISHED v13` from the spec `PUBLISHED` or `PUBLISHED:13` and the versions run.
    public static func label(spec: String, versions: [Int]) -> String {
        let status = spec.split(separator: ":").first.map(String.init) ?? spec
        if versions.isEmpty {
            return spec.contains(":") ? "\(status) v\(spec.split(separator: ":").last ?? "")" : spec
        }
        return "\(status) " + versions.map { "v\($0)" }.joined(separator: ", ")
    }

    /// The worst verdict of any prompt.
    public var verdict: Verdict { prompts.map(\.verdict).max() ?? .unchanged }
    public var regressions: Int { prompts.count { $0.verdict == .regression } }
    /// Prompts that could not be graded (see `Verdict.notGraded`).
    public var ungraded: Int { prompts.count { $0.verdict == .notGraded } }

    /// The result as JSON (sorted keys), for `--json` and the history.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(JSONForm(self)), as: UTF8.self)) ?? "{}"
    }

    /// A comparison as the history keeps it (`json`); `nil` when the text is not one.
    public static func stored(_ json: String) -> Comparison? {
        try? JSONDecoder().decode(Comparison.self, from: Data(json.utf8))
    }

    /// The JSON form: the comparison with its overall verdict.
    struct JSONForm: Encodable {
        var comparison: Comparison
        init(_ comparison: Comparison) { self.comparison = comparison }
        enum Keys: String, CodingKey { case id, team, baseline, candidate, suite, repeats, thresholds, prompts, verdict, regressions }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encodeIfPresent(comparison.id, forKey: .id)
            try container.encode(comparison.team, forKey: .team)
            try container.encode(comparison.baseline, forKey: .baseline)
            try container.encode(comparison.candidate, forKey: .candidate)
            try container.encodeIfPresent(comparison.suite, forKey: .suite)
            try container.encode(comparison.repeats, forKey: .repeats)
            try container.encode(comparison.thresholds, forKey: .thresholds)
            try container.encode(comparison.prompts, forKey: .prompts)
            try container.encode(comparison.verdict, forKey: .verdict)
            try container.encode(comparison.regressions, forKey: .regressions)
        }
    }
}
