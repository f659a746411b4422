import Platform
import ResNetCore

// Image loading exactly like the tutorial's Keras code:
//
//     img = image.load_img(path, target_size=(224, 224))   # Pillow: open, convert('RGB'), resize NEAREST
//     x = image.img_to_array(img); x = np.expand_dims(x, 0)
//     x = preprocess_input(x)                               # caffe mode: RGB->BGR, minus the means

/// An 8-bit RGB image: `height` rows of `width` pixels, each pixel 3 bytes R, G, B,
/// row-major with no padding — what Pillow's `np.asarray(img.convert('RGB'))` holds.
public struct RGBImage: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// `width * height * 3` bytes: R, G, B for pixel (0, 0), then (1, 0), …
    public private(set) var pixels: [UInt8]

    /// Wraps `pixels`, which must hold exactly `width * height * 3` bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage: size \(width)x\(height)")
        precondition(
            pixels.count == width * height * 3,
            "RGBImage: \(pixels.count) bytes for \(width)x\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The (R, G, B) values of the pixel in column `x`, row `y`.
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// This image scaled to `width`×`height` with Pillow's `Image.resize(size, NEAREST)`:
    /// output column `x` copies source column `Int(xo)` where `xo` starts at `scale / 2`
    /// (`scale = self.width / width`, in Double) and grows by `scale` per column, summed
    /// exactly as Pillow sums it; rows likewise. Returns `self` if the size already matches.
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resized: target size \(newWidth)x\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        let columns = Self.nearestSources(from: width, to: newWidth)
        let rows = Self.nearestSources(from: height, to: newHeight)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (y, sy) in rows.enumerated() where sy >= 0 {
                    let srcRow = sy * width * 3
                    var o = y * newWidth * 3
                    for sx in columns {
                        if sx >= 0 {
                            let i = srcRow + sx * 3
                            dst[o] = src[i]
                            dst[o + 1] = src[i + 1]
                            dst[o + 2] = src[i + 2]
                        }
                        o += 3
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// Pillow's `ImagingScaleAffine` table: the source index for each output index, or -1
    /// where it falls outside the source (Pillow leaves those pixels black).
    static func nearestSources(from source: Int, to target: Int) -> [Int] {
        let scale = Double(source) / Double(target)
        var position = scale * 0.5
        var table = [Int](repeating: -1, count: target)
        for i in 0..<target {
            let index = position < 0 ? -1 : Int(position)
            if index >= 0 && index < source { table[i] = index }
            position += scale
        }
        return table
    }

    /// Writes `pixels` (exactly `width * height * 3` bytes) to `path`, replacing the file.
    /// The bytes go to a temporary file beside it first, so `path` never holds a partial image.
    public func writeRaw(to path: String) throws(ImageError) {
        do throws(FileError) {
            try atomicWrite(pixels, to: path)
        } catch {
            throw .unwritable(path: path, reason: error.reason)
        }
    }
}

// MARK: - Reading

/// Decodes a JPEG or PNG held in memory to 8-bit RGB exactly as Pillow's
/// `Image.open(f).convert('RGB')` would. `path` only names the source in errors.
///
/// JPEG: libjpeg defaults (ISLOW DCT, fancy upsampling); gray is replicated to R=G=B; CMYK is
/// read with Adobe's inverted polarity and converted with Pillow's `cmyk2rgb`.
/// PNG: alpha and tRNS are dropped without compositing, gAMA/iCCP ignored; 1/2/4-bit gray
/// scaled to 0…255; 16-bit gray clipped to 255 (Pillow's `I;16` → `RGB`); other 16-bit
/// samples keep their high byte; palette indices past the PLTE entries give black.
public func decodeImage(_ bytes: [UInt8], path: String) throws(ImageError) -> RGBImage {
    guard !bytes.isEmpty else { throw .empty(path: path) }
    switch ImageFormat(sniffing: bytes) {
    case .jpeg: return try JPEGDecoder.decode(bytes, path: path)
    case .png: return try PNGDecoder.decode(bytes, path: path)
    case nil: throw .unknownFormat(path: path, leadingBytes: Array(bytes.prefix(4)))
    }
}

/// Reads the JPEG or PNG file at `path` as 8-bit RGB at its own size, like Pillow's
/// `Image.open(path).convert('RGB')`. The format comes from the file's first bytes,
/// not from its name.
public func readImage(path: String) throws(ImageError) -> RGBImage {
    try decodeImage(readFileBytes(path: path), path: path)
}

/// Keras's `image.load_img(path, target_size=(height, width))`: reads the file as RGB, then,
/// if its size differs, resizes it with nearest-neighbour sampling. `nil` keeps the size.
public func loadImage(
    path: String,
    targetSize: (height: Int, width: Int)? = (height: 224, width: 224)
)
    throws(ImageError) -> RGBImage
{
    if let targetSize {
        // Checked before reading, so a bad size never costs a decode (or an allocation).
        guard targetSize.height > 0, targetSize.width > 0,
            (try? checkImageSize(width: targetSize.width, height: targetSize.height, path: path)) != nil
        else { throw .badTargetSize(path: path, height: targetSize.height, width: targetSize.width) }
    }
    let image = try readImage(path: path)
    guard let targetSize else { return image }
    return image.resized(width: targetSize.width, height: targetSize.height)
}

/// Throws `.tooLarge` unless a `width`×`height` image fits `ImageLimits`. The decoders call
/// this straight after reading the header, before allocating pixel memory.
func checkImageSize(width: Int, height: Int, path: String) throws(ImageError) {
    guard width <= ImageLimits.maxSide, height <= ImageLimits.maxSide,
        (Checked.product([width, height, 3]) ?? .max) <= ImageLimits.maxRGBBytes
    else { throw .tooLarge(path: path, width: width, height: height) }
}

/// The whole file at `path`, with errno turned into an `ImageError` that names the file. Only a regular
/// file is read: a FIFO, device or directory is refused before a byte is read (see `openRegularFile`).
func readFileBytes(path: String) throws(ImageError) -> [UInt8] {
    let fd: Int32
    let size: Int
    do throws(FileError) {
        (fd, size) = try openRegularFile(path)
    } catch {
        throw .unreadable(path: path, reason: error.reason)
    }
    defer { close(fd) }
    if size > ImageLimits.maxFileBytes {
        throw .unreadable(
            path: path,
            reason: Bilingual(
                "the file is \(size) bytes, more than the \(ImageLimits.maxFileBytes) reslab reads",
                "文件有 \(size) 字节，超过了 reslab 能读的 \(ImageLimits.maxFileBytes) 字节"))
    }
    // st_size is only a hint (a file still growing): read until end of file. Neither JPEG nor PNG (say a
    // huge video): the first bytes already say so.
    let read: [UInt8]?
    do throws(FileError) {
        read = try readToEnd(
            fd, path: path, limit: ImageLimits.maxFileBytes, sizeHint: size,
            enough: { $0.count >= 8 && ImageFormat(sniffing: $0) == nil })
    } catch {
        throw .unreadable(path: path, reason: error.reason)
    }
    guard let bytes = read else {
        throw .unreadable(
            path: path,
            reason: Bilingual(
                "the file is more than the \(ImageLimits.maxFileBytes) bytes reslab reads",
                "文件超过了 reslab 能读的 \(ImageLimits.maxFileBytes) 字节"))
    }
    return bytes
}

// MARK: - preprocess_input

/// Keras's ImageNet means in caffe mode, in BGR order, as float32 (numpy subtracts the Python
/// floats from a float32 array in float32).
let caffeMeanBGR: (b: Float, g: Float, r: Float) = (
    Float(103.939 as Double), Float(116.779 as Double), Float(123.68 as Double)
)

/// Keras's `preprocess_input` for ResNet50 (caffe mode) applied to one image as a batch of
/// one: float32, RGB → BGR, then subtract the ImageNet means [103.939, 116.779, 123.68]
/// (B, G, R). No scaling. The result has shape `[1, height, width, 3]`, NHWC.
public func preprocessInput(_ image: RGBImage) -> Tensor {
    preprocessInput([image])
}

/// `preprocessInput` for a batch: all images must share one size. Shape `[n, height, width, 3]`.
public func preprocessInput(_ images: [RGBImage]) -> Tensor {
    precondition(!images.isEmpty, "preprocessInput: no images")
    let width = images[0].width
    let height = images[0].height
    precondition(
        images.allSatisfy { $0.width == width && $0.height == height },
        "preprocessInput: images of different sizes")
    let rgb = images.flatMap { $0.pixels.map(Float.init) }
    return preprocessInput(Tensor(shape: [images.count, height, width, 3], data: rgb))
}

/// Keras's `preprocess_input` (caffe mode) on an array of RGB values, as `image.img_to_array`
/// gives them: channels reversed to BGR, then the ImageNet mean of each subtracted. Same shape.
public func preprocessInput(_ rgb: Tensor) -> Tensor {
    precondition(rgb.shape.last == 3, "preprocessInput: the last axis must hold R, G, B")
    return reversingChannels(rgb, adding: (-caffeMeanBGR.b, -caffeMeanBGR.g, -caffeMeanBGR.r))
}

/// The inverse of `preprocessInput` on an array it returned: the ImageNet mean of each channel
/// added back, then BGR → RGB. Same shape; values are not clipped (see
/// ``RGBImage/init(rgbValues:width:height:)``).
public func deprocessInput(_ bgr: Tensor) -> Tensor {
    precondition(bgr.shape.last == 3, "deprocessInput: the last axis must hold B, G, R")
    return reversingChannels(bgr, adding: (caffeMeanBGR.r, caffeMeanBGR.g, caffeMeanBGR.b))
}

/// `x` with the three channels of each pixel in reverse order (RGB ↔ BGR), then `offset` added to
/// them, in their new order. (Adding a negated mean is subtracting it, to the last bit.)
private func reversingChannels(_ x: Tensor, adding offset: (Float, Float, Float)) -> Tensor {
    var output = x
    x.data.withUnsafeBufferPointer { input in
        output.data.withUnsafeMutableBufferPointer { out in
            var i = 0
            while i < input.count {
                out[i] = input[i + 2] + offset.0
                out[i + 1] = input[i + 1] + offset.1
                out[i + 2] = input[i] + offset.2
                i += 3
            }
        }
    }
    return output
}

/// The image `preprocessInput` was given, back from its output: image `index` of a batch
/// `[n, height, width, 3]`, de-processed and rounded to 8 bits.
public func deprocessedImage(_ batch: Tensor, index: Int = 0) -> RGBImage {
    precondition(batch.shape.count == 4 && batch.shape[3] == 3, "deprocessedImage: expected [n, height, width, 3]")
    precondition((0..<batch.shape[0]).contains(index), "deprocessedImage: no image \(index)")
    let (height, width) = (batch.shape[1], batch.shape[2])
    let count = height * width * 3
    let one = Tensor(shape: [height, width, 3], data: Array(batch.data[(index * count)..<((index + 1) * count)]))
    return RGBImage(rgbValues: deprocessInput(one).data, width: width, height: height)
}

extension RGBImage {
    /// An image from R, G, B values as `image.img_to_array` holds them (`height` rows of `width` pixels,
    /// three values each), each rounded to the nearest whole number and clipped to 0…255 (NaN gives 0).
    public init(rgbValues values: [Float], width: Int, height: Int) {
        precondition(
            values.count == width * height * 3, "RGBImage: \(values.count) values for \(width)x\(height) RGB")
        self.init(
            width: width, height: height,
            pixels: values.map { $0.isNaN ? 0 : UInt8(Swift.min(255, Swift.max(0, $0.rounded()))) })
    }
}
