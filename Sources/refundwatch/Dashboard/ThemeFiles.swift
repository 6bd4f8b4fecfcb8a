import Foundation
import DashboardCore

/// Finds and reads `themes/NAME.toml`: the user's `$XDG_CONFIG_HOME/refundwatch/themes`, then
/// `./themes`, then the `themes` folder of the checkout the binary was built in (for `swift run`).
enum ThemeFiles {
    static func folders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        var folders = [config + "/refundwatch/themes", FileManager.default.currentDirectoryPath + "/themes"]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            folders.append(directory.appendingPathComponent("themes").path)
            directory = directory.deletingLastPathComponent()
        }
        return folders
    }

    /// The theme called `name`; the compiled-in default when no file is found for "default".
    static func load(_ name: String) -> Result<Theme, Theme.LoadError> {
        for folder in folders() {
            let path = folder + "/" + name + ".toml"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            do {
                return .success(try Theme.parse(text, file: path))
            } catch {
                return .failure(error)
            }
        }
        if name == "default" { return .success(.builtIn) }
        return .failure(Theme.LoadError(file: name + ".toml", line: nil,
                                        problem: "no such theme in \(folders().prefix(2).joined(separator: " or ")); shipped themes: \(Theme.shippedNames.joined(separator: ", "))"))
    }
}
