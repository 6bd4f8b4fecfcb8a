import TOMLKit

/// Typed, error-reporting access to one TOML table. Every error names the file and the full key.
struct TableReader {
    let table: TOMLTable
    let prefix: String
    let file: String?
    let environment: [String: String]

    func error(_ key: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(file: file, key: prefix + key, problem: problem)
    }

    func table(_ key: String) throws(ConfigurationError) -> TableReader? {
        guard let value = table[key] else { return nil }
        guard let child = value.table else { throw error(key, "expected a table ([\(prefix + key)]), found \(value.type)") }
        return TableReader(table: child, prefix: prefix + key + ".", file: file, environment: environment)
    }

    func requiredTable(_ key: String, expected: String) throws(ConfigurationError) -> TableReader {
        guard let child = try table(key) else { throw error(key, "missing; expected \(expected)") }
        return child
    }

    func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw error(key, "expected a string in quotes, found \(value.type)") }
        return text
    }

    func requiredString(_ key: String, expected: String) throws(ConfigurationError) -> String {
        guard let text = try string(key) else { throw error(key, "missing; expected \(expected)") }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw error(key, "is empty; expected \(expected)") }
        return trimmed
    }

    /// `key = "..."` inline, or `key_env = "VAR"` naming an environment variable. The value itself
    /// never appears in an error.
    func secret(_ key: String, expected: String) throws(ConfigurationError) -> Secret {
        let envKey = key + "_env"
        if let variable = try string(envKey) {
            // Someone may paste the secret itself here: never echo what is not a variable name.
            guard variable.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) != nil else {
                throw error(envKey, "is not an environment variable name (expected e.g. \"KALEYRA_API_KEY\"); to write the value itself, use \(key) = \"...\"")
            }
            guard let value = environment[variable], !value.isEmpty else {
                throw error(envKey, "names the environment variable \(variable), which is not set or empty; export it, or put \(key) in the file")
            }
            return Secret(value)
        }
        if let inline = try string(key) {
            guard !inline.isEmpty else { throw error(key, "is empty; expected \(expected)") }
            return Secret(inline)
        }
        throw error(key, "missing; expected \(expected), as \(key) = \"...\" or \(envKey) = \"ENV_VAR_NAME\"")
    }

    func number(_ key: String, range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let value = table[key] else { return nil }
        guard let number = value.double ?? value.int.map(Double.init) else {
            throw error(key, "expected a number, found \(value.type)")
        }
        guard range.contains(number) else {
            throw error(key, "\(number) is out of range; expected \(range.lowerBound.formatted()) to \(range.upperBound.formatted())")
        }
        return number
    }

    /// Seconds, written as a number of seconds or as text: "90s", "30m", "6h", "14d".
    func duration(_ key: String, range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let value = table[key] else { return nil }
        let seconds: Double
        if let number = value.double ?? value.int.map(Double.init) {
            seconds = number
        } else if let text = value.string {
            do { seconds = try DurationText.seconds(text) } catch { throw self.error(key, error.description) }
        } else {
            throw error(key, "expected seconds (a number) or a duration in quotes such as \"6h\", found \(value.type)")
        }
        guard range.contains(seconds) else {
            throw error(key, "\(DurationText.short(seconds)) is out of range; expected \(DurationText.short(range.lowerBound)) to \(DurationText.short(range.upperBound))")
        }
        return seconds
    }

    func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw error(key, "expected true or false (no quotes), found \(value.type)") }
        return flag
    }

    func integer(_ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else { throw error(key, "expected a whole number, found \(value.type)") }
        guard range.contains(number) else {
            throw error(key, "\(number) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
