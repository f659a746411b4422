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
