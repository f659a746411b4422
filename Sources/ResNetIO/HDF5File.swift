// The only Swift file that touches the HDF5 C library. Everything else in ResNetIO goes through
// `HDF5File`, which reads just what a Keras weight file needs: string-array attributes and
// floating-point datasets, read-only.

internal import CHDF5
import Foundation
import Platform

/// A failure inside the HDF5 layer. `KerasWeightsFile` turns these into `WeightsError`s that name the file.
enum HDF5Error: Error, Equatable, Sendable {
    /// The file does not start with an HDF5 signature.
    case notHDF5
    /// The signature is there but the library cannot open the file (truncated, corrupt, unreadable).
    case cannotOpen
    /// No object at this path.
    case noSuchObject(String)
    /// The object has no attribute of this name.
    case noSuchAttribute(object: String, name: String)
    /// The attribute or dataset holds a type this reader does not convert (e.g. a number where a string is expected).
    case unsupportedType(object: String, detail: String)
    /// The library failed while reading the object (corrupt data, truncated file, I/O error).
    case readFailed(object: String)
    /// The dataset's header declares more values (or larger chunks) than can be read.
    case tooLarge(object: String)
    /// The dataset's header declares `found`, not the shape the caller asked to read.
    case shapeDiffers(object: String, found: [Int])
}

/// What an HDF5 path names.
enum HDF5ObjectKind: Sendable, Equatable {
    case group, dataset, other
}

/// Serialises every call into the library: HDF5 keeps global state, and a build without
/// `--enable-threadsafe` must never be entered from two threads at once.
private let hdf5Lock = NSLock()

/// Runs `body` holding the HDF5 lock, with HDF5's automatic error printing turned off for this
/// thread (in a thread-safe build the default error stack and its print hook are per thread).
private func withHDF5<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
    hdf5Lock.lock()
    defer { hdf5Lock.unlock() }
    reslab_h5_silence_errors()
    return try body()
}

/// An HDF5 file opened read-only; closed when the object goes away.
///
/// All methods are safe to call from any thread: calls into the library are serialised.
final class HDF5File: @unchecked Sendable {
    /// The path the file was opened from.
    let path: String
    /// The library's handle; valid for the object's lifetime, only used under `hdf5Lock`.
    private let fileID: hid_t
    /// The file's variable-length string attributes, once read (under `hdf5Lock`).
    private var variableLengthStrings: [String: [String: [String]]]?

    /// Opens `path` read-only.
    /// - Throws: `.notHDF5` when the file lacks the HDF5 signature, `.cannotOpen` when the library refuses it.
    init(path: String) throws(HDF5Error) {
        self.path = path
        self.fileID = try withHDF5 { () throws(HDF5Error) -> hid_t in
            // H5Fis_hdf5 only looks for the superblock signature: > 0 yes, 0 no, < 0 could not tell.
            let isHDF5 = H5Fis_hdf5(path)
            if isHDF5 == 0 { throw .notHDF5 }
            if isHDF5 < 0 { throw .cannotOpen }
            let id = H5Fopen(path, reslab_h5f_acc_rdonly(), reslab_h5p_default())
            if id < 0 { throw .cannotOpen }
            return id
        }
    }

    deinit {
        let id = fileID
        withHDF5 { _ = H5Fclose(id) }
    }

    // MARK: - Objects

    /// What `objectPath` (relative to the root, components separated by `/`) names, or nil if nothing.
    func objectKind(_ objectPath: String) -> HDF5ObjectKind? {
        withHDF5 { unlockedObjectKind(objectPath) }
    }

