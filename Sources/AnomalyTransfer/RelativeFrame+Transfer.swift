import AnomalyKit
import AnomalyMath

extension RelativeFrame {
    /// A frame drawn from a domain: `count` of its normal rows (label 0), picked with `rng`,
    /// become the shots; returns the frame, the shots read leave-one-out (labels 0) and every
    /// other row read against them (labels kept). The caller checks there are enough normals.
    static func drawn(from x: Matrix, labels: [Int], count: Int,
                             rng: inout SeededGenerator) throws -> (frame: RelativeFrame, shots: DomainData, others: DomainData) {
        let normals = labels.indices.filter { labels[$0] == 0 }
        precondition(count <= normals.count, "drawing \(count) shots from \(normals.count) normal rows")
        let picked = rng.sample(count, from: normals.count).map { normals[$0] }
        let chosen = Set(picked)
        let rest = (0..<x.rows).filter { !chosen.contains($0) }
        let shots = x.rows(at: picked)
        let frame = try RelativeFrame(shots: shots)
        return (frame, DomainData(x: try shotsLeaveOneOut(shots), labels: [Int](repeating: 0, count: count)),
                DomainData(x: frame.apply(x.rows(at: rest)), labels: rest.map { labels[$0] }))
    }

    /// Source domains read relative to their own normal rows and pooled: for each of `draws`
    /// seeded draws of `count` normal rows per source, the other rows against those shots and
    /// the shots leave-one-out (labels kept) — as noisy as a target with `count` shots.
    static func pooled(_ sources: [DomainData], count: Int, draws: Int = 3, seed: UInt64) throws -> DomainData {
        var rng = SeededGenerator(seed: seed &+ 0x5e1a)
        var parts: [DomainData] = []
        for (s, source) in sources.enumerated() {
            let labels = source.labels ?? [Int](repeating: 0, count: source.x.rows)
            let normalCount = labels.filter { $0 == 0 }.count
            guard normalCount > count else {
                throw AnomalyError.shape("source \(s + 1) has \(normalCount) normal rows; the relative frame draws \(count) shots and needs more")
            }
            for _ in 0..<draws {
                let draw = try drawn(from: source.x, labels: labels, count: count, rng: &rng)
                parts += [draw.others, draw.shots]
            }
        }
        return DomainData.pooled(parts)
    }

}
