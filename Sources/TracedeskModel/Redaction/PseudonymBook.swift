import Foundation

/// The pseudonyms of one report, page set or export: each value taken out becomes `«kind-N»`,
/// numbered by kind in the order the values were first met, and the same value always the same
/// pseudonym (so a reader can follow one person through a run, and two sides of a comparison
/// still align).
struct PseudonymBook {
    private var tokens: [String: String] = [:]
    private var counts: [String: Int] = [:]
    /// The values learned under a key (not found by a detector), to find again in free text.
    private(set) var learned: [String] = []

    /// The pseudonym of `value`, given it on first sight as the next of `kind`.
    mutating func token(for value: String, kind: String) -> String {
        if let token = tokens[value] { return token }
        let number = counts[kind, default: 0] + 1
        counts[kind] = number
        let token = "«\(kind)-\(number)»"
        tokens[value] = token
        return token
    }

    /// Learns `value` as a value of `kind` found by key, to be found again in free text.
    mutating func learn(_ value: String, kind: String) {
        guard tokens[value] == nil else { return }
        _ = token(for: value, kind: kind)
        learned.append(value)
    }

    /// Whether `text` is one pseudonym and nothing else (a body redacted before is not redacted twice).
    static func isPseudonym(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count >= 7, text.hasPrefix("«"), text.hasSuffix("»") else { return false }
        let inner = text.dropFirst().dropLast()
        guard let dash = inner.lastIndex(of: "-"), inner[inner.index(after: dash)...].allSatisfy(\.isASCII),
              Int(inner[inner.index(after: dash)...]) != nil else { return false }
        return inner[..<dash].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
