import AnomalyMath
import AnomalyNN

/// The losses of the neural detectors (the engine's `Loss` holds the generic ones).
extension Loss {
    /// DevNet's deviation loss (Pang et al., 2019): scores are standardised against a reference
    /// drawn from the prior N(0, 1) — `dev = (s − μ_R)/σ_R` — and normal rows (label 0) are pulled
    /// to `|dev| → 0` while labelled anomalies are pushed beyond `margin`:
    /// `(1−y)·|dev| + y·max(0, margin − dev)`, averaged.
    package static func deviation(_ scores: Var, labels: Matrix, referenceMean: Float, referenceStd: Float,
                                 margin: Float = 5) -> Var {
        let tape = scores.tape
        let dev = (scores - referenceMean) * (1 / referenceStd)
        let y = tape.constant(labels)
        let inlier = (1 - y) * dev.abs()
        let outlier = y * (margin - dev).relu()
        return (inlier + outlier).mean()
    }

    /// Deep SVDD's one-class loss: the mean squared distance of the representations (`n × k`) to
    /// the centre `c` (`1 × k`).
    package static func hypersphere(_ representation: Var, centre: Matrix) -> Var {
        (representation - representation.tape.constant(centre)).square().sumColumns().mean()
    }

    /// KL divergence of N(μ, σ²) from N(0, I), summed over latent dimensions and averaged over
    /// rows: `−½·Σ(1 + log σ² − μ² − σ²)`.
    package static func gaussianKL(mean: Var, logVariance: Var) -> Var {
        ((1 + logVariance - mean.square() - logVariance.exp()).sumColumns() * -0.5).mean()
    }
}
