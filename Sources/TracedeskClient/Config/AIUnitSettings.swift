import Foundation
import TracedeskModel

/// AI-unit rates written in `config.toml`, for pods whose feature configuration cannot be read
/// (or to override it):
///
/// ```toml
/// [ai_units]
/// token_multiplier = 0.001
///
/// [ai_units.multipliers]      # by model type
/// premium = 2.5
/// standard = 1
///
/// [ai_units.model_types]      # model type = the model names of that type, comma-separated
/// premium = "cohere.command-r-plus-08-2024, openai.gpt-5-mini"
/// ```
public enum AIUnitSettings {
    /// The rates of the configuration file, or `nil` when it has no `[ai_units]` table.
    public static func load(environment: [String: String]) throws(TracedeskError) -> AIUnitRates? {
        let path = UserPaths(environment: environment).configFile
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let file = try ConfigFile(text: String(decoding: data, as: UTF8.self), origin: path)
        guard let table = file.tables["ai_units"] else { return nil }
        guard let token = table["token_multiplier"]?.number, token >= 0 else {
            throw .badInput("\(path): [ai_units] needs token_multiplier, a number (0.001 for a unit per thousand tokens)")
        }
        var multipliers: [String: Double] = [:]
        for (type, value) in file.tables["ai_units.multipliers"] ?? [:] {
            guard let number = value.number, number >= 0 else { throw .badInput("\(path): [ai_units.multipliers] \(type) is not a number") }
            multipliers[type] = number
        }
        var modelTypes: [String: String] = [:]
        for (type, value) in file.tables["ai_units.model_types"] ?? [:] {
            for name in value.text.split(separator: ",") { modelTypes[name.trimmingCharacters(in: .whitespaces)] = type }
        }
        return AIUnitRates(tokenMultiplier: token, typeMultipliers: multipliers, modelTypes: modelTypes, source: path)
    }
}
