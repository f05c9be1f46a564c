import TracedeskModel

/// What a run's steps are to each other: parents, last children, depths, and where a failure
/// lies under a step that says it completed.
///
/// Steps are recorded depth first, each after its parent, so one pass forward and one backward
/// over the list give everything: no recursion, however deep the tree, and a step whose parent
/// is missing (a nested run's steps, moved up) is treated as top-level.
public struct NodeTree: Sendable {
    /// Per step, in the order given: the index of its parent in the list.
    public let parent: [Int?]
    /// Per step: its depth, counted through the parents present (0 at the top).
    public let depth: [Int]
    /// Per step: no later step shares its parent.
    public let isLastChild: [Bool]
    /// Per step that did not fail itself: the index of the first step under it that failed.
    /// A PARALLEL step whose branch failed says COMPLETED; this is how it is marked anyway.
    public let failureBelow: [Int?]

    public init(_ nodes: [NodeRecord]) {
        var index: [Int: Int] = [:]
        index.reserveCapacity(nodes.count)
        var parent: [Int?] = []
        var depth: [Int] = []
        parent.reserveCapacity(nodes.count)
        depth.reserveCapacity(nodes.count)
        // By index, not `for node in nodes`: a step is a record of many strings, and copying each
        // one to read two numbers costs a 6,000-step report more than the rest of this.
        for position in nodes.indices {
            // Only a parent listed earlier counts: that is how steps are recorded, and it rules out cycles.
            let up = nodes[position].parentPosition.flatMap { index[$0] }
            parent.append(up)
            depth.append(up.map { depth[$0] + 1 } ?? 0)
            index[nodes[position].position] = position
        }
        var isLast = [Bool](repeating: true, count: nodes.count)
        var lastSeenChild: [Int: Int] = [:]
        var lastRoot: Int?
        for position in nodes.indices {
            if let up = parent[position] {
                if let previous = lastSeenChild[up] { isLast[previous] = false }
                lastSeenChild[up] = position
            } else {
                if let previous = lastRoot { isLast[previous] = false }
                lastRoot = position
            }
        }
        // Backwards, children come before their parents: the first failure below each step.
        var failedBelow = [Int?](repeating: nil, count: nodes.count)
        var subtreeFailure = [Int?](repeating: nil, count: nodes.count)
        for position in nodes.indices.reversed() {
            if nodes[position].failed { subtreeFailure[position] = position }
            guard let found = subtreeFailure[position], let up = parent[position] else { continue }
            failedBelow[up] = found
            subtreeFailure[up] = nodes[up].failed ? up : found
        }
        for position in nodes.indices where nodes[position].failed { failedBelow[position] = nil }
        self.parent = parent
        self.depth = depth
        self.isLastChild = isLast
        self.failureBelow = failedBelow
    }

    /// The box-drawing prefix of each step (`├─ `, `│  └─ `), empty at the top level. Beyond
    /// `maximumDepth` levels the prefix says the depth instead of drawing every level.
    public func prefixes(maximumDepth: Int = 24) -> [String] {
        var continuing: [Bool] = []
        var prefixes: [String] = []
        prefixes.reserveCapacity(parent.count)
        for position in parent.indices {
            let level = depth[position]
            if continuing.count > level { continuing.removeLast(continuing.count - level) }
            while continuing.count < level { continuing.append(false) }
            guard level > 0 else {
                prefixes.append("")
                continuing.append(!isLastChild[position])
                continue
            }
            let branch = isLastChild[position] ? "└─ " : "├─ "
            if level > maximumDepth {
                prefixes.append("⋮ depth \(level) " + branch)
            } else {
                prefixes.append(continuing.dropFirst().map { $0 ? "│  " : "   " }.joined() + branch)
            }
            continuing.append(!isLastChild[position])
        }
        return prefixes
    }
}
