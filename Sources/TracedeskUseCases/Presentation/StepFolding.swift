import Foundation
import TracedeskHistory

/// Which of a run's steps `show` prints: every one (`--all`), those down to a depth
/// (`--depth N`), or, by default, all of a run that fits the budget and a folded view of one
/// that does not: a container of many steps (a loop's thousand iterations) shows its first three
/// and its last, and says how many more it holds; then, if that is still too long, the levels
/// that fit. The steps down to a failure are never folded away.
public enum StepFolding: Sendable, Equatable {
    case all
    case depth(Int)
    case budget(Int)

    /// What `show` does without `--all` or `--depth`: about a screenful of a terminal's history.
    public static let standard = StepFolding.budget(standardBudget)
    static let standardBudget = 200

    /// A container with more steps directly under it than this is folded to its first and last.
    static let foldAbove = 6
    static let keptFirst = 3

    /// One line of the folded tree.
    enum Row: Equatable {
        case step(Int)
        /// Steps of `parent` left out after the step `after`: `count` siblings, `steps` with theirs.
        case folded(after: Int, parent: Int?, count: Int, steps: Int)
    }

    /// The lines, and for a step whose steps below were left out (a depth limit), how many.
    struct Folded {
        var rows: [Row]
        var hiddenBelow: [Int: Int]
        var shownSteps: Int
    }

    func fold(_ nodes: [NodeRecord], tree: NodeTree) -> Folded {
        var children: [[Int]] = Array(repeating: [], count: nodes.count)
        var roots: [Int] = []
        for index in nodes.indices {
            if let parent = tree.parent[index] { children[parent].append(index) } else { roots.append(index) }
        }
        // Subtree sizes: a parent is always listed before its steps, so a walk backwards sums them.
        var size = [Int](repeating: 1, count: nodes.count)
        for index in nodes.indices.reversed() { if let parent = tree.parent[index] { size[parent] += size[index] } }
        var onFailurePath = Set<Int>()
        for index in nodes.indices where nodes[index].failed {
            var step: Int? = index
            while let current = step, onFailurePath.insert(current).inserted { step = tree.parent[current] }
        }

        let limit: Int?
        var budget: Int?
        switch self {
        case .all: limit = nil
        // Down to a depth, the largest groups still fold to the standard budget (a loop's
        // iterations at level 1); the depth is not cut further.
        case .depth(let depth): limit = depth; budget = Self.standardBudget
        case .budget(let rows): limit = nil; budget = rows
        }

        /// The rows with the sibling groups of `folding` (a parent, or -1 for the top) folded.
        func layout(folding: Set<Int>) -> (rows: [Row], hiddenBelow: [Int: Int]) {
            func expand(_ siblings: [Int], parent: Int?) -> [Row] {
                guard folding.contains(parent ?? -1), siblings.count > Self.foldAbove else { return siblings.map(Row.step) }
                let kept = Set(siblings.prefix(Self.keptFirst) + [siblings[siblings.count - 1]] + siblings.filter(onFailurePath.contains))
                var expanded: [Row] = []
                var skipped: [Int] = []
                var lastKept: Int?
                for sibling in siblings {
                    if kept.contains(sibling) {
                        if !skipped.isEmpty, let after = lastKept {
                            expanded.append(.folded(after: after, parent: parent, count: skipped.count, steps: skipped.reduce(0) { $0 + size[$1] }))
                        }
                        skipped = []
                        expanded.append(.step(sibling))
                        lastKept = sibling
                    } else {
                        skipped.append(sibling)
                    }
                }
                return expanded
            }
            var rows: [Row] = []
            var hiddenBelow: [Int: Int] = [:]
            // Depth-first with a stack of its own (a step, its steps, then its next sibling), so
            // that a deeply nested run cannot exhaust the call stack.
            var stack: [Row] = expand(roots, parent: nil).reversed()
            while let row = stack.popLast() {
                rows.append(row)
                guard case .step(let index) = row else { continue }
                if let limit, nodes[index].depth >= limit {
                    if size[index] > 1 { hiddenBelow[index] = size[index] - 1 }
                    continue
                }
                stack.append(contentsOf: expand(children[index], parent: index).reversed())
            }
            return (rows, hiddenBelow)
        }

        // Over the budget: fold the largest groups of siblings first (a loop's thousand
        // iterations before a run's eight steps), until the rest fits.
        var folding = Set<Int>()
        var (rows, hiddenBelow) = layout(folding: folding)
        if let budget, rows.count > budget {
            var groups: [(parent: Int, count: Int)] = roots.count > Self.foldAbove ? [(-1, roots.count)] : []
            for index in nodes.indices where children[index].count > Self.foldAbove { groups.append((index, children[index].count)) }
            groups.sort { $0.count != $1.count ? $0.count > $1.count : $0.parent < $1.parent }
            for group in groups where rows.count > budget {
                folding.insert(group.parent)
                (rows, hiddenBelow) = layout(folding: folding)
            }
        }

        // Still longer than the budget: the levels that fit, each cut step saying what it holds.
        if let budget, limit == nil, rows.count > budget {
            let depths = rows.compactMap { row -> Int? in if case .step(let index) = row { nodes[index].depth } else { nil } }
            var keep = 0
            for depth in 0...(depths.max() ?? 0) where depths.count(where: { $0 <= depth }) <= budget { keep = depth }
            var cut: [Row] = []
            var hidden: [Int: Int] = [:]
            for row in rows {
                switch row {
                case .step(let index):
                    if nodes[index].depth <= keep || onFailurePath.contains(index) {
                        cut.append(row)
                        if nodes[index].depth == keep, size[index] > 1, !onFailurePath.contains(index) { hidden[index] = size[index] - 1 }
                    }
                case .folded(_, let parent, _, _):
                    if let parent, nodes[parent].depth < keep { cut.append(row) }
                    if parent == nil { cut.append(row) }
                }
            }
            rows = cut
            hiddenBelow = hidden
        }
        let shown = rows.count { if case .step = $0 { true } else { false } }
        return Folded(rows: rows, hiddenBelow: hiddenBelow, shownSteps: shown)
    }
}
