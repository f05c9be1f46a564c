import Foundation

/// Reads the several ways a Fusion body writes an instant into epoch milliseconds.
///
/// `startDate` and `endTime` are epoch milliseconds, with `0` while a run has not ended;
/// `createDate` and `endDate` are ISO 8601 with a `+0000` offset, with the epoch itself while a
/// run has not ended. Both "not yet" markers read as `nil`. Numbers below 10^11 are taken as
/// seconds, since no millisecond instant after 1973 is that small. An instant outside the years
/// 1970 to 9999 is not a real one and reads as `nil` (unknown), never as a wrapped number.
public enum Timestamp {
    /// The last millisecond of the year 9999.
    public static let latest: Int64 = 253_402_300_799_999

    /// Epoch milliseconds from a number, a numeric string or an ISO 8601 string; `nil` for "not yet".
    /// The longest duration believed, in ms (a century): longer is not a duration a pod means.
    public static let longestDuration: Int64 = 3_155_760_000_000

    /// A duration in ms as a pod wrote it, when it is one: 0 up to a century; else unknown.
    public static func duration(_ value: JSONValue?) -> Int64? {
        guard let number = value?.int64Value, (0...longestDuration).contains(number) else { return nil }
        return number
    }

    public static func milliseconds(_ value: JSONValue?) -> Int64? {
        guard let value else { return nil }
        switch value {
        case .integer(let number):
            guard number > 0 else { return nil }
            let milliseconds = number < 100_000_000_000 ? number * 1000 : number
            return milliseconds <= latest ? milliseconds : nil
        case .number(let number):
            return milliseconds(fromNumber: number)
        case .string(let text):
            let trimmed = text.trimmedOfBlanks
            if let integer = Int64(trimmed) { return milliseconds(.integer(integer)) }
            if let number = Double(trimmed) { return milliseconds(fromNumber: number) }
            return parseISO8601(trimmed)
        default:
            return nil
        }
    }

    private static func milliseconds(fromNumber number: Double) -> Int64? {
        guard number.isFinite, number > 0 else { return nil }
        let milliseconds = number < 1e11 ? number * 1000 : number
        guard milliseconds <= Double(latest) else { return nil }
        return Int64(milliseconds.rounded())
    }

    /// Epoch milliseconds of an ISO 8601 text (`2026-03-12T18:50:43.081+0000`, `...Z`, `...+00:00`,
    /// with or without fractional seconds, `T` or a space); `nil` for the epoch or for text that is
    /// not a date. Read digit by digit: no formatter is made.
    public static func parseISO8601(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + count)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += count
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var milliseconds = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            index += 1
            var scale = 100
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if scale > 0 { milliseconds += Int(bytes[index] - 0x30) * scale }
                scale /= 10
                index += 1
                digits += 1
            }
            guard digits > 0 else { return nil }
        }
        var offsetSeconds = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            index += 1
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            _ = expect(":")
            guard let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        let result = seconds * 1000 + Int64(milliseconds)
        return result > 0 && result <= latest ? result : nil
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension Date {
    /// The instant `milliseconds` after the Unix epoch.
    public init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Milliseconds since the Unix epoch (saturating far outside the years a run can have).
    public var epochMilliseconds: Int64 {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite else { return 0 }
        if milliseconds >= 9.2e18 { return .max }
        if milliseconds <= -9.2e18 { return .min }
        return Int64(milliseconds)
    }
}
