import Foundation
import TracedeskModel
import TracedeskHistory

/// A longest-common-subsequence alignment of two sequences of keys.
///
/// The common prefix and suffix are matched first (runs of one team share most of their steps),
/// and the dynamic programme runs on what is left. Past `maximumCells` it matches greedily
/// instead, so that two runs of thousands of differing steps cost memory in proportion to their
/// length, not its square.
public enum SequenceAlignment {
    /// One position of the alignment: a pair of equal keys, or a key on one side only.
    public enum Step: Sendable, Equatable {
        case both(Int, Int)
        case onlyA(Int)
        case onlyB(Int)
    }

    public static let maximumCells = 8_000_000

    public static func align<Key: Hashable>(_ a: [Key], _ b: [Key]) -> [Step] {
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let middleA = Array(a[prefix..<(a.count - suffix)])
        let middleB = Array(b[prefix..<(b.count - suffix)])
        var steps = (0..<prefix).map { Step.both($0, $0) }
        let middle = (middleA.count + 1) * (middleB.count + 1) <= maximumCells
            ? lcs(middleA, middleB) : greedy(middleA, middleB)
        steps += middle.map { step in
            switch step {
            case .both(let i, let j): .both(i + prefix, j + prefix)
            case .onlyA(let i): .onlyA(i + prefix)
            case .onlyB(let j): .onlyB(j + prefix)
            }
        }
        steps += (0..<suffix).map { .both(a.count - suffix + $0, b.count - suffix + $0) }
        return steps
    }

    private static func lcs<Key: Hashable>(_ a: [Key], _ b: [Key]) -> [Step] {
        let n = a.count, m = b.count
        if n == 0 { return (0..<m).map { .onlyB($0) } }
        if m == 0 { return (0..<n).map { .onlyA($0) } }
        // lengths[i][j]: the LCS of a[i...] and b[j...], in one flat array.
        var lengths = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lengths[i * (m + 1) + j] = a[i] == b[j] ? lengths[(i + 1) * (m + 1) + j + 1] + 1
                    : max(lengths[(i + 1) * (m + 1) + j], lengths[i * (m + 1) + j + 1])
            }
        }
        var steps: [Step] = []
        var i = 0, j = 0
        while i < n, j < m {
            if a[i] == b[j] {
                steps.append(.both(i, j)); i += 1; j += 1
            } else if lengths[(i + 1) * (m + 1) + j] >= lengths[i * (m + 1) + j + 1] {
                steps.append(.onlyA(i)); i += 1
            } else {
                steps.append(.onlyB(j)); j += 1
            }
        }
        steps += (i..<n).map { .onlyA($0) }
        steps += (j..<m).map { .onlyB($0) }
        return steps
    }

    /// How far ahead the greedy walk looks for a key; farther matches would skip too much of B.
    static let greedyWindow = 256

    /// Walks both sides, matching a key with its next occurrence on the other side when that is
    /// near (`greedyWindow`), so that one step moved far away does not unmatch everything between.
    private static func greedy<Key: Hashable>(_ a: [Key], _ b: [Key]) -> [Step] {
        var positionsInB: [Key: [Int]] = [:]
        for (index, key) in b.enumerated() { positionsInB[key, default: []].append(index) }
        var steps: [Step] = []
        var j = 0
        for (i, key) in a.enumerated() {
            guard let next = positionsInB[key]?.first(where: { $0 >= j }), next - j <= greedyWindow else {
                steps.append(.onlyA(i))
                continue
            }
            steps += (j..<next).map { .onlyB($0) }
            steps.append(.both(i, next))
            j = next + 1
        }
        steps += (j..<b.count).map { .onlyB($0) }
        return steps
    }
}
