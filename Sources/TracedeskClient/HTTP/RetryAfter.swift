import Foundation
import TracedeskModel

/// A `Retry-After` header read safely: a number of seconds (finite, not negative) or an HTTP
/// date, capped at a day. Anything else (`1e300`, `inf`, `nan`, a word) is no advice at all.
public enum RetryAfter {
    public static let maximum: Duration = .seconds(86_400)

    /// The wait `text` asks for, from `now` (epoch ms) for a date.
    public static func parse(_ text: String, now: Int64) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) {
            guard seconds.isFinite, seconds >= 0 else { return nil }
            return seconds >= 86_400 ? maximum : .milliseconds(Int64((seconds * 1000).rounded()))
        }
        guard let date = httpDate(trimmed) else { return nil }
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded()) - now
        return milliseconds <= 0 ? .zero : min(.milliseconds(milliseconds), maximum)
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form HTTP servers send.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])),
              let year = Int(parts[3]), (1970...9999).contains(year), (1...31).contains(day) else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2]) else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month + 1, day)
        (components.hour, components.minute, components.second) = (clock[0], clock[1], clock[2])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }
}
