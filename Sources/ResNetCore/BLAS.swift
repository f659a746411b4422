// The one file that touches OpenBLAS.
//
// Debian 12's OpenBLAS 0.3.21 does not recognise recent AVX-512 processors and falls back to its
// slowest (Prescott) kernels, which makes ResNet50's 54 GEMMs about five times slower. OpenBLAS
// reads `OPENBLAS_CORETYPE` once, when the library is loaded. So reslab does not link OpenBLAS:
// it picks a kernel from the CPU's features, sets the variable (never overriding the user's own
// value) and only then loads the library with `dlopen`.
internal import COpenBLAS
import Platform

/// Which OpenBLAS kernel is in use, and who chose it.
public struct BLASInfo: Sendable, CustomStringConvertible {
    /// How the `OPENBLAS_CORETYPE` setting came about.
    public enum Choice: Sendable {
        /// The user's environment already set `OPENBLAS_CORETYPE`; reslab left it alone.
        case user
        /// reslab chose the kernel from the CPU's features.
        case reslab
        /// Nothing was set: OpenBLAS detected the CPU itself.
        case library
    }
    /// The kernel name OpenBLAS reports, e.g. `SkylakeX`, `Haswell`, `Prescott`.
    public let coreName: String
    /// Who chose it.
    public let choice: Choice
    /// The shared library that was loaded.
    public let libraryPath: String

    public var description: String {
        let who: String
        switch choice {
        case .user: who = "OPENBLAS_CORETYPE from the environment"
        case .reslab: who = "chosen by reslab from the CPU's features"
        case .library: who = "detected by OpenBLAS"
        }
        return "OpenBLAS kernel \(coreName) (\(who))"
    }
}

/// Why OpenBLAS could not be used.
public enum BLASError: Error, CustomStringConvertible {
    case libraryNotFound(tried: [String], reason: String)
    case missingSymbol(String, library: String)

    public var description: String { text.localized }

    /// The error in English and in Chinese.
    public var text: Bilingual {
        switch self {
        case .libraryNotFound(let tried, let reason):
            let names = tried.joined(separator: ", ")
            return Bilingual(
                "cannot load OpenBLAS (tried \(names)): \(reason); install it with: apt-get install libopenblas0-pthread",
                "加载不了 OpenBLAS（试过 \(names)）：\(reason)；请安装：apt-get install libopenblas0-pthread")
        case .missingSymbol(let symbol, let library):
            return Bilingual(
                "OpenBLAS library \(library) has no symbol \(symbol)", "OpenBLAS 库 \(library) 里没有符号 \(symbol)")
        }
    }
}

/// OpenBLAS once loaded: the one entry point called per GEMM, and which kernel it runs.
struct OpenBLASLibrary: Sendable {
    let sgemm: reslab_cblas_sgemm_fn
    let info: BLASInfo
}

/// OpenBLAS, loaded on first use.
public enum BLAS {
    static let loaded: Result<OpenBLASLibrary, BLASError> = load()

    /// Loads OpenBLAS now (with the kernel choice described in this file) and tells which kernel runs.
    public static func info() throws(BLASError) -> BLASInfo {
        try loaded.get().info
    }

    /// `C = alpha·A·B + beta·C` for row-major matrices: A is m×k, B is k×n, C is m×n.
    ///
    /// This is where nearly all of ResNet50's time goes.
    static func sgemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        // A failed load is reported by `info()` before any forward pass runs.
        guard case .success(let library) = loaded else {
            preconditionFailure("OpenBLAS is not loaded: call BLAS.info() first")
        }
        library.sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// The OpenBLAS kernel that suits this CPU best among those Debian's OpenBLAS 0.3.21 ships,
    /// or `nil` to let OpenBLAS decide.
    static func preferredCoreType(cpuFlags: Set<String>) -> String? {
        let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        if avx512.allSatisfy(cpuFlags.contains) {
            return cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        if cpuFlags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// The `flags` line of /proc/cpuinfo, as a set.
    static func cpuFlags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                let values = text.split(separator: ":", maxSplits: 1).last ?? ""
                return Set(values.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            }
        }
        return []
    }

    static func load() -> Result<OpenBLASLibrary, BLASError> {
        let choice: BLASInfo.Choice
        if getenv("OPENBLAS_CORETYPE") != nil {
            choice = .user
        } else if let core = preferredCoreType(cpuFlags: cpuFlags()) {
            setenv("OPENBLAS_CORETYPE", core, 0)
            choice = .reslab
        } else {
            choice = .library
        }
        let candidates = [
            "libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "libopenblas.so",
        ]
        var lastError = "not found"
        for path in candidates {
            // reslab runs each GEMM on the thread that calls it (see `resolve`). Told so as it loads,
            // OpenBLAS starts no threads of its own, which would spin for some 0.1 s, taking 50-75 ms of
            // CPU from the weights' load.
            let handle = withEnvironmentVariable("OPENBLAS_NUM_THREADS", setTo: "1") {
                dlopen(path, RTLD_NOW | RTLD_LOCAL)
            }
            guard let handle else {
                if let message = dlerror() { lastError = String(cString: message) }
                continue
            }
            return Result { () throws(BLASError) in
                try resolve(library: path, choice: choice) { dlsym(handle, $0) }
            }
        }
        return .failure(.libraryNotFound(tried: candidates, reason: lastError))
    }

    /// Finds reslab's entry points in the library at `path` (`lookup` is `dlsym` on it), then sets
    /// OpenBLAS to one thread and asks which kernel it runs.
    ///
    /// - Throws: ``BLASError/missingSymbol(_:library:)`` naming the first entry point not found.
    static func resolve(
        library path: String, choice: BLASInfo.Choice, lookup: (String) -> UnsafeMutableRawPointer?
    ) throws(BLASError) -> OpenBLASLibrary {
        func symbol<T>(_ name: String, as type: T.Type) throws(BLASError) -> T {
            guard let raw = lookup(name) else { throw .missingSymbol(name, library: path) }
            return unsafeBitCast(raw, to: type)
        }
        let sgemm = try symbol("cblas_sgemm", as: reslab_cblas_sgemm_fn.self)
        let setThreads = try symbol("openblas_set_num_threads", as: reslab_openblas_set_num_threads_fn.self)
        let coreName = try symbol("openblas_get_corename", as: reslab_openblas_get_corename_fn.self)
        // reslab splits each convolution over threads itself (see `conv2D`): each GEMM runs on
        // the thread that calls it.
        setThreads(1)
        let name = coreName().map { String(cString: $0) } ?? "unknown"
        return OpenBLASLibrary(sgemm: sgemm, info: BLASInfo(coreName: name, choice: choice, libraryPath: path))
    }
}
