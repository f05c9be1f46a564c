/// Finds learned values (a `PersonNumber`, a `FirstName`) wherever they appear in free text, as
/// whole words: indexed by their first byte, longest first, so a text is read once.
struct KnownValues {
    /// Shorter values are too likely to be parts of other words or numbers to find in text.
    static let minimumLength = 3
    private var byFirstByte: [[[UInt8]]] = Array(repeating: [], count: 256)
    private(set) var isEmpty = true

    /// Adds `value`; false when it is too short to be found in text, or known already.
    @discardableResult
    mutating func add(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= Self.minimumLength, !byFirstByte[Int(bytes[0])].contains(bytes) else { return false }
        byFirstByte[Int(bytes[0])].append(bytes)
        byFirstByte[Int(bytes[0])].sort { $0.count > $1.count }
        isEmpty = false
        return true
    }

    /// Appends a match for each known value in `text`, whole words only.
    func scan(_ text: UnsafeBufferPointer<UInt8>, into matches: inout [RedactionMatch]) {
        guard !isEmpty else { return }
        var index = 0
        let count = text.count
        while index < count {
            let candidates = byFirstByte[Int(text[index])]
            if candidates.isEmpty { index += 1; continue }
            var matched = false
            for value in candidates where value.count <= count - index {
                if RedactionDetector.isWordByte(value[0]), index > 0, RedactionDetector.isWordByte(text[index - 1]) { break }
                var equal = true
                for offset in 1..<value.count where text[index + offset] != value[offset] { equal = false; break }
                guard equal else { continue }
                let end = index + value.count
                if RedactionDetector.isWordByte(value[value.count - 1]), end < count, RedactionDetector.isWordByte(text[end]) { continue }
                matches.append(RedactionMatch(start: index, end: end, kind: "known"))
                index = end
                matched = true
                break
            }
            if !matched { index += 1 }
        }
    }
}
