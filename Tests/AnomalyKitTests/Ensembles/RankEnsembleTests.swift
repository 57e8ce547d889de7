import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// The rank average of Ensembles/RankEnsemble.swift.
@Suite struct RankEnsembleTests {
    @Test func rankEnsembleAveragesPositionsAmongTrainingScores() {
        // Member 1's training scores 1…4, member 2's 10…40: a row at 2.5 and 35 sits at 0.5 and 0.75.
        let r = RankEnsemble.average([[2.5, 0], [35, 100]], reference: [[1, 2, 3, 4], [10, 20, 30, 40]])
        let expected: [Double] = [0.625, 0.5]
        #expect(r == expected)
        // Ties count half: a score equal to a training score.
        #expect(RankEnsemble.average([[2]], reference: [[1, 2, 3, 4]]) == [0.375])
    }
}
