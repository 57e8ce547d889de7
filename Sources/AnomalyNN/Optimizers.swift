import AnomalyMath
import Foundation

/// A first-order optimiser: a per-parameter update rule plus per-parameter state keyed by the
/// parameter's name (PyTorch's semantics and defaults).
public struct Optimizer: Sendable {
    public enum Rule: Sendable, Equatable {
        /// SGD with momentum (`buf = μ·buf + g`, first step `buf = g`) and L2 weight decay.
        case sgd(momentum: Float = 0, weightDecay: Float = 0)
        /// Adam with L2 weight decay added to the gradient (`torch.optim.Adam`).
        case adam(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0)
        /// Adam with decoupled weight decay (`torch.optim.AdamW`, default decay 0.01).
        case adamW(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01)
    }

    public var rule: Rule
    public var learningRate: Float
    private var first: [String: [Float]] = [:]
    private var second: [String: [Float]] = [:]
    private var steps: [String: Int] = [:]

    public init(_ rule: Rule, learningRate: Float) {
        self.rule = rule
        self.learningRate = learningRate
    }

    /// PyTorch-style names: `sgd`, `adam`, `adamw`.
    public static func named(_ name: String, learningRate: Float, weightDecay: Float = 0, momentum: Float = 0.9) -> Optimizer? {
        switch name.lowercased() {
        case "sgd": Optimizer(.sgd(momentum: momentum, weightDecay: weightDecay), learningRate: learningRate)
        case "adam": Optimizer(.adam(weightDecay: weightDecay), learningRate: learningRate)
        case "adamw": Optimizer(.adamW(weightDecay: weightDecay), learningRate: learningRate)
        default: nil
        }
    }

    /// Applies one update to every parameter that has a gradient. - Complexity: O(parameters)
    public mutating func step(_ parameters: inout ParameterSet, gradients: [String: Matrix]) {
        let lr = learningRate
        for name in parameters.names {
            guard let g = gradients[name] else { continue }
            let t = (steps[name] ?? 0) + 1
            steps[name] = t
            switch rule {
            case .sgd(let momentum, let decay):
                var buffer = first.removeValue(forKey: name) ?? []
                parameters.modify(name) { p in
                    if buffer.isEmpty { buffer = [Float](repeating: 0, count: p.count) }
                    for i in 0..<p.count {
                        var d = g.values[i]
                        if decay != 0 { d += decay * p[i] }
                        if momentum != 0 {
                            buffer[i] = t == 1 ? d : momentum * buffer[i] + d
                            d = buffer[i]
                        }
                        p[i] -= lr * d
                    }
                }
                if momentum != 0 { first[name] = buffer }
            case .adam(let b1, let b2, let eps, let decay), .adamW(let b1, let b2, let eps, let decay):
                let decoupled: Bool = if case .adamW = rule { true } else { false }
                // Take the moments out of the dictionaries so they are updated in place, not copied.
                var m = first.removeValue(forKey: name) ?? [], v = second.removeValue(forKey: name) ?? []
                let c1 = 1 - Foundation.pow(b1, Float(t)), c2 = 1 - Foundation.pow(b2, Float(t))
                let stepSize = lr / c1, c2root = c2.squareRoot()
                let shrink: Float = decoupled ? 1 - lr * decay : 1
                let l2: Float = decoupled ? 0 : decay
                parameters.modify(name) { p in
                    if m.isEmpty { m = [Float](repeating: 0, count: p.count); v = m }
                    p.withUnsafeMutableBufferPointer { pb in
                    m.withUnsafeMutableBufferPointer { mb in
                    v.withUnsafeMutableBufferPointer { vb in
                    g.values.withUnsafeBufferPointer { gb in
                        for i in 0..<pb.count {
                            let w = pb[i] * shrink
                            let d = gb[i] + l2 * pb[i]
                            let mi = b1 * mb[i] + (1 - b1) * d
                            let vi = b2 * vb[i] + (1 - b2) * d * d
                            mb[i] = mi
                            vb[i] = vi
                            // PyTorch: p −= (lr/c1) · m / (√v/√c2 + eps)
                            pb[i] = w - stepSize * mi / (vi.squareRoot() / c2root + eps)
                        }
                    }}}}
                }
                first[name] = m
                second[name] = v
            }
        }
    }

    /// Scales all gradients so their global L2 norm is at most `maxNorm` (PyTorch's
    /// `clip_grad_norm_`); returns the norm before clipping.
    @discardableResult
    package static func clipGradients(_ gradients: inout [String: Matrix], maxNorm: Float) -> Float {
        var total = 0.0
        for g in gradients.values { for x in g.values { total += Double(x) * Double(x) } }
        let norm = Float(total.squareRoot())
        if norm > maxNorm {
            let s = maxNorm / (norm + 1e-6)
            for k in gradients.keys { gradients[k] = gradients[k]!.scaled(s) }
        }
        return norm
    }
}

/// A learning-rate schedule over epochs.
public enum LearningRateSchedule: Sendable, Equatable {
    case constant
    /// Multiply by `gamma` every `every` epochs (`StepLR`).
    case step(every: Int, gamma: Float)
    /// Cosine annealing from the base rate to 0 over `epochs` (`CosineAnnealingLR`, `eta_min = 0`).
    case cosine(epochs: Int)
    /// Multiply by `gamma` each epoch (`ExponentialLR`).
    case exponential(gamma: Float)

    /// The rate for `epoch` (0-based) from `base`.
    public func rate(base: Float, epoch: Int) -> Float {
        switch self {
        case .constant: base
        case .step(let every, let gamma): base * Foundation.pow(gamma, Float(epoch / max(1, every)))
        case .cosine(let total):
            base * 0.5 * (1 + Foundation.cos(Float.pi * Float(min(epoch, total)) / Float(max(1, total))))
        case .exponential(let gamma): base * Foundation.pow(gamma, Float(epoch))
        }
    }
}
