import Foundation

/// Reads the several ways a Fusion body writes an instant into epoch milliseconds.
///
/// `startDate` and `endTime` are epoch milliseconds, with `0` while a run has not ended;
/// `createDate` and `endDate` are ISO 8601 with a `+0000` offset, with the epoch itself while a
/// run has not ended. Both "not yet" markers read as `nil`. Numbers below 10^11 are taken as
/// seconds, since no millisecond instant after 1973 is that small.
public enum Timestamp {
    /// Epoch milliseconds from a number, a numeric string or an ISO 8601 string; `nil` for "not yet".
    public static func milliseconds(_ value: JSONValue?) -> Int64? {
        guard let value else { return nil }
        if case .string(let text) = value {
            if let number = Double(text.trimmingCharacters(in: .whitespaces)) {
                return milliseconds(.number(number))
            }
            return parseISO8601(text)
        }
        guard let number = value.doubleValue, number.isFinite, number > 0 else { return nil }
        let milliseconds = number < 1e11 ? number * 1000 : number
        return Int64(milliseconds.rounded())
    }

    /// Epoch milliseconds of an ISO 8601 text (`2026-03-12T18:50:43.081+0000`, `...Z`, `...+00:00`,
    /// with or without fractional seconds); `nil` for the epoch or for text that is not a date.
    public static func parseISO8601(_ text: String) -> Int64? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        // Foundation's ISO 8601 parser wants a colon in the offset: +0000 becomes +00:00.
        if let match = trimmed.range(of: #"[+-]\d{4}$"#, options: .regularExpression) {
            let offset = trimmed[match]
            trimmed.replaceSubrange(match, with: "\(offset.prefix(3)):\(offset.suffix(2))")
        }
        for formatter in formatters {
            if let date = formatter.date(from: trimmed) {
                let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
                return milliseconds > 0 ? milliseconds : nil
            }
        }
        return nil
    }

    private static var formatters: [ISO8601DateFormatter] {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return [withFraction, plain]
    }
}

extension Date {
    /// The instant `milliseconds` after the Unix epoch.
    public init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Milliseconds since the Unix epoch.
    public var epochMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
