import Foundation
import TracedeskClient
import TracedeskHistory
import TracedeskModel

/// Which AI-unit rates a followed run is counted with: config.toml's `[ai_units]` when it has
/// one, else the pod's feature configuration, read at most once a day and kept in the history.
/// A pod whose configuration cannot be read leaves the units unknown, with one warning.
public enum AIUnitRatesLookup {
    /// How long rates read from a pod are used before they are read again.
    public static let freshFor: Int64 = 24 * 3_600_000

    public static func rates(for client: AgentClient, store: HistoryStore, in context: CommandContext) async throws(TracedeskError) -> AIUnitRates? {
        if let configured = try AIUnitSettings.load(environment: context.environment) { return configured }
        let pod = client.pod.absoluteString
        let now = context.clock.now()
        if let kept = try? store.aiUnitRates(pod: pod), now - kept.fetchedAt < freshFor { return kept.rates }
        do {
            guard let rates = try await client.aiUnitRates() else {
                try? context.warn("AI units are unknown: the pod's feature configuration gives no ACTION_UNITS_REPORTING rates (set [ai_units] in config.toml)")
                return nil
            }
            try? store.storeAIUnitRates(rates, pod: pod, at: now)
            return rates
        } catch {
            if error.kind == .interrupted { throw error }
            try? context.warn("AI units are unknown: the pod's feature configuration cannot be read (\(error.message)); set [ai_units] in config.toml")
            return nil
        }
    }
}
