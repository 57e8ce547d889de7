extension DetectorRegistry {
    /// The neural detectors (the ones transfer and meta-learning train), in listing order.
    public static var neuralNames: [String] {
        all.filter { $0 is any NeuralDetector.Type }.map { $0.descriptor.name }
    }
}
