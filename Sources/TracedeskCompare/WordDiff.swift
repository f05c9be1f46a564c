import Foundation
import TracedeskModel
import TracedeskHistory

/// A word-level diff of two texts, for answers side by side.
public enum WordDiff {
    /// A run of text the two sides share, or that one side alone has.
    public struct Segment: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable { case same, added, removed }
        public var kind: Kind
        /// The words with the whitespace that followed each, as written.
        public var text: String

        public init(kind: Kind, text: String) {
            self.kind = kind
            self.text = text
        }
    }

    /// The segments that turn `a` into `b`. Words are compared as written; the whitespace after
    /// a word is kept with it (so line breaks show) but does not count as a difference.
    public static func diff(_ a: String, _ b: String) -> [Segment] {
        let wordsA = words(a), wordsB = words(b)
        var segments: [Segment] = []
        func add(_ kind: Segment.Kind, _ text: Substring) {
            if let last = segments.last, last.kind == kind {
                segments[segments.count - 1].text += text
            } else {
                segments.append(Segment(kind: kind, text: String(text)))
            }
        }
        for step in SequenceAlignment.align(wordsA.map(\.word), wordsB.map(\.word)) {
            switch step {
            case .both(_, let j): add(.same, wordsB[j].written)
            case .onlyA(let i): add(.removed, wordsA[i].written)
            case .onlyB(let j): add(.added, wordsB[j].written)
            }
        }
        return segments
    }

    /// How much of the text changed: words added and removed over the words of both sides.
    public static func changedShare(_ segments: [Segment]) -> Double {
        var changed = 0, total = 0
        for segment in segments {
            let count = segment.text.split(whereSeparator: { $0.isWhitespace }).count
            total += segment.kind == .same ? 2 * count : count
            if segment.kind != .same { changed += count }
        }
        return total == 0 ? 0 : Double(changed) / Double(total)
    }

    /// Words (runs of letters and digits) and single punctuation marks, each with the whitespace
    /// that follows it, so that "cheaper." and "cheaper and" share "cheaper".
    private static func words(_ text: String) -> [(word: Substring, written: Substring)] {
        var result: [(Substring, Substring)] = []
        let firstWord = text.firstIndex(where: { !$0.isWhitespace }) ?? text.endIndex
        // Leading whitespace belongs to no word: keep it with an empty first one.
        if firstWord > text.startIndex { result.append((text[text.startIndex..<text.startIndex], text[..<firstWord])) }
        func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber || character == "_" }
        var index = firstWord
        while index < text.endIndex {
            let wordEnd = isWordCharacter(text[index])
                ? text[index...].firstIndex(where: { !isWordCharacter($0) }) ?? text.endIndex
                : text.index(after: index)
            let spaceEnd = text[wordEnd...].firstIndex(where: { !$0.isWhitespace }) ?? text.endIndex
            result.append((text[index..<wordEnd], text[index..<spaceEnd]))
            index = spaceEnd
        }
        return result
    }
}
