import Foundation
import TracedeskModel
import TracedeskHistory

/// What differs between two recorded runs: status, error, time, tokens, the aligned steps, the
/// answer word by word, and the chunks and citations gained and lost. `tracedesk diff` prints it,
/// and each prompt of a comparison holds one.
public struct RunDiff: Sendable, Codable {
    /// One side's headline figures.
    public struct Side: Sendable, Codable, Equatable {
        public var jobId: String
        public var team: String?
        public var version: Int?
        public var versionStatus: String?
        public var status: String
        public var error: String?
        public var output: String?
        public var timeTakenMs: Int64?
        /// `nil` when the run's bodies give no token counts (unknown, not zero).
        public var inputTokens: Int64?
        public var outputTokens: Int64?
        public var nodeCount: Int

        init(_ run: RunRecord) {
            jobId = run.jobId
            team = run.teamCode
            version = run.version
            versionStatus = run.versionStatus
            status = run.status.rawValue
            error = run.error
            output = run.output
            timeTakenMs = run.timeTakenMs
            inputTokens = run.inputTokens
            outputTokens = run.outputTokens
            nodeCount = run.nodeCount
        }

        /// Input and output tokens together; `nil` when unknown.
        public var tokens: Int64? {
            guard inputTokens != nil || outputTokens != nil else { return nil }
            return (inputTokens ?? 0) + (outputTokens ?? 0)
        }
    }

    /// One position of the aligned step paths.
    public struct Step: Sendable, Codable, Equatable {
        public enum Change: String, Sendable, Codable { case same, changed, added, removed }
        public var change: Change
        /// The step's path: its ancestors' codes and its own, joined by `/`.
        public var path: String
        public var type: String?
        public var depth: Int
        public var statusA: String?
        public var statusB: String?
        public var durationMsA: Int64?
        public var durationMsB: Int64?
        public var tokensA: Int64?
        public var tokensB: Int64?
        /// What changed on a step both sides ran: `status`, `input`, `model`, `prompt`,
        /// `parameters`, `output`, `error`, and `tokens` or `time` when they moved beyond
        /// `RunDiff.tokenMove` / `RunDiff.timeMove`.
        public var differences: [String]
        /// The step's output, A to B, word by word, when it changed and both are short enough
        /// to diff (`maximumDiffedCharacters` each); `nil` otherwise.
        public var outputDiff: [WordDiff.Segment]? = nil
        /// The model each side's step called, when they differ.
        public var modelA: String? = nil
        public var modelB: String? = nil
        /// The prompt each side sent (its messages, role by role), A to B, word by word, when it
        /// changed and both are short enough to diff.
        public var promptDiff: [WordDiff.Segment]? = nil

        public var durationDeltaMs: Int64? {
            guard let a = durationMsA, let b = durationMsB else { return nil }
            return b - a
        }

        public var tokenDelta: Int64? {
            guard let a = tokensA, let b = tokensB else { return nil }
            return b - a
        }
    }

    /// A chunk or citation, named by its document and the start of its text.
    public struct Reference: Sendable, Codable, Hashable {
        public var document: String
        public var text: String
    }

    public var a: Side
    public var b: Side
    public var steps: [Step]
    public var output: [WordDiff.Segment]
    public var chunksGained: [Reference]
    public var chunksLost: [Reference]
    public var citationsGained: [Reference]
    public var citationsLost: [Reference]

    public var statusChanged: Bool { RunStatus(a.status) != RunStatus(b.status) }
    public var errorChanged: Bool { a.error != b.error }
    public var outputChanged: Bool { (a.output ?? "") != (b.output ?? "") }
    public var timeDeltaMs: Int64? {
        guard let timeA = a.timeTakenMs, let timeB = b.timeTakenMs else { return nil }
        return timeB - timeA
    }
    /// `nil` when either side's tokens are unknown.
    public var tokenDelta: Int64? {
        guard let a = a.tokens, let b = b.tokens else { return nil }
        return b - a
    }
    public var stepsAdded: Int { steps.count { $0.change == .added } }
    public var stepsRemoved: Int { steps.count { $0.change == .removed } }
    public var stepsChanged: Int { steps.count { $0.change == .changed } }

    /// True when nothing but time and tokens differ.
    public var isSameShape: Bool {
        !statusChanged && !errorChanged && !outputChanged && stepsAdded + stepsRemoved + stepsChanged == 0
            && chunksGained.isEmpty && chunksLost.isEmpty && citationsGained.isEmpty && citationsLost.isEmpty
    }

