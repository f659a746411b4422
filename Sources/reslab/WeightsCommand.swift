import ArgumentParser
import Foundation
import Notebook
import Platform
import ResNetIO

/// `reslab weights`: get, find and check the tutorial's weight file.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights", abstract: Message.cliWeightsAbstract.localized,
        subcommands: [Download.self, Path.self, Verify.self])

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: Message.cliDownloadAbstract.localized)

        @Option(help: ArgumentHelp(Message.cliURL.localized))
        var url: String?

        @Option(help: ArgumentHelp(Message.cliMD5.localized))
        var md5: String = WeightsCache.tutorialMD5

        func run() async throws {
            let destination = WeightsCache.defaultWeightsPath
            if fileExists(destination), (try? WeightsCache.verify(path: destination, expectedMD5: md5)) != nil {
                print(Message.alreadyDownloaded(path: destination, md5: md5).localized)
                return
            }
            var downloader = WeightsDownloader(expectedMD5: md5, destination: destination)
            if let url {
                guard let parsed = URL(string: url) else { throw UsageError(Message.notAURL(url).localized) }
                downloader.url = parsed
            }
            let bar = ProgressBar()
            if bar.isEnabled {
                Terminal.writeToStandardError(Message.downloading(downloader.url.absoluteString).localized + "\n")
            }
            defer { bar.finish() }
            let path = try await downloader.download { received, total in bar.update(received: received, total: total) }
            bar.finish()
            print(Message.savedWeights(path: path, md5: md5).localized)
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: Message.cliPathAbstract.localized)

        func run() throws {
            let path = WeightsCache.defaultWeightsPath
            print(path)
            guard fileExists(path) else { throw ExitCode(1) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: Message.cliVerifyAbstract.localized, discussion: Message.cliVerifyDiscussion.localized)

        @Argument(help: ArgumentHelp(Message.cliVerifyFile.localized))
        var file: String?

        @Option(help: ArgumentHelp(Message.cliMD5.localized))
        var md5: String = WeightsCache.tutorialMD5

        func run() throws {
            let path = try LoadedNetwork.weightsPath(file)
            let digest = try WeightsCache.verifyResNet50(path: path, expectedMD5: md5)
            print(Message.md5OK(path: path, md5: digest).localized)
        }
    }
}
