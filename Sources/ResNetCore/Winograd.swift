// Winograd's minimal filtering F(m×m, 3×3) for the 3×3, stride-1, `same` convolutions of every
// residual block (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015,
// https://arxiv.org/abs/1509.09308). Each m×m block of outputs comes from an α×α input tile,
// α = m + 2:
//
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// Summed over input channels, the element-wise products become α² independent GEMMs of
// (tiles × C)·(C × K): α² multiplies per m² outputs instead of 9·m². F(2×2) needs 16 for 4 outputs
// (2.25× fewer than a GEMM on im2col), F(4×4) 36 for 16 (4× fewer), with larger transforms and
// larger rounding errors. The kernels are transformed and packed once, when the engine is built.

internal import CKernels

/// F(m×m, 3×3): its tile and its kernel transform G. The input and output transforms Bᵀ and Aᵀ run
/// for every image, over channel vectors, in C (Sources/CKernels/winograd_kernel.h, which writes
/// their rows out).
struct WinogradAlgorithm: Sendable {
    /// m: outputs along each side of a tile.
    let outputTile: Int
    /// G, α × 3: kernel → transformed kernel.
    let kernelTransform: [[Float]]

    /// α: inputs along each side of a tile.
    var inputTile: Int { outputTile + 2 }

    /// F(2×2, 3×3), with the points 0, 1, −1.
    static let f2x2 = WinogradAlgorithm(
        outputTile: 2, kernelTransform: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])

    /// F(4×4, 3×3), with the points 0, 1, −1, 2, −2 (Lavin and Gray, section 4.2).
    static let f4x4 = WinogradAlgorithm(
        outputTile: 4,
        kernelTransform: [
            [1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
            [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1],
        ])

    /// The kernel `(3, 3, C, K)` transformed: α² matrices `C × K`, `U[ξ] = (G g Gᵀ)[ξ]`, each packed
    /// for the GEMM.
    func packedKernel(_ kernel: [Float], inputChannels c: Int, filters k: Int, path: GEMMPath) -> [PackedMatrix] {
        let alpha = inputTile
        let g = kernelTransform
        var u = [Float](repeating: 0, count: c * k)
        return (0..<alpha * alpha).map { xi in
            let (i, j) = xi.quotientAndRemainder(dividingBy: alpha)
            // U[ξ](ci, ki) = Σ_y Σ_x G[i][y] · g(y, x, ci, ki) · G[j][x]; loops run over K, contiguous.
            u.withUnsafeMutableBufferPointer { u in
                kernel.withUnsafeBufferPointer { kernel in
                    for ci in 0..<c {
                        let row = u.baseAddress! + ci * k
                        row.update(repeating: 0, count: k)
                        for y in 0..<3 where g[i][y] != 0 {
                            for x in 0..<3 where g[j][x] != 0 {
                                let weight = g[i][y] * g[j][x]
                                let source = kernel.baseAddress! + ((y * 3 + x) * c + ci) * k
                                for ki in 0..<k { row[ki] += weight * source[ki] }
                            }
                        }
                    }
                }
            }
            return PackedMatrix(packing: u, rows: c, columns: k, path: path)
        }
    }
}

extension WinogradAlgorithm {
    /// The algorithm a plan's step names, or `nil` for im2col.
    init?(_ algorithm: ConvolutionAlgorithm) {
        switch algorithm {
        case .winograd: self = .f2x2
        case .winograd4x4: self = .f4x4
        case .im2col: return nil
        }
    }
}

