import ArgumentParser
import Foundation
import Notebook
import Platform
import ResNetCore
import ResNetIO

/// `reslab bench`: how long one forward pass takes, optionally next to onnxruntime in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: Message.cliBenchAbstract.localized,
        discussion: "The time does not depend on the weights' values, so --random-weights needs no weight file.")

    @OptionGroup var network: NetworkOptions

    @Option(help: "Timed runs.")
    var runs: Int = 20

    @Option(help: "Threads each convolution is split over.")
    var threads: Int = 2

    @Flag(help: "Also print where the time goes, step by step and by kind of step (from one extra run).")
    var profile = false

    @Flag(help: "Also time onnxruntime on the same graph and weights (needs --weights and python3 with onnxruntime).")
    var compareOnnxruntime = false

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        guard !(network.randomWeights && compareOnnxruntime) else {
            throw ValidationError("--compare-onnxruntime needs a weight file (--weights), not --random-weights")
        }
    }

    func run() throws {
        let blas = try BLAS.info()
        let clock = ContinuousClock()
        let loadStart = clock.now
        let loaded = try LoadedNetwork(network)
        let engine = loaded.engine
        let weightsPath = loaded.weightsPath
        let loadSeconds = (clock.now - loadStart).seconds
        engine.threadCount = threads

        var generator = SystemRandomNumberGenerator()
        let input = Tensor(
            shape: [1, 224, 224, 3],
            data: (0..<(224 * 224 * 3)).map { _ in Float.random(in: -120...150, using: &generator) })
        _ = try engine.predict(input)  // warm-up
        var ours = [Double]()
        for _ in 0..<runs {
            let start = clock.now
            _ = try engine.predict(input)
            ours.append((clock.now - start).seconds * 1000)
        }
        // onnxruntime runs after reslab, not in turns with it: its worker threads keep spinning
        // after each of its runs and would slow whatever runs next.
        let theirs = try weightsPath.flatMap {
            compareOnnxruntime ? try OnnxruntimeBench.run(weights: $0, runs: runs, threads: threads) : nil
        }

        print("\(blas), \(threads) thread\(threads == 1 ? "" : "s")")
        print(
            "weights: \(weightsPath ?? "seeded random") (\(loaded.hasRandomWeights ? "built" : "loaded") in \(fixed(loadSeconds * 1000, 1)) ms)"
        )
        print("forward pass: 1 image 224x224, \(runs) runs after 1 warm-up, \(engine.stepCount) fused steps")
        print("median_ms=\(fixed(median(ours), 2)) min_ms=\(fixed(ours.min()!, 2)) max_ms=\(fixed(ours.max()!, 2))")
        print("load_ms=\(fixed(loadSeconds * 1000, 1)) peak_rss_mb=\(fixed(Double(peakResidentKilobytes()) / 1024, 1))")
        if let theirs {
            print("onnxruntime \(theirs.version): \(runs) runs after 1 warm-up, same graph and weights")
            print(
                "onnxruntime_median_ms=\(fixed(theirs.median, 2)) min_ms=\(fixed(theirs.min, 2)) max_ms=\(fixed(theirs.max, 2))"
            )
            print("ratio=\(fixed(median(ours) / theirs.median, 3)) (reslab median / onnxruntime median)")
        }

        if profile {
            print("one more run, step by step:")
            var byKind = [String: (count: Int, milliseconds: Double)]()
            _ = try engine.predict(
                input,
                stepFinished: { description, duration in
                    print("  \(fixed(duration.seconds * 1000, 3).leftPadded(7)) ms  \(description)")
                    let kind = description.split(separator: " → ")[0].split(separator: " ").prefix(
                        description.hasPrefix("conv") ? 3 : 1)
                    byKind[kind.joined(separator: " "), default: (0, 0)].count += 1
                    byKind[kind.joined(separator: " "), default: (0, 0)].milliseconds += duration.seconds * 1000
                })
            print("by kind of step:")
            for (kind, entry) in byKind.sorted(by: { $0.value.milliseconds > $1.value.milliseconds }) {
                print(
                    "  \(kind.padded(20)) \(String(entry.count).leftPadded(3)) steps  \(fixed(entry.milliseconds, 2).leftPadded(7)) ms"
                )
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

/// Runs `python/onnx_bench.py` (onnxruntime on the same graph and weights) and reads its timings.
enum OnnxruntimeBench {
    struct Timing: Decodable {
        let median: Double, min: Double, max: Double, version: String
        enum CodingKeys: String, CodingKey {
            case median = "onnxruntime_median_ms"
            case min = "min_ms"
            case max = "max_ms"
            case version = "onnxruntime_version"
        }
    }

    static func run(weights: String, runs: Int, threads: Int) throws -> Timing {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/onnx_bench.py").path
        guard fileExists(script) else { throw UsageError("cannot find \(script) for --compare-onnxruntime") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script, "--weights", weights, "--runs", String(runs), "--threads", String(threads), "--json",
        ]
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch { throw UsageError("cannot run python3: \(error.localizedDescription)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let timing = try? JSONDecoder().decode(Timing.self, from: data) else {
            throw UsageError(
                "onnxruntime bench failed (is onnxruntime installed? pip install -r python/requirements-test.txt)")
        }
        return timing
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
