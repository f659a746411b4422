import ArgumentParser
import Foundation
import ResNetCore
import ResNetIO

/// `reslab bench`: how long one forward pass takes, optionally next to onnxruntime in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the forward pass of one 224x224 image (weights loaded once, one warm-up run first).")

    @OptionGroup var network: NetworkOptions

    @Flag(help: "Use seeded random weights instead of a file (the timing does not depend on the values).")
    var randomWeights = false

    @Option(help: "Timed runs.")
    var runs: Int = 20

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 2

    @Flag(help: "Also print where the time goes, by kind of step (from one extra run).")
    var profile = false

    @Flag(help: "Also time onnxruntime on the same graph and weights (needs --weights and python3 with onnxruntime).")
    var compareOnnxruntime = false

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        guard !(randomWeights && compareOnnxruntime) else {
            throw ValidationError("--compare-onnxruntime needs a weight file (--weights), not --random-weights")
        }
    }

    func run() throws {
        let blas = try BLAS.info()
        try BLAS.setThreadCount(threads)
        let engine: InferenceEngine
        let clock = ContinuousClock()
        let loadStart = clock.now
        var weightsPath: String?
        if randomWeights {
            let model = try (network.variant ?? .tutorial).build()
            engine = try InferenceEngine(model: model, weights: .random(for: model, seed: 1))
        } else {
            let loaded = try LoadedNetwork(network)
            engine = loaded.engine
            weightsPath = loaded.weightsPath
        }
        let loadSeconds = (clock.now - loadStart).seconds

        var generator = SystemRandomNumberGenerator()
        let input = Tensor(shape: [1, 224, 224, 3], data: (0..<(224 * 224 * 3)).map { _ in Float.random(in: -120...150, using: &generator) })
        _ = try engine.predict(input)  // warm-up
        var times = [Double]()
        for _ in 0..<runs {
            let start = clock.now
            _ = try engine.predict(input)
            times.append((clock.now - start).seconds * 1000)
        }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2

        print("\(blas), \(threads) thread\(threads == 1 ? "" : "s")")
        print("weights: \(weightsPath ?? "seeded random") (\(randomWeights ? "built" : "loaded") in \(fixed(loadSeconds * 1000, 1)) ms)")
        print("forward pass: 1 image 224x224, \(runs) runs after 1 warm-up, \(engine.stepCount) fused steps")
        print("median_ms=\(fixed(median, 2)) min_ms=\(fixed(times.first!, 2)) max_ms=\(fixed(times.last!, 2))")
        print("load_ms=\(fixed(loadSeconds * 1000, 1)) peak_rss_mb=\(fixed(Double(peakResidentKilobytes()) / 1024, 1))")

        if profile {
            var byKind = [String: (count: Int, milliseconds: Double)]()
            _ = try engine.predict(input, stepFinished: { description, duration in
                let kind = description.hasPrefix("conv") ? String(description.split(separator: " → ")[0]) : String(description.split(separator: " ")[0])
                byKind[kind, default: (0, 0)].count += 1
                byKind[kind, default: (0, 0)].milliseconds += duration.seconds * 1000
            })
            for (kind, entry) in byKind.sorted(by: { $0.value.milliseconds > $1.value.milliseconds }) {
                print("  \(kind.padding(16)) \(String(entry.count).leftPadding(3)) steps  \(fixed(entry.milliseconds, 2).leftPadding(7)) ms")
            }
        }

        if compareOnnxruntime, let weightsPath {
            let onnx = try OnnxruntimeBench.run(weights: weightsPath, variant: engine.model, runs: runs, threads: threads)
            print("onnxruntime_median_ms=\(fixed(onnx, 2))")
            print("ratio=\(fixed(median / onnx, 3)) (reslab median / onnxruntime median)")
        }
    }
}

/// Runs `python/onnx_bench.py` (onnxruntime on the same graph and weights) and reads its median.
enum OnnxruntimeBench {
    static func run(weights: String, variant: Model, runs: Int, threads: Int) throws -> Double {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/onnx_bench.py").path
        guard FileManagerShim.fileExists(script) else { throw UsageError("cannot find \(script) for --compare-onnxruntime") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--weights", weights, "--runs", String(runs), "--threads", String(threads)]
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch { throw UsageError("cannot run python3: \(error.localizedDescription)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
            let field = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).first(where: { $0.hasPrefix("onnxruntime_median_ms=") }),
            let value = Double(field.dropFirst("onnxruntime_median_ms=".count))
        else {
            throw UsageError("onnxruntime bench failed (is onnxruntime installed? pip install -r python/requirements-test.txt)")
        }
        return value
    }
}

/// The process's peak resident memory (VmHWM), in kilobytes.
func peakResidentKilobytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
