import ArgumentParser
import Foundation
import Notebook
import Platform
import ResNetCore
import ResNetIO

/// `reslab bench`: how long one forward pass takes, optionally next to onnxruntime and OpenVINO in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: Message.cliBenchAbstract.localized,
        discussion: """
            The time does not depend on the weights' values, so --random-weights needs no weight file. \
            With --compare, reslab and each peer take turns: every round times a block of --runs in reslab, \
            then the same in each peer (each peer a long-lived python3 process), so all see the same machine. \
            A peer whose Python package is missing stops the command before any timing, naming the pip package.
            """)

    @OptionGroup var network: NetworkOptions

    @Option(help: "Timed runs in each block.")
    var runs: Int = 20

    @Option(help: "Blocks of runs; with --compare, reslab and the peers take turns block by block.")
    var rounds: Int = 4

    @Option(help: "Images a forward pass (throughput: ms a batch and images/s).")
    var batch: Int = 1

    @Option(help: "Threads for the forward pass: one image is split over them, a batch shared among them.")
    var threads: Int = 2

    @Option(
        help: ArgumentHelp(
            "Peers to time on the same graph and weights, comma-separated: onnxruntime, openvino (needs --weights and python3 with their packages).",
            valueName: "peers"))
    var compare: String?

    @Flag(help: .hidden)
    var compareOnnxruntime = false

    @Flag(help: "Also print where the time goes, step by step and by kind of step (from one extra run).")
    var profile = false

    /// The peers asked for, in order, without repeats.
    var peers: [String] {
        var names = (compare ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if compareOnnxruntime { names.append("onnxruntime") }
        return names.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        for peer in peers where !PeerProcess.known.contains(peer) {
            throw ValidationError(
                "--compare: unknown peer '\(peer)' (known: \(PeerProcess.known.joined(separator: ", ")))")
        }
        guard !(network.randomWeights && !peers.isEmpty) else {
            throw ValidationError("--compare needs a weight file (--weights), not --random-weights")
        }
    }

    func run() throws {
        let blas = try BLAS.info()
        let gemm = try GEMMInfo.current()
        let clock = ContinuousClock()
        let loadStart = clock.now
        let loaded = try LoadedNetwork(network)
        let engine = loaded.engine
        let weightsPath = loaded.weightsPath
        let loadSeconds = (clock.now - loadStart).seconds
        engine.threadCount = threads

        // Seeded: the system generator asks the kernel for every value, 150,528 calls an image.
        var generator = SplitMix64(seed: 1)
        let input = Tensor(
            shape: [batch, 224, 224, 3],
            data: (0..<(batch * 224 * 224 * 3)).map { _ in Float.random(in: -120...150, using: &generator) })
        // Each peer starts (builds its graph, warms up) before any timing, and idles between its blocks.
        let peerProcesses =
            try weightsPath.map { weights in
                try peers.map { try PeerProcess(peer: $0, weights: weights, threads: threads, batch: batch) }
            } ?? []
        defer { for peer in peerProcesses { peer.stop() } }

        _ = try engine.predict(input)  // warm-up
        var ours = [[Double]]()
        var theirs = Array(repeating: [[Double]](), count: peerProcesses.count)
        for _ in 0..<rounds {
            var block = [Double]()
            for _ in 0..<runs {
                let start = clock.now
                _ = try engine.predict(input)
                block.append((clock.now - start).seconds * 1000)
            }
            ours.append(block)
            for (index, peer) in peerProcesses.enumerated() { theirs[index].append(try peer.time(runs: runs)) }
        }

        print("\(gemm) for the convolutions, \(threads) thread\(threads == 1 ? "" : "s")")
        print("\(blas) for the layer-by-layer pass")
        print(
            "weights: \(weightsPath ?? "seeded random") (\(loaded.hasRandomWeights ? "built" : "loaded") in \(fixed(loadSeconds * 1000, 1)) ms)"
        )
        let images = batch == 1 ? "1 image" : "batch of \(batch) images"
        print(
            "forward pass: \(images) 224x224, \(rounds) block\(rounds == 1 ? "" : "s") of \(runs) runs after 1 warm-up, \(engine.stepCount) fused steps"
                + (peerProcesses.isEmpty ? "" : ", reslab then each peer in turn")
        )
        print("median_ms=\(fixed(median(ours.joined()), 2)) \(summary(ours))")
        print("load_ms=\(fixed(loadSeconds * 1000, 1)) peak_rss_mb=\(fixed(Double(peakResidentKilobytes()) / 1024, 1))")
        for (peer, blocks) in zip(peerProcesses, theirs) {
            print("\(peer.name) \(peer.version): \(peer.settings); same graph and weights, NCHW input")
            print("\(peer.name)_median_ms=\(fixed(median(blocks.joined()), 2)) \(summary(blocks))")
            let ratios = zip(ours, blocks).map { median($0) / median($1) }
            print(
                "ratio reslab/\(peer.name)=\(fixed(median(ratios), 3)) (median of the rounds' ratios: \(ratios.map { fixed($0, 3) }.joined(separator: " ")))"
            )
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

    /// Min and max of all runs, the range of the blocks' medians and the images a second at the median.
    func summary(_ blocks: [[Double]]) -> String {
        let all = Array(blocks.joined())
        let medians = blocks.map(median)
        return "min_ms=\(fixed(all.min()!, 2)) max_ms=\(fixed(all.max()!, 2)) "
            + "block_medians_ms=\(fixed(medians.min()!, 2))-\(fixed(medians.max()!, 2)) "
            + "images_per_s=\(fixed(Double(batch) * 1000 / median(all), 1))"
    }
}

/// The median of a non-empty list.
func median(_ values: some Collection<Double>) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// A peer of `reslab bench --compare` (`python/peer_bench.py`), kept running so that it can time
/// blocks of runs in turns with reslab.
final class PeerProcess {
    /// The peers `python/peer_bench.py` knows.
    static let known = ["onnxruntime", "openvino"]

    private struct Hello: Decodable { let peer: String, version: String, settings: String }
    private struct Block: Decodable { let ms: [Double] }

    let name: String
    private(set) var version = ""
    private(set) var settings = ""
    private let process = Process()
    private let input = Pipe()
    /// The peer's stderr: an unlinked temporary file, not a pipe, so that a peer's warnings never
    /// fill a pipe nobody reads and stall it (reslab reads them only if the peer fails).
    private let errors: FileHandle
    private var output: LineReader

    /// The script that runs the peers: `python/peer_bench.py` in the source tree reslab was built from.
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("python/peer_bench.py").path

    /// Starts the peer and waits until it has built its graph and run its warm-up.
    init(peer: String, weights: String, threads: Int, batch: Int, script: String = PeerProcess.script)
        throws(UsageError)
    {
        guard fileExists(script) else { throw UsageError("cannot find \(script) for --compare") }
        var template = Array((NSTemporaryDirectory() + "/reslab-peer-XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw UsageError("cannot create a temporary file: \(errnoText().localized)") }
        unlink(template)
        errors = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        name = peer
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script, "--peer", peer, "--weights", weights, "--threads", String(threads), "--batch",
            String(batch),
        ]
        let outputPipe = Pipe()
        process.standardInput = input
        process.standardOutput = outputPipe
        process.standardError = errors
        output = LineReader(outputPipe.fileHandleForReading)
        signal(SIGPIPE, SIG_IGN)  // a peer that has ended is an error, not the end of reslab
        do { try process.run() } catch { throw UsageError("cannot run python3: \(error.localizedDescription)") }
        guard let line = output.next(), let hello = try? JSONDecoder().decode(Hello.self, from: Data(line.utf8)) else {
            throw failure()
        }
        (version, settings) = (hello.version, hello.settings)
    }

    /// The milliseconds of `runs` timed runs in the peer.
    func time(runs: Int) throws(UsageError) -> [Double] {
        guard (try? input.fileHandleForWriting.write(contentsOf: Data("run \(runs)\n".utf8))) != nil,
            let line = output.next(), let block = try? JSONDecoder().decode(Block.self, from: Data(line.utf8)),
            block.ms.count == runs
        else { throw failure() }
        return block.ms
    }

    /// Closes the peer's input, which ends it.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The peer's own last line on stderr (e.g. how to install its package), once it has ended.
    private func failure() -> UsageError {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? errors.seek(toOffset: 0)
        let message = String(decoding: (try? errors.readToEnd()) ?? Data(), as: UTF8.self)
        let last = message.split(separator: "\n").last.map(String.init)
        return UsageError(last ?? "\(name) bench failed (exit status \(process.terminationStatus))")
    }
}

/// The lines of a file handle, read as they come.
struct LineReader {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    /// The next line without its newline, or `nil` at the end.
    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer = Data(buffer[(newline + 1)...])
                return line
            }
            let chunk = handle.availableData
            guard !chunk.isEmpty else { return nil }
            buffer.append(chunk)
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
