// The C library of the system, imported once for the whole package: a file that needs POSIX calls
// (`open`, `write`, `isatty`, `errno`, …) writes `import Platform` instead of an `#if canImport` ladder.

#if canImport(Glibc)
    @_exported import Glibc
#elseif canImport(Musl)
    @_exported import Musl
#elseif canImport(Darwin)
    @_exported import Darwin
#endif

/// `errno` in words in both languages: the C library's English, and Chinese for the errors a
/// learner meets with files (a missing file, no permission, a full disk, …).
public func errnoText(_ code: Int32 = errno) -> Bilingual {
    let english = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    let chinese: [Int32: String] = [
        ENOENT: "没有这个文件或目录", EACCES: "没有权限", EPERM: "不允许这样操作", EISDIR: "这是一个目录",
        ENOTDIR: "路径中有一段不是目录", ENOSPC: "磁盘空间不足", EDQUOT: "超出了磁盘配额", EROFS: "文件系统是只读的",
        EEXIST: "文件已经存在", EIO: "输入输出错误", ENOMEM: "内存不足", EMFILE: "打开的文件太多",
        ENAMETOOLONG: "文件名太长", ELOOP: "符号链接太多层", EFBIG: "文件太大", EINTR: "被中断", EBADF: "文件已关闭",
    ]
    return Bilingual(english, chinese[code] ?? english)
}

extension Duration {
    /// The duration in seconds, with its fraction: `.milliseconds(1500).seconds == 1.5`.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// Runs `body` with the environment variable `name` set to `value`, then puts back what it was
/// (unset, if it was). For a library that reads its settings once, as it loads or starts.
public func withEnvironmentVariable<T>(_ name: String, setTo value: String, _ body: () throws -> T) rethrows -> T {
    let previous = getenv(name).map { String(cString: $0) }
    setenv(name, value, 1)
    defer {
        if let previous { setenv(name, previous, 1) } else { unsetenv(name) }
    }
    return try body()
}

/// What glibc's malloc does with the large blocks a program frees.
public enum FreedMemory: Sendable {
    /// Kept for the next allocations: blocks up to 32 MB come from the heap, and the heap is never
    /// trimmed. A forward pass frees and allocates the same activations (up to a few MB each) every
    /// time; given back, each one is faulted in again, page by page, on the next pass, and that
    /// costs 15–30% of a pass on a virtual machine.
    case keptForReuse
    /// Given back to the kernel at once: every block of 128 KB or more is a mapping of its own, unmapped
    /// when freed (malloc's default, without the threshold that rises as blocks are freed). While the
    /// weights load, each layer's arrays are freed as it is packed, and so never add up.
    case givenBack
}

/// Sets what malloc does with the memory freed from now on (see ``FreedMemory``).
public func setFreedMemory(_ policy: FreedMemory) {
    #if canImport(Glibc)
        // glibc's <malloc.h>, which Swift's Glibc module leaves out: mallopt and two of its options.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let (trimThreshold, mmapThreshold): (Int32, Int32) = (-1, -3)  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        switch policy {
        case .keptForReuse:
            _ = mallopt(mmapThreshold, 32 << 20)
            _ = mallopt(trimThreshold, -1)
        case .givenBack:
            _ = mallopt(mmapThreshold, 128 << 10)
            _ = mallopt(trimThreshold, 128 << 10)
        }
    #endif
}
