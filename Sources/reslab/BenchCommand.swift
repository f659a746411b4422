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

    @Option(help: "Threads each convolution is split over.")
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
        var engine: InferenceEngine
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
        engine.threadCount = threads

        var generator = SystemRandomNumberGenerator()
        let input = Tensor(shape: [1, 224, 224, 3], data: (0..<(224 * 224 * 3)).map { _ in Float.random(in: -120...150, using: &generator) })
        let onnxruntime = try weightsPath.flatMap { compareOnnxruntime ? try OnnxruntimeRunner(weights: $0, threads: threads) : nil }
        _ = try engine.predict(input)  // warm-up

        // With onnxruntime, the two take turns in blocks of `block` timed runs, each block after one
        // untimed run, so that both see the same load on a shared machine and both start a block warm.
        var ours = [Double](), theirs = [Double]()
        let block = onnxruntime == nil ? runs : 5
        while ours.count < runs {
            let count = min(block, runs - ours.count)
            if onnxruntime != nil { _ = try engine.predict(input) }
            for _ in 0..<count {
                let start = clock.now
                _ = try engine.predict(input)
                ours.append((clock.now - start).seconds * 1000)
            }
            if let onnxruntime {
                _ = try onnxruntime.timeOneRun()
                for _ in 0..<count { theirs.append(try onnxruntime.timeOneRun()) }
            }
        }

        print("\(blas), \(threads) thread\(threads == 1 ? "" : "s")")
        print("weights: \(weightsPath ?? "seeded random") (\(randomWeights ? "built" : "loaded") in \(fixed(loadSeconds * 1000, 1)) ms)")
        print("forward pass: 1 image 224x224, \(runs) runs after 1 warm-up, \(engine.stepCount) fused steps")
        print("median_ms=\(fixed(median(ours), 2)) min_ms=\(fixed(ours.min()!, 2)) max_ms=\(fixed(ours.max()!, 2))")
        print("load_ms=\(fixed(loadSeconds * 1000, 1)) peak_rss_mb=\(fixed(Double(peakResidentKilobytes()) / 1024, 1))")
        if !theirs.isEmpty {
            print("onnxruntime_median_ms=\(fixed(median(theirs), 2)) min_ms=\(fixed(theirs.min()!, 2)) max_ms=\(fixed(theirs.max()!, 2))")
            print("ratio=\(fixed(median(ours) / median(theirs), 3)) (reslab median / onnxruntime median, alternating blocks of \(block) runs)")
        }

        if profile {
            var byKind = [String: (count: Int, milliseconds: Double)]()
            _ = try engine.predict(input, stepFinished: { description, duration in
                let kind = description.hasPrefix("conv") ? String(description.split(separator: " → ")[0]) : String(description.split(separator: " ")[0])
                byKind[kind, default: (0, 0)].count += 1
                byKind[kind, default: (0, 0)].milliseconds += duration.seconds * 1000
            })
            print("one more run, by kind of step:")
            for (kind, entry) in byKind.sorted(by: { $0.value.milliseconds > $1.value.milliseconds }) {
                print("  \(kind.padding(16)) \(String(entry.count).leftPadding(3)) steps  \(fixed(entry.milliseconds, 2).leftPadding(7)) ms")
            }
        }
    }
}

/// The median of a non-empty list.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// onnxruntime on the same graph and weights, in a `python/onnx_bench.py --serve` process that
/// times one run each time it is asked.
final class OnnxruntimeRunner {
    private let process = Process()
    private let requests = Pipe()
    private let replies = Pipe()
    private var buffer = [UInt8]()

    init(weights: String, threads: Int) throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/onnx_bench.py").path
        guard FileManagerShim.fileExists(script) else { throw UsageError("cannot find \(script) for --compare-onnxruntime") }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--weights", weights, "--threads", String(threads), "--serve"]
        process.standardInput = requests
        process.standardOutput = replies
        do { try process.run() } catch { throw UsageError("cannot run python3: \(error.localizedDescription)") }
        guard readLine() == "ready" else { throw Self.failure }
    }

    deinit {
        try? requests.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// Asks for one timed run and returns its milliseconds.
    func timeOneRun() throws -> Double {
        requests.fileHandleForWriting.write(Data("run\n".utf8))
        guard let line = readLine(), let milliseconds = Double(line) else { throw Self.failure }
        return milliseconds
    }

    private static let failure = UsageError(
        "onnxruntime bench failed (is onnxruntime installed? pip install -r python/requirements-test.txt)")

    private func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let chunk = replies.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(contentsOf: chunk)
        }
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
