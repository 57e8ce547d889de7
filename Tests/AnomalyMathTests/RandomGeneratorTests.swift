import AnomalyMath
import Testing

/// SeededGenerator (RandomGenerator.swift).
@Suite struct RandomGeneratorTests {
    @Test func seededGeneratorIsReproducible() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xa = (0..<5).map { _ in a.next() }
        #expect(xa == (0..<5).map { _ in b.next() })
        #expect(xa != (0..<5).map { _ in c.next() })
        var g = SeededGenerator(seed: 1)
        let s = g.sample(10, from: 100)
        #expect(Set(s).count == 10 && s.allSatisfy { $0 < 100 })
    }
}
