import Foundation

extension String {
    /// The string without leading and trailing ASCII whitespace (space, tab, CR, LF).
    ///
    /// Foundation's `trimmingCharacters(in:)` bridges to `NSString` and back, which showed up
    /// among the largest costs of reading bodies; pod text is trimmed of ASCII blanks only.
    @inlinable
    public var trimmedOfBlanks: String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return self }
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard isBlank(first) || isBlank(last) else { return self }
        guard let start = utf8.firstIndex(where: { !isBlank($0) }) else { return "" }
        let end = utf8.lastIndex(where: { !isBlank($0) })!
        return String(self[start...end])
    }

    /// Whether the string is `word` with ASCII letters in any case (`"start"` is `START`), without
    /// making an upper-cased copy: a report asks this of every step several times.
    @inlinable
    public func equalsIgnoringCase(_ word: StaticString) -> Bool {
        word.withUTF8Buffer { expected in
            guard utf8.count == expected.count else { return false }
            var index = 0
            for byte in utf8 {
                let folded = (0x61...0x7A).contains(byte) ? byte - 0x20 : byte
                let wanted = (0x61...0x7A).contains(expected[index]) ? expected[index] - 0x20 : expected[index]
                if folded != wanted { return false }
                index += 1
            }
            return true
        }
    }

    /// The first byte that is not ASCII whitespace, if any.
    @inlinable
    var firstNonBlankByte: UInt8? {
        utf8.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
    }
}
