import Foundation
import TracedeskHistory
import TracedeskModel

/// What a run's wall time and tokens were spent on, drawn from its steps: the critical path,
/// the slowest steps, where the tokens went, time WAITING, the polling the client saw, and for
/// a failed run the path from the top down to the step that failed.
///
/// Pure: computed from `RunDetails` alone, so the report, `show` and tests agree.
public struct RunInsights: Sendable {
    /// One step of the critical path, with what it added to the run's wall time.
    public struct PathStep: Sendable, Hashable {
        /// Index into `RunDetails.nodes`.
        public var node: Int
        /// Its duration, ms: each step on the path adds all of it, since nothing ran in its place.
        public var durationMs: Int64
        /// Time between the end of the step before it on the path and its start, ms: the
        /// orchestrator's own work, queueing or a wait nothing recorded.
        public var gapBeforeMs: Int64
    }

    /// A step and a measure of it (time or tokens), with its share of the run's.
    public struct Ranked: Sendable, Hashable {
        public var node: Int
        public var value: Int64
        /// Of the run's wall time or total tokens, 0...1 (0 when the run's is unknown).
        public var share: Double
    }

    /// The chain of steps, each starting after the one before it ended, that ends with the run's
    /// last step: shorten any of them and the run ends sooner; shorten anything else and it does
    /// not. Containers (PARALLEL, a workflow calling a team) are entered: the path goes through
    /// their children.
    public var criticalPath: [PathStep]
    /// Steps that ran beside the path, on parallel branches: their time did not add to the run's.
    public var besidePath: Int
    /// The run's wall time, ms, when known.
    public var wallMs: Int64?
    /// The slowest steps: the steps that did work themselves, and loops (LOOP, WHILE) beside them,
    /// since a loop of a thousand 4 ms iterations can be most of a run while none of its steps is
    /// slow. Bookends and other containers (PARALLEL, nested runs) are left out: their time is
    /// their children's, who are ranked.
    public var slowest: [Ranked]
    /// For a loop among `slowest`, how many iterations it ran (its steps directly under it).
    public var iterations: [Int: Int] = [:]
    /// Steps by tokens, most first (steps with none left out).
    public var tokens: [Ranked]
    /// Time the run spent WAITING for a person, ms, when it waited.
    public var waitingMs: Int64?
    /// Time the pod's own steps spent waiting (HUMAN and WAIT steps, or steps WAITING), ms, on
    /// the pod's clock, the clock of the run's wall time; `nil` when no such step has a length.
    public var stepsWaitingMs: Int64?
    /// The first of those steps, to name.
    public var waitingStep: Int?
    /// Status requests the client made (bodies received, repeats counted) and how many distinct
    /// bodies they brought.
    public var requests: Int
    public var distinctBodies: Int
    /// Answers that were not HTTP 200 (retried by the client).
    public var failedRequests: Int
    /// The polling delay the client saw, bounded: the time from the last poll whose body still
    /// said the run was under way to the first whose body said it had ended, on this machine's
    /// clock. The run ended in between, so the client learnt of it at most this late.
    public struct PollingDelay: Sendable, Equatable {
        /// At most this many ms; 0 when the first answer already said the run had ended.
        public var withinMs: Int64
        /// The status of that last body (RUNNING, WAITING); `nil` when there was none.
        public var lastUnderWay: String?
    }
    /// `nil` when the run has not ended, or Tracedesk did not follow it (an import).
    public var pollingDelay: PollingDelay?
    /// For a failed run: the steps from the top down to the first step that failed, its last.
    public var failingPath: [Int]

    /// The step that retrieved the run's supporting chunks, when the body says so: a
    /// retrieval step whose output holds a chunk's text, else the run's only document-search step
    /// (outermost RAG_DOCUMENT_TOOL, else VECTOR_DB_READER). `nil` when it cannot be told.
    public var retrievalStep: Int?

    /// How many of the slowest and token-heaviest steps are kept.
    public static let rankedLimit = 5

    /// The run's steps as a tree (parents, depths, failures below), for whoever draws them.
    public let tree: NodeTree

