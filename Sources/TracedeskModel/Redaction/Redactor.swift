import Foundation

/// Takes personal and secret values out of a run's text and JSON, replacing each by a stable
/// pseudonym (`«email-3»`; see `RedactionRules` for what is taken).
///
/// One redactor serves one report, one page set or one export: first `learn` every body and
/// payload it will see (the values under matched keys, to be found again in free text: a
/// `FirstName` in the answer), then redact. The same value is the same pseudonym throughout, and
/// a text that is only a pseudonym is left alone, so redacting twice changes nothing. Numbers
/// are touched only under a matched key; token counts and timings never are. A text that looks
/// like JSON but does not parse is withheld whole rather than half redacted.
///
/// Safe to share between threads (`serve` does): its book is behind a lock.
public final class Redactor: @unchecked Sendable {
    public let rules: RedactionRules
    private let keyPatterns: [KeyPattern]
    private let expressions: [NSRegularExpression]
    private let detectors: RedactionDetector.DetectorSet
    private let findsNames: Bool
    /// Whether a key pattern names a dotted path (else keys alone are matched).
    private let needsPaths: Bool
    private let lock = NSLock()
    private var book: PseudonymBook
    private var known = KnownValues()
    /// Texts redacted before (a run's bodies repeat its steps' texts), emptied when it grows large.
    private var memo: [String: String] = [:]
    /// Texts redacted before, by the hash of their raw bytes inside a JSON document: a text met
    /// again in the next body is neither decoded nor made a string.
    private var rawMemo: [Int: [RawEntry]] = [:]
    /// The pseudonym kind of each key met, when keys alone decide it.
    private var kindByKey: [String: String?] = [:]
    private var memoBytes = 0
    private static let memoLimit = 64 << 20

    /// Compiles `rules`; a pattern that does not compile is refused (`badInput`, exit 2). With
    /// `digest` (a keyed hash), the redactor keeps a ledger: each new pseudonym is given with the
    /// digest of its value, for a history to keep (`takeNewPseudonyms`) and other processes to
    /// adopt, so that a value has one pseudonym across the history.
    public init(rules: RedactionRules, digest: (@Sendable (String) -> String)? = nil) throws(TracedeskError) {
        self.rules = rules
        book = PseudonymBook(digest: digest)
        hasLedger = digest != nil
        keyPatterns = rules.keys.map(KeyPattern.init)
        expressions = try rules.patterns.map { pattern throws(TracedeskError) in
            do {
                return try NSRegularExpression(pattern: pattern)
            } catch {
                throw .badInput("the redaction pattern \(pattern) does not compile: \(error.localizedDescription)")
            }
        }
        detectors = RedactionDetector.DetectorSet(rules.activeDetectors)
        findsNames = rules.activeDetectors.contains(.name)
        needsPaths = rules.keys.contains { $0.contains(".") }
    }

    // MARK: Learning

    /// Learns the values under matched keys in `text`, when it is JSON (else nothing).
    public func learn(json text: String) {
        guard Self.looksLikeJSON(text) else { return }
        lock.lock()
        defer { lock.unlock() }
        learnDocument(text)
    }

