// The C library of the system, imported once for the whole package: a file that needs POSIX calls
// (`open`, `write`, `isatty`, `errno`, …) writes `import Platform` instead of an `#if canImport` ladder.

#if canImport(Glibc)
    @_exported import Glibc
#elseif canImport(Musl)
    @_exported import Musl
#elseif canImport(Darwin)
    @_exported import Darwin
#endif

/// `errno` (or another error number) in words, e.g. "No such file or directory".
public func errnoDescription(_ code: Int32 = errno) -> String {
    strerror(code).map { String(cString: $0) } ?? "error \(code)"
}

extension Duration {
    /// The duration in seconds, with its fraction: `.milliseconds(1500).seconds == 1.5`.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