/// A 3×3, stride-1, `same` convolution by `algorithm`, plus bias and optional ReLU.
///
/// Shapes: input `[N, H, W, C]`, `transformedKernel` from ``WinogradAlgorithm/packedKernel``, output
/// `[N, H, W, K]`. The tiles of several images go through the α² GEMMs together, so each
/// transformed kernel is read once for them, as many images as keep V and M within `budget`
/// floats (more would leave the caches for memory). Work is split over the `pool`'s threads: the
/// transforms by tiles, the GEMMs by ξ.
func winogradConv3x3(
    _ input: Tensor, algorithm: WinogradAlgorithm, transformedKernel: [PackedMatrix], bias: [Float]?, relu: Bool,
    pool: WorkerPool?, workspace: Workspace, budget: Int = 1 << 20
) -> Tensor {
    let k = transformedKernel[0].columns
    let path = transformedKernel[0].path
    let threads = pool?.threadCount ?? 1
    let (batch, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (m, alpha) = (algorithm.outputTile, algorithm.inputTile)
    let products = alpha * alpha
    let tilesAcross = (w + m - 1) / m
    let tilesPerImage = (h + m - 1) / m * tilesAcross
    let group = max(1, min(batch, budget / (products * tilesPerImage * (c + k))))
    let groupTiles = group * tilesPerImage
    // Workspace: V (α² × tiles × C), M (α² × tiles × K), and one row of zeros for the padding.
    let scratch = workspace.floats(products * groupTiles * (c + k) + c)
    let v = scratch
    let product = scratch + products * groupTiles * c
    let zeros = product + products * groupTiles * k
    zeros.update(repeating: 0, count: c)

    var output = [Float](unsafeUninitializedCapacity: batch * h * w * k) { _, count in count = batch * h * w * k }
    var rows = [UnsafePointer<Float>?](repeating: nil, count: products * groupTiles)
    input.data.withUnsafeBufferPointer { inputBuffer in
        rows.withUnsafeMutableBufferPointer { rows in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                (bias ?? []).withUnsafeBufferPointer { biasBuffer in
                    for first in stride(from: 0, to: batch, by: group) {
                        let tiles = min(group, batch - first) * tilesPerImage
                        let layout = TileLayout(
                            h: h, w: w, outputTile: m, tilesAcross: tilesAcross, tilesPerImage: tilesPerImage,
                            tileCount: tiles)
                        let images = inputBuffer.baseAddress! + first * h * w * c
                        let results = outputBuffer.baseAddress! + first * h * w * k
                        let parts = max(1, min(threads, tiles))
                        parallelFor(parts, pool) { part in
                            inputTransform(
                                images, layout, path, c: c,
                                tiles: share(of: tiles, part: part, parts: parts), zeros: zeros, into: v)
                        }
                        // Rows of the α² GEMMs' A: tile t of V[ξ] at v + (ξ · tiles + t) · C.
                        for row in 0..<products * tiles { rows[row] = UnsafePointer(v + row * c) }
                        parallelFor(min(threads, products), pool) { part in
                            for xi in share(of: products, part: part, parts: min(threads, products)) {
                                transformedKernel[xi].multiply(
                                    rows: rows.baseAddress! + xi * tiles, count: tiles,
                                    into: product + xi * tiles * k, ldc: k)
                            }
                        }
                        parallelFor(parts, pool) { part in
                            outputTransform(
                                product, layout, path, k: k,
                                tiles: share(of: tiles, part: part, parts: parts),
                                bias: bias == nil ? nil : biasBuffer.baseAddress!, relu: relu, into: results)
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: [batch, h, w, k], data: output)
}

/// How a batch of images is cut into m×m tiles: tile t is in image t / tilesPerImage.
private struct TileLayout {
    let h, w, outputTile, tilesAcross, tilesPerImage, tileCount: Int

    /// The tile's image and its top-left output pixel.
    func origin(of tile: Int) -> (image: Int, y: Int, x: Int) {
        let (image, index) = tile.quotientAndRemainder(dividingBy: tilesPerImage)
        let (ty, tx) = index.quotientAndRemainder(dividingBy: tilesAcross)
        return (image, ty * outputTile, tx * outputTile)
    }
}

/// `V = Bᵀ d B` for each tile; `d` is the α×α patch whose top-left is one pixel above and left of the
/// tile's outputs, zeros outside the image.
private func inputTransform(
    _ batch: UnsafePointer<Float>, _ g: TileLayout, _ path: GEMMPath, c: Int, tiles: Range<Int>,
    zeros: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>
) {
    let alpha = g.outputTile + 2
    var patch = [UnsafePointer<Float>?](repeating: nil, count: alpha * alpha)
    patch.withUnsafeMutableBufferPointer { patch in
        for tile in tiles {
            let (n, y0, x0) = g.origin(of: tile)
            let image = batch + n * g.h * g.w * c
            for i in 0..<alpha {
                let y = y0 - 1 + i
                for j in 0..<alpha {
                    let x = x0 - 1 + j
                    patch[i * alpha + j] = y >= 0 && y < g.h && x >= 0 && x < g.w ? image + (y * g.w + x) * c : zeros
                }
            }
            reslab_winograd_input(
                path.c, Int32(g.outputTile), patch.baseAddress!, c, v + tile * c, g.tileCount * c)
        }
    }
}

/// `Y = Aᵀ M A` for each tile, then bias and ReLU. Outputs past the image's bottom or right edge
/// are dropped.
private func outputTransform(
    _ product: UnsafePointer<Float>, _ g: TileLayout, _ path: GEMMPath, k: Int, tiles: Range<Int>,
    bias: UnsafePointer<Float>?, relu: Bool, into result: UnsafeMutablePointer<Float>
) {
    let m = g.outputTile
    var outputs = [UnsafeMutablePointer<Float>?](repeating: nil, count: m * m)
    outputs.withUnsafeMutableBufferPointer { outputs in
        for tile in tiles {
            let (n, y0, x0) = g.origin(of: tile)
            let image = result + n * g.h * g.w * k
            for i in 0..<m {
                for j in 0..<m {
                    let (y, x) = (y0 + i, x0 + j)
                    outputs[i * m + j] = y < g.h && x < g.w ? image + (y * g.w + x) * k : nil
                }
            }
            reslab_winograd_output(
                path.c, Int32(m), product + tile * k, g.tileCount * k, k, outputs.baseAddress!, bias, relu ? 1 : 0)
        }
    }
}
