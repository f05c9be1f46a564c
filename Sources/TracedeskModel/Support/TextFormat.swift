import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How Tracedesk writes durations, instants, counts and snippets for people.
public struct TextFormat: Sendable {
    /// The zone instants are shown in: the user's own by default, UTC in tests.
    public var timeZone: TimeZone

    public init(timeZone: TimeZone = .current) {
        self.timeZone = timeZone
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

    /// `12,345`.
    public static func count(_ value: Int64) -> String {
        var digits = String(value.magnitude)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    /// `1,200 in / 340 out`, or `-` when both are zero.
    public static func tokens(_ usage: TokenUsage) -> String {
        usage.isZero ? "-" : "\(count(usage.input)) in / \(count(usage.output)) out"
    }

    /// `2026-03-12 18:50:43` in the chosen zone (with the zone's abbreviation when not UTC).
    public func instant(_ milliseconds: Int64?) -> String {
        format(milliseconds, pattern: "yyyy-MM-dd HH:mm:ss")
    }

    /// `2026-03-12 18:50` in the chosen zone, for tables.
    public func shortInstant(_ milliseconds: Int64?) -> String {
        format(milliseconds, pattern: "yyyy-MM-dd HH:mm")
    }

    private func format(_ milliseconds: Int64?, pattern: String) -> String {
        guard let milliseconds else { return "-" }
        if isUTC { return Self.utc(milliseconds, seconds: pattern.hasSuffix("ss")) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = pattern + " zzz"
        return formatter.string(from: Date(milliseconds: milliseconds))
    }

    private var isUTC: Bool {
        timeZone.secondsFromGMT() == 0 && ["UTC", "GMT", "Etc/UTC", "Etc/GMT"].contains(timeZone.identifier)
    }

    /// `2026-03-12 18:50:43Z` without a DateFormatter, which costs more to make than a report
    /// of thousands of steps spends on everything else.
    static func utc(_ milliseconds: Int64, seconds: Bool) -> String {
        // Floor division, so that an instant before 1970 falls in the right second.
        var time = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let date = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
        let time_ = "\(two(parts.tm_hour)):\(two(parts.tm_min))" + (seconds ? ":\(two(parts.tm_sec))" : "")
        return "\(date) \(time_)Z"
    }

    /// The text on one line, cut to `width` characters with an ellipsis.
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
