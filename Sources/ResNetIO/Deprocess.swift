import ResNetCore

/// The image `preprocessInput` was given, back from its output: the ImageNet means added again,
/// BGR turned back into RGB, rounded and clamped to 0…255. `batch` is `[n, height, width, 3]`;
/// `index` picks the image.
public func deprocessInput(_ batch: Tensor, index: Int = 0) -> RGBImage {
    precondition(batch.shape.count == 4 && batch.shape[3] == 3, "deprocessInput: expected [n, height, width, 3]")
    precondition((0..<batch.shape[0]).contains(index), "deprocessInput: no image \(index)")
    let (height, width) = (batch.shape[1], batch.shape[2])
    let start = index * height * width * 3
    func byte(_ value: Float) -> UInt8 { UInt8(min(255, max(0, value.rounded()))) }
    var pixels = [UInt8](repeating: 0, count: height * width * 3)
    for i in stride(from: 0, to: pixels.count, by: 3) {
        pixels[i] = byte(batch.data[start + i + 2] + caffeMeanBGR.r)
        pixels[i + 1] = byte(batch.data[start + i + 1] + caffeMeanBGR.g)
        pixels[i + 2] = byte(batch.data[start + i] + caffeMeanBGR.b)
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}
