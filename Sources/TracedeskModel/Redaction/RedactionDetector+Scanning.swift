import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value found in a text: its byte range in the UTF-8 and the kind of value it is.
struct RedactionMatch {
    var start: Int
    var end: Int
    var kind: String
}

extension RedactionDetector {
    /// Appends to `matches` what `detectors` find in `text`, a UTF-8 buffer.
    static func scan(_ text: UnsafeBufferPointer<UInt8>, with detectors: DetectorSet, into matches: inout [RedactionMatch]) {
        let count = text.count
        var index = 0
        while index < count {
            let byte = text[index]
            guard Self.interesting[Int(byte)] else { index += 1; continue }
            let boundary = index == 0 || !isWordByte(text[index - 1])
            if byte == UInt8(ascii: "@"), detectors.email, let match = email(at: index, in: text) {
                // The local part lies before the `@`: drop what an earlier match already took.
                while let last = matches.last, last.end > match.start { matches.removeLast() }
                matches.append(match)
                index = match.end
                continue
            }
            guard boundary else { index += 1; continue }
            if isDigit(byte) {
                if detectors.ssn, let end = ssn(at: index, in: text) { matches.append(.init(start: index, end: end, kind: "ssn")); index = end; continue }
                if detectors.ip, let end = ipv4(at: index, in: text) { matches.append(.init(start: index, end: end, kind: "ip")); index = end; continue }
                if detectors.card, let end = card(at: index, in: text) { matches.append(.init(start: index, end: end, kind: "card")); index = end; continue }
            }
            if detectors.ip, isHex(byte) || byte == UInt8(ascii: ":"), let end = ipv6(at: index, in: text) {
                matches.append(.init(start: index, end: end, kind: "ip")); index = end; continue
            }
            if detectors.phone, isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "("), let end = phone(at: index, in: text) {
                matches.append(.init(start: index, end: end, kind: "phone")); index = end; continue
            }
            if detectors.iban, isUpper(byte), let end = iban(at: index, in: text) {
                matches.append(.init(start: index, end: end, kind: "iban")); index = end; continue
            }
            if detectors.token, byte == UInt8(ascii: "e"), let end = jwt(at: index, in: text) {
                matches.append(.init(start: index, end: end, kind: "token")); index = end; continue
            }
            if detectors.token, byte | 0x20 == UInt8(ascii: "b"), let (start, end) = bearer(at: index, in: text) {
                matches.append(.init(start: start, end: end, kind: "token")); index = end; continue
            }
            // Nothing starts here: nor inside this number or word (the tail of a card number that
            // failed its check is no phone number).
            index += 1
            while index < count, isWordByte(text[index]) || (isDigit(byte) && index + 1 < count && isDigit(text[index + 1])
                                                             && (text[index] == UInt8(ascii: " ") || text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "."))) {
                index += 1
            }
        }
    }

    /// The detectors switched on, as flags read in the scanner's loop.
    struct DetectorSet {
        var email = false, phone = false, iban = false, card = false, ssn = false, ip = false, token = false

        init(_ detectors: [RedactionDetector]) {
            for detector in detectors {
                switch detector {
                case .email: email = true
                case .phone: phone = true
                case .iban: iban = true
                case .card: card = true
                case .ssn: ssn = true
                case .ip: ip = true
                case .token: token = true
                case .name: break
                }
            }
        }

        var any: Bool { email || phone || iban || card || ssn || ip || token }
    }

    /// Bytes a detector may start at (or, `@`, turn on).
    private static let interesting: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        return isDigit(byte) || isUpper(byte) || isHex(byte) || byte == UInt8(ascii: "@") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ":") || byte | 0x20 == UInt8(ascii: "b") || byte == UInt8(ascii: "e")
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66) }
    /// Letters, digits, `_` and every byte of a non-ASCII character: what a word is made of.
    static func isWordByte(_ byte: UInt8) -> Bool { isDigit(byte) || isUpper(byte) || isLower(byte) || byte == UInt8(ascii: "_") || byte >= 0x80 }

    private static func after(_ end: Int, in text: UnsafeBufferPointer<UInt8>) -> UInt8? { end < text.count ? text[end] : nil }

    // MARK: The scanners: each returns where its value ends (or starts and ends), else nil.

    private static func email(at: Int, in text: UnsafeBufferPointer<UInt8>) -> RedactionMatch? {
        func local(_ byte: UInt8) -> Bool {
            isDigit(byte) || isUpper(byte) || isLower(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
        }
        var start = at
        while start > 0, local(text[start - 1]) { start -= 1 }
        while start < at, text[start] == UInt8(ascii: ".") { start += 1 }
        guard start < at else { return nil }
        var end = at + 1
        while end < text.count, isDigit(text[end]) || isUpper(text[end]) || isLower(text[end]) || text[end] == UInt8(ascii: "-") || text[end] == UInt8(ascii: ".") {
            end += 1
        }
        while end > at + 1, text[end - 1] == UInt8(ascii: ".") || text[end - 1] == UInt8(ascii: "-") { end -= 1 }
        var lastDot = end - 1
        while lastDot > at, text[lastDot] != UInt8(ascii: ".") { lastDot -= 1 }
        guard lastDot > at + 1, end - lastDot - 1 >= 2 else { return nil }
        for position in (lastDot + 1)..<end where !(isUpper(text[position]) || isLower(text[position])) { return nil }
        return RedactionMatch(start: start, end: end, kind: "email")
    }

    /// Digit groups from `at`: digits with single separators from `separators` between them.
    private static func groups(at: Int, in text: UnsafeBufferPointer<UInt8>, separators: [UInt8]) -> (groups: [Int], separators: [UInt8], end: Int) {
        var groups: [Int] = []
        var used: [UInt8] = []
        var index = at
        while true {
            var digits = 0
            while index < text.count, isDigit(text[index]) { digits += 1; index += 1 }
            guard digits > 0 else { break }
            groups.append(digits)
            guard index + 1 < text.count, separators.contains(text[index]), isDigit(text[index + 1]) else { break }
            used.append(text[index])
            index += 1
        }
        return (groups, used, index)
    }

    private static func ssn(at: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        let found = groups(at: at, in: text, separators: [UInt8(ascii: "-")])
        guard found.groups == [3, 2, 4], !(after(found.end, in: text).map(isWordByte) ?? false) else { return nil }
        func number(_ from: Int, _ length: Int) -> Int { (from..<(from + length)).reduce(0) { $0 * 10 + Int(text[$1] - 0x30) } }
        let area = number(at, 3), group = number(at + 4, 2), serial = number(at + 7, 4)
        guard area != 0, area != 666, area < 900, group != 0, serial != 0 else { return nil }
        return found.end
    }

    private static func ipv4(at: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        let found = groups(at: at, in: text, separators: [UInt8(ascii: ".")])
        guard found.groups.count == 4, found.groups.allSatisfy({ $0 <= 3 }) else { return nil }
        // A version (Fusion's REST 11.13.18.05) writes a leading zero; an address does not.
        var start = at
        for length in found.groups {
            if length > 1, text[start] == UInt8(ascii: "0") { return nil }
            start += length + 1
        }
        if let next = after(found.end, in: text), isWordByte(next) { return nil }
        var index = at
        for length in found.groups {
            let value = (index..<(index + length)).reduce(0) { $0 * 10 + Int(text[$1] - 0x30) }
            guard value <= 255 else { return nil }
            index += length + 1
        }
        return found.end
    }

    private static func ipv6(at: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        var end = at
        var colons = 0, hexDigits = 0
        while end < text.count, end - at < 45, isHex(text[end]) || text[end] == UInt8(ascii: ":") || text[end] == UInt8(ascii: ".") {
            if text[end] == UInt8(ascii: ":") { colons += 1 } else if isHex(text[end]) { hexDigits += 1 }
            end += 1
        }
        while end > at, text[end - 1] == UInt8(ascii: ".") { end -= 1 }
        guard colons >= 2, end - at >= 3 else { return nil }
        if let next = after(end, in: text), isWordByte(next) { return nil }
        let candidate = String(decoding: UnsafeBufferPointer(rebasing: text[at..<end]), as: UTF8.self)
        guard hexDigits >= 4 || candidate == "::1" else { return nil }
        var address = in6_addr()
        return inet_pton(AF_INET6, candidate, &address) == 1 ? end : nil
    }

    private static func card(at: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        let found = groups(at: at, in: text, separators: [UInt8(ascii: " "), UInt8(ascii: "-")])
        if let next = after(found.end, in: text), isWordByte(next) { return nil }
        var digits: [Int] = []
        var index = at
        while index < found.end {
            if isDigit(text[index]) { digits.append(Int(text[index] - 0x30)) }
            index += 1
        }
        guard (13...19).contains(digits.count), found.separators.isEmpty || Set(found.separators).count == 1 else { return nil }
        let prefix = { (length: Int) in digits.prefix(length).reduce(0) { $0 * 10 + $1 } }
        let known: Bool = switch (digits.count, prefix(2)) {
        case (13, _) where digits[0] == 4, (16, _) where digits[0] == 4, (19, _) where digits[0] == 4: true // Visa
        case (16, 51...55): true // Mastercard
        case (16, 22...27): (2221...2720).contains(prefix(4))
        case (15, 34), (15, 37): true // American Express
        case (14, 30), (14, 36), (14, 38): prefix(2) != 30 || (300...305).contains(prefix(3)) // Diners
        case (16...19, 60), (16...19, 64), (16...19, 65): prefix(4) == 6011 || prefix(2) == 65 || (644...649).contains(prefix(3)) // Discover
        case (16...19, 35): (3528...3589).contains(prefix(4)) // JCB
        default: false
        }
        guard known else { return nil }
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            let value = offset % 2 == 1 ? digit * 2 : digit
            sum += value > 9 ? value - 9 : value
        }
        return sum % 10 == 0 ? found.end : nil
    }

    private static func phone(at: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        // Digits that go on from an identifier (JE-2026-03-0417, v1.2, #12) are part of it.
        if at > 0, [UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "#"), UInt8(ascii: "_")].contains(text[at - 1]) { return nil }
        var index = at
        let international = text[at] == UInt8(ascii: "+")
        if international { index += 1 }
        var digitCount = 0, groupSizes: [Int] = [], separators: [UInt8] = []
        var current = 0
        var open = false
        while index < text.count {
            let byte = text[index]
            if isDigit(byte) { current += 1; digitCount += 1; index += 1; continue }
            let next = index + 1 < text.count ? text[index + 1] : 0
            if byte == UInt8(ascii: "("), current == 0, !open, isDigit(next) { open = true; index += 1; continue }
            if byte == UInt8(ascii: ")"), open, current > 0 {
                open = false; groupSizes.append(current); current = 0; separators.append(byte); index += 1
                if index < text.count, text[index] == UInt8(ascii: " "), index + 1 < text.count, isDigit(text[index + 1]) { index += 1 }
                continue
            }
            if current > 0, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "."), isDigit(next) {
                groupSizes.append(current); current = 0; separators.append(byte); index += 1; continue
            }
            break
        }
        if current > 0 { groupSizes.append(current) }
        guard !open, let last = groupSizes.last, last > 0 else { return nil }
        if let next = after(index, in: text), isWordByte(next) { return nil }
        if international { return (8...15).contains(digitCount) && (groupSizes.count > 1 || digitCount >= 10) ? index : nil }
        guard (10...13).contains(digitCount), groupSizes.count >= 3 || separators.contains(UInt8(ascii: ")")), groupSizes.allSatisfy({ $0 <= 5 }) else { return nil }
        // Dates and times are not phone numbers: 2026-12-04 20, 04.12.2026 10.
        if groupSizes.count >= 3, groupSizes[0] == 4, groupSizes[1] == 2, groupSizes[2] == 2 { return nil }
        // A year and a month lead a period or document number (2026-03-0417), not a phone number.
        if groupSizes.count >= 2, groupSizes[0] == 4, groupSizes[1] == 2, text[at] == UInt8(ascii: "1") || text[at] == UInt8(ascii: "2") { return nil }
        if groupSizes.count >= 3, groupSizes[0] == 2, groupSizes[1] == 2, groupSizes[2] == 4 { return nil }
        if Set(separators) == [UInt8(ascii: ".")], groupSizes.count == 4 { return nil }
        return index
    }

    private static func iban(at: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard at + 4 < text.count, isUpper(text[at + 1]), isDigit(text[at + 2]), isDigit(text[at + 3]) else { return nil }
        var characters: [UInt8] = []
        var index = at
        var end = at
        while index < text.count, characters.count < 34 {
            let byte = text[index]
            if isDigit(byte) || isUpper(byte) { characters.append(byte); index += 1; end = index; continue }
            if byte == UInt8(ascii: " "), index + 1 < text.count, isDigit(text[index + 1]) || isUpper(text[index + 1]), characters.count % 4 == 0 { index += 1; continue }
            break
        }
        guard characters.count >= 15 else { return nil }
        if let next = after(end, in: text), isWordByte(next) { return nil }
        // Move the country and check digits to the end, letters to 10...35, and take it mod 97.
        var remainder = 0
        for byte in characters[4...] + characters[..<4] {
            if isDigit(byte) { remainder = (remainder * 10 + Int(byte - 0x30)) % 97 } else { remainder = (remainder * 100 + Int(byte - 0x41 + 10)) % 97 }
        }
        return remainder == 1 ? end : nil
    }

    private static func jwt(at: Int, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard at + 3 < text.count, text[at + 1] == UInt8(ascii: "y"), text[at + 2] == UInt8(ascii: "J") else { return nil }
        func base64URL(_ byte: UInt8) -> Bool { isDigit(byte) || isUpper(byte) || isLower(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "=") }
        var index = at, dots = 0, segment = 0
        while index < text.count {
            if base64URL(text[index]) { segment += 1 } else if text[index] == UInt8(ascii: "."), dots < 2, segment > 0, index + 1 < text.count, base64URL(text[index + 1]) || dots == 1 {
                dots += 1; segment = 0
            } else { break }
            index += 1
        }
        return dots == 2 && index - at >= 20 ? index : nil
    }

    private static func bearer(at: Int, in text: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        let word = Array("bearer".utf8)
        guard at + word.count + 9 <= text.count else { return nil }
        for offset in 0..<word.count where text[at + offset] | 0x20 != word[offset] { return nil }
        var start = at + word.count
        guard text[start] == UInt8(ascii: " ") || text[start] == UInt8(ascii: "=") || text[start] == UInt8(ascii: ":") else { return nil }
        while start < text.count, text[start] == UInt8(ascii: " ") || text[start] == UInt8(ascii: "=") || text[start] == UInt8(ascii: ":") { start += 1 }
        func credential(_ byte: UInt8) -> Bool {
            isDigit(byte) || isUpper(byte) || isLower(byte) || [UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
                                                                UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "=")].contains(byte)
        }
        var end = start
        while end < text.count, credential(text[end]) { end += 1 }
        guard end - start >= 8 else { return nil }
        // A token has digits or mixed case; an English word after "bearer" does not.
        let token = UnsafeBufferPointer(rebasing: text[start..<end])
        guard token.contains(where: isDigit) || (token.contains(where: isUpper) && token.contains(where: isLower)) else { return nil }
        return (start, end)
    }
}
