// JPEG → 8-bit RGB through libjpeg-turbo, matching Pillow's `Image.open(p).convert('RGB')`.
// The only file that touches libjpeg; the setjmp-guarded calls live in Sources/CJPEG/shim.h.
internal import CJPEG
import Platform

enum JPEGDecoder {
    /// Decodes a whole JPEG file held in `bytes`. `path` only names the file in errors.
    static func decode(_ bytes: [UInt8], path: String) throws(ImageError) -> RGBImage {
        guard let decoder = reslab_jpeg_new() else {
            throw .unreadable(path: path, reason: errnoText(ENOMEM))
        }
        defer { reslab_jpeg_destroy(decoder) }
        // libjpeg reads straight from `bytes`: everything happens inside this closure.
        let result: Result<RGBImage, ImageError> = bytes.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress else {
                return .failure(.empty(path: path))
            }
            return decode(decoder, base, input.count, path: path)
        }
        return try result.get()
    }

    private static func decode(
        _ decoder: UnsafeMutablePointer<reslab_jpeg>,
        _ data: UnsafePointer<UInt8>, _ count: Int,
        path: String
    ) -> Result<RGBImage, ImageError> {
        guard reslab_jpeg_read_header(decoder, data, UInt(count)) == 0 else {
            return .failure(failure(decoder, path: path))
        }
        let width = Int(reslab_jpeg_width(decoder))
        let height = Int(reslab_jpeg_height(decoder))
        do throws(ImageError) {
            try checkImageSize(width: width, height: height, path: path)
        } catch {
            return .failure(error)
        }
        let pixelCount = width * height
        // Pillow's mode comes from the number of components in the frame header:
        // 1 → L, 3 → RGB (libjpeg converts YCbCr), 4 → CMYK (libjpeg converts YCCK).
        switch reslab_jpeg_components(decoder) {
        case 3:
            var rgb = [UInt8](repeating: 0, count: pixelCount * 3)
            let status = rgb.withUnsafeMutableBufferPointer {
                reslab_jpeg_decode(decoder, Int32(RESLAB_JPEG_RGB), $0.baseAddress, width * 3)
            }
            guard status == 0 else { return .failure(failure(decoder, path: path)) }
            return .success(RGBImage(width: width, height: height, pixels: rgb))
        case 1:
            var gray = [UInt8](repeating: 0, count: pixelCount)
            let status = gray.withUnsafeMutableBufferPointer {
                reslab_jpeg_decode(decoder, Int32(RESLAB_JPEG_GRAY), $0.baseAddress, width)
            }
            guard status == 0 else { return .failure(failure(decoder, path: path)) }
            return .success(RGBImage(width: width, height: height, pixels: grayToRGB(gray)))
        case 4:
            var cmyk = [UInt8](repeating: 0, count: pixelCount * 4)
            let status = cmyk.withUnsafeMutableBufferPointer {
                reslab_jpeg_decode(decoder, Int32(RESLAB_JPEG_CMYK), $0.baseAddress, width * 4)
            }
            guard status == 0 else { return .failure(failure(decoder, path: path)) }
            return .success(RGBImage(width: width, height: height, pixels: adobeCMYKToRGB(cmyk)))
        case let components:
            return .failure(
                .unsupported(
                    path: path, format: .jpeg,
                    detail: "\(components) colour components (reslab, like Pillow, reads 1, 3 or 4)"))
        }
    }

    /// The error the decoder stopped on, classified from libjpeg's message.
    private static func failure(_ decoder: UnsafeMutablePointer<reslab_jpeg>, path: String) -> ImageError {
        let message = withUnsafeBytes(of: decoder.pointee.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if decoder.pointee.truncated != 0 {
            return .truncated(path: path, format: .jpeg, detail: message)
        }
        // libjpeg words the things it cannot do, as opposed to damaged data, this way,
        // e.g. "Unsupported JPEG data precision 12", "Sorry, arithmetic coding is not supported".
        if message.hasPrefix("Unsupported") || message.hasPrefix("Sorry") {
            return .unsupported(path: path, format: .jpeg, detail: message)
        }
        return .corrupt(path: path, format: .jpeg, detail: message)
    }
}

/// Pillow's `L` → `RGB`: the gray value in all three channels.
func grayToRGB(_ gray: [UInt8]) -> [UInt8] {
    var rgb = [UInt8](repeating: 0, count: gray.count * 3)
    rgb.withUnsafeMutableBufferPointer { out in
        for (i, v) in gray.enumerated() {
            out[3 * i] = v
            out[3 * i + 1] = v
            out[3 * i + 2] = v
        }
    }
    return rgb
}

/// Pillow's CMYK JPEG path: libjpeg's CMYK samples are read as rawmode `CMYK;I` (Adobe's
/// inverted polarity, assumed for every CMYK JPEG), then `convert('RGB')` applies `cmyk2rgb`:
/// `nk = 255 - K; out = nk - C·nk/255` with Pillow's rounded integer division by 255.
func adobeCMYKToRGB(_ cmyk: [UInt8]) -> [UInt8] {
    let pixelCount = cmyk.count / 4
    var rgb = [UInt8](repeating: 0, count: pixelCount * 3)
    rgb.withUnsafeMutableBufferPointer { out in
        cmyk.withUnsafeBufferPointer { src in
            for i in 0..<pixelCount {
                let nk = Int(src[4 * i + 3])  // 255 - (255 - raw K)
                for c in 0..<3 {
                    let ink = 255 - Int(src[4 * i + c])
                    let t = ink * nk + 128
                    let v = nk - (((t >> 8) + t) >> 8)  // MULDIV255(ink, nk)
                    out[3 * i + c] = UInt8(clamping: v)
                }
            }
        }
    }
    return rgb
}
