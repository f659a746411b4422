import Testing

@testable import ResNetCore

/// Expects two float arrays to agree within `atol + rtol·|expected|` element by element.
func expectClose(
    _ actual: [Float], _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-5,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "counts differ", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > atol + rtol * abs(e) {
        Issue.record("element \(i): \(a) vs expected \(e)", sourceLocation: sourceLocation)
        return
    }
}

/// A tensor counting 1, 2, 3, … in row-major order.
func counting(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, data: (1...shape.reduce(1, *)).map(Float.init))
}

/// A direct (slow, obvious) NHWC convolution to check the im2col + GEMM path against.
func naiveConvolution(_ x: Tensor, kernel: Tensor, strides: (Int, Int), padding: Padding) -> Tensor {
    let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
    let (kh, kw, f) = (kernel.shape[0], kernel.shape[1], kernel.shape[3])
    let rows = WindowAxis(input: h, window: kh, stride: strides.0, padding: padding)!
    let cols = WindowAxis(input: w, window: kw, stride: strides.1, padding: padding)!
    var out = Tensor(shape: [1, rows.output, cols.output, f])
    for oy in 0..<rows.output {
        for ox in 0..<cols.output {
            for o in 0..<f {
                var sum: Float = 0
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let y = oy * strides.0 - rows.padBefore + ky
                        let xx = ox * strides.1 - cols.padBefore + kx
                        guard y >= 0, y < h, xx >= 0, xx < w else { continue }
                        for i in 0..<c {
                            sum += x.data[(y * w + xx) * c + i] * kernel.data[((ky * kw + kx) * c + i) * f + o]
                        }
                    }
                }
                out.data[(oy * cols.output + ox) * f + o] = sum
            }
        }
    }
    return out
}
