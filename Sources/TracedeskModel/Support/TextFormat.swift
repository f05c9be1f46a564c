import Foundation

/// How Tracedesk writes durations, instants, counts and snippets for people.
public struct TextFormat: Sendable {
    /// The zone instants are shown in: the user's own by default, UTC in tests.
    public var timeZone: TimeZone {
        didSet { isUTC = Self.isUTC(timeZone) }
    }
    /// Whether `timeZone` is UTC, known once: asking a TimeZone costs more than writing an instant.
    private var isUTC: Bool

    public init(timeZone: TimeZone = .current) {
        self.timeZone = timeZone
        self.isUTC = Self.isUTC(timeZone)
    }

    /// `340 ms`, `26.8 s`, `4 min 05 s`, `2 h 03 min`.
    public static func duration(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "-" }
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        let seconds = Double(milliseconds) / 1000
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded(.down))
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }

    /// A duration to the millisecond, for step times side by side: `340 ms`, `12.345 s`,
    /// `4 min 05.120 s`, `2 h 03 min 05 s`.
    public static func preciseDuration(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "-" }
        if milliseconds < 0 { return "-" + preciseDuration(milliseconds == .min ? .max : -milliseconds) }
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        // Built from digits, not String(format:): a 6,000-step report writes two per step.
        let seconds = milliseconds / 1000, thousandths = padded(milliseconds % 1000, 3)
        if seconds < 60 { return "\(seconds).\(thousandths) s" }
        if seconds < 3600 { return "\(seconds / 60) min \(padded(seconds % 60, 2)).\(thousandths) s" }
        return "\(seconds / 3600) h \(padded((seconds % 3600) / 60, 2)) min \(padded(seconds % 60, 2)) s"
    }

    /// `value` (not negative) with leading zeros to `width` digits.
    static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `12.35`: a number with two decimals, for drawing (bar positions), without String(format:).
    public static func twoDecimals(_ value: Double) -> String {
        decimals(value, 2)
    }

    /// A number with `places` decimals (1 to 6), rounded half away from zero (where `%.*f` rounds
    /// the binary value, a tie such as 0.125 may come out a digit apart); `0` for what is not a
    /// finite number, and a number beyond 10^12 as Swift writes it.
    public static func decimals(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "0" }
        let places = min(max(places, 1), 6)
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        guard abs(value) < 1e12 else { return String(value) }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        return (value < 0 && scaled > 0 ? "-" : "") + "\(scaled / scale).\(padded(scaled % scale, places))"
    }

    /// A duration, to the millisecond.
    public static func duration(_ duration: Duration) -> String {
        Self.duration(milliseconds(duration))
    }

    /// A duration in whole milliseconds, saturating at the limits of `Int64`.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflowSum) = product.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return overflowSum ? (product < 0 ? .min : .max) : sum
    }

    /// `512 B`, `7.6 KiB`, `3.1 MiB`, `1.2 GiB`: a size in binary units, never "0.0 MB".
    public static func bytes(_ count: Int64) -> String {
        if count < 1024 { return "\(max(0, count)) B" }
        if count < 1 << 20 { return String(format: "%.1f KiB", Double(count) / 1024) }
        if count < 1 << 30 { return String(format: "%.1f MiB", Double(count) / 1_048_576) }
        return String(format: "%.1f GiB", Double(count) / 1_073_741_824)
    }


    /// `12,345`.
    public static func count(_ value: Int64) -> String {
        let digits = Array(String(value.magnitude).utf8)
        if digits.count <= 3 { return value < 0 ? "-" + String(decoding: digits, as: UTF8.self) : String(decoding: digits, as: UTF8.self) }
        var grouped: [UInt8] = value < 0 ? [UInt8(ascii: "-")] : []
        grouped.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(UInt8(ascii: ",")) }
            grouped.append(digit)
        }
        return String(decoding: grouped, as: UTF8.self)
    }

    /// `1,200 in / 340 out`, or `-` when both are zero.
    public static func tokens(_ usage: TokenUsage?) -> String {
        guard let usage, !usage.isZero else { return "-" }
        return "\(count(usage.input)) in / \(count(usage.output)) out"
    }

    /// `2026-03-12 18:50:43Z` in UTC, `2026-03-12 19:50:43 CET` in another zone.
    public func instant(_ milliseconds: Int64?) -> String {
        format(milliseconds, seconds: true)
    }

    /// `2026-03-12 18:50:43.207Z`: an instant to the millisecond, for a step's start and end
    /// and the moments bodies were seen, which often fall within one second.
    public func preciseInstant(_ milliseconds: Int64?) -> String {
        format(milliseconds, seconds: true, thousandths: true)
    }

    /// `2026-03-12 18:50Z` (or with the zone's abbreviation), for tables.
    public func shortInstant(_ milliseconds: Int64?) -> String {
        format(milliseconds, seconds: false)
    }

    /// Instants are written without a DateFormatter, which costs more to make than a report of
    /// thousands of steps spends on everything else.
    private func format(_ milliseconds: Int64?, seconds: Bool, thousandths: Bool = false) -> String {
        guard let milliseconds else { return "-" }
        guard (-Timestamp.latest...Timestamp.latest).contains(milliseconds) else { return "unknown (out of range)" }
        if isUTC { return Self.civil(milliseconds, seconds: seconds, thousandths: thousandths) + "Z" }
        let date = Date(milliseconds: milliseconds)
        let offset = Int64(timeZone.secondsFromGMT(for: date)) * 1000
        let zone = timeZone.abbreviation(for: date) ?? timeZone.identifier
        return Self.civil(milliseconds + offset, seconds: seconds, thousandths: thousandths) + " " + zone
    }

    private static func isUTC(_ timeZone: TimeZone) -> Bool {
        timeZone.secondsFromGMT() == 0 && ["UTC", "GMT", "Etc/UTC", "Etc/GMT"].contains(timeZone.identifier)
    }

    /// `2026-03-12 18:50:43Z`: the UTC form, for reports.
    static func utc(_ milliseconds: Int64, seconds: Bool) -> String {
        guard (-Timestamp.latest...Timestamp.latest).contains(milliseconds) else { return "unknown (out of range)" }
        return civil(milliseconds, seconds: seconds) + "Z"
    }

    /// `2026-03-12 18:50:43` of the instant `milliseconds` after the epoch, as if it were UTC.
    static func civil(_ milliseconds: Int64, seconds: Bool, thousandths: Bool = false) -> String {
        // Floor division, so that an instant before 1970 falls in the right second and day.
        let totalSeconds = milliseconds >= 0 ? milliseconds / 1000 : -((-milliseconds + 999) / 1000)
        let days = totalSeconds >= 0 ? totalSeconds / 86_400 : -((-totalSeconds + 86_399) / 86_400)
        let secondOfDay = Int(totalSeconds - days * 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: Int(days))
        // Digits into bytes: a report writes two instants for each of thousands of steps.
        var bytes: [UInt8] = Array(String(year).utf8)
        bytes.reserveCapacity(bytes.count + 15)
        func two(_ separator: Character, _ value: Int) {
            bytes.append(UInt8(ascii: separator.unicodeScalars.first!))
            bytes.append(UInt8(truncatingIfNeeded: 0x30 + value / 10))
            bytes.append(UInt8(truncatingIfNeeded: 0x30 + value % 10))
        }
        two("-", month)
        two("-", day)
        two(" ", secondOfDay / 3600)
        two(":", secondOfDay % 3600 / 60)
        if seconds { two(":", secondOfDay % 60) }
        if seconds && thousandths {
            let fraction = Int(milliseconds - totalSeconds * 1000)
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(truncatingIfNeeded: 0x30 + fraction / 100))
            bytes.append(UInt8(truncatingIfNeeded: 0x30 + fraction / 10 % 10))
            bytes.append(UInt8(truncatingIfNeeded: 0x30 + fraction % 10))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
    static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The text on one line, cut to `width` characters with an ellipsis.
    /// `text` as one word of a POSIX shell command: as it is when it needs no quoting, else in
    /// single quotes (a single quote inside written `'\''`).
    public static func shellWord(_ text: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-")
        if !text.isEmpty, text.allSatisfy(plain.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `both runs`, `all 3 runs`, `its only run`: every one of a count of things, as said.
    public static func every(_ count: Int, _ noun: String) -> String {
        switch count {
        case 1: "its only \(noun)"
        case 2: "both \(noun)s"
        default: "all \(count) \(noun)s"
        }
    }

    public static func snippet(_ text: String?, width: Int) -> String {
        guard let text else { return "" }
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
            .replacingOccurrences(of: "\t", with: " ")
        guard line.count > width, width > 1 else { return line }
        return String(line.prefix(width - 1)) + "…"
    }

    /// The text on one line: line breaks and tabs as spaces.
    public static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline || $0 == "\t" }) else { return text }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ").replacingOccurrences(of: "\t", with: " ")
    }

    /// Pads or cuts `text` to exactly `width` characters.
    public static func cell(_ text: String, _ width: Int, alignRight: Bool = false) -> String {
        let cut = text.count > width ? String(text.prefix(max(0, width - 1))) + "…" : text
        let padding = String(repeating: " ", count: max(0, width - cut.count))
        return alignRight ? padding + cut : cut + padding
    }
}
