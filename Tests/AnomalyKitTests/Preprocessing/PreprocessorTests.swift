import AnomalyKit
import AnomalyMath
import Testing
import TestSupport

@Suite struct PreprocessorTests {
    // Known answers computed with scikit-learn 1.9.1 in /work/venv:
    //   train = [[1,10,-2],[2,20,0],[4,20,5],[7,50,5],[11,90,5]], test = [[0,30,1],[20,-10,5]]
    //   StandardScaler().fit(train).transform(test), MinMaxScaler(), RobustScaler() likewise.
    static let train = Matrix([[1, 10, -2], [2, 20, 0], [4, 20, 5], [7, 50, 5], [11, 90, 5]] as [[Float]])
    static let test = Matrix([[0, 30, 1], [20, -10, 5]] as [[Float]])

    func expectClose(_ m: Matrix, _ expected: [[Double]], tolerance: Double = 1e-5) {
        #expect(m.rows == expected.count)
        for r in 0..<m.rows {
            for c in 0..<m.cols {
                #expect(abs(Double(m[r, c]) - expected[r][c]) <= tolerance, "(\(r), \(c)): \(m[r, c]) vs \(expected[r][c])")
            }
        }
    }

    @Test func standardMatchesSklearn() throws {
        let p = try Preprocessor.fit(Self.train, imputation: .none, scaling: .standard)
        expectClose(try p.transform(Self.test), [[-1.376204706408, -0.27343437081, -0.53215208419],
                                                  [4.128614119224, -1.640606224859, 0.798228126285]])
    }

    @Test func minMaxMatchesSklearn() throws {
        let p = try Preprocessor.fit(Self.train, imputation: .none, scaling: .minmax)
        expectClose(try p.transform(Self.test), [[-0.1, 0.25, 0.428571428571], [1.9, -0.25, 1.0]])
    }

    @Test func robustMatchesSklearn() throws {
        let p = try Preprocessor.fit(Self.train, imputation: .none, scaling: .robust)
        expectClose(try p.transform(Self.test), [[-0.8, 0.333333333333, -0.8], [3.2, -1.0, 0.0]])
    }

    @Test func constantFeatureIsNotDividedByZero() throws {
        let train = Matrix([[1, 5], [2, 5], [3, 5]] as [[Float]])
        for scaling in [Preprocessor.Scaling.standard, .minmax, .robust] {
            let out = try Preprocessor.fit(train, imputation: .none, scaling: scaling).transform(train)
            #expect(out.firstNonFinite() == nil)
            #expect(out.column(1).allSatisfy { $0 == 0 }, "\(scaling)")
        }
    }

    // SimpleImputer(strategy=...).fit(tr) with tr = [[1,nan],[nan,4],[3,6],[10,nan],[5,100]]:
    //   mean statistics_ = [4.75, 36.666666666666664], median = [4.0, 6.0];
    //   then StandardScaler on the imputed train, applied to [[nan,nan],[2,3]]:
    //   mean → [[0, 0], [-0.919223621889, -0.970364669183]]
    //   median → [[-0.199557031571, -0.486670315941], [-0.864747136809, -0.566018737018]]
    static let gappy = Matrix([[1, .nan], [.nan, 4], [3, 6], [10, .nan], [5, 100]] as [[Float]])
    static let gappyTest = Matrix([[.nan, .nan], [2, 3]] as [[Float]])

    @Test func meanImputationThenScaling() throws {
        let p = try Preprocessor.fit(Self.gappy, imputation: .mean, scaling: .none)
        #expect(abs(p.fillValues[0] - 4.75) < 1e-9 && abs(p.fillValues[1] - 36.666666666666664) < 1e-6)
        expectClose(try p.transform(Self.gappyTest), [[4.75, 36.666666666666664], [2, 3]])
        let q = try Preprocessor.fit(Self.gappy, imputation: .mean, scaling: .standard)
        expectClose(try q.transform(Self.gappyTest), [[0, 0], [-0.919223621889, -0.970364669183]])
    }

    @Test func medianImputationThenScaling() throws {
        let p = try Preprocessor.fit(Self.gappy, imputation: .median, scaling: .standard)
        #expect(p.fillValues == [4, 6])
        expectClose(try p.transform(Self.gappyTest), [[-0.199557031571, -0.486670315941], [-0.864747136809, -0.566018737018]])
    }

    @Test func fittedOnTrainOnly() throws {
        // The statistics come from the training rows; transforming other data never changes them.
        let p = try Preprocessor.fit(Self.train, imputation: .none, scaling: .minmax)
        let before = p
        _ = try p.transform(Matrix([[1000, 1000, 1000]] as [[Float]]))
        #expect(p == before)
        #expect(p.centre == [1, 10, -2] && p.scale == [10, 80, 7])
        // Scoring rows are transformed independently of each other.
        let one = try p.transform(Matrix([Self.test.row(1)]))
        #expect(one.row(0) == (try p.transform(Self.test)).row(1))
    }

    @Test func missingAndInfinityAreReported() throws {
        // Without imputation NaN is an error naming row and column.
        let e = DataFiles.error { _ = try Preprocessor.fit(Self.gappy, imputation: .none, scaling: .standard) }
        #expect(e?.line == 1 && e?.column == 2 && e?.message.contains("NaN") == true)
        // Infinity is reported even with imputation, even when a NaN comes first.
        let inf = Matrix([[.nan, 1], [2, .infinity]] as [[Float]])
        let e2 = DataFiles.error { _ = try Preprocessor.fit(inf, imputation: .mean, scaling: .none) }
        #expect(e2?.line == 2 && e2?.column == 2 && e2?.message.contains("infinity") == true)
        // At transform time too.
        let p = try Preprocessor.fit(Self.train, imputation: .none, scaling: .standard)
        let e3 = DataFiles.error { _ = try p.transform(Matrix([[1, 2, .nan]] as [[Float]])) }
        #expect(e3?.line == 1 && e3?.column == 3)
        let e4 = DataFiles.error { _ = try p.transform(Matrix([[1, 2]] as [[Float]])) }
        #expect(e4?.kind == .shape)
        // A column with nothing to impute from.
        let empty = Matrix([[1, .nan], [2, .nan]] as [[Float]])
        let e5 = DataFiles.error { _ = try Preprocessor.fit(empty, imputation: .median, scaling: .none) }
        #expect(e5?.column == 2)
    }

    @Test func identityPassesDataThrough() throws {
        let p = try Preprocessor.fit(Self.train, imputation: .none, scaling: .none)
        #expect(p.isIdentity)
        #expect(try p.transform(Self.test) == Self.test)
    }

    @Test func codableRoundTrip() throws {
        let p = try Preprocessor.fit(Self.gappy, imputation: .median, scaling: .robust)
        let data = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(Preprocessor.self, from: data) == p)
    }
}

import Foundation
