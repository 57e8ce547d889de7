/// A fitted neural detector of any kind: its settings, trained network and training scores.
/// Scoring, saving and loading come from `FittedNeuralDetector`.
public struct FittedNetwork<Settings: NeuralDetector>: FittedNeuralDetector {
    public let settings: Settings
    public let model: TrainedNetwork
    public let trainingScores: [Double]

    public init(settings: Settings, model: TrainedNetwork, trainingScores: [Double]) {
        self.settings = settings
        self.model = model
        self.trainingScores = trainingScores
    }
}

public typealias FittedAutoEncoder = FittedNetwork<AutoEncoder>
public typealias FittedVAE = FittedNetwork<VAE>
public typealias FittedDeepSVDD = FittedNetwork<DeepSVDD>
public typealias FittedDevNet = FittedNetwork<DevNet>
public typealias FittedClassifier = FittedNetwork<Classifier>
