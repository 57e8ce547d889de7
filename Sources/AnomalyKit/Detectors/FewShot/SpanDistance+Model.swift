import AnomalyMath

extension PendingModel {
    /// A few-shot (`span`) model fitted on a task's normal support rows: its learned directions,
    /// steps, schema and contamination kept; the threshold from the support rows' leave-one-out
    /// scores.
    public func fitted(onSupport support: Matrix) throws -> AnomalyModel {
        let (fitted, threshold) = try SpanDistance.refit(detector, pipeline: pipeline, threshold: self.threshold, support: support,
                                                         featureCount: featureCount)
        return completed(detector: fitted, threshold: threshold, trainingRows: support.rows)
    }
}

extension AnomalyModel {
    /// This few-shot (`span`) model fitted again on another task's normal support rows.
    public func refitted(onSupport support: Matrix) throws -> AnomalyModel {
        let (fitted, threshold) = try SpanDistance.refit(detector, pipeline: pipeline, threshold: self.threshold, support: support,
                                                         featureCount: featureCount)
        return replacingDetector(fitted, threshold: threshold, trainingRows: support.rows)
    }
}

extension SpanDistance {
    static func refit(_ detector: any FittedDetector, pipeline: Pipeline, threshold: ContaminationThreshold, support: Matrix,
                      featureCount: Int) throws -> (FittedSpan, ContaminationThreshold) {
        guard let span = detector as? FittedSpan else {
            throw AnomalyError.parameter("support", "only few-shot models (span, a meta-learned metric) take support rows; this one is '\(detector.detectorName)'")
        }
        guard support.cols == featureCount else {
            throw AnomalyError.shape("the support rows have \(support.cols) features, the model takes \(featureCount)")
        }
        let fitted = try span.refitted(on: try pipeline.transform(support))
        return (fitted, try ContaminationThreshold(contamination: threshold.contamination, trainingScores: fitted.trainingScores))
    }
}
