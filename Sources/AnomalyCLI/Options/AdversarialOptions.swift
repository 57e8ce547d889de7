import AnomalyKit
import ArgumentParser

extension AdversarialTraining.Method: ExpressibleByArgument {}

/// `--adversarial pgd --epsilon E [--adversarial-steps N]`: adversarial training of a neural
/// detector, the spelling of its parameters `adversarial`, `adversarial_epsilon` and
/// `adversarial_steps` (which `--param` sets too; giving both is an error).
struct AdversarialOptions: ParsableArguments {
    @Option(name: .long, help: "Adversarial training of a neural detector: pgd mixes PGD-perturbed rows into training (none by default).")
    var adversarial: AdversarialTraining.Method?

    @Option(name: .long, help: "With --adversarial: the L∞ radius in standardised units (default 0.1).")
    var epsilon: Double?

    @Option(name: .customLong("adversarial-steps"), help: "With --adversarial: PGD steps per perturbed row (default 5).")
    var adversarialSteps: Int?

    func validate() throws {
        if adversarial == nil || adversarial == AdversarialTraining.Method.none {
            if epsilon != nil { throw ValidationError("--epsilon sets adversarial training's radius: give --adversarial pgd too") }
            if adversarialSteps != nil { throw ValidationError("--adversarial-steps needs --adversarial pgd") }
        }
        if let epsilon, !(epsilon.isFinite && epsilon > 0) {
            throw ValidationError("--epsilon must be a finite number > 0 (the L∞ radius in standardised units), got \(epsilon)")
        }
        if let adversarialSteps, !(1...1000).contains(adversarialSteps) {
            throw ValidationError("--adversarial-steps must be between 1 and 1000, got \(adversarialSteps)")
        }
    }

    /// The `name=value` parameters these options stand for, for `detector` (none without
    /// `--adversarial`). - Throws: a usage error for a detector that is not neural.
    func params(for detector: String) throws -> [String] {
        guard let adversarial else { return [] }
        let type = try DetectorRegistry.type(named: detector)
        guard type is any NeuralDetector.Type else {
            throw ValidationError("--adversarial trains a neural detector (autoencoder, vae, deepsvdd, devnet, classifier); \(detector) has no score gradients to train against")
        }
        var out = ["adversarial=\(adversarial.rawValue)"]
        if let epsilon { out.append("adversarial_epsilon=\(epsilon)") }
        if let adversarialSteps { out.append("adversarial_steps=\(adversarialSteps)") }
        return out
    }
}
