// A file of an engine's lowered arrays (kernels with batch norm folded in, packed for the GEMM;
// biases), so that a later run maps them instead of reading the weight file and lowering it again:
// for ResNet50 that is 0.1 s of both cores, the largest fixed cost of `classify`. OpenVINO keeps
// compiled models in its `CACHE_DIR` for the same reason. Whoever writes one names what it was made
// from in its key; a file whose key, GEMM path, arrays or checksum do not match is not used.
//
// Layout (every integer a little-endian UInt64):
//
//   0        "reslabPK", format version, key length K, array count R, data offset D, data length L
//   48       the key (K bytes of UTF-8), zeros to a multiple of 8, then R records of 8 integers:
//            kind (0 packed, 1 floats), offset in the data, float count, rank, 4 dimensions
//   D        (a multiple of 4096) the arrays, each at a multiple of 64 from D
//   D + L    (L a multiple of 64) the checksum: Fletcher sums in four lanes over every byte before it

import Platform

/// An array a lowered step holds: a kernel packed for the GEMM, or plain floats (a folded bias, a
/// layer's own weights). In the order ``InferenceEngine/loweredShapes(_:in:)`` gives, they are all of
/// a step's weights.
enum LoweredArray {
    case packed(PackedMatrix)
    case floats(Tensor)

    /// What a lowered array is, for checking one read back.
    enum Shape: Equatable {
        case packed(rows: Int, columns: Int)
        case floats([Int])
    }

    var packedMatrix: PackedMatrix? { if case .packed(let matrix) = self { matrix } else { nil } }
    var tensor: Tensor? { if case .floats(let tensor) = self { tensor } else { nil } }

    /// The array's values, as the file keeps them (a copy).
    var values: [Float] {
        switch self {
        case .packed(let matrix): Array(matrix.packedValues)
        case .floats(let tensor): tensor.data
        }
    }

    var shape: Shape {
        switch self {
        case .packed(let matrix): .packed(rows: matrix.rows, columns: matrix.columns)
        case .floats(let tensor): .floats(tensor.shape)
        }
    }
}

extension Step {
    /// The step's lowered arrays, in the order ``InferenceEngine/loweredShapes(_:in:)`` gives.
    var loweredArrays: [LoweredArray] {
        switch self {
        case .convolution(let step):
            let kernels: [PackedMatrix]
            switch step.algorithm {
            case .im2col(let kernel, _): kernels = [kernel]
            case .winograd(_, let transformed): kernels = transformed
            }
            return kernels.map { .packed($0) }
                + (step.bias.map { [.floats(Tensor(shape: [$0.count], data: $0))] } ?? [])
        case .layer(let step):
            switch step.method {
            case .forward(let weights): return weights.map { .floats($0) }
            case .pooling: return []
            case .dense(let kernel, let bias, _):
                return [.packed(kernel), .floats(Tensor(shape: [bias.count], data: bias))]
            }
        }
    }
}

/// Fletcher's checksum over 64-bit words in four lanes (each lane sums its words, and sums those sums):
/// any changed word changes it, and so does any two words swapped.
struct FletcherChecksum: Equatable {
    private(set) var sums = SIMD4<UInt64>()
    private(set) var sumsOfSums = SIMD4<UInt64>()

    /// Adds `bytes`, a multiple of 32 long.
    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count % 32 == 0, "the checksum takes whole blocks of 32 bytes")
        var sums = self.sums
        var sumsOfSums = self.sumsOfSums
        var offset = 0
        while offset < bytes.count {
            sums &+= bytes.loadUnaligned(fromByteOffset: offset, as: SIMD4<UInt64>.self)
            sumsOfSums &+= sums
            offset += 32
        }
        self.sums = sums
        self.sumsOfSums = sumsOfSums
    }

    /// The eight sums, as the file keeps them.
    var words: [UInt64] { (0..<4).map { sums[$0] } + (0..<4).map { sumsOfSums[$0] } }
}

extension InferenceEngine {
    private static let packedMagic = Array("reslabPK".utf8)
    private static let packedFormatVersion: UInt64 = 1
    private static let packedHeaderWords = 6