    public init(_ details: RunDetails) {
        let nodes = details.nodes
        let tree = NodeTree(nodes)
        self.tree = tree
        var children: [[Int]] = Array(repeating: [], count: nodes.count)
        var tops: [Int] = []
        for index in nodes.indices {
            if let parent = tree.parent[index] { children[parent].append(index) } else { tops.append(index) }
        }
        var path = Self.path(through: tops, nodes: nodes, children: children, notAfter: nil)
        // Gaps measured the same way everywhere: from the end of the step before on the path,
        // whether the two sit under one container or not.
        for index in path.indices.dropFirst() {
            let previous = nodes[path[index - 1].node], node = nodes[path[index].node]
            path[index].gapBeforeMs = max(0, node.startedAt! - previous.endedAt!)
        }
        criticalPath = path
        let onPath = Set(path.map(\.node))
        let timed = nodes.indices.filter { Self.isTimed(nodes[$0]) && !Self.isBookend(nodes[$0]) && children[$0].isEmpty }
        besidePath = timed.filter { !onPath.contains($0) }.count

        let wall = details.run.timeTakenMs
        wallMs = wall
        let loops = nodes.indices.filter { Self.isLoop(nodes[$0]) && Self.isTimed(nodes[$0]) && !children[$0].isEmpty }
        let durations: [(Int, Int64)] = (timed + loops).compactMap { index in nodes[index].durationMs.map { (index, $0) } }
        slowest = Self.ranked(durations, of: wall)
        for item in slowest where Self.isLoop(nodes[item.node]) { iterations[item.node] = children[item.node].count }

        // Tokens: a step's own (its children's are theirs), leaves and LLM steps alike.
        let runTokens = TokenUsage.adding(details.run.inputTokens ?? 0, details.run.outputTokens ?? 0)
        let perStep = nodes.indices.compactMap { index -> (Int, Int64)? in
            let total = nodes[index].displayTokens.total
            return total > 0 && children[index].isEmpty ? (index, total) : nil
        }
        let tokenTotal = runTokens > 0 ? runTokens : perStep.reduce(Int64(0)) { TokenUsage.adding($0, $1.1) }
        tokens = Self.ranked(perStep, of: tokenTotal)

        waitingMs = details.waitingMs.flatMap { $0 > 0 ? $0 : nil }
        // Waiting steps that are not inside another waiting step, each counted once.
        let waiting = nodes.indices.filter { index in
            TimelineChart.waits(nodes[index]) && !Self.ancestors(of: index, in: tree).contains { TimelineChart.waits(nodes[$0]) }
        }
        let lengths = waiting.compactMap { index in nodes[index].durationMs ?? details.openDuration(of: nodes[index]) }
        stepsWaitingMs = lengths.isEmpty ? nil : lengths.reduce(0) { TokenUsage.adding($0, $1) }
        waitingStep = waiting.first
        requests = details.snapshots.reduce(0) { $0 + $1.timesSeen }
        distinctBodies = details.snapshots.count
        failedRequests = details.snapshots.filter { ($0.httpStatus ?? 200) != 200 }.reduce(0) { $0 + $1.timesSeen }
        pollingDelay = Self.pollingDelay(details)

        // The failing path: from the first step that failed itself, up through its parents.
        var failing: [Int] = []
        if let failed = nodes.indices.first(where: { Self.failed(nodes[$0]) }) {
            var current: Int? = failed
            var guardCount = 0
            while let index = current, guardCount <= nodes.count {
                failing.insert(index, at: 0)
                current = tree.parent[index]
                guardCount += 1
            }
        }
        failingPath = failing
        retrievalStep = details.chunks.isEmpty ? nil : Self.retrievalStep(nodes: nodes, tree: tree, chunks: details.chunks)
    }

    /// The steps above `index`, nearest first.
    static func ancestors(of index: Int, in tree: NodeTree) -> [Int] {
        var found: [Int] = []
        var current = tree.parent[index]
        while let up = current, found.count <= tree.parent.count {
            found.append(up)
            current = tree.parent[up]
        }
        return found
    }

    static func pollingDelay(_ details: RunDetails) -> PollingDelay? {
        guard details.run.source.isFollowed else { return nil }
        let answered = details.snapshots.filter { ($0.httpStatus ?? 200) == 200 && $0.status != nil }
        guard let ended = answered.firstIndex(where: { RunStatus($0.status ?? "").isTerminal }) else { return nil }
        // An answer that was not 200 says nothing of whether the run had ended: it is passed over.
        guard let before = answered[..<ended].last else { return PollingDelay(withinMs: 0, lastUnderWay: nil) }
        return PollingDelay(withinMs: max(0, answered[ended].firstSeenAt - before.lastSeenAt), lastUnderWay: before.status)
    }

    /// Node types that fetch documents.
    static let retrievalTypes: [String] = ["RAG_DOCUMENT_TOOL", "VECTOR_DB_READER"]

