/// Runs `body` with `resource`, then awaits `stop(resource)`, whether `body` returned or threw: the
/// shape of every scoped helper of the tests and the bench (`withSimulator`, `withPostgres`,
/// `withTmux`, `ProcessRunner.withProcess`). A `defer` cannot await, and a task started in one may
/// never run, leaving a server to outlive its test.
package func scoped<Resource, T>(_ resource: Resource, stop: (Resource) async -> Void, _ body: (Resource) async throws -> T) async throws -> T {
    let result: Result<T, any Error>
    do {
        result = .success(try await body(resource))
    } catch {
        result = .failure(error)
    }
    await stop(resource)
    return try result.get()
}