    /// Writes the engine's lowered arrays to `file` (which the caller commits), under `key`: the names of
    /// whatever the arrays were made from (the weight file, the program), which a reader must give again.
    public func writeLoweredArrays(key: String, to file: AtomicFile) throws(FileError) {
        let arrays = steps.flatMap(\.loweredArrays)
        let path = try! GEMMInfo.current().path  // the engine was built, so the path is valid
        let keyBytes = Array(Self.fullKey(key, path: path).utf8)
        var records = [UInt64]()
        var dataLength = 0
        for array in arrays {
            let (kind, count, dimensions): (UInt64, Int, [Int]) =
                switch array {
                case .packed(let matrix): (0, matrix.packedValues.count, [matrix.rows, matrix.columns])
                case .floats(let tensor): (1, tensor.data.count, tensor.shape)
                }
            precondition(dimensions.count <= 4, "a lowered array has at most four dimensions")
            records += [kind, UInt64(dataLength), UInt64(count), UInt64(dimensions.count)]
            records += (0..<4).map { $0 < dimensions.count ? UInt64(dimensions[$0]) : 0 }
            dataLength += Self.roundUp(count * 4, to: 64)
        }
        let metadataLength = Self.packedHeaderWords * 8 + Self.roundUp(keyBytes.count, to: 8) + records.count * 8
        let dataOffset = Self.roundUp(metadataLength, to: 4096)
        var metadata = [UInt8](repeating: 0, count: dataOffset)
        let header: [UInt64] = [
            Self.packedFormatVersion, UInt64(keyBytes.count), UInt64(arrays.count), UInt64(dataOffset),
            UInt64(dataLength),
        ]
        metadata.replaceSubrange(0..<8, with: Self.packedMagic)
        Self.store(header, into: &metadata, at: 8)
        metadata.replaceSubrange(48..<(48 + keyBytes.count), with: keyBytes)
        Self.store(records, into: &metadata, at: 48 + Self.roundUp(keyBytes.count, to: 8))

        var checksum = FletcherChecksum()
        func write(_ bytes: UnsafeRawBufferPointer) -> FileError? {
            checksum.add(bytes)
            do throws(FileError) { try file.write(bytes) } catch { return error }
            return nil
        }
        if let error = metadata.withUnsafeBytes({ write($0) }) { throw error }
        for array in arrays {
            let error: FileError?
            if case .packed(let matrix) = array, matrix.packedValues.count % 16 == 0 {
                error = write(UnsafeRawBufferPointer(matrix.packedValues))
            } else {
                // Copied with zeros to a whole block of 64 bytes (a bias; a packed kernel of odd size).
                var values = array.values
                values += [Float](repeating: 0, count: Self.roundUp(values.count, to: 16) - values.count)
                error = values.withUnsafeBytes { write($0) }
            }
            if let error { throw error }
        }
        // (The checksum counts its own words too, past the point it is taken.)
        if let error = checksum.words.withUnsafeBytes({ write($0) }) { throw error }
    }

    /// An engine for `model` that runs the arrays mapped in `file`, written by ``writeLoweredArrays(key:to:)``
    /// for this model under `key` on the GEMM path this process runs; `nil` when the file is not that,
    /// or damaged. The packed kernels are read in place: the engine keeps `file` mapped.
    ///
    /// OpenBLAS is not loaded: no step of the engine calls it (11 ms of a `classify` of one image). Load
    /// it with ``BLAS/info()`` before an unfused layer-by-layer pass.
    ///
    /// - Throws: ``GEMMError`` when `RESLAB_GEMM_KERNEL` names a GEMM path this CPU cannot run.
    public convenience init?(model: Model, loweredArraysIn file: MappedFile, key: String) throws {
        let path = try GEMMInfo.current().path
        let plan = FusionPlan(model)
        guard let arrays = Self.loweredArrays(in: file, key: Self.fullKey(key, path: path), path: path) else {
            return nil
        }
        var stepArrays = [[LoweredArray]]()
        var next = 0
        for step in plan.steps {
            let shapes = Self.loweredShapes(step, in: model)
            guard next + shapes.count <= arrays.count,
                arrays[next..<(next + shapes.count)].map(\.shape) == shapes
            else { return nil }
            stepArrays.append(Array(arrays[next..<(next + shapes.count)]))
            next += shapes.count
        }
        guard next == arrays.count else { return nil }
        self.init(model: model, plan: plan, loweredArrays: stepArrays)
    }

