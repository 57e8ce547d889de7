import AnomalyMath
import AnomalyNN

/// A fitted detector whose score is a differentiable function of its input row: what
/// gradient-based explanations (saliency, integrated gradients) and evasion attacks (FGSM, PGD)
/// need.
///
/// `scoreGradients(x)` gives, for every row `i` of `x` (raw rows, in the units the detector's
/// `scores(_:)` takes — before its own standardiser, after any pipeline step), the gradient
/// `∂ score(x_i) / ∂ x_i` as row `i` of an `n × d` matrix. Rows do not interact: a row's score
/// depends on that row alone (evaluation mode: no dropout, batch norm on running statistics),
/// so the Jacobian is block-diagonal and one backward pass gives every row's gradient.
/// The score differentiated is the one `scores(_:)` returns, computed on the tape in `Float`.
public protocol ScoreDifferentiable: FittedDetector {
    /// Each row's score (as `scores(_:)`, in `Float` precision) and its gradient with respect to
    /// that row (`n × d`, raw input units).
    /// - Throws: `AnomalyError` when `x` has the wrong width or non-finite values.
    /// - Complexity: one forward and one backward pass over the rows, in blocks on all cores.
    func scoresAndGradients(_ x: Matrix) throws -> (scores: [Double], gradients: Matrix)
}

extension ScoreDifferentiable {
    /// `∂ score(x_i) / ∂ x_i` for every row (`n × d`, raw input units); see `ScoreDifferentiable`.
    public func scoreGradients(_ x: Matrix) throws -> Matrix { try scoresAndGradients(x).gradients }
}

/// A neural detector whose score can be written on the tape: the differentiable form of its
/// `scores(_:prepared:)`.
public protocol DifferentiableNeuralScore: NeuralDetector {
    /// The scores of prepared (standardised) rows as an `n × 1` tape value.
    func scoreVar(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var
}

extension FittedNetwork: ScoreDifferentiable where Settings: DifferentiableNeuralScore {
    public func scoresAndGradients(_ x: Matrix) throws -> (scores: [Double], gradients: Matrix) {
        try validateForScoring(x)
        let settings = self.settings, model = self.model
        let (scores, gradient) = model.evaluateWithInputGradients(model.prepared(x)) { input, p in
            settings.scoreVar(model, input, p)
        }
        // Chain rule through the detector's standardiser: x' = (x − μ)/σ, so ∂s/∂x = ∂s/∂x' / σ.
        var g = gradient
        if let scale = model.standardizer?.scale {
            let d = g.cols, n = g.rows
            g.values.withUnsafeMutableBufferPointer { v in
                for r in 0..<n { for c in 0..<d { v[r &* d &+ c] /= scale[c] } }
            }
        }
        return (scores, g)
    }
}

extension TrainedNetwork {
    /// Runs the one-column `score` in evaluation mode over blocks of prepared rows (in parallel,
    /// BLAS single-threaded inside, as `evaluate`) and back-propagates a gradient of 1 from every
    /// row's score to the input; the parameters are bound as constants, so no weight gradient is
    /// computed. Blocks are padded to `block` rows like `evaluate` (padding gradients dropped).
    /// - Returns: the scores (`n`) and `∂score_i/∂x'_i` (`n × d`, prepared units).
    /// - Complexity: about three forward passes over the rows.
    package func evaluateWithInputGradients(_ x: Matrix, block: Int = 64,
                                            _ score: @escaping @Sendable (Var, BoundParameters) -> Var)
        -> (scores: [Double], gradients: Matrix) {
        let n = x.rows, d = x.cols
        guard n > 0 else { return ([], Matrix(rows: 0, cols: d)) }
        let blocks = (n + block - 1) / block
        let parameters = self.parameters, buffers = self.buffers
        let results = BLAS.withSingleThread {
            parallelMap(blocks) { b -> ([Double], Matrix) in
                let start = b * block, count = min(block, n - start)
                var rows = Matrix(rows: block, cols: d)
                x.values.withUnsafeBufferPointer { src in
                    rows.values.withUnsafeMutableBufferPointer { dst in
                        for i in 0..<(count * d) { dst[i] = src[start * d + i] }
                    }
                }
                let tape = Tape(training: false)
                let bound = BoundParameters(parameters, buffers: buffers, tape: tape) { _ in false }
                let input = tape.variable(rows)
                let out = score(input, bound)
                precondition(out.rows == block && out.cols == 1, "a score is one column, one row per input row")
                var seed = Matrix(rows: block, cols: 1)
                for i in 0..<count { seed.values[i] = 1 }
                tape.backward(from: out, seed: seed)
                let g = tape.gradient(input) ?? Matrix(rows: block, cols: d)
                let s = (0..<count).map { Double(out.value.values[$0]) }
                return (s, count == block ? g : g.rows(at: 0..<count))
            }
        }
        return (results.flatMap(\.0), Matrix.vstack(results.map(\.1)))
    }
}

// MARK: The detectors' scores on the tape

extension AutoEncoder: DifferentiableNeuralScore {
    /// `‖x − decoder(encoder(x))‖₂` per row.
    public func scoreVar(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var {
        NeuralScores.rowNorm(x - reconstruct(model, x, p))
    }
}

extension VAE: DifferentiableNeuralScore {
    /// `‖x − decoder(μ(x))‖₂` per row: the deterministic posterior-mean path that scoring uses.
    public func scoreVar(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var {
        let recon = model.network("decoder", model.network("encoder_mu", model.network("encoder", x, p), p), p)
        return NeuralScores.rowNorm(x - recon)
    }
}

extension DeepSVDD: DifferentiableNeuralScore {
    /// `‖φ(x) − c‖²` per row.
    public func scoreVar(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var {
        (represent(model, x, p) - p.tape.constant(model.extras["center"]!)).square().sumColumns()
    }
}

extension DevNet: DifferentiableNeuralScore {
    /// The network's output.
    public func scoreVar(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var {
        NeuralFitting.score(model, x, p)
    }
}

extension Classifier: DifferentiableNeuralScore {
    /// The logit.
    public func scoreVar(_ model: TrainedNetwork, _ x: Var, _ p: BoundParameters) -> Var {
        NeuralFitting.score(model, x, p)
    }
}

extension NeuralScores {
    /// The Euclidean norm of each row of `v` (`n × 1`). The norm's gradient `v/‖v‖` is undefined
    /// at 0; a tiny floor inside the root keeps it finite there (a perfect reconstruction).
    static func rowNorm(_ v: Var) -> Var {
        (v.square().sumColumns() + 1e-12).sqrt()
    }
}
