import AnomalyMath
import AnomalyNN

/// Adversarial training of a neural detector (`adversarial=pgd`): every mini-batch's loss is the
/// mean of the detector's own loss on the clean rows and on PGD-perturbed copies of them,
/// `½·L(x) + ½·L(x_adv)` — PGD examples mixed into training (Madry et al., 2018).
///
/// The perturbation is the one that hurts the detector most within the L∞ ball of radius
/// `epsilon` in standardised units (the detector's standardised inputs; without
/// `preprocessing`, the training rows' standard deviations):
/// - rows labelled anomalous (1; DevNet, the classifier) are pushed to **lower** scores — what
///   the evasion attacker does — and keep their label 1, so the network learns to score the
///   anomaly's whole neighbourhood high;
/// - every other row (normal or unlabelled, and all rows of the unsupervised autoencoder, VAE
///   and Deep SVDD, which see no labels) is pushed to **raise** its score, i.e. its loss: the
///   robust min–max objective `min_θ E max_{‖δ‖∞≤ε} L(x + δ)` on the training rows. For an
///   unsupervised detector this flattens the score around the (mostly normal) training rows;
///   whether that makes anomalies harder to hide is an empirical question the robustness
///   benchmark answers (Benchmarks/results/robustness.md).
///
/// The PGD copies of all training rows are crafted with the current weights at the start of
/// every epoch (`steps` steps of `2.5·ε/steps` from a seeded random start, no best-point
/// tracking), so within an epoch they are at most one epoch stale; this costs about `steps`
/// extra forward–backward passes over the training rows per epoch.
public struct AdversarialTraining: Sendable, Equatable {
    /// How training examples are perturbed.
    public enum Method: String, Sendable, CaseIterable {
        /// No adversarial examples (the default; models saved before this setting existed).
        case none
        /// Projected gradient descent within the L∞ ball.
        case pgd
    }

    public var method = Method.none
    /// The ball's radius in standardised units.
    public var epsilon = 0.1
    /// PGD steps per crafted example.
    public var steps = 5

    public init(method: Method = .none, epsilon: Double = 0.1, steps: Int = 5) {
        self.method = method
        self.epsilon = epsilon
        self.steps = steps
    }

    /// The parameter bindings (`adversarial`, `adversarial_epsilon`, `adversarial_steps`) every
    /// neural detector takes, saved with its settings in model files (older files, which lack
    /// them, load as `none`).
    static var bindings: [ParameterBinding<AdversarialTraining>] {
        [
            .choice("adversarial", \.method, help: "adversarial training: none, or pgd (PGD examples mixed into training)"),
            .double("adversarial_epsilon", \.epsilon, min: 0, max: 100, openMin: true,
                    help: "adversarial training: L∞ radius in standardised units"),
            .int("adversarial_steps", \.steps, min: 1, max: 1000, help: "adversarial training: PGD steps per example"),
        ]
    }
}

/// The state of one adversarial training run: the PGD copies of the training rows, refreshed
/// once per epoch with the weights of that moment.
final class AdversarialExamples {
    let settings: AdversarialTraining
    let x: Matrix
    let kernel: AttackKernel
    let batchesPerEpoch: Int
    let seed: UInt64
    let gradients: (TrainedNetwork, Matrix) -> Matrix
    private(set) var rows: Matrix
    private var calls = 0

    /// Nil when `settings` ask for no adversarial training; a parameter error when the detector's
    /// score is not differentiable.
    init?<D: NeuralDetector>(_ detector: D, settings: AdversarialTraining, x: Matrix, labels: [Int]?, standardized: Bool,
                             batchesPerEpoch: Int, seed: UInt64) throws {
        guard settings.method != .none else { return nil }
        guard let differentiable = detector as? any DifferentiableNeuralScore else {
            throw AnomalyError.parameter("adversarial", "\(D.descriptor.name) has no differentiable score to attack")
        }
        self.settings = settings
        self.x = x
        self.batchesPerEpoch = max(1, batchesPerEpoch)
        self.seed = seed
        let unit = standardized ? [Float](repeating: 1, count: x.cols) : Standardizer(fitting: x).scale
        let directions: [Float] = (0..<x.rows).map { r in (labels?[r] ?? 0) == 1 ? -1 : 1 }
        kernel = AttackKernel(unit: unit, epsilon: Float(settings.epsilon), directions: directions)
        gradients = { model, rows in
            model.evaluateWithInputGradients(rows) { input, p in differentiable.scoreVar(model, input, p) }.gradients
        }
        rows = x
    }

    /// The training rows perturbed against `model` (recrafted at the first batch of an epoch).
    func rows(for model: TrainedNetwork) -> Matrix {
        if calls % batchesPerEpoch == 0 {
            let epoch = UInt64(calls / batchesPerEpoch)
            let steps = settings.steps
            rows = (try? kernel.pgd(x, steps: steps, stepSize: Float(2.5 * settings.epsilon / Double(steps)),
                                    seed: seed &+ epoch &* 0x9E37_79B9, oracle: { self.gradients(model, $0) })) ?? x
        }
        calls += 1
        return rows
    }
}
