import Foundation
import Platform
import ResNetCore
import Testing

@testable import ResNetIO

/// The committed fixtures, written by `python3 python/make_h5_fixtures.py Tests/ResNetIOTests/Fixtures`.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path
    static func path(_ name: String) -> String { directory + "/" + name }

    /// The values the generator writes: `(0..<n) * 0.5 + start`.
    static func values(_ count: Int, start: Float) -> [Float] { (0..<count).map { Float($0) * 0.5 + start } }
}

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "reslab-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
}

/// Runs `body` with file descriptor 2 sent to a file, and returns what was written there.
/// Only HDF5's own marker (`HDF5-DIAG`) is looked for by callers, so output from tests running
/// in parallel cannot cause a false failure. Not reentrant (it swaps a process-wide descriptor):
/// only one test uses it.
func capturingStandardError(_ body: () async throws -> Void) async rethrows -> String {
    let capture = NSTemporaryDirectory() + "reslab-stderr-" + UUID().uuidString
    let fd = open(capture, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
    let saved = dup(2)
    dup2(fd, 2)
    close(fd)
    defer {
        dup2(saved, 2)
        close(saved)
        try? FileManager.default.removeItem(atPath: capture)
    }
    try await body()
    return (try? String(contentsOfFile: capture, encoding: .utf8)) ?? ""
}

@Suite struct KerasWeightsFileTests {
    // MARK: Reading

    @Test func legacyLayoutListsEveryLayerAndReadsWeightsInWeightNamesOrder() throws {
        let file = try KerasWeightsFile(path: Fixtures.path("legacy_fixed.h5"))
        #expect(file.layerNames == ["input_1", "conv1", "bn_conv1", "activation_1", "flatten_1", "fc1000"])
        #expect(!file.isFullModelFile)
        #expect(try file.weightNames(forLayer: "input_1") == [])
        #expect(try file.weights(forLayer: "input_1") == [])
        // Not alphabetical: the order comes from weight_names.
        #expect(
            try file.weightNames(forLayer: "bn_conv1")
                == ["bn_conv1_gamma:0", "bn_conv1_beta:0", "bn_conv1_running_mean:0", "bn_conv1_running_std:0"])

        let conv = try file.weights(forLayer: "conv1")
        #expect(conv.map(\.shape) == [[1, 1, 2, 3], [3]])
        #expect(conv[0].data == Fixtures.values(6, start: 1))
        #expect(conv[1].data == Fixtures.values(3, start: -1))

        let bn = try file.weights(forLayer: "bn_conv1")
        #expect(bn.map(\.data) == [10, 20, 30, 40].map { Fixtures.values(3, start: $0) })

        let dense = try file.weights(forLayer: "fc1000")
        #expect(dense.map(\.shape) == [[3, 4], [4]])
        #expect(dense[0].data == Fixtures.values(12, start: 100))
    }

    @Test func nestedWeightNamesAreReadFromNestedGroups() throws {
        let file = try KerasWeightsFile(path: Fixtures.path("nested_vlen.h5"))
        // From layer_names0 + layer_names1.
        #expect(file.layerNames == ["input_1", "conv1_conv", "conv1_bn", "predictions"])
        #expect(try file.weightNames(forLayer: "conv1_conv") == ["conv1_conv/kernel:0", "conv1_conv/bias:0"])
        let conv = try file.weights(forLayer: "conv1_conv")
        #expect(
            conv == [
                Tensor(shape: [2, 2, 1, 2], data: Fixtures.values(8, start: 0)),
                Tensor(shape: [2], data: Fixtures.values(2, start: 5)),
            ])
        #expect(file.kerasVersion == "2.21.0")
        #expect(file.backend == "tensorflow")
    }

    @Test func float64AndFloat16WeightsAreConvertedToFloat32() throws {
        let file = try KerasWeightsFile(path: Fixtures.path("nested_vlen.h5"))
        let bn = try file.weights(forLayer: "conv1_bn")
        #expect(bn.map(\.data) == [1, 2, 3, 4].map { Fixtures.values(2, start: $0) })
    }

    @Test func fullModelFileIsReadUnderModelWeights() throws {
        let file = try KerasWeightsFile(path: Fixtures.path("full_model.h5"))
        #expect(file.isFullModelFile)
        #expect(file.layerNames == ["input_1", "conv1_conv", "conv1_bn", "predictions"])
        let dense = try file.weights(forLayer: "predictions")
        #expect(
            dense == [
                Tensor(shape: [2, 3], data: Fixtures.values(6, start: -3)),
                Tensor(shape: [3], data: Fixtures.values(3, start: 0.25)),
            ])
    }

    @Test func modelWeightsHoldsEveryLayerThatHasWeights() throws {
        let weights = try KerasWeightsFile(path: Fixtures.path("legacy_fixed.h5")).modelWeights()
        #expect(Set(weights.byLayer.keys) == ["conv1", "bn_conv1", "fc1000"])
        #expect(weights.byLayer["bn_conv1"]?.count == 4)
    }

    // MARK: Bad files

    @Test func randomBytesAreReportedAsNotHDF5() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("random.h5")
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try (Data(bytes)).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: WeightsError.self) { try KerasWeightsFile(path: path) }
        #expect(error == .notHDF5(path: path))
        #expect(error?.description == "cannot read weights '\(path)': not an HDF5 file")
    }

    @Test func emptyFileIsReportedAsNotHDF5() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("empty.h5")
        try (Data()).write(to: URL(fileURLWithPath: path))
        #expect(throws: WeightsError.notHDF5(path: path)) { try KerasWeightsFile(path: path) }
    }

    @Test(arguments: ["legacy_fixed.h5", "nested_vlen.h5", "full_model.h5"])
    func fileCutInHalfIsReportedAsTruncatedOrCorrupt(fixture: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(fixture)))
        let path = dir.file(fixture)
        try (whole.prefix(whole.count / 2)).write(to: URL(fileURLWithPath: path))
        expectCorrupt(path)
    }

    @Test func aDamagedStringHeapThatMakesTheLibraryLoopIsACorruptFile() throws {
        expectCorrupt(Fixtures.path("vlen_heap_damaged.h5"))
        // The same strings, undamaged, still read: the child process gives them to this one.
        let intact = try KerasWeightsFile(path: Fixtures.path("nested_vlen.h5"))
        #expect(!intact.layerNames.isEmpty)
    }

    /// Reading every layer of the file at `path` ends in `.corruptFile`, said as such.
    private func expectCorrupt(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: WeightsError.self, sourceLocation: sourceLocation) {
            let file = try KerasWeightsFile(path: path)
            for layer in file.layerNames { _ = try file.weights(forLayer: layer) }
        }
        guard case .corruptFile(path, _)? = error else {
            Issue.record("expected .corruptFile, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(
            error?.description.hasPrefix("cannot read weights '\(path)': truncated or corrupt HDF5 file") == true,
            sourceLocation: sourceLocation)
    }

    /// Found by `make fuzz`: nested_vlen.h5 with five bytes inserted, so that a `weight_names` string
    /// points at a global-heap object whose size is garbage. HDF5 1.10.8 copies as many bytes as the
    /// heap claims into a buffer sized by the attribute, and the process reading it dies in `H5HG_read`:
    /// the child process that reads the file's strings, not this one.
    @Test func aGlobalHeapThatOverflowsTheLibraryIsACorruptFile() {
        expectCorrupt(Fixtures.path("damaged_global_heap.h5"))
    }

    @Test func missingFileIsReportedByName() {
        let path = "/nonexistent/reslab/w.h5"
        #expect(throws: WeightsError.fileNotFound(path: path)) { try KerasWeightsFile(path: path) }
        #expect(WeightsError.fileNotFound(path: path).description == "cannot read weights '\(path)': no such file")
    }

    @Test func directoryIsReportedAsUnreadable() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(throws: WeightsError.unreadableFile(path: dir.path, reason: FileKind.directory.text)) {
            try KerasWeightsFile(path: dir.path)
        }
    }

    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let fifo = dir.path + "/w.h5"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: WeightsError.unreadableFile(path: fifo, reason: FileKind.fifo.text)) {
            try KerasWeightsFile(path: fifo)
        }
        #expect(throws: WeightsError.unreadableFile(path: fifo, reason: FileKind.fifo.text)) {
            try WeightsCache.md5(ofFileAt: fifo)
        }
    }

    @Test func hdf5FileWithoutLayerNamesIsNotAKerasWeightFile() {
        let path = Fixtures.path("not_keras.h5")
        let error = #expect(throws: WeightsError.self) { try KerasWeightsFile(path: path) }
        #expect(error == .notKerasWeightsFile(path: path))
        #expect(error?.description.contains("no 'layer_names' attribute") == true)
    }

    @Test func notopFileWithoutTheClassifierNamesTheMissingLayerAndSuggestsTheTopFile() throws {
        let path = Fixtures.path("notop.h5")
        let file = try KerasWeightsFile(path: path)
        #expect(!file.contains(layer: "fc1000"))
        #expect(file.contains(layer: "conv1"))
        let error = #expect(throws: WeightsError.self) { try file.weights(forLayer: "fc1000") }
        #expect(error == .missingLayer(path: path, layer: "fc1000"))
        #expect(
            error?.description == "cannot read weights '\(path)': no layer 'fc1000' — this looks like a \"_notop\" "
                + "file without the classifier top; use the file with the top")
    }

    @Test func missingOrdinaryLayerIsNamedWithoutTheNotopHint() throws {
        let path = Fixtures.path("legacy_fixed.h5")
        let file = try KerasWeightsFile(path: path)
        let error = #expect(throws: WeightsError.self) { try file.weightNames(forLayer: "res2a_branch2a") }
        #expect(error?.description == "cannot read weights '\(path)': no layer 'res2a_branch2a'")
    }

    // MARK: Checking against expected shapes

    static func spec(_ name: String, _ shape: [Int]) -> WeightSpec {
        WeightSpec(name: name, shape: shape, trainable: true)
    }

    @Test func expectedShapesThatMatchReturnTheWeights() throws {
        let file = try KerasWeightsFile(path: Fixtures.path("legacy_fixed.h5"))
        let conv = try file.weights(
            forLayer: "conv1", expecting: [Self.spec("kernel", [1, 1, 2, 3]), Self.spec("bias", [3])])
        #expect(conv.count == 2)
    }

    @Test func wrongWeightCountNamesLayerAndCounts() throws {
        let path = Fixtures.path("legacy_fixed.h5")
        let file = try KerasWeightsFile(path: path)
        let error = #expect(throws: WeightsError.self) {
            try file.weights(
                forLayer: "bn_conv1", expecting: ["gamma", "beta", "moving_mean"].map { Self.spec($0, [3]) })
        }
        #expect(error == .wrongWeightCount(path: path, layer: "bn_conv1", found: 4, expected: 3))
        #expect(error?.description == "cannot read weights '\(path)': layer 'bn_conv1' has 4 weights, expected 3")
    }

    @Test func shapeMismatchNamesLayerIndexAndBothShapesKerasStyle() throws {
        let path = Fixtures.path("legacy_fixed.h5")
        let file = try KerasWeightsFile(path: path)
        let error = #expect(throws: WeightsError.self) {
            try file.weights(
                forLayer: "conv1", expecting: [Self.spec("kernel", [1, 1, 2, 3]), Self.spec("bias", [4])])
        }
        #expect(error == .shapeMismatch(path: path, layer: "conv1", index: 1, found: [3], expected: [4]))
        #expect(
            error?.description == "cannot read weights '\(path)': layer 'conv1' weight 1 has shape (3,), expected (4,)")
        #expect(
            WeightsError.shapeMismatch(
                path: "w.h5", layer: "res2a_branch2a", index: 0, found: [1, 1, 64, 32], expected: [1, 1, 64, 64]
            )
            .description
                == "cannot read weights 'w.h5': layer 'res2a_branch2a' weight 0 has shape (1, 1, 64, 32), expected (1, 1, 64, 64)"
        )
    }

    // MARK: Hostile headers and values (`hostile.h5`)

    static let kernelAndBias = [spec("kernel", [3, 4]), spec("bias", [4])]

    @Test func hugeDeclaredShapeIsAShapeMismatchFoundBeforeAnyRead() throws {
        let path = Fixtures.path("hostile.h5")
        let file = try KerasWeightsFile(path: path)
        for (layer, found) in [("huge_chunked", [1 << 31, 1 << 31]), ("huge_contiguous", [1 << 33])] {
            let error = #expect(throws: WeightsError.self) {
                try file.weights(forLayer: layer, expecting: Self.kernelAndBias)
            }
            #expect(error == .shapeMismatch(path: path, layer: layer, index: 0, found: found, expected: [3, 4]))
        }
        #expect(
            throws: WeightsError.shapeMismatch(path: path, layer: "null_space", index: 0, found: [0], expected: [3, 4])
        ) { try file.weights(forLayer: "null_space", expecting: Self.kernelAndBias) }
    }

    @Test func weightNamesOfTheWrongCountAreRefusedBeforeAnyRead() throws {
        let path = Fixtures.path("hostile.h5")
        let file = try KerasWeightsFile(path: path)
        #expect(throws: WeightsError.wrongWeightCount(path: path, layer: "repeated", found: 300, expected: 2)) {
            try file.weights(forLayer: "repeated", expecting: Self.kernelAndBias)
        }
    }

    @Test func declaredSizesTooLargeToReadNameTheWeight() throws {
        let path = Fixtures.path("hostile.h5")
        let file = try KerasWeightsFile(path: path)
        #expect(throws: WeightsError.weightTooLarge(path: path, layer: "huge_chunked", weightName: "huge_chunked_W:0"))
        {
            try file.weights(forLayer: "huge_chunked")
        }
        #expect(throws: WeightsError.weightTooLarge(path: path, layer: "huge_chunks", weightName: "huge_chunks_W:0")) {
            try file.weights(forLayer: "huge_chunks", expecting: Self.kernelAndBias)
        }
    }

    @Test func valuesThatAreNotFiniteNameTheLayerWeightAndPosition() throws {
        let path = Fixtures.path("hostile.h5")
        let file = try KerasWeightsFile(path: path)
        let nan = #expect(throws: WeightsError.self) {
            try file.weights(forLayer: "nan_bias", expecting: Self.kernelAndBias)
        }
        #expect(
            nan == .nonFiniteWeight(path: path, layer: "nan_bias", weightName: "nan_bias_b:0", position: 1, value: .nan)
        )
        #expect(
            nan?.description
                == "cannot read weights '\(path)': layer 'nan_bias' weight 'nan_bias_b:0' holds NaN (value 1): "
                + "weights must be finite numbers")
        #expect(
            throws: WeightsError.nonFiniteWeight(
                path: path, layer: "minus_inf_kernel", weightName: "minus_inf_kernel_W:0", position: 10,
                value: .minusInfinity)
        ) { try file.weights(forLayer: "minus_inf_kernel") }
    }

    /// The scan goes 16 lanes and 1024 values at a time: a value at a lane's, a block's or the tail's
    /// edge is found, and the first of two is the one named.
    @Test(arguments: [0, 15, 16, 1023, 1024, 4095, 4999])
    func theFirstValueThatIsNotFiniteIsFoundWhereverItIs(position: Int) {
        var values = (0..<5000).map { Float($0 % 7) - 3 }
        #expect(KerasWeightsFile.firstNonFinite(values) == nil)
        for bad in [Float.nan, .infinity, -.infinity] {
            values[position] = bad
            if position + 1 < values.count { values[position + 1] = .nan }
            #expect(KerasWeightsFile.firstNonFinite(values) == position)
            values[position] = 0
            if position + 1 < values.count { values[position + 1] = 0 }
        }
        #expect(KerasWeightsFile.firstNonFinite([]) == nil)
    }

    @Test func theEnginesWeightCheckIsReportedNamingTheFile() {
        #expect(WeightsError(.missingLayer("fc1000"), path: "w.h5") == .missingLayer(path: "w.h5", layer: "fc1000"))
        #expect(
            WeightsError(.wrongCount(layer: "bn_conv1", expected: 4, found: 3), path: "w.h5")
                == .wrongWeightCount(path: "w.h5", layer: "bn_conv1", found: 3, expected: 4))
        #expect(
            WeightsError(.wrongShape(layer: "a", index: 1, weight: "bias", expected: [4], found: [3]), path: "w.h5")
                == .shapeMismatch(path: "w.h5", layer: "a", index: 1, found: [3], expected: [4]))
    }

    @Test func shapesAreFormattedLikeKeras() {
        #expect(weightShape([1, 1, 64, 64]) == "(1, 1, 64, 64)")
        #expect(weightShape([1000]) == "(1000,)")
        #expect(weightShape([]) == "()")
    }

    // MARK: Quiet failures

    @Test func failuresPrintNoHDF5ErrorStackFromAnyThread() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("legacy_fixed.h5")))
        let truncated = dir.file("half.h5")
        try (whole.prefix(whole.count / 2)).write(to: URL(fileURLWithPath: truncated))
        let random = dir.file("random.h5")
        try (Data(repeating: 0x5A, count: 2048)).write(to: URL(fileURLWithPath: random))
        let paths = [truncated, random, Fixtures.path("not_keras.h5"), Fixtures.path("notop.h5")]

        let printed = await capturingStandardError {
            // Several tasks: HDF5's error-printing switch is per thread in a thread-safe build.
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for path in paths {
                            if let file = try? KerasWeightsFile(path: path) {
                                _ = try? file.weights(forLayer: "fc1000")
                                _ = try? file.weights(forLayer: "no/such/layer")
                            }
                        }
                    }
                }
            }
        }
        #expect(!printed.contains("HDF5-DIAG"), "HDF5 printed: \(printed)")
    }

    @Test func everyErrorDescriptionIsOneLine() {
        let errors: [WeightsError] = [
            .fileNotFound(path: "w.h5"), .unreadableFile(path: "w.h5", reason: errnoText(EACCES)),
            .notHDF5(path: "w.h5"), .corruptFile(path: "w.h5", detail: nil), .corruptFile(path: "w.h5", detail: "x"),
            .notKerasWeightsFile(path: "w.h5"), .missingLayer(path: "w.h5", layer: "fc1000"),
            .missingWeight(path: "w.h5", layer: "a", weightName: "b"),
            .unsupportedWeightType(path: "w.h5", layer: "a", weightName: "b"),
            .wrongWeightCount(path: "w.h5", layer: "bn_conv1", found: 3, expected: 4),
            .shapeMismatch(path: "w.h5", layer: "a", index: 0, found: [1], expected: [2]),
            .checksumMismatch(path: "w.h5", actual: "0", expected: "1"),
            .downloadChecksumMismatch(url: "http://x", actual: "0", expected: "1"),
            .httpStatus(url: "http://x", status: 404),
            .cannotConnect(host: "h", port: 1, reason: Bilingual("connection refused", "连接被拒绝")),
            .shortDownload(url: "http://x", received: 1, expected: 2), .downloadCancelled(url: "http://x"),
            .networkFailure(url: "http://x", reason: Bilingual(verbatim: "timed out")),
            .downloadStorage(path: "/x", reason: errnoText(ENOSPC)),
        ]
        for error in errors {
            #expect(!error.description.contains("\n"))
            #expect(!error.description.isEmpty)
        }
        #expect(
            WeightsError.wrongWeightCount(path: "w.h5", layer: "bn_conv1", found: 3, expected: 4).description
                == "cannot read weights 'w.h5': layer 'bn_conv1' has 3 weights, expected 4")
    }

    // MARK: Speed on a real-size file

    /// Set `RESLAB_LARGE_WEIGHTS` to a ~100 MB Keras file, e.g. one written by
    /// `tf_keras.applications.ResNet50(weights=None).save_weights('/tmp/x.h5')`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RESLAB_LARGE_WEIGHTS"] != nil))
    func readingEveryLayerOfARealSizeFileIsFast() throws {
        let path = ProcessInfo.processInfo.environment["RESLAB_LARGE_WEIGHTS"] ?? ""
        var best = Duration.seconds(100)
        var values = 0
        for _ in 0..<3 {  // the first pass warms the page cache
            let clock = ContinuousClock()
            let start = clock.now
            let weights = try KerasWeightsFile(path: path).modelWeights()
            best = min(best, clock.now - start)
            values = weights.byLayer.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        }
        print("read \(values) weights (\(values * 4 / 1_000_000) MB) from \(path) in \(best)")
        #expect(best < .milliseconds(300))

        // The same file cut in half: the header is intact, the data is not.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let half = dir.file("half.h5")
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: half))
        let error = #expect(throws: WeightsError.self) { try KerasWeightsFile(path: half).modelWeights() }
        guard case .corruptFile(half, _)? = error else {
            Issue.record("expected .corruptFile, got \(String(describing: error))")
            return
        }
    }
}