    /// A step's output is diffed word by word up to this many bytes a side (the alignment is
    /// quadratic in words: 20 KB is about 3,000 words, a few milliseconds).
    public static let maximumDiffedCharacters = 20_000

    /// `a` against `b`. Steps coded in `pinned` (a replay's, answered with their recorded
    /// outputs instead of running) are not compared by time, which says nothing about them; nor
    /// is a step whose every sub-step is pinned (a parallel of pinned reads), timed by its pins.
    public init(a: RunDetails, b: RunDetails, pinned: Set<String> = []) {
        self.a = Side(a.run)
        self.b = Side(b.run)
        let pathsA = Self.paths(a.nodes), pathsB = Self.paths(b.nodes)
        let untimedA = Self.timedByPins(a.nodes, pinned: pinned)
        let keysA = zip(a.nodes, pathsA).map { "\($1)|\($0.type ?? "")" }
        let keysB = zip(b.nodes, pathsB).map { "\($1)|\($0.type ?? "")" }
        let alignment = SequenceAlignment.align(keysA, keysB)
        steps = alignment.map { step in
            switch step {
            case .both(let i, let j):
                let nodeA = a.nodes[i], nodeB = b.nodes[j]
                var differences: [String] = []
                if RunStatus(nodeA.status ?? "") != RunStatus(nodeB.status ?? "") { differences.append("status") }
                if nodeA.input != nodeB.input { differences.append("input") }
                // Parsed only when the texts differ: most steps' outputs are equal byte for byte.
                let outputA = nodeA.output == nodeB.output ? nodeA.output : Self.comparableOutput(nodeA.output)
                let outputB = nodeA.output == nodeB.output ? nodeB.output : Self.comparableOutput(nodeB.output)
                if outputA != outputB { differences.append("output") }
                if nodeA.error != nodeB.error { differences.append("error") }
                // The model and what was sent to it: the most common edit of a DRAFT.
                let callsA = a.calls(ofStepAt: nodeA.position), callsB = b.calls(ofStepAt: nodeB.position)
                let modelA = nodeA.model ?? callsA.first?.model, modelB = nodeB.model ?? callsB.first?.model
                if modelA != modelB { differences.insert("model", at: differences.firstIndex(of: "output") ?? differences.count) }
                let promptA = Self.promptText(nodeA, calls: callsA), promptB = Self.promptText(nodeB, calls: callsB)
                // Spacing alone (a trailing newline, a doubled blank) is no rewrite of a prompt.
                let promptChanged = promptA.map(Self.words) != promptB.map(Self.words)
                if promptChanged { differences.insert("prompt", at: differences.firstIndex(of: "output") ?? differences.count) }
                if Self.parameters(callsA) != Self.parameters(callsB) {
                    differences.insert("parameters", at: differences.firstIndex(of: "output") ?? differences.count)
                }
                let tokensA = nodeA.displayTokens.total, tokensB = nodeB.displayTokens.total
                if Self.moved(tokensA, tokensB, by: Self.tokenMove) { differences.append("tokens") }
                if let durationA = nodeA.durationMs, let durationB = nodeB.durationMs, !untimedA.contains(nodeA.position),
                   Self.moved(durationA, durationB, by: Self.timeMove) {
                    differences.append("time")
                }
                var step = Step(change: differences.isEmpty ? .same : .changed, path: pathsA[i], type: nodeA.type, depth: nodeA.depth,
                                statusA: nodeA.status, statusB: nodeB.status, durationMsA: nodeA.durationMs, durationMsB: nodeB.durationMs,
                                tokensA: tokensA, tokensB: tokensB, differences: differences)
                if differences.contains("output"), let outputA, let outputB,
                   outputA.utf8.count <= Self.maximumDiffedCharacters, outputB.utf8.count <= Self.maximumDiffedCharacters {
                    step.outputDiff = WordDiff.diff(outputA, outputB)
                }
                if modelA != modelB { (step.modelA, step.modelB) = (modelA, modelB) }
                if promptChanged, (promptA ?? "").utf8.count <= Self.maximumDiffedCharacters, (promptB ?? "").utf8.count <= Self.maximumDiffedCharacters {
                    step.promptDiff = WordDiff.diff(promptA ?? "", promptB ?? "")
                }
                return step
            case .onlyA(let i):
                let node = a.nodes[i]
                return Step(change: .removed, path: pathsA[i], type: node.type, depth: node.depth, statusA: node.status,
                            durationMsA: node.durationMs, tokensA: node.displayTokens.total, differences: [])
            case .onlyB(let j):
                let node = b.nodes[j]
                return Step(change: .added, path: pathsB[j], type: node.type, depth: node.depth, statusB: node.status,
                            durationMsB: node.durationMs, tokensB: node.displayTokens.total, differences: [])
            }
        }
        firstDivergence = steps.first(where: Divergence.isDivergent)
        divergence = Divergence(steps: steps, alignment: alignment, a: a, b: b)
        output = WordDiff.diff(a.run.output ?? "", b.run.output ?? "")
        let chunksA = Set(a.chunks.map(Self.reference)), chunksB = Set(b.chunks.map(Self.reference))
        chunksGained = b.chunks.map(Self.reference).filter { !chunksA.contains($0) }
        chunksLost = a.chunks.map(Self.reference).filter { !chunksB.contains($0) }
        let citationsA = Set(a.citations.map(Self.reference)), citationsB = Set(b.citations.map(Self.reference))
        citationsGained = b.citations.map(Self.reference).filter { !citationsA.contains($0) }
        citationsLost = a.citations.map(Self.reference).filter { !citationsB.contains($0) }
    }

