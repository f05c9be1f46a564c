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
    /// With a ledger (a history's own pseudonyms), a value is known by its digest, never kept.
    let digest: (@Sendable (String) -> String)?
    private var byDigest: [String: String] = [:]
    /// Pseudonyms given since the ledger last took them.
    private(set) var given: [Pseudonym] = []

    init(digest: (@Sendable (String) -> String)? = nil) {
        self.digest = digest
    }

    /// The pseudonym of `value`, given it on first sight as the next of `kind`.
    mutating func token(for value: String, kind: String) -> String {
        if let token = tokens[value] { return token }
        let key = digest?(value)
        if let key, let token = byDigest[key] {
            tokens[value] = token
            return token
        }
        let number = counts[kind, default: 0] + 1
        counts[kind] = number
        let token = "«\(kind)-\(number)»"
        tokens[value] = token
        if let key {
            byDigest[key] = token
            given.append(Pseudonym(digest: key, kind: kind, number: number))
        }
        return token
    }

    /// Takes in pseudonyms given elsewhere (another process recording into the same history).
    mutating func adopt(_ pseudonyms: [Pseudonym]) {
        for pseudonym in pseudonyms {
            byDigest[pseudonym.digest] = "«\(pseudonym.kind)-\(pseudonym.number)»"
            counts[pseudonym.kind] = max(counts[pseudonym.kind, default: 0], pseudonym.number)
        }
    }

    /// The pseudonyms given since the last call, for the ledger to keep.
    mutating func takeGiven() -> [Pseudonym] {
        defer { given = [] }
        return given
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

/// A pseudonym as a ledger keeps it: the digest of its value (a keyed hash: the value itself is
/// never kept), its kind and its number.
public struct Pseudonym: Sendable, Hashable {
    public var digest: String
    public var kind: String
    public var number: Int

    public init(digest: String, kind: String, number: Int) {
        self.digest = digest
        self.kind = kind
        self.number = number
    }
}
