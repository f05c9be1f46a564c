import Foundation

extension VersionScenario {
    /// This version as one job runs it: durations, tokens and answer drawn within `variation`.
    func varied(by variation: VariationScenario, using random: inout SeededGenerator) -> VersionScenario {
        var copy = self
        let durationSpread = variation.durationSpread ?? 0
        let tokenFactor = 1 + Double.random(in: -(variation.tokenSpread ?? 0)...(variation.tokenSpread ?? 0), using: &random)
        func vary(_ steps: [StepScenario]) -> [StepScenario] {
            steps.map { step in
                var step = step
                if let duration = step.durationMs, durationSpread > 0 {
                    step.durationMs = Int((Double(duration) * (1 + Double.random(in: -durationSpread...durationSpread, using: &random))).rounded())
                }
                if let tokens = step.tokens {
                    step.tokens = TokenScenario(input: Int((Double(tokens.input) * tokenFactor).rounded()),
                                                output: Int((Double(tokens.output) * tokenFactor).rounded()),
                                                reasoning: tokens.reasoning.map { Int((Double($0) * tokenFactor).rounded()) })
                }
                step.children = step.children.map(vary)
                return step
            }
        }
        copy.steps = vary(steps)
        if let others = variation.outputs, !others.isEmpty {
            let answers = [output].compactMap { $0 } + others
            copy.output = answers[Int.random(in: 0..<answers.count, using: &random)]
        }
        copy.variation = nil
        return copy
    }

    /// This version as it answers `message`: its first `answers` entry whose `when` the message
    /// contains, applied; the version as it is when none matches.
    func answering(_ message: String) -> VersionScenario {
        guard let answer = answers?.first(where: { message.range(of: $0.when, options: .caseInsensitive) != nil }) else { return self }
        var copy = self
        let durationScale = answer.durationScale ?? 1, tokenScale = answer.tokenScale ?? 1
        func apply(_ steps: [StepScenario]) -> [StepScenario] {
            steps.map { step in
                var step = step
                if let duration = step.durationMs { step.durationMs = Int((Double(duration) * durationScale).rounded()) }
                if let tokens = step.tokens {
                    step.tokens = TokenScenario(input: Int((Double(tokens.input) * tokenScale).rounded()),
                                                output: Int((Double(tokens.output) * tokenScale).rounded()),
                                                reasoning: tokens.reasoning.map { Int((Double($0) * tokenScale).rounded()) })
                }
                if let output = answer.stepOutputs?[step.code] { step.output = output }
                step.children = step.children.map(apply)
                return step
            }
        }
        copy.steps = apply(steps)
        if let output = answer.output { copy.output = output }
        copy.answers = nil
        return copy
    }
}
