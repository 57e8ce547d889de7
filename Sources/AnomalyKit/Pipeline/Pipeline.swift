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

    /// Raw rows after every step; an input step (first) consumes their text columns.
    /// - Throws: a shape error when a text column is left that no step consumed.
    public func transform(rows: PipelineRows) throws -> PipelineRows {
        var current = rows
        for step in steps { current = try step.transform(rows: current) }
        return current
    }

    /// The step that reads raw columns, when the pipeline starts with one.
    public var inputStep: (any InputStep)? { steps.first as? any InputStep }

    /// The raw text columns the pipeline reads (none without an input step).
    public var rawColumns: [String] { inputStep?.rawColumns ?? [] }

    /// The pipeline after its input step: what runs on rows the input step has already encoded.
    public var droppingInputStep: Pipeline { inputStep == nil ? self : Pipeline(Array(steps.dropFirst())) }

    /// This pipeline with `step` in front.
    public func prepending(_ step: any PipelineStep) -> Pipeline { Pipeline([step] + steps) }

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
