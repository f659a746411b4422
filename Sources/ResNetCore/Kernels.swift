// The arithmetic: small functions on NHWC tensors. A forward pass spends nearly all its time in
// the convolutions' GEMMs (OpenBLAS sgemm): `conv2D`'s here for the 1×1 convolutions and the 7×7
// stem (the one that needs im2col), and Winograd's for the 3×3s (Winograd.swift). Everything else
// is a single pass over memory.

import Platform

/// Scratch memory reused across convolutions, so the im2col matrix is not reallocated per layer.
public final class Workspace {
    private(set) var buffer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    public init() {
        capacity = 0
        buffer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    }
    deinit { buffer.deallocate() }

    /// A buffer of at least `count` floats; its contents are undefined.
    func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            buffer.deallocate()
            buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            capacity = count
        }
        return buffer
    }
}

// MARK: - Convolution

/// A 2-D convolution, NHWC, as one GEMM per image: `output = im2col(input) · kernel (+ bias) (+ residual)`, then ReLU.
///
/// Shapes: input `[N, H, W, C]`; kernel `(kh·kw·C) × filters` row-major — exactly Keras's `(kh, kw, C, filters)`
/// array, no transpose; output `[N, H', W', filters]`. A 1×1 stride-1 convolution multiplies the input
/// directly, with no copy. `residual`, when given, has the output's shape and is added before the ReLU
/// (the shortcut of a residual block, fused into the GEMM as its `C` operand).
///
/// With Winograd's GEMMs for the 3×3s, this is where the time goes. The work is split over the
/// `pool`'s threads by reslab itself, each running a single-threaded sgemm on its share of output rows
/// (or, when there are few rows, of filters): OpenBLAS's own threading scales poorly on ResNet50's
/// GEMMs, whose `n` is often only 64.
func conv2D(
    _ input: Tensor, kernel: [Float], bias: [Float]?, geometry g: WindowGeometry, filters: Int,
    residual: Tensor? = nil, relu: Bool = false, pool: WorkerPool? = nil, workspace: Workspace
) -> Tensor {
    let threads = pool?.threadCount ?? 1
    let batch = input.shape[0]
    let (inH, inW, inC) = (g.rows.input, g.columns.input, g.inputChannels)
    let (outH, outW) = (g.rows.output, g.columns.output)
    let pixels = outH * outW
    let depth = g.rows.window * g.columns.window * inC
    let isPointwise = g.rows.window == 1 && g.columns.window == 1 && g.rows.padBefore == 0 && g.columns.padBefore == 0
    let needsNoCopy = isPointwise && g.rows.stride == 1 && g.columns.stride == 1

    let scratch = needsNoCopy ? nil : workspace.floats(pixels * depth)
    var output = [Float](unsafeUninitializedCapacity: batch * pixels * filters) { _, count in
        count = batch * pixels * filters
    }
    // Each thread packs the whole of the matrix it does not split. The kernel is read from memory
    // on every pass (ResNet50's weights far exceed the caches), so split the larger of the two:
    // rows (pixels) early in the network, filters late, where the kernels are big and images small.
    let splitRows = pixels >= filters && pixels >= 64 * threads
    let parts = max(1, min(threads, splitRows ? pixels / 32 : filters / 16))
    input.data.withUnsafeBufferPointer { inputBuffer in
        kernel.withUnsafeBufferPointer { kernelBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                for n in 0..<batch {
                    let source = inputBuffer.baseAddress! + n * inH * inW * inC
                    let destination = outputBuffer.baseAddress! + n * pixels * filters
                    let a = needsNoCopy ? UnsafePointer(source) : UnsafePointer(scratch!)

                    // Rows of A and C: C starts as bias (+ residual), so the GEMM accumulates onto it.
                    let beta: Float = bias == nil && residual == nil ? 0 : 1
                    parallelFor(parts, pool) { part in
                        let rows = share(of: pixels, part: part, parts: parts)
                        initializeAccumulator(
                            destination, rows: rows, filters: filters, bias: bias,
                            residual: residual.map { ($0, n * pixels * filters) })
                        if isPointwise && !needsNoCopy {
                            subsample(source, into: scratch!, rows: rows, g: g)
                        } else if !isPointwise {
                            im2col(source, into: scratch!, rows: rows, g: g)
                        }
                    }
                    // The GEMM, with the ReLU on the block each thread just wrote.
                    parallelFor(parts, pool) { part in
                        if splitRows {
                            let rows = share(of: pixels, part: part, parts: parts)
                            BLAS.sgemm(
                                m: rows.count, n: filters, k: depth, a: a + rows.lowerBound * depth, lda: depth,
                                b: kernelBuffer.baseAddress!, ldb: filters,
                                c: destination + rows.lowerBound * filters, ldc: filters, beta: beta)
                            if relu {
                                clampNegatives(destination + rows.lowerBound * filters, count: rows.count * filters)
                            }
                        } else {
                            let columns = share(of: filters, part: part, parts: parts)
                            BLAS.sgemm(
                                m: pixels, n: columns.count, k: depth, a: a, lda: depth,
                                b: kernelBuffer.baseAddress! + columns.lowerBound, ldb: filters,
                                c: destination + columns.lowerBound, ldc: filters, beta: beta)
                            if relu {
                                for row in 0..<pixels {
                                    clampNegatives(
                                        destination + row * filters + columns.lowerBound, count: columns.count)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: [batch, outH, outW, filters], data: output)
}

/// The engine's convolution: the same product as ``conv2D``, on reslab's own GEMM with the kernel
/// packed at load, and with the bias, the residual and the ReLU applied as each tile of C is stored.
///
/// The GEMM takes a pointer to each row of A, for the whole batch at once. A 1×1 convolution,
/// strided or not, reads its input in place: a row is one input pixel. For other windows (the 7×7
/// stem, stage 5's 3×3s) im2col lays the rows out. The work is split over the `pool`'s threads by
/// rows of the output, each thread laying out a chunk of rows and multiplying it while it is still
/// in cache; or, when there are few rows (stage 5), by panels of filters, after laying out every row.
func packedConv2D(
    _ input: Tensor, kernel: PackedMatrix, bias: [Float]?, geometry g: WindowGeometry, residual: Tensor? = nil,
    relu: Bool = false, pool: WorkerPool? = nil, workspace: Workspace
) -> Tensor {
    let threads = pool?.threadCount ?? 1
    let batch = input.shape[0]
    let filters = kernel.columns
    let imageSize = g.rows.input * g.columns.input * g.inputChannels
    let pixels = g.rows.output * g.columns.output
    let count = batch * pixels
    let depth = kernel.rows
    let isPointwise = g.rows.window == 1 && g.columns.window == 1 && g.rows.padBefore == 0 && g.columns.padBefore == 0
    let splitRows = count >= 128 * threads || kernel.panelCount < threads
    let parts = max(1, min(threads, splitRows ? count : kernel.panelCount))
    let chunk = 96  // rows a thread lays out and multiplies at a time: 96 × depth floats, in L2
    let scratch = isPointwise ? nil : workspace.floats((splitRows ? parts * chunk : count) * depth)
    var rowPointers = [UnsafePointer<Float>?](repeating: nil, count: count)

    var output = [Float](unsafeUninitializedCapacity: count * filters) { _, initialized in
        initialized = count * filters
    }
    input.data.withUnsafeBufferPointer { inputBuffer in
        output.withUnsafeMutableBufferPointer { outputBuffer in
            (bias ?? []).withUnsafeBufferPointer { biasBuffer in
                (residual?.data ?? []).withUnsafeBufferPointer { residualBuffer in
                    rowPointers.withUnsafeMutableBufferPointer { rows in
                        let c = outputBuffer.baseAddress!
                        let b = bias == nil ? nil : biasBuffer.baseAddress!
                        /// Row `row` of A: the input pixel of a 1×1, else laid out at `target`.
                        func prepare(_ row: Int, at target: UnsafeMutablePointer<Float>?) {
                            let (image, pixel) = row.quotientAndRemainder(dividingBy: pixels)
                            let source = inputBuffer.baseAddress! + image * imageSize
                            if let target {
                                layOutWindow(source, pixel: pixel, into: target, g: g)
                                rows[row] = UnsafePointer(target)
                            } else {
                                let (oy, ox) = pixel.quotientAndRemainder(dividingBy: g.columns.output)
                                rows[row] =
                                    source + (oy * g.rows.stride * g.columns.input + ox * g.columns.stride)
                                    * g.inputChannels
                            }
                        }
                        /// C's rows `range` (all filters, or the columns of `panels`).
                        func multiply(_ range: Range<Int>, panels: Range<Int>? = nil) {
                            kernel.multiply(
                                rows: rows.baseAddress! + range.lowerBound, count: range.count,
                                into: c + range.lowerBound * filters, ldc: filters, bias: b,
                                residual: residual == nil
                                    ? nil : residualBuffer.baseAddress! + range.lowerBound * filters,
                                ldr: filters, relu: relu, panels: panels)
                        }
                        if splitRows {
                            parallelFor(parts, pool) { part in
                                let mine = share(of: count, part: part, parts: parts)
                                for start in stride(from: mine.lowerBound, to: mine.upperBound, by: chunk) {
                                    let range = start..<min(start + chunk, mine.upperBound)
                                    for row in range {
                                        prepare(row, at: scratch.map { $0 + (part * chunk + row - start) * depth })
                                    }
                                    multiply(range)
                                }
                            }
                        } else {
                            parallelFor(min(threads, count), pool) { part in
                                for row in share(of: count, part: part, parts: min(threads, count)) {
                                    prepare(row, at: scratch.map { $0 + row * depth })
                                }
                            }
                            parallelFor(parts, pool) { part in
                                multiply(0..<count, panels: share(of: kernel.panelCount, part: part, parts: parts))
                            }
                        }
                    }
                }
            }
        }
    }
    return Tensor(shape: [batch, g.rows.output, g.columns.output, filters], data: output)
}

/// Part `part` of `0..<count` cut into `parts` nearly equal ranges.
func share(of count: Int, part: Int, parts: Int) -> Range<Int> {
    (count * part / parts)..<(count * (part + 1) / parts)
}

/// Runs `body(0)`, …, `body(count - 1)` on the pool's threads (or in turn, without a pool) and
/// waits for all of them. Each part writes a disjoint piece of the output.
func parallelFor(_ count: Int, _ pool: WorkerPool?, _ body: (Int) -> Void) {
    if let pool {
        pool.run(count, body)
    } else {
        for part in 0..<count { body(part) }
    }
}

/// Fills rows of the GEMM's C with the bias (plus the residual), when there is one.
private func initializeAccumulator(
    _ c: UnsafeMutablePointer<Float>, rows: Range<Int>, filters: Int, bias: [Float]?, residual: (Tensor, Int)?
) {
    switch (bias, residual) {
    case (nil, nil):
        return
    case (let bias?, nil):
        bias.withUnsafeBufferPointer { b in
            for p in rows { (c + p * filters).update(from: b.baseAddress!, count: filters) }
        }
    case (nil, let (tensor, offset)?):
        tensor.data.withUnsafeBufferPointer { r in
            (c + rows.lowerBound * filters).update(
                from: r.baseAddress! + offset + rows.lowerBound * filters, count: rows.count * filters)
        }
    case (let bias?, let (tensor, offset)?):
        bias.withUnsafeBufferPointer { b in
            tensor.data.withUnsafeBufferPointer { r in
                for p in rows {
                    let row = c + p * filters
                    let residualRow = r.baseAddress! + offset + p * filters
                    for f in 0..<filters { row[f] = residualRow[f] + b[f] }
                }
            }
        }
    }
}

/// Lays every receptive field of one image out as a row: `(H'·W') × (kh·kw·C)`, zeros where the
/// window hangs over the padding.
private func im2col(
    _ input: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>, rows: Range<Int>, g: WindowGeometry
) {
    let depth = g.rows.window * g.columns.window * g.inputChannels
    for pixel in rows { layOutWindow(input, pixel: pixel, into: columns + pixel * depth, g: g) }
}

/// The receptive field of output pixel `pixel` as one row of `kh·kw·C` values, zeros where the window
/// hangs over the padding. Each `(ky, kx)` step copies `C` contiguous channels.
private func layOutWindow(
    _ input: UnsafePointer<Float>, pixel: Int, into target: UnsafeMutablePointer<Float>, g: WindowGeometry
) {
    let (inH, inW, inC) = (g.rows.input, g.columns.input, g.inputChannels)
    let (kh, kw) = (g.rows.window, g.columns.window)
    let (oy, ox) = pixel.quotientAndRemainder(dividingBy: g.columns.output)
    let y0 = oy * g.rows.stride - g.rows.padBefore
    let x0 = ox * g.columns.stride - g.columns.padBefore
    var row = target
    for ky in 0..<kh {
        let y = y0 + ky
        if y < 0 || y >= inH {
            row.update(repeating: 0, count: kw * inC)
            row += kw * inC
            continue
        }
        let xStart = max(x0, 0)
        let xEnd = min(x0 + kw, inW)
        let before = xStart - x0
        let after = x0 + kw - xEnd
        if before > 0 {
            row.update(repeating: 0, count: before * inC)
            row += before * inC
        }
        if xEnd > xStart {
            row.update(from: input + (y * inW + xStart) * inC, count: (xEnd - xStart) * inC)
            row += (xEnd - xStart) * inC
        }
        if after > 0 {
            row.update(repeating: 0, count: after * inC)
            row += after * inC
        }
    }
}

/// The input pixels a strided 1×1 convolution reads: `(H'·W') × C`.
private func subsample(
    _ input: UnsafePointer<Float>, into matrix: UnsafeMutablePointer<Float>, rows: Range<Int>, g: WindowGeometry
) {
    let (inW, inC) = (g.columns.input, g.inputChannels)
    for pixel in rows {
        let (oy, ox) = pixel.quotientAndRemainder(dividingBy: g.columns.output)
        let source = input + ((oy * g.rows.stride) * inW + ox * g.columns.stride) * inC
        (matrix + pixel * inC).update(from: source, count: inC)
    }
}

// MARK: - Element-wise

/// `x = max(x, 0)` over `count` values.
func clampNegatives(_ values: UnsafeMutablePointer<Float>, count: Int) {
    // Written as a branch-free max so the compiler vectorises it.
    for i in 0..<count { values[i] = max(values[i], 0) }
}

/// `x = scale[c] · x + shift[c]` per channel (the last axis), then ReLU if asked: batch norm in inference.
func scaleShift(_ tensor: inout Tensor, scale: [Float], shift: [Float], relu: Bool) {
    let channels = scale.count
    tensor.data.withUnsafeMutableBufferPointer { values in
        scale.withUnsafeBufferPointer { s in
            shift.withUnsafeBufferPointer { t in
                var index = 0
                while index < values.count {
                    for c in 0..<channels {
                        let v = values[index + c] * s[c] + t[c]
                        values[index + c] = relu ? max(v, 0) : v
                    }
                    index += channels
                }
            }
        }
    }
}

/// `a += b`, then ReLU if asked. Shapes must match.
func addInPlace(_ a: inout Tensor, _ b: Tensor, relu: Bool) {
    a.data.withUnsafeMutableBufferPointer { x in
        b.data.withUnsafeBufferPointer { y in
            if relu {
                for i in 0..<x.count { x[i] = max(x[i] + y[i], 0) }
            } else {
                for i in 0..<x.count { x[i] += y[i] }
            }
        }
    }
}

/// Applies an activation in place; softmax runs over the last axis.
func apply(_ function: ActivationFunction, to tensor: inout Tensor) {
    switch function {
    case .linear:
        break
    case .relu:
        let count = tensor.count
        tensor.data.withUnsafeMutableBufferPointer { clampNegatives($0.baseAddress!, count: count) }
    case .softmax:
        let width = tensor.shape.last ?? 1
        tensor.data.withUnsafeMutableBufferPointer { values in
            var start = 0
            while start < values.count {
                let row = UnsafeMutableBufferPointer(rebasing: values[start..<start + width])
                let largest = row.max() ?? 0
                var total: Float = 0
                for i in row.indices {
                    row[i] = expf(row[i] - largest)
                    total += row[i]
                }
                for i in row.indices { row[i] /= total }
                start += width
            }
        }
    }
}

// MARK: - Padding and pooling

/// Surrounds each image with zeros. Shape: `[N, H, W, C]` → `[N, H + top + bottom, W + left + right, C]`.
func zeroPad(_ input: Tensor, top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
    let (batch, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (outH, outW) = (h + top + bottom, w + left + right)
    var output = Tensor(shape: [batch, outH, outW, c])
    input.data.withUnsafeBufferPointer { source in
        output.data.withUnsafeMutableBufferPointer { destination in
            for n in 0..<batch {
                for y in 0..<h {
                    let from = source.baseAddress! + ((n * h + y) * w) * c
                    let to = destination.baseAddress! + ((n * outH + y + top) * outW + left) * c
                    to.update(from: from, count: w * c)
                }
            }
        }
    }
    return output
}

/// Which value a pooling window keeps.
public enum PoolMode: Sendable { case max, average }

/// Max or average over each window. Padded positions are skipped, as TensorFlow does
/// (so an average counts only the values inside the image). Rows of the output are split over
/// the `pool`'s threads.
func pool(_ input: Tensor, geometry g: WindowGeometry, mode: PoolMode, pool workers: WorkerPool? = nil) -> Tensor {
    let batch = input.shape[0]
    let (inH, inW, c) = (g.rows.input, g.columns.input, g.inputChannels)
    let (outH, outW) = (g.rows.output, g.columns.output)
    var output = Tensor(shape: [batch, outH, outW, c])
    let parts = max(1, min(workers?.threadCount ?? 1, batch * outH))
    input.data.withUnsafeBufferPointer { source in
        output.data.withUnsafeMutableBufferPointer { destination in
            parallelFor(parts, workers) { part in
                for row in share(of: batch * outH, part: part, parts: parts) {
                    let (n, oy) = row.quotientAndRemainder(dividingBy: outH)
                    let y0 = oy * g.rows.stride - g.rows.padBefore
                    let ys = max(y0, 0)..<min(y0 + g.rows.window, inH)
                    for ox in 0..<outW {
                        let x0 = ox * g.columns.stride - g.columns.padBefore
                        let xs = max(x0, 0)..<min(x0 + g.columns.window, inW)
                        let out = destination.baseAddress! + ((n * outH + oy) * outW + ox) * c
                        out.update(repeating: mode == .max ? -.infinity : 0, count: c)
                        for y in ys {
                            for x in xs {
                                let pixel = source.baseAddress! + ((n * inH + y) * inW + x) * c
                                if mode == .max {
                                    for k in 0..<c { out[k] = max(out[k], pixel[k]) }
                                } else {
                                    for k in 0..<c { out[k] += pixel[k] }
                                }
                            }
                        }
                        if mode == .average {
                            let scale = 1 / Float(ys.count * xs.count)
                            for k in 0..<c { out[k] *= scale }
                        }
                    }
                }
            }
        }
    }
    return output
}

// MARK: - Dense

/// `x · kernel + bias` on the packed GEMM, split over the `pool`'s threads by panels of units (a
/// dense layer reads its whole kernel for a single row). Shapes: x `[N, K]`, output `[N, units]`.
func packedDense(_ input: Tensor, kernel: PackedMatrix, bias: [Float], pool: WorkerPool?) -> Tensor {
    let (batch, units) = (input.shape[0], kernel.columns)
    var output = [Float](unsafeUninitializedCapacity: batch * units) { _, count in count = batch * units }
    let parts = max(1, min(pool?.threadCount ?? 1, kernel.panelCount))
    input.data.withUnsafeBufferPointer { x in
        let rows = (0..<batch).map { UnsafePointer<Float>?(x.baseAddress! + $0 * kernel.rows) }
        output.withUnsafeMutableBufferPointer { out in
            bias.withUnsafeBufferPointer { b in
                parallelFor(parts, pool) { part in
                    kernel.multiply(
                        rows: rows, count: batch, into: out.baseAddress!, ldc: units, bias: b.baseAddress!,
                        panels: share(of: kernel.panelCount, part: part, parts: parts))
                }
            }
        }
    }
    return Tensor(shape: [batch, units], data: output)
}

/// `x · kernel + bias`. Shapes: x `[N, K]`, kernel `K × units` row-major, output `[N, units]`.
func dense(_ input: Tensor, kernel: [Float], bias: [Float], units: Int) -> Tensor {
    let batch = input.shape[0]
    let depth = input.count / max(batch, 1)
    var output = [Float](repeating: 0, count: batch * units)
    for n in 0..<batch {
        for u in 0..<units { output[n * units + u] = bias[u] }
    }
    input.data.withUnsafeBufferPointer { a in
        kernel.withUnsafeBufferPointer { b in
            output.withUnsafeMutableBufferPointer { c in
                BLAS.sgemm(
                    m: batch, n: units, k: depth, a: a.baseAddress!, lda: depth, b: b.baseAddress!, ldb: units,
                    c: c.baseAddress!, ldc: units, beta: 1)
            }
        }
    }
    return Tensor(shape: [batch, units], data: output)
}
