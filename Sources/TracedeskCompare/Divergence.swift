import Foundation
import TracedeskHistory
import TracedeskModel

/// Where two runs first went different ways, and what came of it: the branch a condition took
/// differently just before, the later steps whose inputs changed with it (the chain, not every
/// later step), and what each side spent from there on.
///
/// The first divergence is the first aligned step, in the order the steps ran, that one side ran
/// alone or that both ran with a different input, model, prompt or model settings. Everything
/// before it got the same inputs on both sides, so whatever differs later follows from it.
public struct Divergence: Sendable, Codable, Equatable {
    /// A condition or switch whose outcome differed: each side's branch.
    public struct Branch: Sendable, Codable, Equatable {
        public var path: String
        public var a: String?
        public var b: String?
    }

    /// What one side spent from the divergence on, it included.
    public struct Cost: Sendable, Codable, Equatable {
        /// The durations of the steps from there added up (the outermost ones: a container counts
        /// its children once; branches that ran side by side each count), or, where a step gives
        /// no duration, from the divergence's start to the run's last step's end.
        public var timeMs: Int64?
        /// The steps' own tokens, input and output.
        public var tokens: Int64
        /// The steps' AI units; `nil` when none of them has any.
        public var aiUnits: Int64?
        /// How many steps ran from there.
        public var steps: Int
    }

    /// The step where the runs parted, by its path.
    public var path: String
    public var change: RunDiff.Step.Change
    /// What differed at it: among `input`, `model`, `prompt`, `parameters`; empty for a step one
    /// side ran alone.
    public var differences: [String]
    /// The condition or switch that took another branch at or just before it, when one did.
    public var branch: Branch?
    /// The later steps whose input, model, prompt or settings changed with it, or that one side
    /// ran alone, by path, in the order they ran.
    public var chain: [String]
    public var costA: Cost
    public var costB: Cost

    /// The step types whose output is the branch they took.
    static let branchingTypes: Set<String> = ["CONDITION", "SWITCH", "IF", "ROUTER"]

    /// The differences that make a step where two runs part: what it was given, not what it did.
    static let inputDifferences: Set<String> = ["input", "model", "prompt", "parameters"]

    static func isDivergent(_ step: RunDiff.Step) -> Bool {
        step.change == .added || step.change == .removed
            || (step.change == .changed && !inputDifferences.isDisjoint(with: step.differences))
    }

    /// The divergence of two runs' aligned `steps` (`alignment` holds each one's node indices);
    /// `nil` when every step got the same input on both sides.
    init?(steps: [RunDiff.Step], alignment: [SequenceAlignment.Step], a: RunDetails, b: RunDetails) {
        guard let index = steps.firstIndex(where: Self.isDivergent) else { return nil }
        let first = steps[index]
        path = first.path
        change = first.change
        differences = first.differences.filter(Self.inputDifferences.contains)
        chain = steps[(index + 1)...].filter(Self.isDivergent).map(\.path)
        // The branch: the divergence itself when it branches, else the last branching step before
        // it that answered differently (its outcome chose the path that parted).
        branch = nil
        for position in stride(from: index, through: 0, by: -1) {
            let step = steps[position]
            guard Self.branchingTypes.contains((step.type ?? "").uppercased()), step.change == .changed,
                  step.differences.contains("output"), case .both(let i, let j) = alignment[position] else { continue }
            branch = Branch(path: step.path, a: Self.outcome(of: a.nodes[i]), b: Self.outcome(of: b.nodes[j]))
            break
        }
        // Each side from the first of its nodes at or after the divergence.
        let later = alignment[index...]
        let fromA = later.lazy.compactMap { step -> Int? in if case .both(let i, _) = step { i } else if case .onlyA(let i) = step { i } else { nil } }.first
        let fromB = later.lazy.compactMap { step -> Int? in if case .both(_, let j) = step { j } else if case .onlyB(let j) = step { j } else { nil } }.first
        costA = Self.cost(of: a.nodes, from: fromA)
        costB = Self.cost(of: b.nodes, from: fromB)
    }