    /// Learns from a JSON text in one pass (nothing when it is not JSON).
    private func learnDocument(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var pass = JSONTextPass(bytes, mode: .learn, hooks: hooks(.learn))
            _ = try? pass.run()
        }
    }

    /// The pass's view of this redactor (its lock already held).
    private func hooks(_ mode: JSONTextPass.Mode) -> JSONTextPass.Hooks {
        JSONTextPass.Hooks(
            kind: { [unowned self] key, path in self.kind(ofKey: key, path: path) },
            needsPaths: needsPaths,
            mayHold: { [unowned self] bytes in self.mayHold(bytes, learning: mode == .learn) },
            remembered: { [unowned self] raw in mode == .redact ? self.remembered(raw: raw) : nil },
            remember: { [unowned self] raw, result in if mode == .redact { self.remember(raw: raw, result: result) } },
            keyed: { [unowned self] value, kind in
                if mode == .learn { self.learnValue(value, kind: kind); return value }
                return self.pseudonym(value, kind: kind)
            },
            text: { [unowned self] value in
                if mode == .learn {
                    if Self.looksLikeJSON(value) { self.learnDocument(value) }
                    return value
                }
                return self.redactText(value)
            })
    }

    /// Learns the values under matched keys in `value`, and in the JSON texts it holds.
    public func learn(_ value: JSONValue) {
        lock.lock()
        defer { lock.unlock() }
        // One way to read JSON: the value is written out and read by the same pass as a text.
        learnDocument(JSONWriter.compact(value))
    }

    /// Learns a run's parameters: the value of a parameter whose name matches a key.
    public func learn(parameters: [String: String]) {
        lock.lock()
        defer { lock.unlock() }
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            if let kind = kind(ofKey: name, path: name) { learnValue(value, kind: kind) } else if Self.looksLikeJSON(value) { learnDocument(value) }
        }
    }

    private func learnValue(_ text: String, kind: String) {
        guard !text.isEmpty, !PseudonymBook.isPseudonym(text) else { return }
        book.learn(text, kind: kind)
        if known.add(text) { newlyKnown(text) }
        // A name's words are found on their own too ("Lovelace approved it").
        if kind == "name" {
            // Words of letters only: a number or an address in a name field is no name.
            for word in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" })
            where word.count >= KnownValues.minimumLength && word.allSatisfy({ $0.isLetter || $0 == "'" || $0 == "." }) && word.contains(where: \.isLetter) {
                book.learn(String(word), kind: kind)
                if known.add(String(word)) { newlyKnown(String(word)) }
            }
        }
    }

    /// The pseudonym kind of the values under `key`, or `nil` when no rule matches it.
    private func kind(ofKey key: String, path: String) -> String? {
        // A body repeats its few keys: each is matched once (paths, when a pattern names one, are not).
        if !needsPaths, let known = kindByKey[key] { return known }
        var kind: String?
        if findsNames, RedactionDetector.nameKeys.contains(key.lowercased()) {
            kind = "name"
        } else if keyPatterns.contains(where: { $0.matches($0.isPath ? path : key) }) {
            kind = Self.kind(fromKey: key)
        }
        if !needsPaths { kindByKey[key] = .some(kind) }
        return kind
    }

    /// Whether a text's bytes hold anything a detector, a learned value or a pattern could start
    /// at (or it is JSON): a text that holds none is left as it is without being read further.
    private func mayHold(_ bytes: UnsafeBufferPointer<UInt8>, learning: Bool) -> Bool {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D { index += 1; continue }
            // Escaped whitespace ahead of nested JSON ("\n  {").
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count, [UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t")].contains(bytes[index + 1]) {
                index += 2
                continue
            }
            break
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[") { return true }
        if learning { return false }
        if !expressions.isEmpty { return true }
        if bytes.count < 3 { return false }
        for byte in bytes where triggers[Int(byte)] { return true }
        return false
    }

    /// The bytes `mayHold` looks for: those detectors start at or turn on, and learned values' first.
    private lazy var triggers: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        // An escape may spell any character (\\u0040 is "@"): an escaped text is read whole.
        table[Int(UInt8(ascii: "\\"))] = true
        if detectors.email { table[Int(UInt8(ascii: "@"))] = true }
        if detectors.ip { table[Int(UInt8(ascii: ":"))] = true }
        if detectors.phone || detectors.card || detectors.ssn || detectors.ip || detectors.iban {
            for digit in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(digit)] = true }
        }
        if detectors.token { for byte in [UInt8(ascii: "J"), UInt8(ascii: "B"), UInt8(ascii: "b")] { table[Int(byte)] = true } }
        return table
    }()

    private static func kind(fromKey key: String) -> String {
        let kept = key.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }
        return kept.isEmpty ? "value" : String(String.UnicodeScalarView(kept))
    }

    /// Whether the redactor keeps a ledger (see `init(rules:digest:)`).
    public var keepsLedger: Bool { hasLedger }
    private let hasLedger: Bool

    /// The history's pseudonyms up to `mark` (the ledger's last row), taken in before redacting.
    public func adopt(_ pseudonyms: [Pseudonym], through mark: Int64) {
        lock.lock()
        defer { lock.unlock() }
        book.adopt(pseudonyms)
        adoptedThrough = max(adoptedThrough, mark)
    }

    /// The ledger's last row this redactor has adopted.
    public var ledgerMark: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return adoptedThrough
    }
    private var adoptedThrough: Int64 = 0

    /// The pseudonyms given since the last call, for the ledger to keep.
    public func takeNewPseudonyms() -> [Pseudonym] {
        lock.lock()
        defer { lock.unlock() }
        return book.takeGiven()
    }

    /// How many values have been learned: a recorder that sees it grow redacts again what it
    /// wrote before (a name learned from a later body is taken out of the earlier prompt too).
    public var learnedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return book.learned.count
    }

    /// Learns an HTTP body: JSON, or a stream of Server-Sent Events whose data lines are JSON.
    public func learn(body text: String) {
        if Self.looksLikeJSON(text) { learn(json: text); return }
        for line in Self.eventDataLines(text) { learn(json: String(line)) }
    }

    /// An HTTP body redacted: JSON as a document, a stream of Server-Sent Events line by line
    /// (each data line that is JSON as a document), any other text as text.
    public func redact(body text: String) -> String {
        if Self.looksLikeJSON(text) { return redact(document: text) }
        guard text.hasPrefix("data:") || text.contains("\ndata:") else { return redact(text) }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("data:") else { return line.hasPrefix(":") || line.isEmpty ? String(line) : redact(String(line)) }
            let payload = line.dropFirst(5).drop { $0 == " " }
            let prefix = line[..<payload.startIndex]
            let text = String(payload)
            let carriage = text.hasSuffix("\r")
            let content = carriage ? String(text.dropLast()) : text
            return prefix + (Self.looksLikeJSON(content) ? redact(document: content) : redact(content)) + (carriage ? "\r" : "")
        }.joined(separator: "\n")
    }

    private static func eventDataLines(_ text: String) -> [Substring] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("data:") else { return nil }
            return line.dropFirst(5).drop { $0 == " " }
        }
    }

    // MARK: Redacting

    /// `text` redacted: a JSON text as JSON (keys and values), any other text by the detectors,
    /// the patterns and the learned values.
    public func redact(_ text: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        return redactText(text)
    }

    /// `value` redacted throughout.
    public func redact(_ value: JSONValue) -> JSONValue {
        lock.lock()
        defer { lock.unlock() }
        // Through the same pass as a document; what it writes is JSON, so it reads back.
        let text = JSONWriter.compact(value)
        guard let redacted = redactDocument(text) else { return .string(book.token(for: text, kind: "withheld")) }
        return JSONValue(parsing: redacted) ?? .string(book.token(for: text, kind: "withheld"))
    }

    /// A JSON document (a status body, an event, a step's payload) redacted: written again as
    /// compact JSON. A text that does not parse is withheld whole: a body the redactor cannot
    /// read is one it cannot promise is clean.
    public func redact(document text: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        // Not remembered with the texts: the same text read as a text (a step's output that only
        // looks like JSON) is scanned as free text, while as a document it is withheld.
        return redactDocument(text) ?? book.token(for: text, kind: "withheld")
    }

    /// A run's parameters redacted: by name where a key rule matches it, else as text.
    public func redact(parameters: [String: String]) -> [String: String] {
        lock.lock()
        defer { lock.unlock() }
        var result: [String: String] = [:]
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            result[redactText(name)] = kind(ofKey: name, path: name).map { kind in pseudonym(value, kind: kind) } ?? redactText(value)
        }
        return result
    }

    private func pseudonym(_ text: String, kind: String) -> String {
        PseudonymBook.isPseudonym(text) || text.isEmpty ? text : book.token(for: text, kind: kind)
    }

    private func redactText(_ text: String) -> String {
        if text.isEmpty || PseudonymBook.isPseudonym(text) { return text }
        if let cached = memo[text] { return cached }
        var result: String
        if Self.looksLikeJSON(text), let redacted = redactDocument(text) {
            result = redacted
        } else {
            result = redactFreeText(text)
        }
        if result == text { result = text }
        remember(text, result)
        return result
    }

    /// A JSON text redacted in one pass (its layout kept), or `nil` when it is not JSON.
    private func redactDocument(_ text: String) -> String? {
        var copy = text
        let changed: [UInt8]?
        do {
            changed = try copy.withUTF8 { bytes throws -> [UInt8]? in
                var pass = JSONTextPass(bytes, mode: .redact, hooks: hooks(.redact))
                return try pass.run()
            }
        } catch {
            return nil
        }
        return changed.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// A value now found in text: what was redacted before it was known is redacted again when
    /// met again (a recording redacts its earlier files once it learns a name).
    private func newlyKnown(_ value: String) {
        triggers[Int(value.utf8.first!)] = true
        forget()
    }

    private func forget() {
        memo.removeAll(keepingCapacity: true)
        rawMemo.removeAll(keepingCapacity: true)
        memoBytes = 0
    }

    /// The redacted form of a JSON string's raw (escaped) inside met before: `.some(nil)` when it
    /// was left as it is, `.some(bytes)` the string to write instead (quotes included).
    private func remembered(raw: UnsafeBufferPointer<UInt8>) -> [UInt8]?? {
        guard let entries = rawMemo[Self.hash(raw)] else { return nil }
        for entry in entries where entry.raw.count == raw.count && entry.raw.withUnsafeBufferPointer({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }) {
            return .some(entry.result)
        }
        return nil
    }

    private func remember(raw: UnsafeBufferPointer<UInt8>, result: [UInt8]?) {
        guard raw.count >= 16, raw.count <= 64 << 10 else { return }
        memoBytes += raw.count + (result?.count ?? 0)
        if memoBytes > Self.memoLimit { forget() }
        rawMemo[Self.hash(raw), default: []].append(RawEntry(raw: Array(raw), result: result))
    }

    private static func hash(_ raw: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(raw))
        return hasher.finalize()
    }

    private struct RawEntry {
        var raw: [UInt8]
        var result: [UInt8]?
    }

    private func remember(_ text: String, _ result: String) {
        // A whole body seldom comes twice; its texts do, and are remembered one by one.
        guard text.utf8.count <= 64 << 10 else { return }
        memoBytes += text.utf8.count + result.utf8.count
        if memoBytes > Self.memoLimit {
            forget()
        }
        memo[text] = result
    }

    private func redactFreeText(_ text: String) -> String {
        var text = text
        var matches: [RedactionMatch] = []
        text.withUTF8 { bytes in
            if detectors.any { RedactionDetector.scan(bytes, with: detectors, into: &matches) }
            known.scan(bytes, into: &matches)
        }
        if !expressions.isEmpty {
            let whole = NSRange(text.startIndex..., in: text)
            for expression in expressions {
                for found in expression.matches(in: text, range: whole) where found.range.length > 0 {
                    guard let range = Range(found.range, in: text) else { continue }
                    matches.append(RedactionMatch(start: text.utf8.distance(from: text.utf8.startIndex, to: range.lowerBound),
                                                  end: text.utf8.distance(from: text.utf8.startIndex, to: range.upperBound), kind: "pattern"))
                }
            }
        }
        guard !matches.isEmpty else { return text }
        // The earliest match wins, the longest of those that start together; overlaps are one value.
        matches.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        text.withUTF8 { bytes in
            var copied = 0
            var index = 0
            while index < matches.count {
                var match = matches[index]
                index += 1
                guard match.start >= copied else { continue }
                while index < matches.count, matches[index].start < match.end {
                    match.end = max(match.end, matches[index].end)
                    index += 1
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<match.start]))
                let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[match.start..<match.end]), as: UTF8.self)
                output.append(contentsOf: book.token(for: value, kind: match.kind).utf8)
                copied = match.end
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func looksLikeJSON(_ text: String) -> Bool {
        for byte in text.utf8 {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): return true
            default: return false
            }
        }
        return false
    }
}

/// A key pattern of `RedactionRules.keys`: `*` any characters, `?` one, the rest without regard to case.
struct KeyPattern {
    private let pattern: [UInt8]
    /// A pattern with a dot is matched against the key's dotted path, one without against the key.
    let isPath: Bool

    init(_ text: String) {
        pattern = Array(text.lowercased().utf8)
        isPath = text.contains(".")
    }

    func matches(_ key: String) -> Bool {
        let text = Array(key.lowercased().utf8)
        var p = 0, t = 0, star = -1, resume = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p; resume = t; p += 1
            } else if star >= 0 {
                p = star + 1; resume += 1; t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
