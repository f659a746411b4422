// PNG → 8-bit RGB through libpng, matching Pillow's `Image.open(p).convert('RGB')` exactly.
// With PNGEncoder.swift, the only file that touches libpng; the setjmp-guarded calls live in
// Sources/CPNG/shim.h.
//
// What Pillow 11–13 does, checked pixel by pixel (see tests/test_images_vs_pil.py):
//   gray 1/2/4-bit  → value × 255, × 85, × 17 (modes 1, L;2, L;4)
//   gray 16-bit     → mode I;16, then convert('RGB') clips: min(value, 255)
//   gray+alpha      → gray (alpha dropped; 16-bit keeps the high byte)
//   RGB, RGBA       → R, G, B (alpha dropped; 16-bit keeps the high byte)
//   palette         → PLTE entry; indices past the last entry give black
//   tRNS, gAMA, cHRM, sBIT, iCCP → ignored (no compositing, no colour management)
internal import CPNG
import Platform

enum PNGDecoder {
    /// Decodes a whole PNG file held in `bytes`. `path` only names the file in errors.
    static func decode(_ bytes: [UInt8], path: String) throws(ImageError) -> RGBImage {
        try checkChunks(bytes, path: path)
        guard let decoder = reslab_png_new() else {
            throw .unreadable(path: path, reason: errnoText(ENOMEM))
        }
        defer { reslab_png_destroy(decoder) }
        // libpng reads straight from `bytes`: everything happens inside this closure.
        let result: Result<RGBImage, ImageError> = bytes.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress else {
                return .failure(.empty(path: path))
            }
            return decode(decoder, base, input.count, path: path)
        }
        return try result.get()
    }

    /// The most bytes one chunk other than image data may hold: libpng reads such a chunk (text, a colour
    /// profile, a palette) whole into memory, whatever length it declares.
    static let maxAncillaryChunkBytes = 8 << 20

    /// Walks the chunks before libpng sees them: a chunk longer than what is left of the file is a
    /// truncated file, and one other than image data longer than ``maxAncillaryChunkBytes`` is refused,
    /// so that a tiny file declaring a 2 GB text chunk costs nothing.
    static func checkChunks(_ bytes: [UInt8], path: String) throws(ImageError) {
        var offset = 8  // the signature
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard length <= bytes.count - offset - 12 else {
                throw .truncated(
                    path: path, format: .png, detail: "the \(type) chunk declares \(length) bytes, the file has fewer")
            }
            guard type == "IDAT" || length <= maxAncillaryChunkBytes else {
                throw .unsupported(
                    path: path, format: .png,
                    detail: "a \(type) chunk of \(length) bytes, more than the \(maxAncillaryChunkBytes) reslab reads")
            }
            if type == "IEND" { return }
            offset += 12 + length
        }
    }

    // PNG colour types (IHDR).
    private static let gray: Int32 = 0, rgb: Int32 = 2, palette: Int32 = 3
    private static let grayAlpha: Int32 = 4, rgbAlpha: Int32 = 6

    private static func decode(
        _ decoder: UnsafeMutablePointer<reslab_png>,
        _ data: UnsafePointer<UInt8>, _ count: Int,
        path: String
    ) -> Result<RGBImage, ImageError> {
        guard reslab_png_read_header(decoder, data, count) == 0 else {
            return .failure(failure(decoder, path: path))
        }
        let width = Int(decoder.pointee.width)
        let height = Int(decoder.pointee.height)
        do throws(ImageError) {
            try checkImageSize(width: width, height: height, path: path)
        } catch {
            return .failure(error)
        }
        guard reslab_png_prepare(decoder) == 0 else {
            return .failure(failure(decoder, path: path))
        }
        let colorType = decoder.pointee.color_type
        let bitDepth = Int(decoder.pointee.bit_depth)
        // What reslab_png_prepare promised: one byte per sample, except 16-bit plain gray.
        let samples = (colorType == rgb || colorType == rgbAlpha) ? 3 : 1
        let bytesPerSample = (colorType == gray && bitDepth == 16) ? 2 : 1
        let rowBytes = width * samples * bytesPerSample
        guard decoder.pointee.row_bytes == rowBytes, Int(decoder.pointee.channels) == samples else {
            return .failure(
                .unsupported(
                    path: path, format: .png,
                    detail: "colour type \(colorType) at \(bitDepth) bits decodes to "
                        + "\(decoder.pointee.row_bytes) bytes per row, expected \(rowBytes)"))
        }

        var buffer = [UInt8](repeating: 0, count: rowBytes * height)
        let status = buffer.withUnsafeMutableBufferPointer {
            reslab_png_decode(decoder, $0.baseAddress, rowBytes)
        }
        guard status == 0 else { return .failure(failure(decoder, path: path)) }

        switch (colorType, bitDepth) {
        case (rgb, _), (rgbAlpha, _):
            return .success(RGBImage(width: width, height: height, pixels: buffer))
        case (palette, _):
            return .success(
                RGBImage(
                    width: width, height: height,
                    pixels: paletteToRGB(buffer, decoder)))
        case (gray, 16):
            // Big-endian 16-bit samples, clipped to 255 as Pillow's I;16 → RGB does.
            var level = [UInt8](repeating: 0, count: width * height)
            for i in level.indices {
                let value = Int(buffer[2 * i]) << 8 | Int(buffer[2 * i + 1])
                level[i] = UInt8(min(value, 255))
            }
            return .success(RGBImage(width: width, height: height, pixels: grayToRGB(level)))
        case (gray, _), (grayAlpha, _):
            let scale: UInt8
            switch bitDepth {
            case 1: scale = 255
            case 2: scale = 85
            case 4: scale = 17
            default: scale = 1
            }
            if scale != 1 {
                for i in buffer.indices { buffer[i] &*= scale }
            }
            return .success(RGBImage(width: width, height: height, pixels: grayToRGB(buffer)))
        default:
            return .failure(
                .unsupported(
                    path: path, format: .png,
                    detail: "colour type \(colorType)"))
        }
    }

    /// Looks every index up in the PLTE entries; indices past the last entry give black,
    /// as Pillow's 256-entry palette is zero beyond what the file defines.
    private static func paletteToRGB(
        _ indices: [UInt8],
        _ decoder: UnsafeMutablePointer<reslab_png>
    ) -> [UInt8] {
        var table = [UInt8](repeating: 0, count: 256 * 3)
        let defined = Int(decoder.pointee.palette_count) * 3
        withUnsafeBytes(of: decoder.pointee.palette) { raw in
            for i in 0..<defined { table[i] = raw[i] }
        }
        var rgb = [UInt8](repeating: 0, count: indices.count * 3)
        rgb.withUnsafeMutableBufferPointer { out in
            for (i, index) in indices.enumerated() {
                let entry = Int(index) * 3
                out[3 * i] = table[entry]
                out[3 * i + 1] = table[entry + 1]
                out[3 * i + 2] = table[entry + 2]
            }
        }
        return rgb
    }

    /// The error the decoder stopped on.
    private static func failure(_ decoder: UnsafeMutablePointer<reslab_png>, path: String) -> ImageError {
        let message = withUnsafeBytes(of: decoder.pointee.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if decoder.pointee.truncated != 0 {
            return .truncated(path: path, format: .png, detail: message)
        }
        return .corrupt(path: path, format: .png, detail: message)
    }
}
