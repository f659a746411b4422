import Testing

@testable import ResNetCore

/// reslab's GEMM on every path this CPU runs, against OpenBLAS's sgemm on the same operands.
@Suite struct GEMMTests {
    static let paths = GEMMPath.allCases.filter(\.isSupported)

    struct Case: Sendable, CustomTestStringConvertible {
        let m, n, k: Int
        var testDescription: String { "\(m)×\(k) · \(k)×\(n)" }
    }

    /// Sizes that leave partial tiles of rows and of columns, and k over one block (256) and not a multiple of it.
    static let cases = [
        Case(m: 1, n: 1, k: 1), Case(m: 7, n: 5, k: 3), Case(m: 13, n: 33, k: 300), Case(m: 97, n: 64, k: 513),
        Case(m: 49, n: 70, k: 147),
    ]

    func random(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in generator.normal() }
    }

    /// `relu?(A·B + bias + residual)` by OpenBLAS, then the bias, residual and ReLU one by one.
    func reference(_ a: [Float], _ b: [Float], _ c: Case, bias: [Float]?, residual: [Float]?, relu: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: c.m * c.n)
        BLAS.sgemm(m: c.m, n: c.n, k: c.k, a: a, lda: c.k, b: b, ldb: c.n, c: &out, ldc: c.n)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var v = out[i * c.n + j] + (bias?[j] ?? 0) + (residual?[i * c.n + j] ?? 0)
                if relu { v = max(v, 0) }
                out[i * c.n + j] = v
            }
        }
        return out
    }

    /// reslab's product, computed in two calls that split the panels (as two threads would).
    func packedProduct(
        _ a: [Float], _ b: [Float], _ c: Case, path: GEMMPath, bias: [Float]?, residual: [Float]?, relu: Bool
    ) -> [Float] {
        let packed = PackedMatrix(packing: b, rows: c.k, columns: c.n, path: path)
        var out = [Float](repeating: .nan, count: c.m * c.n)
        a.withUnsafeBufferPointer { a in
            let rows = (0..<c.m).map { UnsafePointer<Float>?(a.baseAddress! + $0 * c.k) }
            out.withUnsafeMutableBufferPointer { out in
                let half = packed.panelCount / 2
                for panels in [0..<half, half..<packed.panelCount] {
                    packed.multiply(
                        rows: rows, count: c.m, into: out.baseAddress!, ldc: c.n, bias: bias, residual: residual,
                        ldr: c.n, relu: relu, panels: panels)
                }
            }
        }
        return out
    }

    @Test(arguments: paths, cases)
    func packedProductMatchesOpenBLAS(path: GEMMPath, c: Case) throws {
        let a = random(c.m * c.k, seed: 1)
        let b = random(c.k * c.n, seed: 2)
        expectClose(
            packedProduct(a, b, c, path: path, bias: nil, residual: nil, relu: false),
            reference(a, b, c, bias: nil, residual: nil, relu: false), atol: 1e-4, rtol: 1e-4)
    }

    @Test(arguments: paths)
    func biasResidualAndReLUAreAppliedOnceOverSeveralBlocksOfK(path: GEMMPath) throws {
        let c = Case(m: 20, n: 40, k: 600)
        let (a, b) = (random(c.m * c.k, seed: 3), random(c.k * c.n, seed: 4))
        let (bias, residual) = (random(c.n, seed: 5), random(c.m * c.n, seed: 6))
        for relu in [false, true] {
            expectClose(
                packedProduct(a, b, c, path: path, bias: bias, residual: residual, relu: relu),
                reference(a, b, c, bias: bias, residual: residual, relu: relu), atol: 1e-4, rtol: 1e-4)
        }
    }

    /// A block of k of all the panels a call takes over 256 KB: its panels come first, each meeting every
    /// tile of rows; the last, short block of k fits, and its tiles of rows come first. Both, with over one
    /// block of rows (96), must give OpenBLAS's product.
    @Test(arguments: paths)
    func aProductWhosePanelsOutgrowL2MatchesOpenBLAS(path: GEMMPath) throws {
        let c = Case(m: 100, n: 1100, k: 300)
        let (a, b) = (random(c.m * c.k, seed: 7), random(c.k * c.n, seed: 8))
        let (bias, residual) = (random(c.n, seed: 9), random(c.m * c.n, seed: 10))
        expectClose(
            packedProduct(a, b, c, path: path, bias: bias, residual: residual, relu: true),
            reference(a, b, c, bias: bias, residual: residual, relu: true), atol: 1e-4, rtol: 1e-4)
    }

    @Test func environmentChoosesThePathOrIsRefusedInOneLine() throws {
        #expect(try GEMMInfo.select(environment: "portable").get().path == .portable)
        #expect(try GEMMInfo.select(environment: "portable").get().forced)
        let best = try GEMMInfo.select(environment: nil).get()
        #expect(best.path == Self.paths.first && !best.forced)
        #expect(try GEMMInfo.select(environment: "").get().path == best.path)
        #expect(throws: GEMMError.unknownPath("avx9")) { try GEMMInfo.select(environment: "avx9").get() }
        #expect(
            GEMMError.unknownPath("avx9").description
                == "RESLAB_GEMM_KERNEL=avx9 names no GEMM kernel (choose one of avx512, avx2, portable)")
        for path in GEMMPath.allCases where !path.isSupported {
            #expect(throws: GEMMError.unsupported(path)) { try GEMMInfo.select(environment: path.rawValue).get() }
        }
    }
}
