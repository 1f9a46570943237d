import Foundation

/// Work on large inputs spread over the machine's cores.
public enum Parallel {
    /// The cores this process may use, read once: Foundation reads the cgroup's CPU quota from
    /// files on every call, which cost more than a one-event append.
    public static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// `items.map(transform)`, in order, computed in one slice per core when there are at least
    /// `2 * minimumSlice` items (below that a task costs more than it saves).
    public static func map<T: Sendable, R: Sendable>(
        _ items: [T], minimumSlice: Int = 512, _ transform: @escaping @Sendable (T) -> R
    ) async -> [R] {
        let slices = min(cores, items.count / minimumSlice)
        if slices < 2 { return items.map(transform) }
        let size = (items.count + slices - 1) / slices
        return await withTaskGroup(of: (Int, [R]).self) { group in
            for start in stride(from: 0, to: items.count, by: size) {
                // On the shared pool even when the caller prefers an executor of its own
                // (a connection's event loop), or the slices would take turns on one thread.
                group.addTask(executorPreference: globalConcurrentExecutor) {
                    (start, items[start..<min(start + size, items.count)].map(transform))
                }
            }
            var parts: [(start: Int, results: [R])] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.start < $1.start }.flatMap(\.results)
        }
    }
}