    /// A branching step's outcome: its output's `outcome` (or `case`, `branch`), else its output.
    static func outcome(of node: NodeRecord) -> String? {
        guard let text = node.output.flatMap(StepResult.unwrapped) else { return nil }
        if let value = JSONValue(parsing: text) {
            for key in ["outcome", "case", "branch", "result"] {
                if let outcome = value[key], !outcome.isNull { return outcome.displayText }
            }
        }
        return TextFormat.snippet(text, width: 60)
    }

    /// What the nodes from `start` on spent; nothing when that side has none there.
    static func cost(of nodes: [NodeRecord], from start: Int?) -> Cost {
        guard let start, start < nodes.count else { return Cost(timeMs: 0, tokens: 0, aiUnits: nil, steps: 0) }
        let from = nodes[start...]
        let positions = Set(from.map(\.position))
        var tokens: Int64 = 0, units: Int64?
        let parents = Set(nodes.compactMap(\.parentPosition))
        for node in from {
            tokens += node.inputTokens + node.outputTokens
            // A call to another team whose steps were not read counts that run's tokens.
            if node.inputTokens + node.outputTokens == 0, !parents.contains(node.position) {
                tokens += (node.nestedInputTokens ?? 0) + (node.nestedOutputTokens ?? 0)
            }
            if let own = node.aiUnits { units = (units ?? 0) + own }
        }
        // The outermost steps from there, each counted once: durations, which a polled run and a
        // streamed one both carry (a stream has no instants), measured alike on either side.
        let outermost = from.filter { node in node.parentPosition.map { !positions.contains($0) } ?? true }
        var time: Int64? = outermost.contains { $0.durationMs == nil } ? nil : outermost.reduce(0) { $0 + ($1.durationMs ?? 0) }
        if time == nil, let began = nodes[start].startedAt, let ended = nodes.compactMap(\.endedAt).max(), ended >= began {
            time = ended - began
        }
        return Cost(timeMs: time, tokens: tokens, aiUnits: units, steps: from.count)
    }

    /// The divergence in words, as lines for a terminal: where, the branch, the chain, the cost.
    public var lines: [String] {
        var lines = [Self.sentence(path: path, change: change, differences: differences)]
        if let branch {
            lines.append("  \(branch.path == path ? "it" : branch.path) took another branch: \(branch.a ?? "none") → \(branch.b ?? "none")")
        }
        if chain.isEmpty {
            lines.append("  no later step's input changed with it")
        } else {
            let shown = chain.prefix(8).joined(separator: ", ") + (chain.count > 8 ? " and \(chain.count - 8) more" : "")
            lines.append("  then \(chain.count) later step\(chain.count == 1 ? "'s input" : "s' inputs") changed with it: \(shown)")
        }
        lines.append("  from there: A \(Self.describe(costA)); B \(Self.describe(costB))" + Self.delta(costA, costB))
        return lines
    }

    /// `First divergence: PATH (what differed)`, for a step one side ran alone or one given
    /// another input (`differences` among `inputDifferences`).
    static func sentence(path: String, change: RunDiff.Step.Change, differences: [String]) -> String {
        let what = change == .added ? "only B ran it" : change == .removed ? "only A ran it"
            : differences.joined(separator: ", ") + (differences.count == 1 ? " differs" : " differ")
        return "First divergence: \(path) (\(what))"
    }

    static func describe(_ cost: Cost) -> String {
        var parts = ["\(TextFormat.count(Int64(cost.steps))) step\(cost.steps == 1 ? "" : "s")", TextFormat.duration(cost.timeMs),
                     "\(TextFormat.count(cost.tokens)) tokens"]
        if let units = cost.aiUnits { parts.append("\(TextFormat.count(units)) AI units") }
        return parts.joined(separator: ", ")
    }

    static func delta(_ a: Cost, _ b: Cost) -> String {
        var parts: [String] = []
        if let timeA = a.timeMs, let timeB = b.timeMs { parts.append(RunDiff.signedDuration(timeB - timeA)) }
        parts.append("\(RunDiff.signed(b.tokens - a.tokens)) tokens")
        if a.aiUnits != nil || b.aiUnits != nil { parts.append("\(RunDiff.signed((b.aiUnits ?? 0) - (a.aiUnits ?? 0))) AI units") }
        return " (B \(parts.joined(separator: ", ")))"
    }
}
