import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A network failure in words: what a user can act on, not `NSURLErrorDomain error -1001`.
public enum NetworkFailure {
    public static func describe(_ error: any Error) -> String {
        if let error = error as? URLError {
            switch error.code {
            case .timedOut: return "no answer in time"
            case .cannotConnectToHost: return "the connection was refused"
            case .cannotFindHost, .dnsLookupFailed: return "the host name does not resolve"
            case .networkConnectionLost: return "the connection dropped before the answer was complete"
            case .notConnectedToInternet: return "this machine is not connected to a network"
            case .secureConnectionFailed: return "the TLS handshake failed"
            case .serverCertificateUntrusted, .serverCertificateHasUnknownRoot, .serverCertificateHasBadDate,
                 .serverCertificateNotYetValid:
                return "the server's TLS certificate is not trusted (a private CA? see --cacert)"
            case .badServerResponse: return "the answer was not HTTP"
            case .cancelled: return "cancelled"
            case .dataLengthExceedsMaximum: return "the answer was larger than allowed"
            case .httpTooManyRedirects: return "too many redirects"
            default: break
            }
        }
        let text = String(describing: error)
        if text.contains("Connection refused") { return "the connection was refused" }
        if text.contains("connectTimeout") || text.contains("readTimeout") || text.contains("deadlineExceeded") { return "no answer in time" }
        if text.contains("remoteConnectionClosed") { return "the connection dropped before the answer was complete" }
        return (error as? LocalizedError)?.errorDescription ?? text
    }
}
