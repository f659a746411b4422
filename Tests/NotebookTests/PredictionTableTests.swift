// The prediction table `classify` and `%classify` print: probabilities that are not finite numbers
// (weights that overflow on the way through) draw as text, never trap.
import ResNetCore
import ResNetIO
import Testing

@testable import Notebook

@Suite struct PredictionTableTests {
    /// The table of classes 0, 1 and 2 holding `values`, in decode_predictions's order.
    private func table(_ values: [Float]) throws -> [Substring] {
        let data = values + [Float](repeating: 0, count: 1000 - values.count)
        let all = try ImageNetLabels.bundled().decodePredictions(Tensor(shape: [1, 1000], data: data), top: 1000)[0]
        let shown = all.filter { $0.imageNetClass.index < values.count }
        return predictionTable(title: "x.jpg", predictions: shown, color: false).split(separator: "\n")
    }

    @Test func probabilitiesThatAreNotFiniteDrawAnEmptyOrFullBarWithoutTrapping() throws {
        let lines = try table([.nan, .infinity, 0.5])
        let (full, empty) = (String(repeating: "█", count: 20), String(repeating: "░", count: 20))
        #expect(lines.count == 5)
        #expect(lines[2].hasSuffix("inf     " + full), "\(lines[2])")
        #expect(lines[3].hasSuffix("0.5000  " + full.prefix(10) + empty.prefix(10)), "\(lines[3])")
        #expect(lines[4].hasSuffix("nan     " + empty), "\(lines[4])")
    }

    @Test func nanRanksLastInDecodePredictions() throws {
        let top = try ImageNetLabels.bundled().decodePredictions(
            Tensor(shape: [1, 1000], data: [.nan] + [Float](repeating: 0.001, count: 999)), top: 1000)[0]
        #expect(top.first?.imageNetClass.index == 1 && top.last?.imageNetClass.index == 0)
    }

    @Test func fourDecimalsNeverTraps() {
        #expect(fourDecimals(0.41114) == "0.4111")
        #expect(fourDecimals(.nan) == "nan" && fourDecimals(.infinity) == "inf")
        #expect(fourDecimals(-.infinity) == "0.0000" && fourDecimals(-3) == "0.0000")
        #expect(fourDecimals(.greatestFiniteMagnitude) == "1000000000000.0000")
    }
}
