import TracedeskHistory
import TracedeskModel

/// Which steps the report's step tree shows, under which step each is drawn, and which
/// subtrees start open.
///
/// START and END are left out (they mark the ends of a run and of each nested run; the report
/// lists them apart), and a step is drawn under its nearest ancestor that is shown. Subtrees
/// open breadth first, in the order the steps ran, while the rows in view stay within `limit`,
/// so a 6,000-step loop starts as one closed row and a 30-step run starts fully open; the
/// steps down to a failure are always open, so the failed step is in view.
struct StepTreeLayout {
    /// Per step: whether it has a row.
    let shown: [Bool]
    /// Per step: the index of the step it is drawn under; `nil` at the top.
    let parent: [Int?]
    /// Per step: the steps drawn directly under it, in order.
    let children: [[Int]]
    /// The steps drawn at the top, in order.
    let roots: [Int]
    /// Per step: whether its subtree starts open.
    let startsOpen: [Bool]
    /// The steps left out of the tree (START and END), in order.
    let bookends: [Int]
    /// Rows in view when the tree first shows.
    let rowsInView: Int
    /// Rows drawn, open or folded: the run's steps less its bookends, or a page's.
    let rowCount: Int
    /// Per step: the tokens of the rows under it, each row counted once (a row's own tokens, or,
    /// where it has none, those under it): what a folded container stands for.
    let tokensUnder: [TokenUsage]

    /// The steps a page of `window` draws: those in it, every step above them (so each keeps
    /// its place in the tree), and the path in `keepOpen` (down to a failure) with its steps above.
    static func onPage(window: Range<Int>, keepOpen: [Int], tree: NodeTree) -> Set<Int> {
        var page = Set<Int>()
        for index in Array(window.clamped(to: 0..<tree.parent.count)) + keepOpen {
            var step: Int? = index
            while let current = step, page.insert(current).inserted { step = tree.parent[current] }
        }
        return page
    }

    /// `window`, when given, limits the rows to the steps of one page (`onPage`); the tokens
    /// under a container stay those of all its steps, on this page or not.
    init(nodes: [NodeRecord], tree: NodeTree, keepOpen: [Int], limit: Int, window: Range<Int>? = nil) {
        let page = window.map { Self.onPage(window: $0, keepOpen: keepOpen, tree: tree) }
        let drawable = nodes.map { !RunInsights.isBookend($0) }
        let shown = page.map { page in nodes.indices.map { drawable[$0] && page.contains($0) } } ?? drawable
        var parent = [Int?](repeating: nil, count: nodes.count)
        var roots: [Int] = []
        var children: [[Int]] = Array(repeating: [], count: nodes.count)
        for index in nodes.indices where shown[index] {
            var up = tree.parent[index]
            while let candidate = up, !shown[candidate] { up = tree.parent[candidate] }
            parent[index] = up
            if let up {
                children[up].append(index)
            } else {
                roots.append(index)
            }
        }
        var open = [Bool](repeating: false, count: nodes.count)
        let forced = Set(keepOpen)
        var inView = roots.count
        var queue = roots.filter { !children[$0].isEmpty }
        var head = 0
        while head < queue.count {
            let container = queue[head]
            head += 1
            guard forced.contains(container) || inView + children[container].count <= limit else { continue }
            open[container] = true
            inView += children[container].count
            queue += children[container].filter { !children[$0].isEmpty }
        }
        self.shown = shown
        self.parent = parent
        self.children = children
        self.roots = roots
        self.startsOpen = open
        self.bookends = nodes.indices.filter { !drawable[$0] && (page?.contains($0) ?? true) }
        self.rowsInView = inView
        // Over every drawable step, on this page or not. Children come after their parents:
        // backwards, each row is complete before its parent reads it.
        var under = [TokenUsage](repeating: .zero, count: nodes.count)
        for index in nodes.indices.reversed() where drawable[index] {
            var up = tree.parent[index]
            while let candidate = up, !drawable[candidate] { up = tree.parent[candidate] }
            guard let up else { continue }
            let own = TokenUsage(input: nodes[index].inputTokens, output: nodes[index].outputTokens)
            under[up] = under[up] + (own.isZero ? under[index] : own)
        }
        self.tokensUnder = under
        rowCount = shown.count { $0 }
    }
}
