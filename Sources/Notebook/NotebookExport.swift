import Foundation
import Platform
import ResNetIO

// `save NAME.ipynb` and `save NAME.md`: the session as a Jupyter notebook (nbformat 4) or as Markdown.

extension Notebook {
    func save(to path: String) throws -> String {
        var saved = Message.savedCells(cells.count, path: path).localized
        do {
            if path.hasSuffix(".ipynb") {
                // Written beside the target and renamed, so a failed save never leaves half a file.
                try atomicWrite(try ipynb().utf8, to: path)
            } else if path.hasSuffix(".md") {
                // The pictures first, each written whole, so that the Markdown never links to a missing one.
                let folder = (path as NSString).deletingPathExtension + "_files"
                let pictures = try savePictures(in: folder)
                try atomicWrite(markdown(picturesFolder: (folder as NSString).lastPathComponent).utf8, to: path)
                if pictures > 0 { saved += Message.savedPictures(pictures, folder: folder).localized }
            } else {
                throw NotebookError.unsupported(Message.saveFormats.localized)
            }
        } catch let error as FileError {
            throw NotebookError.unsupported(error.description)
        } catch let error as ImageError {
            throw NotebookError.unsupported(error.description)
        }
        return saved
    }

    /// The file a picture is saved as beside a Markdown notebook: by its cell's number and its place.
    static func pictureFileName(cell: Int, position: Int) -> String { "cell-\(cell)-\(position + 1).png" }

    /// Writes every picture of the session into `folder` as a PNG (each all or nothing), creating the folder
    /// when there are any; returns how many.
    private func savePictures(in folder: String) throws -> Int {
        let pictures = cells.flatMap { cell in
            cell.pictures.enumerated().map { (cell.number, $0.offset, $0.element) }
        }
        guard !pictures.isEmpty else { return 0 }
        let created = try makeDirectories(folder)
        do {
            for (cell, position, picture) in pictures {
                try picture.image.writePNG(to: folder + "/" + Self.pictureFileName(cell: cell, position: position))
            }
        } catch {
            // A folder made for the pictures goes again if none went into it (rmdir removes only an empty one).
            for directory in created { rmdir(directory) }
            throw error
        }
        return pictures.count
    }

    /// nbformat 4.5: one code cell per cell, with its output as a stream (or an error), then each of its
    /// pictures as a `display_data` output (`image/png`, its caption as `text/plain`), and a markdown cell
    /// for each lesson step's prose. No terminal escape codes.
    public func ipynb() throws(ImageError) -> String {
        let cellsJSON = try entries.enumerated().map { (position, entry) throws(ImageError) -> [String: Any] in
            guard case .code(let cell) = entry else {
                guard case .markdown(let text) = entry else { return [:] }
                return [
                    "cell_type": "markdown", "id": "cell-\(position + 1)", "metadata": [String: Any](),
                    "source": lines(text.withoutEscapeSequences),
                ]
            }
            var outputs = [[String: Any]]()
            if cell.isError {
                let text = cell.text.withoutEscapeSequences
                outputs.append(["output_type": "error", "ename": "ReslabError", "evalue": text, "traceback": [text]])
            } else {
                // Printed text as a stream; a bare expression's value as the cell's result, as Jupyter does.
                if !cell.printed.isEmpty {
                    outputs.append([
                        "output_type": "stream", "name": "stdout", "text": lines(cell.printed.withoutEscapeSequences),
                    ])
                }
                if let result = cell.result {
                    outputs.append([
                        "output_type": "execute_result", "execution_count": cell.number, "metadata": [String: Any](),
                        "data": ["text/plain": lines(result.withoutEscapeSequences)],
                    ])
                }
            }
            for picture in cell.pictures {
                outputs.append([
                    "output_type": "display_data", "metadata": [String: Any](),
                    "data": [
                        "image/png": Data(try picture.image.pngData()).base64EncodedString(),
                        "text/plain": lines(picture.caption),
                    ],
                ])
            }
            return [
                "cell_type": "code", "id": "cell-\(position + 1)", "execution_count": cell.number,
                "metadata": [String: Any](),
                "source": lines(cell.source), "outputs": outputs,
            ]
        }
        let notebook: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 5,
            "metadata": [
                "kernelspec": ["name": "python3", "display_name": "Python 3 (Keras)", "language": "python"],
                "language_info": ["name": "python"], "reslab": ["generator": "reslab"],
            ],
            "cells": cellsJSON,
        ]
        let data =
            (try? JSONSerialization.data(
                withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The sources of a Jupyter notebook's code cells, in order (each `source` a string or a list of
    /// lines, as nbformat allows); `nil` unless `text` is JSON holding a list of cells.
    public static func codeCells(ofJupyterNotebook text: String) -> [String]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let cells = object["cells"] as? [[String: Any]]
        else { return nil }
        return cells.compactMap { cell in
            guard cell["cell_type"] as? String == "code" else { return nil }
            if let lines = cell["source"] as? [String] { return lines.joined() }
            return cell["source"] as? String ?? ""
        }
    }

    /// Each cell as a fenced Python block, its output as a plain block below it, then its pictures, linked
    /// from `picturesFolder` (beside the Markdown file; see ``save(to:)``); lesson prose as it is.
    public func markdown(picturesFolder: String = "pictures") -> String {
        var text = "# reslab session\n"
        for entry in entries {
            switch entry {
            case .markdown(let prose):
                text += "\n" + prose.withoutEscapeSequences + "\n"
            case .code(let cell):
                text += "\n**In [\(cell.number)]:**\n\n```python\n\(cell.source)\n```\n"
                if !cell.text.isEmpty { text += "\n```\n\(cell.text.withoutEscapeSequences)\n```\n" }
                for (position, picture) in cell.pictures.enumerated() {
                    let file = picturesFolder + "/" + Self.pictureFileName(cell: cell.number, position: position)
                    text += "\n![\(markdownText(picture.caption))](\(markdownLink(file)))\n"
                }
            }
        }
        return text
    }

    /// A caption as a link's text: on one line, its brackets escaped.
    private func markdownText(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "[", with: "\\[").replacingOccurrences(of: "]", with: "\\]")
    }

    /// A relative path as a link's destination: spaces, brackets and the like percent-encoded.
    private func markdownLink(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "()")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// Jupyter stores text as a list of lines, each but the last ending in a newline.
    private func lines(_ text: String) -> [String] {
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }.filter {
            !$0.isEmpty
        }
    }
}
