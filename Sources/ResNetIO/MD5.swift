internal import COpenSSL

/// The MD5 of a stream of bytes, through OpenSSL's libcrypto (the one file that touches it).
///
/// MD5 only checks that a download arrived intact against the digest published with it; it is
/// not used for anything that needs a secure hash.
public final class MD5 {
    private let context: OpaquePointer

    /// A fresh digest of no bytes.
    /// - Throws: ``WeightsError/md5Unavailable`` when libcrypto refuses MD5 (a FIPS-only configuration).
    public init() throws(WeightsError) {
        guard let context = EVP_MD_CTX_new() else { throw .md5Unavailable }
        guard EVP_DigestInit_ex(context, EVP_md5(), nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw .md5Unavailable
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Adds `bytes` (an array, `Data`, a string's `utf8`, …) to the digest.
    public func update(_ bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// The digest as 32 lowercase hex digits. The digest then starts again from no bytes.
    public func finalize() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        EVP_DigestInit_ex(context, EVP_md5(), nil)
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in digest.prefix(Int(length)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The MD5 of `bytes` as 32 lowercase hex digits.
    public static func hex(of bytes: some Sequence<UInt8>) throws(WeightsError) -> String {
        let md5 = try MD5()
        md5.update(bytes)
        return md5.finalize()
    }
}
