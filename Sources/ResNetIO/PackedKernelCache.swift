import Dispatch
import Platform
import ResNetCore

/// Kernels packed from a weight file by an earlier run, kept in the cache directory, so that the next
/// run maps them (a few milliseconds) instead of reading and lowering the file (0.1 s of both cores):
/// see ``InferenceEngine/writeLoweredArrays(key:to:)``.
///
/// One file per weight file and GEMM path (120 MB for ResNet50), in `packed/` under
/// ``WeightsCache/directory``; the `limit` used last are kept. Its key names the weight file (real path,
/// device, inode, size, modification and change times) and the program (the same of its executable),
/// so a changed weight file or another build of reslab makes it stale, and the next run writes it
/// again. A file that cannot be used or written costs speed, never a result: its checksum is checked
/// whole before it is used, so it is written without waiting for the disk.
public struct PackedKernelCache: Sendable {
    /// Where the files go.
    public let directory: String
    /// How many files are kept: the ones used last.
    public let limit: Int

    public init(directory: String = WeightsCache.directory + "/packed", limit: Int = 2) {
        self.directory = directory
        self.limit = limit
    }

    /// The cache's file for the weight file at `weightsPath` as that file is now; `nil` when it or the
    /// program cannot be looked at. Take it before reading the weights: kernels packed from them are then
    /// filed under the file they were read from, even if it is replaced meanwhile.
    public func entry(forWeightsAt weightsPath: String) -> Entry? {
        guard let identity = Self.identity(ofWeightsAt: weightsPath) else { return nil }
        return Entry(cache: self, path: filePath(forWeightsAt: weightsPath), identity: identity)
    }

    /// One weight file's place in the cache, with what its kernels depend on.
    public struct Entry: Sendable {
        let cache: PackedKernelCache
        /// The file of packed kernels.
        let path: String
        /// ``PackedKernelCache/identity(ofWeightsAt:)`` of the weight file when the entry was taken.
        let identity: String

        /// An engine from kernels an earlier run packed from the weight file, with the variant it was
        /// built for; `nil` when there are none that are current, or they were packed for another
        /// variant than `asked`.
        public func engine(variant asked: ResNet50Variant?) -> (engine: InferenceEngine, variant: ResNet50Variant)? {
            guard let file = try? MappedFile(path: path),
                let key = InferenceEngine.loweredArraysKey(in: file), key.hasPrefix(identity),
                let variant = ResNet50Variant(rawValue: String(key.dropFirst(identity.count))),
                asked == nil || asked == variant,
                let model = try? variant.build(),
                let engine = try? InferenceEngine(model: model, loweredArraysIn: file, key: key)
            else { return nil }
            utimensat(AT_FDCWD, path, nil, 0)  // used now: the last to be removed
            return (engine, variant)
        }

        /// Starts writing `engine`'s kernels, built for `variant` from the weight file, on a thread of
        /// their own; wait for it before the process exits, or the file is not made (the next run removes
        /// what is left of it). Failures (a full disk, no permission) are silent: the next run lowers the
        /// weights again.
        public func store(_ engine: InferenceEngine, variant: ResNet50Variant) -> PackedKernelWrite {
            let write = PackedKernelWrite()
            let (cache, path, key) = (cache, path, identity + variant.rawValue)
            // Writing reads only the engine's steps, which never change; its passes may run meanwhile.
            nonisolated(unsafe) let engine = engine
            DispatchQueue.global(qos: .utility).async(group: write.group) {
                do throws(FileError) {
                    try makeDirectories(cache.directory)
                    let file = try AtomicFile(replacing: path)
                    try engine.writeLoweredArrays(key: key, to: file)
                    try file.commit(flushing: false)
                } catch {}
                cache.removeAllButRecent(keeping: path)
            }
            return write
        }
    }

    /// Removes the files of packed kernels beyond the `limit` used last (`kept` counts among them).
    fileprivate func removeAllButRecent(keeping kept: String) {
        var files = [(path: String, used: timespec)]()
        for name in directoryEntries(directory) {
            var info = stat()
            let path = directory + "/" + name
            guard name.hasSuffix(".packed"), path != kept, lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG
            else { continue }
            files.append((path, info.st_mtim))
        }
        files.sort { ($0.used.tv_sec, $0.used.tv_nsec) > ($1.used.tv_sec, $1.used.tv_nsec) }
        for file in files.dropFirst(max(0, limit - 1)) { unlink(file.path) }
    }

    /// The file for `weightsPath`: its name, the GEMM path and a hash of its real path.
    func filePath(forWeightsAt weightsPath: String) -> String {
        let real = resolvedPath(weightsPath) ?? weightsPath
        let name = real.split(separator: "/").last.map(String.init) ?? "weights"
        let gemm = (try? GEMMInfo.current().path.rawValue) ?? "none"
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in real.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return directory + "/" + name + "." + gemm + "." + String(hash, radix: 16) + ".packed"
    }

    /// What the kernels of the weight file at `weightsPath` depend on, each on a line of its own and
    /// ending where the variant follows; `nil` when the file or the program cannot be looked at.
    static func identity(ofWeightsAt weightsPath: String) -> String? {
        var weights = stat()
        var program = stat()
        guard stat(weightsPath, &weights) == 0, stat("/proc/self/exe", &program) == 0 else { return nil }
        func times(_ info: stat) -> String {
            "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
        }
        return """
            weights \(resolvedPath(weightsPath) ?? weightsPath)
            file \(weights.st_dev) \(weights.st_ino) \(times(weights))
            program \(program.st_dev) \(program.st_ino) \(times(program))
            variant\u{20}
            """
    }
}

/// A file of packed kernels being written (``PackedKernelCache/Entry/store(_:variant:)``).
public final class PackedKernelWrite: Sendable {
    fileprivate let group = DispatchGroup()

    /// Waits until the file is written, or has failed.
    public func wait() { group.wait() }
}
