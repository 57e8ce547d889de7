import AnomalyMath

/// A pipeline step that maps each column on its own by an affine function, `x'_c = a_c·x_c + b_c`:
/// its Jacobian is diagonal, so a score gradient passes through it as a per-column product.
public protocol ColumnwiseAffineStep: PipelineStep {
    /// `a_c = ∂x'_c / ∂x_c` for every column.
    var columnDerivatives: [Double] { get }
}

extension Imputer: ColumnwiseAffineStep {
    /// Observed (finite) values pass unchanged; the attack refuses missing ones.
    public var columnDerivatives: [Double] { [Double](repeating: 1, count: fillValues.count) }
}

extension Scaler: ColumnwiseAffineStep {
    public var columnDerivatives: [Double] { scale.map { 1 / $0 } }
}

extension DomainFrame: ColumnwiseAffineStep {
    public var columnDerivatives: [Double] { scale.map { 1 / $0 } }
}

/// A fitted detector that standardises its input itself, with the training spread.
public protocol InputStandardizing {
    /// The per-feature training standard deviations it divides by (nil when it does not).
    var inputStandardDeviations: [Float]? { get }
}

extension FittedNetwork: InputStandardizing {
    public var inputStandardDeviations: [Float]? { model.standardizer?.scale }
}

extension AnomalyModel {
    /// Why exact score gradients are not available (nil when they are): the detector has none,
    /// or a pipeline step is not a per-column affine map.
    public var scoreGradientObstacle: String? {
        guard detector is any ScoreDifferentiable else {
            return "the \(detectorName) detector has no score gradients (only the neural detectors do)"
        }
        if let step = pipeline.steps.first(where: { !($0 is any ColumnwiseAffineStep) }) {
            return "the pipeline's '\(step.kind)' step is not a per-column affine map, so the gradient cannot pass through it"
        }
        return nil
    }

    /// `∂x_detector,c / ∂x_raw,c`: the product of the affine steps' derivatives (nil when a step
    /// is not affine).
    var pipelineDerivatives: [Double]? {
        var d = [Double](repeating: 1, count: featureCount)
        for step in pipeline.steps {
            guard let affine = step as? any ColumnwiseAffineStep, affine.inputCount == d.count else { return nil }
            let a = affine.columnDerivatives
            for c in 0..<d.count { d[c] *= a[c] }
        }
        return d
    }

    /// Each raw row's score and `∂score / ∂x_raw` (`n × d`), through the pipeline's per-column
    /// affine steps (chain rule with their diagonal Jacobians) and the detector's own gradient.
    /// - Throws: a model error naming the obstacle when the model has no exact gradients (see
    ///   `scoreGradientObstacle`); a shape or data error for unfit rows.
    /// - Complexity: the detector's gradient plus O(n·d).
    public func scoresAndGradients(_ x: Matrix) throws -> (scores: [Double], gradients: Matrix) {
        if let why = scoreGradientObstacle { throw AnomalyError.model("no score gradients: " + why) }
        guard x.cols == featureCount else {
            throw AnomalyError.shape("data has \(x.cols) feature columns, the model was trained on \(featureCount)")
        }
        let differentiable = detector as! any ScoreDifferentiable
        let chain = pipelineDerivatives!
        let (scores, gradient) = try differentiable.scoresAndGradients(try pipeline.transform(x))
        var g = gradient
        let d = g.cols, n = g.rows
        let a = chain.map { Float($0) }
        g.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<n { for c in 0..<d { v[r &* d &+ c] *= a[c] } }
        }
        return (scores, g)
    }

    /// The per-feature unit of an attack's L∞ ball in raw units, and its source: the first
    /// standard scaler's standard deviations, else a standardising detector's (divided by the
    /// affine steps' derivatives before it, to come back to raw units), else the population
    /// standard deviation of `normalRows` (0 → 1).
    /// - Complexity: O(n·d).
    public func attackUnit(normalRows: Matrix) -> (unit: [Float], source: AttackUnitSource) {
        var before = [Double](repeating: 1, count: featureCount)
        var affine = true
        for step in pipeline.steps {
            if let scaler = step as? Scaler, scaler.method == .standard, affine {
                return ((0..<featureCount).map { Float(scaler.scale[$0] / before[$0]) }, .scaler)
            }
            guard let a = step as? any ColumnwiseAffineStep, a.inputCount == before.count else { affine = false; break }
            let derivative = a.columnDerivatives
            for c in 0..<before.count { before[c] *= derivative[c] }
        }
        if affine, let sd = (detector as? any InputStandardizing)?.inputStandardDeviations, sd.count == featureCount {
            return ((0..<featureCount).map { Float(Double(sd[$0]) / before[$0]) }, .detectorStandardizer)
        }
        let sd = Statistics.columnVariances(normalRows).map { v -> Float in
            let s = Float(v.squareRoot())
            return s > 0 && s.isFinite ? s : 1
        }
        return (sd.count == featureCount ? sd : [Float](repeating: 1, count: featureCount), .cleanNormalRows)
    }
}
