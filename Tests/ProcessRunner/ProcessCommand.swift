import Foundation

/// A program to run with everything about its run stated: its path (never looked up on PATH), its
/// arguments, its whole environment, what it reads, where it runs and how long it may take.
package struct ProcessCommand: Sendable, CustomStringConvertible {
    package var executable: String
    package var arguments: [String]
    package var environment: ProcessEnvironment
    package var input: ProcessInput
    package var workingDirectory: String?
    /// How long the run may take before it is killed and fails with `ProcessTimeout`; for a process
    /// a test starts and stops itself (`withProcess`), how long it may live.
    package var timeout: Duration
    /// Texts a failure's message never shows (a secret typed on a command line): each is written
    /// as `[redacted]`, as is the value of any variable of the environment whose name says it holds
    /// a secret (KEY, TOKEN, SECRET, PASS in it: PGPASSWORD, RW_TEST_KALEYRA_KEY).
    package var redacted: [String]
    /// A terminal's descriptor (a pseudo-terminal's other end) for stdin, stdout and stderr, in
    /// place of pipes: the program then sees a terminal, and whoever holds the terminal's first
    /// end reads what it draws. The runner keeps no output of such a run.
    package var terminal: Int32?

    package init(_ executable: String, _ arguments: [String] = [], environment: ProcessEnvironment = .inherited(changing: [:]),
                 input: ProcessInput = .none, workingDirectory: String? = nil, timeout: Duration = .seconds(60),
                 redacted: [String] = [], terminal: Int32? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.input = input
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.redacted = redacted
        self.terminal = terminal
    }

    /// The command line as a shell would take it, secrets redacted, for failure messages.
    package var description: String {
        ([executable] + arguments).map { redact(Self.shellWord($0)) }.joined(separator: " ")
    }

    /// `text` with every redacted string, and every secret value of the environment, replaced.
    package func redact(_ text: String) -> String {
        var out = text
        let hidden = redacted + environment.secretValues
        for secret in hidden where !secret.isEmpty { out = out.replacingOccurrences(of: secret, with: "[redacted]") }
        return out
    }

    static func shellWord(_ word: String) -> String {
        let plain = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./=:,@+%"))
        if !word.isEmpty, word.unicodeScalars.allSatisfy(plain.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// The environment a program starts with. Either way it is stated in full where the command is
/// made, never changed behind the caller's back.
package enum ProcessEnvironment: Sendable {
    /// This process's environment with some variables set (a value) or removed (nil).
    case inherited(changing: [String: String?])
    /// Exactly these variables, and no others.
    case only([String: String])

    /// The values of the variables it sets whose names say they hold a secret.
    var secretValues: [String] {
        let set: [(String, String)] = switch self {
        case .inherited(let changes): changes.compactMap { name, value in value.map { (name, $0) } }
        case .only(let variables): variables.map { ($0.key, $0.value) }
        }
        return set.filter { name, _ in ["KEY", "TOKEN", "SECRET", "PASS"].contains { name.uppercased().contains($0) } }.map(\.1)
    }
}

/// What a program reads on stdin.
package enum ProcessInput: Sendable {
    /// Nothing: end of file at once.
    case none
    /// This text, then end of file.
    case text(String)
    /// What the caller writes with `RunningProcess.write`, until it calls `closeInput()` (or the
    /// process is stopped).
    case open
}
