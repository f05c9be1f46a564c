import Foundation

extension String.UTF8View {
    /// Whether `needle` occurs in the text: a plain byte search (Foundation's `contains` goes
    /// through NSString), for finding a key in a large item's text before parsing it.
    public func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        // A bridged string is not contiguous; a native copy is.
        return withContiguousStorageIfAvailable { Self.find(needle, in: $0) }
            ?? String(decoding: self, as: UTF8.self).utf8.contains(bytes: needle)
    }

    private static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = 1
                while matched < needle.count, haystack[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            index += 1
        }
        return false
    }
}
