import Foundation

/// Reads the `--since` argument: a relative age (`30m`, `12h`, `3d`, `2w`), `today`,
/// `yesterday`, a date (`2026-03-12`, midnight in the given zone), or an ISO 8601 instant.
public enum SinceParser {
    /// The instant, in epoch milliseconds, that `text` names; `nil` when it names none.
    public static func parse(_ text: String, now: Date = Date(), timeZone: TimeZone = .current) -> Int64? {
        let word = text.trimmingCharacters(in: .whitespaces).lowercased()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        switch word {
        case "today": return calendar.startOfDay(for: now).epochMilliseconds
        case "yesterday":
            return calendar.date(byAdding: .day, value: -1, to: calendar.startOfDay(for: now))?.epochMilliseconds
        default: break
        }
        if let unit = word.last, let amount = Double(word.dropLast()), amount >= 0 {
            let seconds: Double? = switch unit {
            case "s": amount
            case "m": amount * 60
            case "h": amount * 3600
            case "d": amount * 86_400
            case "w": amount * 604_800
            default: nil
            }
            if let seconds { return now.addingTimeInterval(-seconds).epochMilliseconds }
        }
        let parts = word.split(separator: "-", omittingEmptySubsequences: false)
        if word.count == 10, parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]),
           let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day),
           let midnight = calendar.date(from: DateComponents(year: year, month: month, day: day)) {
            return midnight.epochMilliseconds
        }
        return Timestamp.parseISO8601(text)
    }
}
