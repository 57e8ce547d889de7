import AnomalyKit
import Testing

/// The contamination threshold and the probability scaling of training scores (Thresholds/ContaminationThreshold.swift).
@Suite struct ContaminationThresholdTests {
    @Test func thresholdIsThePercentileOfTrainingScores() throws {
        let t = try ContaminationThreshold(contamination: 0.2, trainingScores: [1, 2, 3, 4, 5])
        #expect(abs(t.value - 4.2) < 1e-12)
        #expect(t.labels(for: [4.2, 4.3, 1]) == [0, 1, 0])
        let s = ScoreSummary([0, 10])
        #expect(s.probabilities([-1, 5, 20], method: .linear) == [0, 0.5, 1])
    }
}