    private func unlockedObjectKind(_ objectPath: String) -> HDF5ObjectKind? {
        if !unlockedLinkExists(objectPath) { return nil }
        let object = H5Oopen(fileID, objectPath, reslab_h5p_default())
        if object < 0 { return nil }
        defer { H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// Whether every link along `objectPath` exists. H5Lexists must be asked one level at a time:
    /// it fails (rather than answering no) when an intermediate group is missing.
    private func unlockedLinkExists(_ objectPath: String) -> Bool {
        var prefix = ""
        for component in objectPath.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += prefix.isEmpty ? String(component) : "/" + component
            if H5Lexists(fileID, prefix, reslab_h5p_default()) <= 0 { return false }
        }
        return true
    }

    // MARK: - Attributes

    /// Whether the object at `objectPath` ("/" for the root) has an attribute called `name`.
    func hasAttribute(_ name: String, on objectPath: String = "/") -> Bool {
        withHDF5 {
            objectPath == "/" || unlockedLinkExists(objectPath)
                ? H5Aexists_by_name(fileID, objectPath, name, reslab_h5p_default()) > 0
                : false
        }
    }

    /// The strings of attribute `name` on `objectPath`: a scalar or an array (any rank, flattened),
    /// fixed-length (h5py's `S30`) or variable-length, ASCII or UTF-8. An attribute with no elements
    /// reads as `[]` whatever its type (Keras writes an empty `weight_names` as float64 of shape (0,)).
    func stringsAttribute(_ name: String, on objectPath: String = "/") throws(HDF5Error) -> [String] {
        try withHDF5 { () throws(HDF5Error) -> [String] in
            if objectPath != "/" && !unlockedLinkExists(objectPath) { throw .noSuchObject(objectPath) }
            if H5Aexists_by_name(fileID, objectPath, name, reslab_h5p_default()) <= 0 {
                throw .noSuchAttribute(object: objectPath, name: name)
            }
            let where_ = objectPath == "/" ? "attribute '\(name)'" : "attribute '\(name)' of '\(objectPath)'"
            let attribute = H5Aopen_by_name(fileID, objectPath, name, reslab_h5p_default(), reslab_h5p_default())
            if attribute < 0 { throw .readFailed(object: where_) }
            defer { H5Aclose(attribute) }

            let space = H5Aget_space(attribute)
            if space < 0 { throw .readFailed(object: where_) }
            defer { H5Sclose(space) }
            let points = H5Sget_simple_extent_npoints(space)
            if points < 0 { throw .readFailed(object: where_) }
            let count = Int(points)
            if count == 0 { return [] }

            let fileType = H5Aget_type(attribute)
            if fileType < 0 { throw .readFailed(object: where_) }
            defer { H5Tclose(fileType) }
            if H5Tget_class(fileType) != H5T_STRING {
                throw .unsupportedType(object: where_, detail: "not a string")
            }

            if H5Tis_variable_str(fileType) > 0 {
                let object = objectPath.drop { $0 == "/" }
                guard
                    let strings = try unlockedVariableLengthStrings(where_)[object.isEmpty ? "." : String(object)]?[
                        name]
                else { throw .readFailed(object: where_) }
                return strings
            }
            return try Self.readFixedLengthStrings(attribute, fileType, count, where_)
        }
    }

    /// The most bytes of variable-length strings one file may hold (a Keras file holds some 30 KB).
    static let maximumStringBytes = 64 << 20

    /// Every variable-length string attribute of the file, by object (`.` for the root group, `conv1/conv1`)
    /// and name, read once by a child process (`reslab_h5_start_string_reader`): a damaged heap reference
    /// makes the library itself crash or write past its buffer, and that must end the child, not reslab.
    /// - Throws: `.readFailed` (naming `where_`) when the child died, hung or wrote what cannot be parsed.
    private func unlockedVariableLengthStrings(_ where_: String) throws(HDF5Error) -> [String: [String: [String]]] {
        if let variableLengthStrings { return variableLengthStrings }
        var descriptor: Int32 = -1
        let child = reslab_h5_start_string_reader(fileID, &descriptor)
        guard child > 0 else { throw .readFailed(object: where_) }
        let bytes = (try? readToEnd(descriptor, path: path, limit: Self.maximumStringBytes)) ?? nil
        close(descriptor)
        guard reslab_h5_child_lived(child, bytes == nil ? 1 : 0) == 1, let bytes else {
            throw .readFailed(object: where_)
        }
        var fields = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        guard fields.popLast() == "" else { throw .readFailed(object: where_) }
        var attributes: [String: [String: [String]]] = [:]
        var index = 0
        while index + 2 < fields.count {
            guard let count = Int(fields[index + 2]), count >= 0, count <= fields.count - index - 3 else {
                throw .readFailed(object: where_)
            }
            attributes[fields[index], default: [:]][fields[index + 1]] = Array(
                fields[(index + 3)..<(index + 3 + count)])
            index += 3 + count
        }
        guard index == fields.count else { throw .readFailed(object: where_) }
        variableLengthStrings = attributes
        return attributes
    }

    private static func readFixedLengthStrings(
        _ attribute: hid_t, _ fileType: hid_t, _ count: Int, _ where_: String
    ) throws(HDF5Error) -> [String] {
        let size = H5Tget_size(fileType)
        if size == 0 { throw .readFailed(object: where_) }
        // Strings have no byte order: the file's type is also the right memory type.
        let memoryType = H5Tcopy(fileType)
        if memoryType < 0 { throw .readFailed(object: where_) }
        defer { H5Tclose(memoryType) }
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD

        var bytes = [UInt8](repeating: 0, count: size * count)
        let status = bytes.withUnsafeMutableBytes { H5Aread(attribute, memoryType, $0.baseAddress) }
        if status < 0 { throw .readFailed(object: where_) }
        return (0..<count).map { index in
            var element = bytes[(index * size)..<((index + 1) * size)]
            if let nul = element.firstIndex(of: 0) { element = element[..<nul] }
            if spacePadded {
                while element.last == UInt8(ascii: " ") { element = element.dropLast() }
            }
            return String(decoding: element, as: UTF8.self)
        }
    }

    // MARK: - Datasets

    /// The most values one dataset may hold to be read (256 MB as float32); ResNet50's largest weight
    /// holds 2,359,296. A header declaring more is treated as damage, never allocated.
    static let maximumElements = 1 << 26
    /// The most bytes one chunk of a chunked dataset may take: the library allocates whole chunks.
    static let maximumChunkBytes = 1 << 28

    /// The shape the header of the dataset at `datasetPath` declares (outermost axis first; `[]` for a
    /// scalar), read without reading any value. Also checks that it holds numbers and that its chunks
    /// are of a size the library can allocate.
    /// - Throws: `.noSuchObject`, `.unsupportedType`, `.tooLarge` (a dimension beyond `Int`, or chunks
    ///   over `maximumChunkBytes`), `.readFailed`.
    func datasetShape(_ datasetPath: String) throws(HDF5Error) -> [Int] {
        try withHDF5 { () throws(HDF5Error) -> [Int] in
            let dataset = try unlockedOpenDataset(datasetPath)
            defer { H5Dclose(dataset) }
            return try Self.declaredShape(dataset, datasetPath)
        }
    }

    /// Reads the dataset at `datasetPath` as float32, with its shape (outermost axis first; `[]` for a scalar).
    /// - Throws: as `datasetShape`, and `.tooLarge` when it holds more than `maximumElements` values.
    func readFloats(_ datasetPath: String) throws(HDF5Error) -> (shape: [Int], data: [Float]) {
        let shape = try datasetShape(datasetPath)
        return (shape, try readFloats(datasetPath, shape: shape))
    }

    /// Reads the dataset at `datasetPath`, whose header must declare exactly `shape`, as float32 into a
    /// buffer of exactly that many values. float64, float16 and integer datasets are converted by HDF5.
    /// - Throws: as `datasetShape`; `.shapeDiffers` when the header declares another shape; `.tooLarge`
    ///   when `shape` holds more than `maximumElements` values; `.readFailed`.
    func readFloats(_ datasetPath: String, shape: [Int]) throws(HDF5Error) -> [Float] {
        try withHDF5 { () throws(HDF5Error) -> [Float] in
            let dataset = try unlockedOpenDataset(datasetPath)
            defer { H5Dclose(dataset) }
            let declared = try Self.declaredShape(dataset, datasetPath)
            guard declared == shape else { throw .shapeDiffers(object: datasetPath, found: declared) }
            guard let count = Self.elementCount(shape), count <= Self.maximumElements else {
                throw .tooLarge(object: datasetPath)
            }
            if count == 0 { return [] }

            var status: herr_t = -1
            let data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                // The file's dataspace (H5S_ALL) holds exactly `count` points: checked above.
                status = H5Dread(
                    dataset, reslab_h5t_native_float(), reslab_h5s_all(), reslab_h5s_all(),
                    reslab_h5p_default(), buffer.baseAddress)
                // Float is trivial: on failure, simply declare nothing initialised.
                initialized = status < 0 ? 0 : count
            }
            if status < 0 { throw .readFailed(object: datasetPath) }
            return data
        }
    }