    /// The steps a replay pinned, when one run is a replay of the other: they were answered with
    /// the recorded outputs, not run, so their times say nothing. Empty otherwise.
    public static func pinned(_ a: RunRecord, _ b: RunRecord) -> Set<String> {
        let replay = b.replayOf == a.jobId ? b : a.replayOf == b.jobId ? a : nil
        guard let plan = replay?.replayPlan.flatMap({ JSONValue(parsing: $0) }) else { return [] }
        return Set((plan["pinned"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    /// How far a step's tokens must move to count as a change: a quarter, and at least 100 tokens.
    public static let tokenMove = (fraction: 0.25, atLeast: Int64(100))
    /// How far a step's time must move to count as a change: a half, and at least a second.
    public static let timeMove = (fraction: 0.5, atLeast: Int64(1_000))

    /// Whether `a` and `b` are apart by the threshold, measured against the smaller of the two,
    /// so that A against B and B against A agree.
    static func moved(_ a: Int64, _ b: Int64, by threshold: (fraction: Double, atLeast: Int64)) -> Bool {
        let delta = abs(b - a)
        return delta >= threshold.atLeast && Double(delta) >= threshold.fraction * Double(max(1, min(a, b)))
    }

    /// The prompt a step sent, role by role: every model call's messages as recorded (a step
    /// may call its model more than once, a tool round between), else the prompt its item
    /// carries; `nil` for a step that sent none.
    static func promptText(_ node: NodeRecord, calls: [LLMCallRecord]) -> String? {
        let sent = calls.map(\.messages).filter { !$0.isEmpty }
        let rounds = sent.isEmpty ? [node.prompt?.messages ?? []].filter { !$0.isEmpty } : sent
        guard !rounds.isEmpty else { return nil }
        return rounds.enumerated().map { number, messages in
            (rounds.count > 1 ? "CALL \(number + 1)\n\n" : "") + messages.map { "\($0.role.uppercased()): \($0.text)" }.joined(separator: "\n\n")
        }.joined(separator: "\n\n")
    }

    /// A text's words, its spacing aside.
    static func words(_ text: String) -> [Substring] { text.split(whereSeparator: \.isWhitespace) }

    /// The settings of a step's model calls (temperature, reasoning effort, limits), less the
    /// model, which is compared on its own.
    static func parameters(_ calls: [LLMCallRecord]) -> [[String: JSONValue]] {
        calls.map { call in call.parameterValues.filter { $0.key != "model" } }
    }

    /// The first place the two runs went different ways: the first step, in the order they ran,
    /// that one side ran alone, or that both ran with a different input, model, prompt or
    /// settings. `nil` when every step got the same input on both sides.
    public private(set) var firstDivergence: Step?

    /// What followed the first divergence: the branch taken, the chain of later steps whose
    /// inputs changed with it, and each side's cost from there. `nil` with `firstDivergence`.
    public private(set) var divergence: Divergence?

    /// The first divergence in words (`First divergence: ANSWER (model differs)`); with the same
    /// inputs throughout, the first step that answered differently, or that there was none before
    /// a changed answer; `nil` when neither the steps nor the answer differ.
    public var divergenceSentence: String? {
        if let divergence { return divergence.lines[0] }
        // A comparison kept before the divergence was worked out has its first step only.
        if let first = firstDivergence {
            return Divergence.sentence(path: first.path, change: first.change,
                                       differences: first.differences.filter(Divergence.inputDifferences.contains))
        }
        // The same inputs throughout: the first step that answered them differently is where the runs part.
        if let answered = steps.first(where: { $0.change == .changed && $0.differences.contains("output") }) {
            return "First divergence: none in the steps' inputs; \(answered.path) was the first to answer the same input differently"
        }
        guard outputChanged else { return nil }
        return "First divergence: none before the answer: every step got the same input, so the model answered the same prompt differently"
    }

    /// What a step's output says, for comparing it. A step that ran another team (a WORKFLOW
    /// step) outputs that run's whole status body, whose jobId, traceId, times and nested steps
    /// differ on every run; its steps are aligned on their own, so what counts is its status,
    /// its error and its answer. Any other output is compared as received.
    static func comparableOutput(_ text: String?) -> String? {
        // A streamed step's output is wrapped, a polled one's is not: the same output either way.
        let text = text.flatMap(StepResult.unwrapped)
        guard let text, text.utf8.first == UInt8(ascii: "{"), text.utf8.count <= 64 << 20,
              let value = JSONValue(parsing: text)?.parsingEmbeddedJSON, let body = StatusBody.nestedRunBody(in: value) else { return text }
        var parts: [String] = []
        if let status = body["status"]?.displayText { parts.append("status: \(status)") }
        if let error = body["error"], !error.isNull { parts.append("error: \(error.displayText)") }
        if let output = body["output"], !output.isNull { parts.append(output.displayText) }
        return parts.joined(separator: "\n")
    }

    /// The positions of the steps whose time says nothing in a replay: the pinned ones, and those
    /// with sub-steps that are all such steps.
    static func timedByPins(_ nodes: [NodeRecord], pinned: Set<String>) -> Set<Int> {
        guard !pinned.isEmpty else { return [] }
        var children: [Int: [Int]] = [:]
        for node in nodes { if let parent = node.parentPosition { children[parent, default: []].append(node.position) } }
        var untimed: Set<Int> = []
        // Children come after their parent in a run's order, so walking backwards settles them first.
        for node in nodes.reversed() {
            if let code = node.code, pinned.contains(code) {
                untimed.insert(node.position)
            } else if let kids = children[node.position], kids.allSatisfy(untimed.contains) {
                untimed.insert(node.position)
            }
        }
        return untimed
    }

    /// Each node's path of codes from the top, in the nodes' order.
    static func paths(_ nodes: [NodeRecord]) -> [String] {
        var byPosition: [Int: String] = [:]
        return nodes.map { node in
            let path = node.parentPosition.flatMap { byPosition[$0] }.map { "\($0)/\(node.label)" } ?? node.label
            byPosition[node.position] = path
            return path
        }
    }

    static func reference(_ record: DocumentReferenceRecord) -> Reference {
        Reference(document: record.title ?? record.source ?? "untitled", text: TextFormat.snippet(record.text, width: 80))
    }

    /// The difference as lines for a terminal.
    public var summaryLines: [String] {
        var lines: [String] = []
        func side(_ side: Side) -> String {
            let version = [side.version.map { "v\($0)" }, side.versionStatus].compactMap { $0 }.joined(separator: " ")
            return "\(side.jobId.prefix(8)) \(side.team ?? "?") \(version) \(side.status), \(TextFormat.duration(side.timeTakenMs)), "
                + "\(side.tokens.map { "\(TextFormat.count($0)) tokens" } ?? "tokens unknown"), \(TextFormat.count(Int64(side.nodeCount))) steps"
        }
        lines.append("A  " + side(a))
        lines.append("B  " + side(b))
        if statusChanged { lines.append("Status: \(a.status) → \(b.status)") }
        if errorChanged { lines.append("Error: \(a.error ?? "none") → \(b.error ?? "none")") }
        lines.append("Time: \(Self.signedDuration(timeDeltaMs))\(Self.percent(timeDeltaMs, of: a.timeTakenMs))   "
                     + "Tokens: " + (tokenDelta.map { "\(Self.signed($0))\(Self.percent($0, of: a.tokens))" } ?? "unknown"))
        lines.append("Steps: \(stepsAdded) added, \(stepsRemoved) removed, \(stepsChanged) changed, "
                     + "\(steps.count { $0.change == .same }) the same")
        for step in steps where step.change != .same {
            let mark = switch step.change { case .added: "+"; case .removed: "-"; default: "~" }
            var detail = step.type ?? ""
            if step.change == .changed { detail += " (\(step.differences.joined(separator: ", ")))" }
            if let delta = step.durationDeltaMs { detail += ", time \(Self.signedDuration(delta))" }
            else if let duration = step.durationMsB ?? step.durationMsA { detail += ", \(TextFormat.duration(duration))" }
            if let delta = step.tokenDelta, step.differences.contains("tokens") { detail += ", tokens \(Self.signed(delta))\(Self.percent(delta, of: step.tokensA))" }
            lines.append("  \(mark) \(step.path)  \(detail)")
            if step.modelA != nil || step.modelB != nil {
                lines.append("      model: \(step.modelA ?? "none") → \(step.modelB ?? "none")")
            }
            if let prompt = step.promptDiff {
                lines.append("      prompt: \(Int((WordDiff.changedShare(prompt) * 100).rounded()))% of its words changed: " + Self.inline(prompt, width: 160))
            } else if step.differences.contains("prompt") {
                lines.append("      prompt: changed (too long to diff word by word)")
            }
        }
        if let divergence { lines += divergence.lines } else if let sentence = divergenceSentence { lines.append(sentence) }
        if outputChanged {
            let share = WordDiff.changedShare(output)
            lines.append("Answer: changed (\(Int((share * 100).rounded()))% of its words)")
        } else {
            lines.append("Answer: the same")
        }
        if !chunksGained.isEmpty || !chunksLost.isEmpty {
            lines.append("Chunks: \(chunksGained.count) gained, \(chunksLost.count) lost")
        }
        if !citationsGained.isEmpty || !citationsLost.isEmpty {
            lines.append("Citations: \(citationsGained.count) gained, \(citationsLost.count) lost")
        }
        return lines
    }

    /// A word diff on one line, `[-removed-]{+added+}` with a few words of context around each
    /// change, cut at about `width` characters.
    static func inline(_ segments: [WordDiff.Segment], width: Int) -> String {
        var text = ""
        for (index, segment) in segments.enumerated() {
            let words = Self.words(segment.text)
            // A change of spacing alone shows nothing between its marks: it is left out.
            if words.isEmpty { continue }
            let (open, close) = switch segment.kind { case .same: ("", ""); case .removed: ("[-", "-]"); case .added: ("{+", "+}") }
            var shown = words
            if segment.kind == .same {
                // Context: the last words before a change, the first after one.
                let before = index + 1 < segments.count ? words.suffix(4) : []
                let after = index > 0 ? words.prefix(4) : []
                shown = before.isEmpty ? Array(after) : after.isEmpty ? Array(before) : words.count > 8 ? Array(after) + ["…"] + Array(before) : words
                if shown.isEmpty { continue }
            }
            let separator = text.isEmpty ? "" : " "
            let piece = shown.joined(separator: " ")
            guard text.count + separator.count + open.count + piece.count + close.count > width else {
                text += separator + open + piece + close
                continue
            }
            // Cut inside the piece, never inside its marks: a change cut short still reads as one.
            let room = max(0, width - text.count - separator.count - open.count - close.count)
            return text + separator + open + String(piece.prefix(room)) + "…" + close
        }
        return text
    }

    /// `+726`, `-3`, `0`.
    public static func signed(_ value: Int64) -> String {
        value > 0 ? "+\(TextFormat.count(value))" : TextFormat.count(value)
    }

    /// `+1.2 s`, `-340 ms`, `±0 ms`, or `-`.
    public static func signedDuration(_ value: Int64?) -> String {
        guard let value else { return "-" }
        return (value > 0 ? "+" : value < 0 ? "-" : "±") + TextFormat.duration(abs(value))
    }

    static func percent(_ delta: Int64?, of base: Int64?) -> String {
        guard let delta, let base, base > 0 else { return "" }
        return String(format: " (%+.0f%%)", Double(delta) / Double(base) * 100)
    }
}
