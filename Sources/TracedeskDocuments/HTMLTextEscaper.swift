import CLibXML2
import Foundation

/// Escapes text for HTML exactly as libxml2's HTML serialiser escapes a text node, and puts
/// such texts into serialised output in place of their markers (`HTMLDocument.bulkText`).
///
/// libxml2 (2.9, `xmlEncodeEntitiesReentrant` on an HTML document with an encoding) writes
/// `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`; tab, line feed, carriage return, the rest of
/// ASCII from space up and every byte of a multi-byte UTF-8 character as they are; and drops the
/// other control characters. A test holds this to libxml2's own output for the same texts.
enum HTMLTextEscaper {
    /// How many bytes `text` takes once escaped.
    static func escapedCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var total = 0
        scan(bytes) { run in total += run.count } special: { byte in total += Self.replacement(byte).count }
        return total
    }

    /// Writes the escaped `bytes` at `target`, which has room for `escapedCount(bytes)`; returns that count.
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, to target: UnsafeMutablePointer<UInt8>) -> Int {
        var written = 0
        scan(bytes) { run in
            (target + written).update(from: run.baseAddress!, count: run.count)
            written += run.count
        } special: { byte in
            let replacement = Self.replacement(byte)
            (target + written).update(from: replacement, count: replacement.count)
            written += replacement.count
        }
        return written
    }

    /// Appends `text` escaped as libxml2 escapes a text node, up to a NUL if it holds one (libxml2
    /// reads a text node's content as a C string).
    static func appendText(_ text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            let end = memchr(base, 0, bytes.count).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? bytes.count
            scan(UnsafeBufferPointer(start: base, count: end)) { run in
                output.append(contentsOf: run)
            } special: { byte in
                output.append(contentsOf: replacement(byte))
            }
        }
    }

    /// Appends `value` escaped as libxml2 escapes an attribute value (`xmlAttrSerializeTxtContent`
    /// for a document in UTF-8): `&`, `<`, `>` and `"` as entities, tab, line feed and carriage
    /// return as character references, everything else as it is, up to a NUL.
    static func appendAttribute(_ value: String, to output: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case 0x00: return
            case 0x26: output.append(contentsOf: ampersand)
            case 0x3C: output.append(contentsOf: lessThan)
            case 0x3E: output.append(contentsOf: greaterThan)
            case 0x22: output.append(contentsOf: quote)
            case 0x0A: output.append(contentsOf: lineFeed)
            case 0x0D: output.append(contentsOf: carriageReturn)
            case 0x09: output.append(contentsOf: tab)
            default: output.append(byte)
            }
        }
    }

    static let quote = Array("&quot;".utf8)
    static let lineFeed = Array("&#10;".utf8)
    static let carriageReturn = Array("&#13;".utf8)
    static let tab = Array("&#9;".utf8)

    /// libxml2's own escaping of `text` as a text node's content and as an attribute value, the
    /// references the escapers above are held to (by the tests).
    static func libxml2Escaping(_ text: String) -> (text: [UInt8], attribute: [UInt8]) {
        LibXML2.initialise()
        let document = htmlNewDocNoDtD(nil, nil)!
        defer { xmlFreeDoc(document) }
        document.pointee.encoding = "UTF-8".withXMLString { UnsafePointer(xmlStrdup($0)) }
        var escapedText: [UInt8] = []
        if let escaped = text.withXMLString({ xmlEncodeEntitiesReentrant(document, $0) }) {
            escapedText = Array(UnsafeBufferPointer(start: escaped, count: Int(xmlStrlen(escaped))))
            clx_free(escaped)
        }
        let buffer = xmlBufferCreate()!
        defer { xmlBufferFree(buffer) }
        text.withXMLString { xmlAttrSerializeTxtContent(buffer, document, nil, $0) }
        let attribute = Array(UnsafeBufferPointer(start: xmlBufferContent(buffer), count: Int(xmlBufferLength(buffer))))
        return (escapedText, attribute)
    }

    /// What libxml2 writes for a byte that is not copied: an entity, or nothing for a control character.
    @inline(__always)
    static func replacement(_ byte: UInt8) -> [UInt8] {
        switch byte {
        case 0x26: ampersand
        case 0x3C: lessThan
        case 0x3E: greaterThan
        default: []
        }
    }

    /// Walks `bytes` as runs to copy and single bytes to replace.
    ///
    /// Eight bytes are tested at a time (SWAR): a word with no `&`, `<`, `>` and no control
    /// character is part of a run that is copied whole. Status bodies are megabytes of such runs.
    @inline(__always)
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, run: (UnsafeBufferPointer<UInt8>) -> Void, special: (UInt8) -> Void) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var start = 0
        var index = 0
        while index < count {
            if count - index >= 8, !mayNeedEscaping(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
                index += 8
                continue
            }
            let byte = base[index]
            if byte > 0x3E || (byte >= 0x20 && byte != 0x26 && byte != 0x3C && byte != 0x3E) || byte == 0x0A || byte == 0x09 || byte == 0x0D {
                index += 1
                continue
            }
            if index > start { run(UnsafeBufferPointer(start: base + start, count: index - start)) }
            special(byte)
            index += 1
            start = index
        }
        if count > start { run(UnsafeBufferPointer(start: base + start, count: count - start)) }
    }

    /// Whether any of the eight bytes of `word` may be `&`, `<`, `>` or below space (false
    /// positives are allowed: those bytes are then looked at one by one).
    @inline(__always)
    static func mayNeedEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let belowSpace = (word &- 0x2020_2020_2020_2020) & ~word & highs
        return (belowSpace | hasZeroByte(word ^ (ones &* 0x26)) | hasZeroByte(word ^ (ones &* 0x3C)) | hasZeroByte(word ^ (ones &* 0x3E))) != 0
    }

    static let ampersand = Array("&amp;".utf8)
    static let lessThan = Array("&lt;".utf8)
    static let greaterThan = Array("&gt;".utf8)

    /// What takes a marker's place: a text, escaped on the way, or markup an `HTMLWriter` wrote, copied.
    enum Splice {
        case text(String)
        case markup([UInt8])
    }

    /// `written` with each comment `<!--MARKER-N-->` replaced by `splices[N]`, written in place
    /// into one buffer of the exact size: a 25 MiB report is not copied from buffer to buffer.
    ///
    /// Comments are written by libxml2 as they are, so a marker appears in the output exactly as
    /// it was put in the tree; a marker whose number is not one of `splices` is left as it is.
    static func splice(_ splices: [Splice], marker: String, into written: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let opening = Array("<!--\(marker)-".utf8)
        let closing = Array("-->".utf8)
        // Where each marker stands, and what the whole comes to.
        var places: [(start: Int, end: Int, splice: Int)] = []
        var position = 0
        while let found = find(opening, in: written, from: position) {
            var index = found + opening.count
            var number = 0
            var digits = 0
            while index < written.count, (0x30...0x39).contains(written[index]), digits < 9 {
                number = number * 10 + Int(written[index] - 0x30)
                index += 1
                digits += 1
            }
            position = found + opening.count
            guard digits > 0, number < splices.count, let end = find(closing, in: written, from: index), end == index else { continue }
            places.append((found, end + closing.count, number))
            position = end + closing.count
        }
        var texts = splices.map { splice -> String? in if case .text(let text) = splice { text } else { nil } }
        var sizes = [Int](repeating: 0, count: splices.count)
        for (index, splice) in splices.enumerated() {
            switch splice {
            case .text: sizes[index] = texts[index]!.withUTF8 { escapedCount($0) }
            case .markup(let markup): sizes[index] = markup.count
            }
        }
        let total = written.count + places.reduce(0) { $0 - ($1.end - $1.start) + sizes[$1.splice] }
        return [UInt8](unsafeUninitializedCapacity: total) { target, initialized in
            var out = 0
            var from = 0
            func copy(_ bytes: UnsafeBufferPointer<UInt8>) {
                guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
                (target.baseAddress! + out).update(from: source, count: bytes.count)
                out += bytes.count
            }
            for place in places {
                copy(UnsafeBufferPointer(rebasing: written[from..<place.start]))
                switch splices[place.splice] {
                case .text: out += texts[place.splice]!.withUTF8 { write($0, to: target.baseAddress! + out) }
                case .markup(let markup): markup.withUnsafeBufferPointer { copy($0) }
                }
                from = place.end
            }
            copy(UnsafeBufferPointer(rebasing: written[from..<written.count]))
            initialized = out
        }
    }

    /// The offset of the first occurrence of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, let base = haystack.baseAddress else { return nil }
        var position = start
        while haystack.count - position >= needle.count {
            // memchr finds the first byte at memory speed; the rest is compared in place.
            guard let hit = memchr(base + position, Int32(first), haystack.count - position - needle.count + 1) else { return nil }
            let offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + offset, needle, needle.count) == 0 { return offset }
            position = offset + 1
        }
        return nil
    }
}
