import AnomalyMath

/// The fitted steps between a model's input columns and its detector, in order.
public struct Pipeline: Sendable {
    public var steps: [any PipelineStep]

    public init(_ steps: [any PipelineStep] = []) { self.steps = steps }

    /// Columns the detector receives for `inputs` input columns.
    public func outputCount(inputs: Int) -> Int { steps.last?.outputCount ?? inputs }

    /// The rows after every step. - Complexity: the sum of the steps'.
    public func transform(_ x: Matrix) throws -> Matrix {
        var rows = x
        for step in steps { rows = try step.transform(rows) }
        return rows
    }

    /// This pipeline with `step` appended.
    public func appending(_ step: any PipelineStep) -> Pipeline { Pipeline(steps + [step]) }

    /// The first step of type `S`, if any.
    public func first<S: PipelineStep>(_ type: S.Type) -> S? { steps.lazy.compactMap { $0 as? S }.first }

    /// Checks that each step takes what the one before gives, starting from `inputs` columns.
    func validate(inputs: Int) throws {
        var width = inputs
        for (i, step) in steps.enumerated() {
            guard step.inputCount == width else {
                throw AnomalyError.model("step \(i + 1) (\(step.kind)) takes \(step.inputCount) columns but receives \(width)",
                                         field: "steps")
            }
            width = step.outputCount
        }
    }
}
