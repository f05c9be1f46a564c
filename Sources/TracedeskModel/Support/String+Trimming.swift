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

    /// The first byte that is not ASCII whitespace, if any.
    @inlinable
    var firstNonBlankByte: UInt8? {
        utf8.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
    }
}
