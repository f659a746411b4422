// The one file that touches reslab's own GEMM (Sources/CKernels): the convolutions' matrix products,
// with each kernel packed once, when the engine is built, in the layout the GEMM reads. OpenBLAS
// repacks its B operand on every call, which costs most where the network's weights are largest
// and its images smallest (stage 5: 49 rows against a 4 MB kernel).
//
// One kernel, three compiled paths: AVX-512, AVX2 with FMA, portable. reslab takes the best this
// CPU reports, or the one `RESLAB_GEMM_KERNEL` names (to test each path on one machine).
internal import CKernels
import Platform

/// A compiled path of the GEMM kernel.
public enum GEMMPath: String, CaseIterable, Sendable {
    case avx512, avx2, portable

    var c: reslab_gemm_path {
        switch self {
        case .avx512: return RESLAB_GEMM_AVX512
        case .avx2: return RESLAB_GEMM_AVX2
        case .portable: return RESLAB_GEMM_PORTABLE
        }
    }

    /// Whether this CPU runs the path.
    public var isSupported: Bool { reslab_gemm_supported(c) != 0 }
}

/// Which GEMM path runs, and who chose it.
public struct GEMMInfo: Sendable, CustomStringConvertible {
    /// The environment variable that forces a path.
    public static let environmentVariable = "RESLAB_GEMM_KERNEL"

    public let path: GEMMPath
    /// True when `RESLAB_GEMM_KERNEL` chose it, false when the CPU's features did.
    public let forced: Bool

    /// The path chosen at first use, for the life of the process: packed kernels depend on it.
    static let selected: Result<GEMMInfo, GEMMError> = select(
        environment: getenv(environmentVariable).map { String(cString: $0) })

    /// The path this process runs, or why the one asked for cannot run.
    public static func current() throws(GEMMError) -> GEMMInfo { try selected.get() }

    /// The path `RESLAB_GEMM_KERNEL` names (if set and not empty), else the best the CPU runs.
    static func select(environment: String?) -> Result<GEMMInfo, GEMMError> {
        if let name = environment, !name.isEmpty {
            guard let path = GEMMPath(rawValue: name) else { return .failure(.unknownPath(name)) }
            return path.isSupported ? .success(GEMMInfo(path: path, forced: true)) : .failure(.unsupported(path))
        }
        return .success(GEMMInfo(path: GEMMPath.allCases.first(where: \.isSupported)!, forced: false))
    }

    public var description: String {
        let who =
            forced ? "\(Self.environmentVariable) from the environment" : "chosen by reslab from the CPU's features"
        return "GEMM kernel \(path.rawValue) (\(who))"
    }
}

/// Why the GEMM path asked for cannot run.
public enum GEMMError: Error, Equatable, CustomStringConvertible {
    case unknownPath(String)
    case unsupported(GEMMPath)

    public var description: String { text.localized }

    /// The error in English and in Chinese.
    public var text: Bilingual {
        let variable = GEMMInfo.environmentVariable
        let paths = GEMMPath.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .unknownPath(let name):
            return Bilingual(
                "\(variable)=\(name) names no GEMM kernel (choose one of \(paths))",
                "\(variable)=\(name) 不是 GEMM 内核（可选：\(paths)）")
        case .unsupported(let path):
            return Bilingual(
                "\(variable)=\(path.rawValue): this CPU cannot run the \(path.rawValue) kernel",
                "\(variable)=\(path.rawValue)：这台 CPU 运行不了 \(path.rawValue) 内核")
        }
    }
}

/// A GEMM's B operand (`rows × columns`, e.g. a convolution's `(kh·kw·C) × filters` kernel) packed
/// for the selected path: panels of the path's width, each `rows` deep, 64-byte aligned.
final class PackedMatrix: @unchecked Sendable {
    let rows: Int
    let columns: Int
    let path: GEMMPath
    /// Columns in a panel.
    let panelWidth: Int
    private let storage: UnsafeMutablePointer<Float>
    /// What keeps `storage` alive when the matrix does not own it (a mapped file of packed kernels).
    private let owner: AnyObject?

