import ArgumentParser
import Foundation
import Platform
import ResNetIO

/// `reslab weights`: get, find and check the tutorial's weight file.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights", abstract: "Download, locate or verify the tutorial's Keras weight file.",
        subcommands: [Download.self, Path.self, Verify.self])

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch the tutorial's weights (98 MB) into the reslab cache, checking their md5.")

        @Option(help: "Download from this URL instead of the tutorial's release.")
        var url: String?

        @Option(help: "The md5 the file must have.")
        var md5: String = WeightsCache.tutorialMD5

        func run() async throws {
            let destination = WeightsCache.defaultWeightsPath
            if fileExists(destination), (try? WeightsCache.verify(path: destination, expectedMD5: md5)) != nil {
                print("already there: \(destination) (md5 \(md5))")
                return
            }
            var downloader = WeightsDownloader(expectedMD5: md5, destination: destination)
            if let url {
                guard let parsed = URL(string: url) else { throw UsageError("'\(url)' is not a URL") }
                downloader.url = parsed
            }
            let bar = ProgressBar()
            if bar.isEnabled { Terminal.writeToStandardError("downloading \(downloader.url.absoluteString)\n") }
            defer { bar.finish() }
            let path = try await downloader.download { received, total in bar.update(received: received, total: total) }
            bar.finish()
            print("saved \(path) (md5 \(md5) verified)")
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print where reslab keeps the tutorial's weights; the exit status is 1 if no file is there yet.")

        func run() throws {
            let path = WeightsCache.defaultWeightsPath
            print(path)
            guard fileExists(path) else { throw ExitCode(1) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a weight file's md5 against the tutorial's file.",
            discussion: """
                When the md5 differs, the file is read as a ResNet50 to tell a valid weight file of another \
                origin (named with its variant and md5) from a damaged one (with the reason it does not load). \
                Either way the exit status is 1: it is not the tutorial's file.
                """)

        @Argument(help: "The file to check (default: the cached file).")
        var file: String?

        @Option(help: "The md5 the file must have.")
        var md5: String = WeightsCache.tutorialMD5

        func run() throws {
            let path = try LoadedNetwork.weightsPath(file)
            let digest = try WeightsCache.verifyResNet50(path: path, expectedMD5: md5)
            print("\(path): md5 \(digest) OK")
        }
    }
}
