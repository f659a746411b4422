// 8-bit RGB → PNG through libpng's simplified write API, for the pictures reslab saves (feature maps,
// class activation maps, notebook outputs). It reports failures by return value, not longjmp, so
// Swift calls it directly.
internal import CPNG
import Platform

extension RGBImage {
    /// The image as the bytes of a PNG file (8-bit RGB, no metadata).
    public func pngData() throws(ImageError) -> [UInt8] {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(PNG_FORMAT_RGB)
        let stride = png_int_32(width * 3)
        var size: png_alloc_size_t = 0
        let sized = pixels.withUnsafeBytes {
            png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, stride, nil)
        }
        guard sized != 0, size > 0 else { throw .unwritable(path: "PNG", reason: Self.failure(&image)) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let written = bytes.withUnsafeMutableBytes { output in
            pixels.withUnsafeBytes {
                png_image_write_to_memory(&image, output.baseAddress, &size, 0, $0.baseAddress, stride, nil)
            }
        }
        guard written != 0 else { throw .unwritable(path: "PNG", reason: Self.failure(&image)) }
        return Array(bytes.prefix(Int(size)))
    }

    /// Writes the image as a PNG file at `path`, all or nothing: an existing file stays as it was if
    /// anything fails.
    public func writePNG(to path: String) throws(ImageError) {
        let bytes: [UInt8]
        do { bytes = try pngData() } catch { throw .unwritable(path: path, reason: error.unwritableReason) }
        do throws(FileError) {
            try atomicWrite(bytes, to: path)
        } catch {
            throw .unwritable(path: path, reason: error.reason)
        }
    }

    /// libpng's message for a failed write, and the image's resources freed.
    private static func failure(_ image: inout png_image) -> Bilingual {
        let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        png_image_free(&image)
        return Bilingual(verbatim: message.isEmpty ? "libpng could not encode the image" : message)
    }
}

extension ImageError {
    /// The reason of an `unwritable` error.
    fileprivate var unwritableReason: Bilingual {
        if case .unwritable(_, let reason) = self { return reason }
        return text
    }
}