    /// The number of values in `shape`, or nil when the product overflows `Int`.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if dimension < 0 || overflow { return nil }
            count = product
        }
        return count
    }

    /// Opens the dataset at `datasetPath`; the caller closes it.
    private func unlockedOpenDataset(_ datasetPath: String) throws(HDF5Error) -> hid_t {
        guard unlockedObjectKind(datasetPath) == .dataset else { throw .noSuchObject(datasetPath) }
        let dataset = H5Dopen2(fileID, datasetPath, reslab_h5p_default())
        if dataset < 0 { throw .readFailed(object: datasetPath) }
        return dataset
    }

    /// What the header of an open dataset declares: its shape, after checking its type and chunks.
    private static func declaredShape(_ dataset: hid_t, _ datasetPath: String) throws(HDF5Error) -> [Int] {
        let fileType = H5Dget_type(dataset)
        if fileType < 0 { throw .readFailed(object: datasetPath) }
        defer { H5Tclose(fileType) }
        let typeClass = H5Tget_class(fileType)
        if typeClass != H5T_FLOAT && typeClass != H5T_INTEGER {
            throw .unsupportedType(object: datasetPath, detail: "not a number")
        }
        let typeSize = H5Tget_size(fileType)
        if typeSize == 0 || typeSize > 16 {
            throw .unsupportedType(object: datasetPath, detail: "\(typeSize)-byte number")
        }

        let space = H5Dget_space(dataset)
        if space < 0 { throw .readFailed(object: datasetPath) }
        defer { H5Sclose(space) }
        let shape: [Int]
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: shape = []
        case H5S_NULL: shape = [0]  // no values at all: never matches a weight's shape
        case H5S_SIMPLE: shape = try dimensions(space, datasetPath)
        default: throw .readFailed(object: datasetPath)
        }
        try checkChunks(dataset, typeSize: typeSize, datasetPath)
        return shape
    }

    /// The dimensions of a simple dataspace, each checked to fit an `Int`.
    private static func dimensions(_ space: hid_t, _ datasetPath: String) throws(HDF5Error) -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space)
        if rank < 0 || rank > 32 { throw .readFailed(object: datasetPath) }  // H5S_MAX_RANK is 32
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 && H5Sget_simple_extent_dims(space, &dims, nil) < 0 { throw .readFailed(object: datasetPath) }
        var shape: [Int] = []
        for dimension in dims {
            guard let value = Int(exactly: dimension) else { throw .tooLarge(object: datasetPath) }
            shape.append(value)
        }
        return shape
    }

    /// Refuses a chunked dataset whose chunks would take more than `maximumChunkBytes` each.
    private static func checkChunks(_ dataset: hid_t, typeSize: Int, _ datasetPath: String) throws(HDF5Error) {
        let properties = H5Dget_create_plist(dataset)
        if properties < 0 { throw .readFailed(object: datasetPath) }
        defer { H5Pclose(properties) }
        guard H5Pget_layout(properties) == H5D_CHUNKED else { return }
        var chunk = [hsize_t](repeating: 0, count: 32)
        let rank = H5Pget_chunk(properties, 32, &chunk)
        if rank < 0 || rank > 32 { throw .readFailed(object: datasetPath) }
        var bytes = UInt64(typeSize)
        for dimension in chunk.prefix(Int(rank)) {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            if overflow || product > UInt64(maximumChunkBytes) { throw .tooLarge(object: datasetPath) }
            bytes = product
        }
    }
}