    static func retrievalStep(nodes: [NodeRecord], tree: NodeTree, chunks: [DocumentReferenceRecord]) -> Int? {
        let candidates = nodes.indices.filter { retrievalTypes.contains(nodes[$0].type?.uppercased() ?? "") }
        guard !candidates.isEmpty else { return nil }
        // Evidence first: a chunk's opening words in a retrieval step's output.
        func letters(_ text: String) -> String { String(text.lowercased().filter { $0.isLetter || $0.isNumber }) }
        let openings = chunks.compactMap { $0.text.map(letters) }.filter { $0.count >= 24 }.map { String($0.prefix(40)) }
        if !openings.isEmpty {
            for index in candidates {
                guard let output = nodes[index].output else { continue }
                let text = letters(output)
                if openings.contains(where: { text.contains($0) }) { return index }
            }
        }
        // Else the only search step of its kind, outermost (its children are its own parts).
        for type in retrievalTypes {
            let outermost = candidates.filter { index in
                nodes[index].type?.uppercased() == type
                    && !(tree.parent[index].map { nodes[$0].type?.uppercased() == type } ?? false)
            }
            if outermost.count == 1 { return outermost[0] }
            if outermost.count > 1 { return nil }
        }
        return nil
    }

    /// The critical path among `candidates` (siblings), ending no later than `notAfter`:
    /// backwards from the one that ended last, each time to the sibling that ended last before
    /// the current one started; a step with children is replaced by the path through them.
    static func path(through candidates: [Int], nodes: [NodeRecord], children: [[Int]], notAfter: Int64?) -> [PathStep] {
        let timed = candidates.filter { isTimed(nodes[$0]) && !isBookend(nodes[$0]) }
            .filter { notAfter == nil || nodes[$0].endedAt! <= notAfter! }
        // By end, then by position: the predecessor of a step is found by binary search.
        let byEnd = timed.sorted { (nodes[$0].endedAt!, $0) < (nodes[$1].endedAt!, $1) }
        guard var current = byEnd.last else { return [] }
        var chain = [current]
        var visited: Set<Int> = [current]
        while true {
            let start = nodes[current].startedAt!
            // The last step (in end order) that ended by `start`, skipping those already on the chain.
            var low = 0, high = byEnd.count
            while low < high {
                let middle = (low + high) / 2
                if nodes[byEnd[middle]].endedAt! <= start { low = middle + 1 } else { high = middle }
            }
            var index = low - 1
            while index >= 0 && visited.contains(byEnd[index]) { index -= 1 }
            guard index >= 0 else { break }
            current = byEnd[index]
            chain.append(current)
            visited.insert(current)
        }
        chain.reverse()
        // A container's place on the path is taken by the path through its children. Gaps are
        // measured once, on the flat path (in `init`).
        var steps: [PathStep] = []
        for index in chain {
            let node = nodes[index]
            let inner = children[index].isEmpty ? [] : path(through: children[index], nodes: nodes, children: children, notAfter: node.endedAt)
            steps += inner.isEmpty ? [PathStep(node: index, durationMs: max(0, node.endedAt! - node.startedAt!), gapBeforeMs: 0)] : inner
        }
        return steps
    }

    /// The largest `values` first (ties in step order), at most `rankedLimit`, each with its share of `total`.
    static func ranked(_ values: [(Int, Int64)], of total: Int64?) -> [Ranked] {
        let sorted = values.sorted { left, right in left.1 != right.1 ? left.1 > right.1 : left.0 < right.0 }
        return sorted.prefix(rankedLimit).map { item -> Ranked in
            var share = 0.0
            if let total, total > 0 { share = min(1, Double(item.1) / Double(total)) }
            return Ranked(node: item.0, value: item.1, share: share)
        }
    }

    /// A step with a start and an end, in order.
    static func isTimed(_ node: NodeRecord) -> Bool {
        guard let start = node.startedAt, let end = node.endedAt else { return false }
        return end >= start
    }

    /// LOOP and WHILE: containers whose time is the run's to rank, not only their steps'.
    public static func isLoop(_ node: NodeRecord) -> Bool {
        guard let type = node.type else { return false }
        return type.equalsIgnoringCase("LOOP") || type.equalsIgnoringCase("WHILE")
    }

    /// START and END: markers, not work.
    public static func isBookend(_ node: NodeRecord) -> Bool {
        guard let type = node.type else { return false }
        return type.equalsIgnoringCase("START") || type.equalsIgnoringCase("END")
    }

    static func failed(_ node: NodeRecord) -> Bool {
        RunReport.failedStatus(node.status)
    }

    /// The time the critical path accounts for, ms: its steps and the gaps between them.
    public var pathMs: Int64 {
        criticalPath.reduce(Int64(0)) { $0 + $1.durationMs + $1.gapBeforeMs }
    }
}
