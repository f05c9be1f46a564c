import Foundation

/// A built-in detector of personal or secret values in text, by name (`detectors = ["email"]`).
///
/// Each finds its values in free text with a scanner of its own (no regular expression), strict
/// enough that the numbers a run is made of (token counts, timings, Fusion's 15-digit ids,
/// timestamps, versions) are not taken for personal values. `name` works by key instead: the
/// values of the fields Fusion keeps person names in, which are then found in text too.
public enum RedactionDetector: String, Sendable, CaseIterable, Hashable {
    /// `local@domain.tld`.
    case email
    /// An international number (`+44 20 7946 0958`) or a grouped national one of 10 to 13 digits
    /// (`(555) 123-4567`, `020 7946 0958`); dates are not phone numbers.
    case phone
    /// An IBAN whose check digits hold (mod 97), with or without spaces between its groups.
    case iban
    /// A payment card number of a known network's prefix and length whose Luhn check holds.
    case card
    /// A US social security number `AAA-GG-SSSS` of a valid area, group and serial.
    case ssn
    /// An IPv4 or IPv6 address.
    case ip
    /// A JWT (`eyJ….….…`), or the credential after `Bearer `.
    case token
    /// Person names: the values of `DisplayName`, `FirstName`, `LastName`, `FullName` (and
    /// `MiddleName`, `KnownAs`, `ListName`, `PersonName`) anywhere, and each of their words
    /// wherever it appears.
    case name

    /// The keys whose values `name` takes for person names, lowercased.
    public static let nameKeys: Set<String> = [
        "displayname", "firstname", "lastname", "fullname", "middlename", "knownas", "listname", "personname",
    ]
}
