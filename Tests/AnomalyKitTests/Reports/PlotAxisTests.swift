import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

/// The axes of Reports/PlotAxis.swift.
@Suite struct PlotAxisTests {
    @Test func axisTicksAreRoundNumbers() {
        let unit = PlotAxis.unit("").ticks()
        #expect(unit.count == 6 && unit.first == 0 && unit.last == 1 && abs(unit[3] - 0.6) < 1e-12)
        #expect(PlotAxis(label: "", lower: 3, upper: 97).ticks() == [20, 40, 60, 80])
        #expect(PlotAxis(label: "", lower: 5, upper: 5).ticks().isEmpty == false)
    }
}