    /// Packs the row-major `rows × columns` matrix at `matrix` (leading dimension `stride`) for
    /// `path`, which this CPU must run.
    convenience init(packing matrix: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int, path: GEMMPath) {
        precondition(path.isSupported, "this CPU cannot run the \(path.rawValue) GEMM path")
        let count = max(Self.valueCount(rows: rows, columns: columns, path: path), 1)
        let storage = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        reslab_gemm_pack(path.c, rows, columns, matrix, stride, storage)
        self.init(rows: rows, columns: columns, path: path, storage: storage, owner: nil)
    }

    /// A matrix packed for `path` before (``packedValues``), read in place: `values` (64-byte aligned,
    /// never written) stays valid while `owner` lives.
    convenience init(packed values: UnsafeRawPointer, rows: Int, columns: Int, path: GEMMPath, owner: AnyObject) {
        precondition(path.isSupported, "this CPU cannot run the \(path.rawValue) GEMM path")
        precondition(Int(bitPattern: values) % 64 == 0, "packed values must be 64-byte aligned")
        self.init(
            rows: rows, columns: columns, path: path,
            storage: UnsafeMutablePointer(mutating: values.assumingMemoryBound(to: Float.self)), owner: owner)
    }

    /// A matrix whose packed values are at `storage`: owned (freed with the matrix) unless `owner` keeps them.
    private init(rows: Int, columns: Int, path: GEMMPath, storage: UnsafeMutablePointer<Float>, owner: AnyObject?) {
        self.rows = rows
        self.columns = columns
        self.path = path
        self.panelWidth = reslab_gemm_panel_width(path.c)
        self.storage = storage
        self.owner = owner
    }

    /// How many floats a `rows × columns` matrix packed for `path` holds: whole panels, `rows` deep.
    static func valueCount(rows: Int, columns: Int, path: GEMMPath) -> Int {
        let width = reslab_gemm_panel_width(path.c)
        return (columns + width - 1) / width * width * rows
    }

    /// The packed values, as a file of packed kernels keeps them.
    var packedValues: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: storage, count: Self.valueCount(rows: rows, columns: columns, path: path))
    }

    /// Packs a whole row-major `[Float]` matrix.
    convenience init(packing matrix: [Float], rows: Int, columns: Int, path: GEMMPath) {
        precondition(matrix.count == rows * columns, "matrix is not rows × columns")
        self.init(
            packing: matrix.withUnsafeBufferPointer { $0.baseAddress! }, rows: rows, columns: columns, stride: columns,
            path: path)
    }

    deinit { if owner == nil { storage.deallocate() } }

    /// Panels of columns: split these between threads for a product with few rows.
    var panelCount: Int { (columns + panelWidth - 1) / panelWidth }

    /// The columns that `panels` cover.
    func columns(of panels: Range<Int>) -> Range<Int> {
        (panels.lowerBound * panelWidth)..<min(panels.upperBound * panelWidth, columns)
    }

    /// `C[i] = relu?(A[i] · self + bias + residual[i])` for the `count` rows of A at `rows[0..<count]`
    /// and the columns of `panels`. C's row i starts at `c + i·ldc`, the residual's at `residual + i·ldr`.
    func multiply(
        rows a: UnsafePointer<UnsafePointer<Float>?>, count: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
        bias: UnsafePointer<Float>? = nil, residual: UnsafePointer<Float>? = nil, ldr: Int = 0, relu: Bool = false,
        panels: Range<Int>? = nil
    ) {
        let panels = panels ?? 0..<panelCount
        guard count > 0, !panels.isEmpty else { return }
        reslab_gemm(
            path.c, count, columns, rows, a, storage, c, ldc, bias, residual, ldr, relu ? 1 : 0, panels.lowerBound,
            panels.upperBound)
    }
}
