import Foundation
import Testing

@Suite struct SgemmPeakCommandTests {
    @Test func reportsPositiveRatesAsJSON() throws {
        let r = anomalykit("sgemm-peak", "--size", "64", "--repeats", "1", "--json")
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        #expect(object["size"] as? Int == 64)
        #expect((object["gflops_per_second"] as? Double ?? 0) > 0)
        #expect((object["gflops_per_second_one_thread"] as? Double ?? 0) > 0)
    }

    @Test(arguments: [["--size", "10"], ["--repeats", "0"]])
    func outOfRangeOptionsAreRefused(_ options: [String]) {
        #expect(anomalykit(["sgemm-peak"] + options).status == 64)
    }
}