    /// The key a file of lowered arrays was written under (as given to ``writeLoweredArrays(key:to:)``),
    /// or `nil` when `file` is not one.
    public static func loweredArraysKey(in file: MappedFile) -> String? {
        guard let (_, key) = packedHeader(file.bytes) else { return nil }
        guard let newline = key.firstIndex(of: "\n") else { return nil }
        return String(key[key.index(after: newline)...])
    }

    /// The key as the file keeps it: the GEMM path the kernels were packed for, then the writer's key.
    private static func fullKey(_ key: String, path: GEMMPath) -> String { "gemm \(path.rawValue)\n" + key }

    /// The header's five integers after the magic, and the key; `nil` when `bytes` does not start like a
    /// file of lowered arrays of this format version.
    private static func packedHeader(_ bytes: UnsafeRawBufferPointer) -> ([Int], String)? {
        guard bytes.count >= 48, Array(bytes[0..<8]) == packedMagic else { return nil }
        let header = (1..<packedHeaderWords).map { Int(truncatingIfNeeded: word(bytes, $0 * 8)) }
        guard UInt64(header[0]) == packedFormatVersion, (0...4096).contains(header[1]), 48 + header[1] <= bytes.count,
            let key = String(validating: bytes[48..<(48 + header[1])], as: UTF8.self)
        else { return nil }
        return (header, key)
    }

    /// The arrays of the file in `mapped`, checked against its checksum and `key`; `nil` when anything is off.
    private static func loweredArrays(in mapped: MappedFile, key: String, path: GEMMPath) -> [LoweredArray]? {
        let bytes = mapped.bytes
        guard let (header, fileKey) = packedHeader(bytes), fileKey == key else { return nil }
        let (count, dataOffset, dataLength) = (header[2], header[3], header[4])
        let recordsOffset = 48 + roundUp(header[1], to: 8)
        guard (0...100_000).contains(count), dataOffset % 4096 == 0, dataLength % 64 == 0, dataLength >= 0,
            recordsOffset + count * 64 <= dataOffset, dataOffset <= bytes.count - 64,
            dataLength == bytes.count - 64 - dataOffset
        else { return nil }
        var checksum = FletcherChecksum()
        checksum.add(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 64)]))
        guard (0..<8).allSatisfy({ word(bytes, bytes.count - 64 + $0 * 8) == checksum.words[$0] }) else { return nil }

        var arrays = [LoweredArray]()
        for index in 0..<count {
            let record = (0..<8).map { Int(truncatingIfNeeded: word(bytes, recordsOffset + index * 64 + $0 * 8)) }
            let (kind, offset, values, rank) = (record[0], record[1], record[2], record[3])
            guard (1...4).contains(rank), offset % 64 == 0, offset >= 0, values >= 0,
                offset <= dataLength, values <= (dataLength - offset) / 4
            else { return nil }
            let dimensions = Array(record[4..<(4 + rank)])
            guard dimensions.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else { return nil }
            let start = bytes.baseAddress! + dataOffset + offset
            switch kind {
            case 0:
                guard rank == 2,
                    values == PackedMatrix.valueCount(rows: dimensions[0], columns: dimensions[1], path: path)
                else { return nil }
                arrays.append(
                    .packed(
                        PackedMatrix(
                            packed: start, rows: dimensions[0], columns: dimensions[1], path: path, owner: mapped)))
            case 1:
                guard values == dimensions.reduce(1, *) else { return nil }
                let floats = [Float](UnsafeRawBufferPointer(start: start, count: values * 4).bindMemory(to: Float.self))
                arrays.append(.floats(Tensor(shape: dimensions, data: floats)))
            default:
                return nil
            }
        }
        return arrays
    }

    private static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    private static func store(_ words: [UInt64], into bytes: inout [UInt8], at offset: Int) {
        bytes.withUnsafeMutableBytes { bytes in
            for (index, word) in words.enumerated() {
                bytes.storeBytes(of: word.littleEndian, toByteOffset: offset + index * 8, as: UInt64.self)
            }
        }
    }

    private static func roundUp(_ value: Int, to multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
}
