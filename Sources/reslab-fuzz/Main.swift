// reslab-fuzz: feeds one target of `FuzzTarget.all` (Sources/Fuzzing) for a bounded time.
//   reslab-fuzz TARGET [--seconds N] [--runs N] [--seed N] [--artifacts DIR]   the seeded mutation loop
//   reslab-fuzz TARGET FILE...                                                 replays saved inputs
// Built with `--sanitize=fuzzer -Xswiftc -DLIBFUZZER`, libFuzzer drives instead and
// `RESLAB_FUZZ_TARGET` names the target. Either way the last line says runs, seconds, crashes and corpus.
import Foundation
import Fuzzing
import Platform

/// The work one input may take before it counts as a hang.
let timeoutSeconds: UInt32 = 10

/// Bounds a cell's memory at the prompt, unless the caller set a limit (read before any model is built).
func limitMemory() { setenv("RESLAB_MEMORY_LIMIT", "256M", 0) }

func summary(_ target: FuzzTarget, runs: Int, since start: ContinuousClock.Instant, engine: String) -> String {
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    let corpus = target.corpus()
    let bytes = corpus.reduce(0) { $0 + $1.bytes.count }
    return "fuzz \(target.name) (\(engine)): \(runs) runs in \(String(format: "%.1f", seconds)) s, 0 crashes, "
        + "corpus \(corpus.count) files (\(bytes) bytes)"
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("reslab-fuzz: \(message)\n".utf8))
    exit(2)
}

#if LIBFUZZER
    nonisolated(unsafe) var libFuzzerTarget: FuzzTarget?
    nonisolated(unsafe) var libFuzzerRuns = 0
    nonisolated(unsafe) var libFuzzerStart = ContinuousClock.now

    @_cdecl("LLVMFuzzerInitialize")
    func initialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutableRawPointer) -> Int32 {
        limitMemory()
        let name = ProcessInfo.processInfo.environment["RESLAB_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget.named(name) else {
            fail("RESLAB_FUZZ_TARGET must be one of \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
        }
        libFuzzerTarget = target
        libFuzzerStart = .now
        // libFuzzer calls exit() when its time is up; it stops at a crash with _Exit, after its own report.
        atexit {
            guard let target = libFuzzerTarget else { return }
            print(summary(target, runs: libFuzzerRuns, since: libFuzzerStart, engine: "libFuzzer"))
        }
        return 0
    }

    @_cdecl("LLVMFuzzerTestOneInput")
    func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        libFuzzerRuns += 1
        libFuzzerTarget?.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
#else
    @main
    enum ReslabFuzz {
        static func main() {
            var arguments = Array(CommandLine.arguments.dropFirst())
            guard let name = arguments.first, let target = FuzzTarget.named(name) else {
                fail(
                    "usage: reslab-fuzz \(FuzzTarget.all.map(\.name).joined(separator: "|")) [--seconds N] "
                        + "[--runs N] [--seed N] [--artifacts DIR] | FILE...")
            }
            arguments.removeFirst()
            limitMemory()
            var seconds = 30
            var runs = Int.max
            var seed: UInt64 = 1
            var artifacts = "."
            var files: [String] = []
            while let argument = arguments.first {
                arguments.removeFirst()
                guard argument.hasPrefix("--") else {
                    files.append(argument)
                    continue
                }
                guard let value = arguments.first else { fail("\(argument) needs a value") }
                arguments.removeFirst()
                switch argument {
                case "--seconds": seconds = Int(value) ?? seconds
                case "--runs": runs = Int(value) ?? runs
                case "--seed": seed = UInt64(value) ?? seed
                case "--artifacts": artifacts = value
                default: fail("unknown option \(argument)")
                }
            }
            let start = ContinuousClock.now
            if !files.isEmpty {
                for file in files {
                    guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                    target.run([UInt8](data))
                }
                print("replayed \(files.count) inputs on \(target.name): no crash")
                return
            }
            let crashFile = "\(artifacts)/crash-\(target.name)-seed\(seed)"
            CrashReport.install(file: crashFile, reproduce: "reslab-fuzz \(target.name) \(crashFile)")
            let corpus = target.corpus().map(\.bytes)
            var mutator = Mutator(corpus: corpus, dictionary: target.dictionary, seed: seed)
            let deadline = start + .seconds(seconds)
            var count = 0
            while count < runs && ContinuousClock.now < deadline {
                let input = count < corpus.count ? corpus[count] : mutator.next()
                CrashReport.running(input)
                target.run(input)
                count += 1
            }
            alarm(0)
            print(summary(target, runs: count, since: start, engine: "mutation loop, seed \(seed)"))
        }
    }

    /// What the loop leaves behind when an input kills the process: the input in a file and one
    /// line saying how to replay it. Everything the signal handler touches is set up before it runs.
    enum CrashReport {
        nonisolated(unsafe) static var input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        nonisolated(unsafe) static var count = 0
        nonisolated(unsafe) static var path: UnsafeMutablePointer<CChar>?
        nonisolated(unsafe) static var message: [UInt8] = []

        static func install(file: String, reproduce: String) {
            path = strdup(file)
            message = Array("\nreslab-fuzz: an input crashed or hung; it is in \(file); replay: \(reproduce)\n".utf8)
            // The handler runs on its own stack, so that a stack overflow is reported too.
            let stackSize = 1 << 16
            var stack = stack_t(ss_sp: malloc(stackSize), ss_flags: 0, ss_size: stackSize)
            sigaltstack(&stack, nil)
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                let file = open(CrashReport.path!, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                if file >= 0 {
                    _ = write(file, CrashReport.input.baseAddress, CrashReport.count)
                    close(file)
                }
                _ = CrashReport.message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                Glibc.signal(signal, SIG_DFL)
                raise(signal)
            }
            action.sa_flags = SA_ONSTACK
            for signal in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT, SIGALRM] {
                sigaction(signal, &action, nil)
            }
        }

        /// Keeps a copy of `bytes` for the handler and restarts the hang timer.
        static func running(_ bytes: [UInt8]) {
            count = input.initialize(from: bytes.prefix(input.count)).1
            alarm(timeoutSeconds)
        }
    }
#endif
